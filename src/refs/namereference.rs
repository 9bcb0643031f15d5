//! Name-reference fix-up (kustomize's nameReference transformer): once
//! prefixes, suffixes, namespaces and hashes have renamed objects, every
//! field that names one of them by an earlier name follows it.
//!
//! Which fields refer to which kinds is configuration (the builtin
//! `nameReference` table plus `configurations:` and `crds:`). For each
//! referrer, the candidates are the objects it could see (same namespace,
//! cluster-scoped ones, the namespaces its RoleBinding subjects name),
//! sieved as kustomize sieves them: an earlier name equal to the field's
//! value, an earlier kind the reference accepts, the `roleRef` kind, the
//! referrer's namespace, then equal prefixes and suffixes. One survivor is
//! the referral; several with different names are an error.

use crate::load::openapi::{is_cluster_scoped, is_cluster_scoped_kind};
use crate::load::transformer_config::{GvkSelector, NameBackReference};
use crate::model::fieldspec::{self, CreateKind, FieldSpec};
use crate::model::resid::{Gvk, IdRef, ResId};
use crate::model::resmap::{ResMap, map_indexed, try_each_indexed_mut};
use crate::model::resource::Resource;
use crate::model::value::{Map, Str, Value};
use hashbrown::HashTable;
use std::fmt;
use std::hash::BuildHasher;

/// What the sieves need to know of a possible referral target: its current
/// id, copied before any reference changes, and (borrowed) its history and
/// affixes. A big build holds one per object: the group, version and kind
/// are shared with every object of the same kind, and what the object was
/// loaded as is read off its history when asked.
struct Candidate<'a> {
    current: CurrentId<'a>,
    /// Its resource, whose value is moved out while references change.
    history: &'a Resource,
}

/// A candidate's id as it was before references changed.
struct CurrentId<'a> {
    gvk: &'a Gvk,
    namespace: Str,
    name: Str,
}

impl CurrentId<'_> {
    fn id_ref(&self) -> IdRef<'_> {
        IdRef::with(self.gvk, &self.namespace, &self.name)
    }

    fn effective_namespace(&self) -> &str {
        self.id_ref().effective_namespace()
    }
}

impl fmt::Display for CurrentId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = ResId {
            gvk: self.gvk.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        };
        fmt::Display::fmt(&id, f)
    }
}

/// Every distinct group/version/kind among `values`, and each value's.
fn kinds_of(values: &[Value]) -> (Vec<Gvk>, Vec<u32>) {
    let mut table: hashbrown::HashMap<Gvk, u32> = hashbrown::HashMap::new();
    let mut kinds = Vec::new();
    let of = values
        .iter()
        .map(|v| {
            *table.entry(Gvk::of(v)).or_insert_with_key(|gvk| {
                kinds.push(gvk.clone());
                kinds.len() as u32 - 1
            })
        })
        .collect();
    (kinds, of)
}

impl<'a> Candidate<'a> {
    fn of(history: &'a Resource, gvk: &'a Gvk, value: &Value) -> Self {
        let meta = value.get("metadata").unwrap_or(&Value::Null);
        Candidate {
            current: CurrentId {
                gvk,
                namespace: meta.str_at("namespace").into(),
                name: meta.str_at("name").into(),
            },
            history,
        }
    }

    /// The id it was loaded as: the current one where it never changed.
    fn original(&self) -> IdRef<'_> {
        let mut original = self.current.id_ref();
        if let Some((kind, name, namespace)) = self.history.first_id() {
            original.kind = kind;
            original.name = name;
            original.namespace = namespace;
        }
        original
    }

    /// Whether the kind it was loaded as is namespaced.
    fn original_namespaced(&self) -> bool {
        let original = self.original();
        !is_cluster_scoped_kind(original.group, original.version, original.kind)
    }

    /// The effective namespace it was loaded in.
    fn original_namespace(&self) -> &str {
        self.original().effective_namespace()
    }

    /// (kind, name) of every earlier id; group and version are the current ones.
    fn previous(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        self.history.previous_kinds_and_names()
    }

    fn prefixes(&self) -> &'a [Str] {
        &self.history.name_prefixes
    }

    fn suffixes(&self) -> &'a [Str] {
        &self.history.name_suffixes
    }

    /// Whether any earlier id is of a kind `selector` selects.
    fn was_selected_by(&self, selector: &GvkSelector) -> bool {
        let gvk = &self.current.gvk;
        self.previous()
            .any(|(kind, _)| selector.selects_parts(&gvk.group, &gvk.version, kind))
    }
}

/// The referrer, as the sieves compare against it.
struct Referrer<'a> {
    current: ResId,
    prefixes: &'a [Str],
    suffixes: &'a [Str],
    role_ref: Option<GvkSelector>,
}

/// The field specs that apply to one kind: each referrer spec with its
/// target, and the same spec matching any kind (the walk applies to the
/// object as it is now).
type Filters<'s> = Vec<(&'s FieldSpec, &'s GvkSelector, FieldSpec)>;

/// Rewrites references to renamed objects.
pub fn fix(resmap: &mut ResMap, backrefs: &[NameBackReference]) -> Result<(), String> {
    let all: Vec<(&FieldSpec, &GvkSelector)> = backrefs
        .iter()
        .flat_map(|b| b.referrers.iter().map(move |spec| (spec, &b.target)))
        .collect();
    // Each object's references are read against the candidates, copied out
    // first, so objects can be fixed in any order; their histories stay in
    // place, borrowed, while the values change.
    resmap.with_values_apart(|resources, values| {
        let (kinds, kind_of) = kinds_of(values);
        // The first sieve asks for an earlier name equal to the reference:
        // only renamed objects are candidates, and a big build that renames
        // little holds few.
        let renamed: Vec<u32> = (0..resources.len())
            .filter(|&i| resources[i].first_id().is_some())
            .map(|i| i as u32)
            .collect();
        let candidates = map_indexed(renamed.len(), |at| {
            let i = renamed[at] as usize;
            Candidate::of(&resources[i], &kinds[kind_of[i] as usize], &values[i])
        });
        drop(renamed);
        let index = CandidateIndex::new(&candidates);
        // The specs that apply to a kind are found once per kind (the kind
        // each object was loaded as).
        let mut sets: Vec<Filters> = Vec::new();
        let mut by_gvk: hashbrown::HashMap<Gvk, u32> = hashbrown::HashMap::new();
        let set_of: Vec<u32> = resources
            .iter()
            .zip(&kind_of)
            .map(|(r, &kind)| {
                let mut gvk = kinds[kind as usize].clone();
                if let Some((kind, _, _)) = r.first_id() {
                    gvk.kind = kind.into();
                }
                *by_gvk.entry(gvk).or_insert_with_key(|gvk| {
                    sets.push(filters_for(&all, gvk));
                    sets.len() as u32 - 1
                })
            })
            .collect();
        drop(kind_of);
        try_each_indexed_mut(values, |i, value| match &sets[set_of[i] as usize] {
            filters if !filters.is_empty() => fix_referrer(&resources[i], value, filters, &index),
            _ => Ok(()),
        })
    })
}

fn filters_for<'s>(all: &[(&'s FieldSpec, &'s GvkSelector)], gvk: &Gvk) -> Filters<'s> {
    all.iter()
        .filter(|(spec, _)| spec.applies_to(gvk))
        .map(|&(spec, target)| {
            let path_only = FieldSpec {
                group: None,
                version: None,
                kind: None,
                ..spec.clone()
            };
            (spec, target, path_only)
        })
        .collect()
}

/// Rewrites the references of one object (`value`, moved out of `r`), at
/// the field specs that apply to the kind it was loaded as.
fn fix_referrer(
    r: &Resource,
    value: &mut Value,
    filters: &[(&FieldSpec, &GvkSelector, FieldSpec)],
    index: &CandidateIndex,
) -> Result<(), String> {
    let current = ResId::of(value);
    let visible = Visibility::of(&current, value)?;
    let referrer = Referrer {
        role_ref: role_ref(value),
        current,
        prefixes: &r.name_prefixes,
        suffixes: &r.name_suffixes,
    };
    // Name references rewrite names and namespaces, never kinds.
    let gvk = referrer.current.gvk.clone();
    for (spec, target, path_only) in filters {
        let sieve = Sieve {
            referrer: &referrer,
            target,
            role_ref_path: spec.path.ends_with(&["roleRef".into(), "name".into()]),
        };
        fieldspec::visit_specs(
            value,
            &gvk,
            std::slice::from_ref(path_only),
            CreateKind::None,
            &mut |node| sieve.set(node, index, &visible),
        )
        .map_err(|e| {
            format!(
                "updating name reference in '{}' field of '{}': {e}",
                spec.path.join("/"),
                referrer.current
            )
        })?;
    }
    Ok(())
}

/// Candidates, and those once called by a given name: the positions of
/// every earlier name's candidates lie together in `members`, so a big
/// build needs one table entry per name and four bytes per candidate name.
struct CandidateIndex<'a> {
    all: &'a [Candidate<'a>],
    by_previous_name: HashTable<Group>,
    members: Vec<u32>,
}

/// The candidates once called by one name: `members[start..end]`. The
/// table keeps no text: the name is earlier id `at` of candidate `first`,
/// and `hash` lets the table grow without reading names again.
#[derive(Clone, Copy)]
struct Group {
    hash: u32,
    first: u32,
    at: u32,
    start: u32,
    end: u32,
}

/// Whether `group` is the one of `name` (whose hash is `hash`): the table
/// shows it any entry whose hash looks alike, so both are compared.
fn is_group_of(all: &[Candidate], group: &Group, hash: u32, name: &str) -> bool {
    group.hash == hash
        && all[group.first as usize]
            .previous()
            .nth(group.at as usize)
            .is_some_and(|(_, earlier)| earlier == name)
}

static NAME_HASHER: std::sync::LazyLock<hashbrown::DefaultHashBuilder> =
    std::sync::LazyLock::new(Default::default);

/// A name's hash, kept in 32 bits and spread again over 64 for the table.
fn name_hash(name: &str) -> u32 {
    NAME_HASHER.hash_one(name) as u32
}

fn spread(hash: u32) -> u64 {
    u64::from(hash).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl<'a> CandidateIndex<'a> {
    fn new(all: &'a [Candidate<'a>]) -> Self {
        // Each candidate's distinct earlier names, in order.
        let names_of = |c: &Candidate<'a>| {
            let mut names: Vec<&'a str> = c.previous().map(|(_, name)| name).collect();
            names.sort_unstable();
            names.dedup();
            names
        };
        let mut index = CandidateIndex {
            all,
            by_previous_name: HashTable::new(),
            members: Vec::new(),
        };
        // Counted first, so each name's candidates get one stretch.
        for (i, c) in all.iter().enumerate() {
            for name in names_of(c) {
                match index.group_mut(name) {
                    Some(group) => group.end += 1,
                    None => {
                        let hash = name_hash(name);
                        let at = c
                            .previous()
                            .position(|(_, earlier)| earlier == name)
                            .unwrap_or_default();
                        index.by_previous_name.insert_unique(
                            spread(hash),
                            Group {
                                hash,
                                first: i as u32,
                                at: at as u32,
                                start: 0,
                                end: 1,
                            },
                            |g| spread(g.hash),
                        );
                    }
                }
            }
        }
        let mut next = 0u32;
        for group in index.by_previous_name.iter_mut() {
            let len = group.end;
            group.start = next;
            group.end = next;
            next += len;
        }
        index.members = vec![0u32; next as usize];
        for (i, c) in all.iter().enumerate() {
            for name in names_of(c) {
                if let Some(group) = index.group_mut(name) {
                    let at = group.end as usize;
                    group.end += 1;
                    index.members[at] = i as u32;
                }
            }
        }
        index
    }

    fn group_mut(&mut self, name: &str) -> Option<&mut Group> {
        let (all, hash) = (self.all, name_hash(name));
        self.by_previous_name
            .find_mut(spread(hash), |g| is_group_of(all, g, hash, name))
    }

    /// The visible candidates that had `name` before (the first sieve), in
    /// object order.
    fn named(&self, name: &str, visible: &Visibility) -> Vec<&'a Candidate<'a>> {
        let (all, hash) = (self.all, name_hash(name));
        let Some(group) = self
            .by_previous_name
            .find(spread(hash), |g| is_group_of(all, g, hash, name))
        else {
            return Vec::new();
        };
        self.members[group.start as usize..group.end as usize]
            .iter()
            .map(|&i| &all[i as usize])
            .filter(|c| visible.sees(c))
            .collect()
    }
}

/// kustomize's SubsetThatCouldBeReferencedByResource: a cluster-scoped
/// referrer sees everything; a namespaced one sees cluster-scoped objects,
/// its own namespace, and (a RoleBinding) its ServiceAccount subjects'
/// namespaces.
struct Visibility {
    everything: bool,
    namespace: String,
    subject_namespaces: Vec<String>,
}

impl Visibility {
    fn of(me: &ResId, object: &Value) -> Result<Visibility, String> {
        Ok(Visibility {
            everything: is_cluster_scoped(&me.gvk),
            namespace: me.effective_namespace().to_string(),
            subject_namespaces: role_binding_namespaces(me, object)?,
        })
    }

    fn sees(&self, c: &Candidate) -> bool {
        self.everything
            || is_cluster_scoped(c.current.gvk)
            || c.current.effective_namespace() == self.namespace
            || self
                .subject_namespaces
                .iter()
                .any(|ns| *ns == c.current.namespace)
    }
}

fn role_binding_namespaces(me: &ResId, object: &Value) -> Result<Vec<String>, String> {
    if me.gvk.kind != "RoleBinding" {
        return Ok(Vec::new());
    }
    let Some(Value::Array(subjects)) = object.get("subjects") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for subject in subjects {
        let (Some(ns), Some(kind)) = (subject.get("namespace"), subject.get("kind")) else {
            continue;
        };
        if kind.as_str() != Some("ServiceAccount") {
            continue;
        }
        match ns {
            Value::String(ns) => out.push(ns.to_string()),
            _ => {
                return Err(format!(
                    "Invalid Input: namespace is blank for resource \"{}\"",
                    me
                ));
            }
        }
    }
    Ok(out)
}

/// The group and kind `roleRef` names, when both are present.
fn role_ref(object: &Value) -> Option<GvkSelector> {
    let role_ref = object.get("roleRef")?;
    let text = |k: &str| role_ref.get(k).map(crate::model::resource::scalar_text);
    Some(GvkSelector {
        group: text("apiGroup")?,
        version: String::new(),
        kind: text("kind")?,
    })
}

struct Sieve<'a> {
    referrer: &'a Referrer<'a>,
    target: &'a GvkSelector,
    role_ref_path: bool,
}

impl Sieve<'_> {
    fn set(
        &self,
        node: &mut Value,
        index: &CandidateIndex,
        visible: &Visibility,
    ) -> Result<(), String> {
        match node {
            Value::Null => Ok(()),
            Value::Object(map) => self.set_mapping(map, index, visible),
            Value::Array(items) => items.iter_mut().try_for_each(|item| match item {
                Value::Null => Ok(()),
                Value::Object(map) => self.set_mapping(map, index, visible),
                Value::Array(_) => {
                    Err("a name reference must be a string or a map of strings".into())
                }
                scalar => self.set_scalar(scalar, index, visible),
            }),
            scalar => self.set_scalar(scalar, index, visible),
        }
    }

    fn set_scalar(
        &self,
        node: &mut Value,
        index: &CandidateIndex,
        visible: &Visibility,
    ) -> Result<(), String> {
        let old = crate::model::resource::scalar_text(node);
        let Some(referral) = self.select(&old, index.named(&old, visible), false)? else {
            return Ok(());
        };
        if referral.current.name != old {
            *node = Value::String(referral.current.name.as_str().into());
        }
        Ok(())
    }

    /// A `{name, namespace}` reference: candidates come from the namespace
    /// it names (original namespaces first), and the target's namespace is
    /// written in.
    fn set_mapping(
        &self,
        map: &mut Map,
        index: &CandidateIndex,
        visible: &Visibility,
    ) -> Result<(), String> {
        let Some(name) = map.get("name") else {
            return Err("path config error; no 'name' field in node".into());
        };
        let old = crate::model::resource::scalar_text(name);
        // Only candidates once called `old` can pass the first sieve.
        let candidates = index.named(&old, visible);
        let scoped: Vec<&Candidate> = match map.get("namespace") {
            None => candidates,
            Some(ns) => {
                let ns = crate::model::resource::scalar_text(ns);
                let namespaced = |id: &CurrentId| !is_cluster_scoped(id.gvk);
                let by_original: Vec<&Candidate> = candidates
                    .iter()
                    .copied()
                    .filter(|c| c.original_namespaced() && c.original_namespace() == ns)
                    .collect();
                if by_original.is_empty() {
                    candidates
                        .iter()
                        .copied()
                        .filter(|c| namespaced(&c.current) && c.current.effective_namespace() == ns)
                        .collect()
                } else {
                    by_original
                }
            }
        };
        let Some(referral) = self.select(&old, scoped, true)? else {
            return Ok(());
        };
        let (name, namespace) = (&referral.current.name, &referral.current.namespace);
        if *name == old && namespace.is_empty() {
            return Ok(());
        }
        map.insert("name".into(), Value::String(name.as_str().into()));
        if !namespace.is_empty() {
            map.insert("namespace".into(), Value::String(namespace.as_str().into()));
        }
        Ok(())
    }

    /// kustomize's selectReferral.
    fn select<'c, 'h>(
        &self,
        old: &str,
        candidates: Vec<&'c Candidate<'h>>,
        compare_namespaces: bool,
    ) -> Result<Option<&'c Candidate<'h>>, String> {
        let referrer = self.referrer;
        let mut found: Vec<&Candidate<'h>> = candidates
            .into_iter()
            .filter(|c| c.previous().any(|(_, name)| name == old))
            .filter(|c| c.was_selected_by(self.target))
            .filter(|c| match (&referrer.role_ref, self.role_ref_path) {
                (Some(rr), true) => c.was_selected_by(rr),
                _ => true,
            })
            .filter(|c| {
                is_cluster_scoped(&referrer.current.gvk)
                    || is_cluster_scoped(c.current.gvk)
                    || c.current.gvk.kind == "ServiceAccount"
                    || referrer.current.effective_namespace() == c.current.effective_namespace()
            })
            .collect();
        if found.len() == 1 {
            return Ok(found.pop());
        }
        found.retain(|c| affixes_match(referrer, c, true));
        if found.len() > 1 {
            found.retain(|c| affixes_match(referrer, c, false));
        }
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            [first, rest @ ..] => {
                let same = |c: &&Candidate| {
                    c.current.name == first.current.name
                        && (!compare_namespaces || c.current.namespace == first.current.namespace)
                };
                if rest.iter().all(same) {
                    return Ok(Some(*first));
                }
                let ids: Vec<String> = found.iter().map(|c| c.current.to_string()).collect();
                Err(format!(
                    "found multiple possible referrals: {}",
                    ids.join(", ")
                ))
            }
        }
    }
}

/// kustomize's PrefixesSuffixesEquals: the shorter list of affixes is the
/// tail of the longer; with `allow_empty`, an empty list matches anything.
fn affixes_match(referrer: &Referrer, c: &Candidate, allow_empty: bool) -> bool {
    if allow_empty {
        let prefix_ok = referrer.prefixes.is_empty()
            || c.prefixes().is_empty()
            || same_ending(referrer.prefixes, c.prefixes());
        let suffix_ok = referrer.suffixes.is_empty()
            || c.suffixes().is_empty()
            || same_ending(referrer.suffixes, c.suffixes());
        prefix_ok && suffix_ok
    } else {
        same_ending(referrer.prefixes, c.prefixes()) && same_ending(referrer.suffixes, c.suffixes())
    }
}

/// True when the shorter slice ends the longer one; an empty slice only
/// matches an empty one.
fn same_ending(a: &[Str], b: &[Str]) -> bool {
    let (short, long) = if a.len() > b.len() { (b, a) } else { (a, b) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<Str> {
        s.iter().map(|x| Str::from(*x)).collect()
    }

    /// A ConfigMap first called `names[0]`, renamed to each next name.
    fn renamed(names: &[&str]) -> Resource {
        let mut r = Resource::new(
            crate::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": names[0]}}),
            std::path::Path::new("x.yaml"),
            1,
        );
        for name in &names[1..] {
            r.store_previous_id();
            r.set_name(name);
        }
        r
    }

    /// Candidates for `resources`, all of kind `gvk`, read in place.
    fn candidates_of<'a>(resources: &'a [Resource], gvk: &'a Gvk) -> Vec<Candidate<'a>> {
        resources
            .iter()
            .map(|r| Candidate::of(r, gvk, &r.value))
            .collect()
    }

    /// The earlier-name index answers each name with exactly the objects
    /// once called so, also when one object had several names and another
    /// shares only one of them: thousands of names make the table show
    /// lookups entries of other names whose hashes look alike, which once
    /// answered `x` with the objects of `y` (a fuzzed tree's output then
    /// changed from run to run).
    #[test]
    fn each_earlier_name_finds_exactly_its_objects() {
        let n = 3000;
        let names: Vec<[String; 4]> = (0..n)
            .map(|i| {
                [
                    format!("x{i}"),
                    format!("y{i}"),
                    format!("z{i}"),
                    format!("w{i}"),
                ]
            })
            .collect();
        let resources: Vec<Resource> = names
            .iter()
            .flat_map(|[x, y, z, w]| [renamed(&[x, y, z]), renamed(&[y, w])])
            .collect();
        let gvk = Gvk::from_api_version("v1", "ConfigMap");
        let candidates = candidates_of(&resources, &gvk);
        let index = CandidateIndex::new(&candidates);
        let everything = Visibility {
            everything: true,
            namespace: String::new(),
            subject_namespaces: Vec::new(),
        };
        let found = |name: &str| -> Vec<String> {
            index
                .named(name, &everything)
                .iter()
                .map(|c| c.current.name.to_string())
                .collect()
        };
        for [x, y, z, w] in &names {
            assert_eq!(found(x), std::slice::from_ref(z), "{x}");
            assert_eq!(found(y), [z.clone(), w.clone()], "{y}");
            assert!(found(z).is_empty() && found(w).is_empty(), "{z} {w}");
        }
    }

    /// A group answers only for its own name, though its first member's
    /// history may hold others (the table hands the check any entry whose
    /// hash looks alike).
    #[test]
    fn a_group_is_only_its_own_names() {
        let resources = [renamed(&["x", "y", "z"]), renamed(&["y", "w"])];
        let gvk = Gvk::from_api_version("v1", "ConfigMap");
        let candidates = candidates_of(&resources, &gvk);
        let index = CandidateIndex::new(&candidates);
        let groups: Vec<&Group> = index.by_previous_name.iter().collect();
        assert_eq!(groups.len(), 2);
        let of = |name: &str| {
            groups
                .iter()
                .filter(|g| is_group_of(&candidates, g, name_hash(name), name))
                .map(|g| g.end - g.start)
                .collect::<Vec<_>>()
        };
        assert_eq!(of("x"), [1]);
        assert_eq!(of("y"), [2]);
        assert!(of("z").is_empty());
    }

    #[test]
    fn affix_tails() {
        let cases = [
            (v(&[]), v(&[]), true),
            (v(&["a"]), v(&[]), false),
            (v(&["a", "b"]), v(&["b"]), true),
            (v(&["a", "b"]), v(&["a"]), false),
            (v(&["x"]), v(&["x"]), true),
        ];
        for (a, b, want) in cases {
            assert_eq!(same_ending(&a, &b), want, "{a:?} {b:?}");
        }
    }

    /// Objects as a kustomization with `namePrefix: p-` leaves them (every
    /// name prefixed, the old id kept as a previous id), then name
    /// references fixed (kustomize's order).
    fn renamed_then_fixed(input: &str) -> Result<String, String> {
        let config = crate::load::transformer_config::TransformerConfig::builtin();
        let mut m = crate::yaml::testing::resmap(input);
        for r in m.iter_mut() {
            let name = format!("p-{}", r.name());
            r.add_name_prefix("p-");
            r.store_previous_id();
            r.set_name(&name);
        }
        fix(&mut m, &config.name_references)?;
        Ok(crate::yaml::testing::emit(&m))
    }

    /// A ConfigMap called `cfg` in namespace `ns`.
    fn cm(ns: &str) -> String {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: {ns}\n")
    }

    #[test]
    fn references_follow_renames() {
        let pod = |pod: &str, ns: &str, cfg: &str| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {pod}\n  namespace: {ns}\nspec:\n  containers:\n  - envFrom:\n    - configMapRef:\n        name: {cfg}\n    name: c\n"
            )
        };
        let cases: Vec<(&str, String, Result<String, &str>)> = vec![
            (
                "a renamed ConfigMap is followed",
                format!("{}---\n{}", cm("a"), pod("web", "a", "cfg")),
                Ok(format!(
                    "{}---\n{}",
                    cm("a").replace("name: cfg", "name: p-cfg"),
                    pod("p-web", "a", "p-cfg")
                )),
            ),
            (
                "a ConfigMap in another namespace is not seen",
                format!("{}---\n{}", cm("b"), pod("web", "a", "cfg")),
                Ok(format!(
                    "{}---\n{}",
                    cm("b").replace("name: cfg", "name: p-cfg"),
                    pod("p-web", "a", "cfg")
                )),
            ),
            (
                "of two same-named ConfigMaps, the one in the referrer's namespace",
                format!("{}---\n{}---\n{}", cm("a"), cm("b"), pod("web", "b", "cfg")),
                Ok(format!(
                    "{}---\n{}---\n{}",
                    cm("a").replace("name: cfg", "name: p-cfg"),
                    cm("b").replace("name: cfg", "name: p-cfg"),
                    pod("p-web", "b", "p-cfg")
                )),
            ),
            (
                "a name never renamed is left alone",
                pod("web", "a", "other"),
                Ok(pod("p-web", "a", "other")),
            ),
        ];
        for (name, input, want) in cases {
            match (renamed_then_fixed(&input), want) {
                (Ok(out), Ok(want)) => assert_eq!(out, want, "case {name}"),
                (got, want) => panic!("case {name}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn cluster_scoped_referrers_see_every_namespace() {
        let sa = |ns: &str| {
            format!(
                "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n  namespace: {ns}\n"
            )
        };
        let crb = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: crb\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: r\nsubjects:\n- kind: ServiceAccount\n  name: runner\n  namespace: a\n";
        let out = renamed_then_fixed(&format!("{}---\n{crb}", sa("a"))).unwrap();
        assert!(
            out.contains("- kind: ServiceAccount\n  name: p-runner\n  namespace: a\n"),
            "{out}"
        );
        // Two ConfigMaps once called `cfg`, both visible to a ClusterRole:
        // they share their new name too, so kustomize takes it.
        let cr = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules:\n- apiGroups: [\"\"]\n  resourceNames: [cfg]\n  resources: [configmaps]\n  verbs: [get]\n";
        let out = renamed_then_fixed(&format!("{}---\n{}---\n{cr}", cm("a"), cm("b"))).unwrap();
        assert!(out.contains("resourceNames:\n  - p-cfg\n"), "{out}");
    }
}
