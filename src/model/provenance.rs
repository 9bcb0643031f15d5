//! Field-level provenance: for every field of every output object, the file
//! and line that last set it (a resource file, a patch, a generator entry or
//! a transformer's field in a kustomization).
//!
//! Fields are named by keyed paths, `spec.template.spec.containers[name=app].image`:
//! a list element is named by the first of its identifying fields (`name`,
//! `containerPort`, `port`, `mountPath`, ...) that is unique in its list, or
//! by its index. Keyed paths survive strategic merges that reorder lists,
//! and the same names work in patch files, so a patch's line can be found.

use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::value::{Key, Value};
use hashbrown::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

/// Who set a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    /// 1-based; 0 when no single line applies.
    pub line: usize,
    /// What did it: "resource", "strategic merge patch", "images", ...
    pub by: String,
}

/// Who set each field of one object, and what each field held then.
///
/// A big explained build holds one entry per field of every object, so an
/// entry is five integers: the keyed path and the (file, by) pair are
/// interned process-wide (a build repeats a few of each in every object),
/// and instead of a copy of the object as last observed, each field keeps
/// a hash of its value and the object one of all of it, which is what
/// telling changed fields apart needs.
#[derive(Debug, Clone, Default)]
pub struct FieldOrigins {
    /// [`value_hash`] of the object when last observed.
    hash: u64,
    /// By path id, one per path.
    fields: Box<[Field]>,
    /// None for the many objects nothing overwrites: one word each.
    chain: Option<Box<Chain>>,
}

/// Path ids of fields a later step overwrote (sorted), and, for the
/// fields [`watch`] names, every value set with who set it.
#[derive(Debug, Clone, Default)]
struct Chain {
    overwritten: Vec<u32>,
    settings: Vec<Setting>,
}

/// One value a field was given, and who gave it.
#[derive(Debug, Clone)]
struct Setting {
    path: u32,
    line: u32,
    source: u32,
    value: Value,
}

#[derive(Debug, Clone, Copy)]
struct Field {
    path: u32,
    line: u32,
    source: u32,
    /// [`value_hash`] of the field's value, in two halves: the entry stays
    /// 4-aligned, 20 bytes.
    hash: [u32; 2],
}

impl Field {
    fn hash(&self) -> u64 {
        u64::from(self.hash[0]) | (u64::from(self.hash[1]) << 32)
    }
}

impl FieldOrigins {
    pub fn new() -> Self {
        Self::default()
    }

    fn field(&self, path: &str) -> Option<&Field> {
        let id = PATHS.lock().ok()?.ids.get(path).copied()?;
        self.fields
            .binary_search_by_key(&id, |f| f.path)
            .ok()
            .map(|i| &self.fields[i])
    }

    /// The origin of the field at a keyed path.
    pub fn get(&self, path: &str) -> Option<Origin> {
        self.get_ref(path)?.origin()
    }

    /// The origin of the field at a keyed path, as kept (two integers).
    pub fn get_ref(&self, path: &str) -> Option<OriginRef> {
        self.field(path).map(|f| OriginRef {
            line: f.line,
            source: f.source,
        })
    }

    pub fn contains_key(&self, path: &str) -> bool {
        self.field(path).is_some()
    }

    /// Whether a step overwrote the field at `path` (it has a chain).
    pub fn overwritten(&self, path: &str) -> bool {
        let Some(chain) = &self.chain else {
            return false;
        };
        path_id(path).is_some_and(|id| chain.overwritten.binary_search(&id).is_ok())
    }

    /// Whether any field has a chain.
    pub fn any_overwritten(&self) -> bool {
        self.chain
            .as_ref()
            .is_some_and(|c| !c.overwritten.is_empty())
    }

    /// The values the field at `path` had before its current one, newest
    /// first, each with who had set it; empty unless [`watch`] named it for
    /// the build.
    pub fn earlier(&self, path: &str) -> Vec<(Origin, &Value)> {
        let (Some(chain), Some(id)) = (&self.chain, path_id(path)) else {
            return Vec::new();
        };
        let mut set: Vec<&Setting> = chain.settings.iter().filter(|s| s.path == id).collect();
        // The last setting is the current value.
        set.pop();
        set.iter()
            .rev()
            .filter_map(|s| {
                let origin = OriginRef {
                    line: s.line,
                    source: s.source,
                }
                .origin()?;
                Some((origin, &s.value))
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// An origin as an object keeps it: to hold many at little cost.
#[derive(Debug, Clone, Copy)]
pub struct OriginRef {
    line: u32,
    source: u32,
}

impl OriginRef {
    /// None: [`OriginRef::origin`] finds no source for it.
    pub const UNKNOWN: OriginRef = OriginRef {
        line: 0,
        source: u32::MAX,
    };

    pub fn origin(self) -> Option<Origin> {
        let sources = SOURCES.lock().ok()?;
        let (file, by) = sources.list.get(self.source as usize)?;
        Some(Origin {
            file: file.clone(),
            line: self.line as usize,
            by: by.clone(),
        })
    }
}

/// Keyed paths by id. Ids are never reused, so an object's fields stay
/// valid for the life of the process; the table grows with the distinct
/// paths seen, not with the objects.
#[derive(Default)]
struct Paths {
    ids: HashMap<Box<str>, u32>,
}

/// (file, by) pairs by id, and back.
#[derive(Default)]
struct Sources {
    ids: HashMap<(PathBuf, String), u32>,
    list: Vec<(PathBuf, String)>,
}

static PATHS: LazyLock<Mutex<Paths>> = LazyLock::new(Default::default);

fn path_id(path: &str) -> Option<u32> {
    PATHS.lock().ok()?.ids.get(path).copied()
}

/// Which objects a watched field belongs to, the same in every build of a
/// tree and through merges: the kind and the name an object was loaded
/// with. Objects that share it watch each other's fields too, which costs
/// a few values and changes nothing: each keeps only its own.
pub type ObjectKey = (String, String);

pub fn object_key(r: &Resource) -> ObjectKey {
    let id = r.original_id();
    (id.gvk.kind.to_string(), id.name.to_string())
}

/// The fields whose every value a build keeps, by object: what a first
/// build found overwritten, so a second can show each field's chain
/// without keeping a copy of every object.
static WATCH: LazyLock<Mutex<HashMap<ObjectKey, Vec<u32>>>> = LazyLock::new(Default::default);

/// Names the fields of `resources` that have a chain for the next builds
/// (until [`unwatch`]); false when there are none.
pub fn watch(resources: &[Resource]) -> bool {
    let mut watch = WATCH.lock().unwrap_or_else(|e| e.into_inner());
    watch.clear();
    for r in resources {
        let chain = r.origins.as_ref().and_then(|o| o.chain.as_ref());
        if let Some(chain) = chain.filter(|c| !c.overwritten.is_empty()) {
            let paths = watch.entry(object_key(r)).or_default();
            paths.extend(&chain.overwritten);
            paths.sort_unstable();
            paths.dedup();
        }
    }
    !watch.is_empty()
}

pub fn unwatch() {
    WATCH.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

fn watched(r: &Resource) -> Vec<u32> {
    let watch = WATCH.lock().unwrap_or_else(|e| e.into_inner());
    if watch.is_empty() {
        return Vec::new();
    }
    watch.get(&object_key(r)).cloned().unwrap_or_default()
}
static SOURCES: LazyLock<Mutex<Sources>> = LazyLock::new(Default::default);

/// One seed per process: hashes are only compared within it, and a
/// collision only leaves a changed field with its earlier origin.
static HASHER: LazyLock<hashbrown::DefaultHashBuilder> = LazyLock::new(Default::default);

/// A hash of `value` consistent with its equality: mappings are hashed
/// without regard to key order, as they compare.
pub fn value_hash(value: &Value) -> u64 {
    let mut h = HASHER.build_hasher();
    hash_into(value, &mut h);
    h.finish()
}

fn hash_into(value: &Value, h: &mut impl Hasher) {
    match value {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => (2u8, n).hash(h),
        Value::String(s) => (3u8, s.as_str()).hash(h),
        Value::Array(items) => {
            (4u8, items.len()).hash(h);
            for item in items {
                hash_into(item, h);
            }
        }
        Value::Object(map) => {
            // Entries are hashed one by one and summed: the order drops out.
            let sum = map.iter().fold(0u64, |sum, (k, v)| {
                let mut entry = HASHER.build_hasher();
                k.as_str().hash(&mut entry);
                hash_into(v, &mut entry);
                sum.wrapping_add(entry.finish())
            });
            (5u8, map.len(), sum).hash(h);
        }
    }
}

pub const ELEMENT_KEYS: &[&str] = &[
    "name",
    "containerPort",
    "port",
    "mountPath",
    "devicePath",
    "ip",
    "topologyKey",
    "key",
    "type",
];

/// The key naming each element of `items`, or `None` to name them by index.
pub fn element_key(items: &[Value]) -> Option<&'static str> {
    ELEMENT_KEYS.iter().copied().find(|k| identifies(items, k))
}

/// Whether every item holds a scalar at `key`, each a different one.
pub fn identifies(items: &[Value], key: &str) -> bool {
    let mut seen = Vec::new();
    items.iter().all(
        |item| match item.get(key).filter(|v| !v.is_object() && !v.is_array()) {
            Some(v) if !seen.contains(&v) => {
                seen.push(v);
                true
            }
            _ => false,
        },
    )
}

/// The keyed path of a leaf that [`leaves`] named `leaf` inside the value at `prefix`.
pub fn leaf_path(prefix: &str, leaf: &str) -> String {
    match leaf {
        "" => prefix.to_string(),
        l if l.starts_with('[') => format!("{prefix}{l}"),
        l => join(prefix, l),
    }
}

pub fn segment(items: &[Value], key: Option<&str>, index: usize) -> String {
    match key {
        Some(k) => format!(
            "[{k}={}]",
            crate::model::resource::scalar_text(&items[index][k])
        ),
        None => format!("[{index}]"),
    }
}

pub fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

/// Every leaf (scalar, or empty map/list) of `value` by keyed path.
pub fn leaves(value: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    collect_leaves(value, String::new(), &mut out);
    out
}

fn collect_leaves<'a>(value: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            // In printed order, so `explain` and `diff` read like the YAML.
            let mut keys: Vec<&Key> = map.keys().collect();
            crate::model::key_order::sort_keys(&mut keys, |k| k);
            for k in keys {
                collect_leaves(&map[k], join(&path, k), out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let key = element_key(items);
            for (i, v) in items.iter().enumerate() {
                collect_leaves(v, format!("{path}{}", segment(items, key, i)), out);
            }
        }
        _ => out.push((path, value)),
    }
}

/// Provenance observes the build rather than wrapping its steps: the build
/// reports each step as it finishes, and every field that changed since the
/// object was last observed (or every field of an object the step made) is
/// attributed to that step. When tracking is off a report costs nothing.
pub fn observe_step(
    resmap: &mut ResMap,
    tracking: bool,
    origin_of: &dyn Fn(&Resource, &str) -> Origin,
) {
    if !tracking {
        return;
    }
    // Observing changes no id: the index stays valid.
    for r in resmap.resources.iter_mut() {
        let hash = value_hash(&r.value);
        if r.origins.as_ref().is_some_and(|o| o.hash == hash) {
            continue;
        }
        let mut origins = r.origins.take().unwrap_or_default();
        let res: &Resource = r;
        let watched = watched(res);
        record(&mut origins, &res.value, hash, &watched, &|p| {
            origin_of(res, p)
        });
        r.origins = Some(origins);
    }
}

/// Attributes every leaf of the object `r` holds that is new or changed
/// since `origins` last saw it to `origin_of(path)`.
pub fn record_changes(
    origins: &mut FieldOrigins,
    r: &Resource,
    origin_of: &dyn Fn(&str) -> Origin,
) {
    record(
        origins,
        &r.value,
        value_hash(&r.value),
        &watched(r),
        origin_of,
    );
}

fn record(
    origins: &mut FieldOrigins,
    after: &Value,
    hash: u64,
    watched: &[u32],
    origin_of: &dyn Fn(&str) -> Origin,
) {
    let new = leaves(after);
    let ids: Vec<u32> = {
        let mut paths = PATHS.lock().unwrap_or_else(|e| e.into_inner());
        new.iter()
            .map(|(p, _)| {
                if let Some(&id) = paths.ids.get(p.as_str()) {
                    return id;
                }
                let id = paths.ids.len() as u32;
                paths.ids.insert(p.as_str().into(), id);
                id
            })
            .collect()
    };
    let old = std::mem::take(&mut origins.fields);
    let before = |id: u32| {
        old.binary_search_by_key(&id, |f| f.path)
            .ok()
            .map(|i| old[i])
    };
    // One source per step mostly: the last one is reused without a lock.
    let mut last: Option<(Origin, u32)> = None;
    let mut source_of = |origin: Origin| -> u32 {
        if let Some((o, id)) = &last
            && o.file == origin.file
            && o.by == origin.by
        {
            return *id;
        }
        let mut sources = SOURCES.lock().unwrap_or_else(|e| e.into_inner());
        let key = (origin.file.clone(), origin.by.clone());
        let id = match sources.ids.get(&key) {
            Some(&id) => id,
            None => {
                let id = sources.list.len() as u32;
                sources.list.push(key.clone());
                sources.ids.insert(key, id);
                id
            }
        };
        last = Some((origin, id));
        id
    };
    let mut overwritten = Vec::new();
    let mut settings = Vec::new();
    let mut fields: Vec<Field> = new
        .iter()
        .zip(ids)
        .map(|((path, value), id)| {
            let hash = value_hash(value);
            let was = before(id);
            let (line, source) = match was.filter(|f| f.hash() == hash) {
                Some(f) => (f.line, f.source),
                None => {
                    let origin = origin_of(path);
                    let line = u32::try_from(origin.line).unwrap_or(u32::MAX);
                    let source = source_of(origin);
                    if was.is_some() {
                        overwritten.push(id);
                    }
                    if watched.binary_search(&id).is_ok() {
                        settings.push(Setting {
                            path: id,
                            line,
                            source,
                            value: (*value).clone(),
                        });
                    }
                    (line, source)
                }
            };
            Field {
                path: id,
                line,
                source,
                hash: [hash as u32, (hash >> 32) as u32],
            }
        })
        .collect();
    // A path seen twice (a key holding a dot, `a.b` beside `a: {b}`) ends
    // as a map of paths would leave it: the last value's hash, and the
    // origin of the last write that changed it.
    fields.sort_by_key(|f| f.path);
    fields.dedup_by(|later, kept| {
        if later.path != kept.path {
            return false;
        }
        let unchanged = before(later.path).is_some_and(|f| f.hash() == later.hash());
        if !unchanged {
            (kept.line, kept.source) = (later.line, later.source);
        }
        kept.hash = later.hash;
        true
    });
    origins.fields = fields.into_boxed_slice();
    origins.hash = hash;
    if origins.chain.is_none() && overwritten.is_empty() && settings.is_empty() {
        return;
    }
    // A field that disappeared takes its chain with it.
    let present = |id: &u32| origins.fields.binary_search_by_key(id, |f| f.path).is_ok();
    let chain = origins.chain.get_or_insert_default();
    chain.overwritten.retain(present);
    chain.overwritten.extend(overwritten);
    chain.overwritten.sort_unstable();
    chain.overwritten.dedup();
    chain.settings.retain(|s| present(&s.path));
    chain.settings.extend(settings);
    if chain.overwritten.is_empty() && chain.settings.is_empty() {
        origins.chain = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    /// An explained build holds one per object, most with no chain.
    #[test]
    fn origins_stay_small() {
        assert!(
            std::mem::size_of::<FieldOrigins>() <= 32,
            "{}",
            std::mem::size_of::<FieldOrigins>()
        );
    }

    #[test]
    fn names_list_elements_by_their_key() {
        let v =
            json!({"spec": {"containers": [{"name": "app", "image": "x"}], "args": ["a", "b"]}});
        let paths: Vec<String> = leaves(&v).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "spec.args[0]",
                "spec.args[1]",
                "spec.containers[name=app].image",
                "spec.containers[name=app].name"
            ]
        );
    }
}
