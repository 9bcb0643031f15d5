//! Schema facts the strategic-merge engine needs, from the generated table.

use crate::model::resid::Gvk;
use crate::model::value::Value;
use hashbrown::HashMap;
use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Single,
    List,
    Map,
}

/// One field of a schema definition that carries merge metadata or nests a type.
#[derive(Debug)]
pub struct FieldMeta {
    pub name: &'static str,
    /// Index into `DEFINITIONS` of the field's (element) type, or `NO_DEF`.
    pub def: u16,
    pub container: Container,
    pub merge_key: &'static str,
    /// `x-kubernetes-list-map-keys` of a list with a patch strategy: kyaml
    /// merges on these (e.g. `containerPort` and `protocol`) when present.
    pub merge_keys: &'static [&'static str],
    pub strategy: &'static str,
}

pub struct KindMeta {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub def: u16,
}

pub const NO_DEF: u16 = u16::MAX;

pub use crate::load::openapi_table::{DEFINITION_NAMES, DEFINITIONS, KINDS};

/// A schema the strategic-merge engine walks: the builtin Kubernetes one, or
/// one a kustomization loads with `openapi: {path: ...}` (which, as in
/// kustomize, replaces the builtin schema).
#[derive(Debug, Default)]
pub struct SchemaTable {
    /// Each definition's fields. A builtin definition is converted from the
    /// generated table when first walked (a build touches a few dozen of
    /// the 545); a custom schema's are all set when it is read.
    defs: Vec<OnceLock<Vec<Field>>>,
    /// Definition of each kind, by kind and then group and version.
    kinds: HashMap<Text, Vec<(Text, Text, usize)>>,
}

/// Builtin text is borrowed from the generated table (start-up copies
/// nothing); a custom schema's is owned.
type Text = Cow<'static, str>;

#[derive(Debug, Clone)]
struct Field {
    name: Text,
    def: Option<usize>,
    container: Container,
    merge_key: Text,
    merge_keys: Vec<Text>,
    strategy: Text,
}

/// The fields of builtin definition `def`, from the generated table.
fn builtin_fields(def: usize) -> Vec<Field> {
    DEFINITIONS.get(def).map_or_else(Vec::new, |fields| {
        fields
            .iter()
            .map(|f| Field {
                name: Cow::Borrowed(f.name),
                def: (f.def != NO_DEF).then_some(f.def as usize),
                container: f.container,
                merge_key: Cow::Borrowed(f.merge_key),
                merge_keys: f.merge_keys.iter().map(|k| Cow::Borrowed(*k)).collect(),
                strategy: Cow::Borrowed(f.strategy),
            })
            .collect()
    })
}

static BUILTIN: LazyLock<SchemaTable> = LazyLock::new(|| SchemaTable {
    defs: (0..DEFINITIONS.len()).map(|_| OnceLock::new()).collect(),
    kinds: {
        let mut kinds: HashMap<Text, Vec<(Text, Text, usize)>> = HashMap::new();
        for k in KINDS {
            kinds.entry(Cow::Borrowed(k.kind)).or_default().push((
                Cow::Borrowed(k.group),
                Cow::Borrowed(k.version),
                k.def as usize,
            ));
        }
        kinds
    },
});

impl SchemaTable {
    pub fn builtin() -> &'static SchemaTable {
        &BUILTIN
    }

    /// The schema of a kind; `None` for kinds it does not know, which
    /// kustomize merges as plain maps with lists replaced.
    pub fn schema_for(&self, gvk: &Gvk) -> Option<SchemaRef<'_>> {
        self.kinds
            .get(gvk.kind.as_str())?
            .iter()
            .find(|(g, v, _)| *g == gvk.group && *v == gvk.version)
            .map(|(_, _, d)| SchemaRef {
                table: self,
                def: *d,
            })
    }

    /// The fields of one object schema; nested inline objects become
    /// definitions of their own.
    fn fields_of(&mut self, def: &Value, index: &HashMap<&str, usize>) -> Vec<Field> {
        let Some(props) = def.get("properties").and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut fields = Vec::new();
        for (name, prop) in props {
            let (def, container) = if let Some(items) = prop.get("items") {
                (self.element(items, index), Container::List)
            } else if let Some(values) = prop.get("additionalProperties").filter(|v| v.is_object())
            {
                (self.element(values, index), Container::Map)
            } else {
                (self.element(prop, index), Container::Single)
            };
            let text = |k: &str| -> Text {
                Cow::Owned(
                    prop.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                )
            };
            let strategy = text("x-kubernetes-patch-strategy");
            let merge_keys = match prop.get("x-kubernetes-list-map-keys") {
                Some(Value::Array(keys)) if !strategy.is_empty() => keys
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|k| Cow::Owned(k.to_string()))
                    .collect(),
                _ => Vec::new(),
            };
            fields.push(Field {
                name: Cow::Owned(name.to_string()),
                def,
                container,
                merge_key: text("x-kubernetes-patch-merge-key"),
                merge_keys,
                strategy,
            });
        }
        fields
    }

    /// The definition a schema points at: a `$ref` (also as the one entry
    /// of `allOf`), or an inline object with `properties`.
    fn element(&mut self, schema: &Value, index: &HashMap<&str, usize>) -> Option<usize> {
        let reference = schema.get("$ref").or_else(|| {
            schema
                .get("allOf")
                .and_then(Value::as_array)
                .filter(|a| a.len() == 1)?[0]
                .get("$ref")
        });
        if let Some(r) = reference.and_then(Value::as_str) {
            return index.get(r.rsplit('/').next()?).copied();
        }
        schema.get("properties")?;
        let slot = self.defs.len();
        self.defs.push(OnceLock::new());
        let fields = self.fields_of(schema, index);
        self.defs[slot] = OnceLock::from(fields);
        Some(slot)
    }

    /// Reads swagger-style `definitions` (JSON or YAML): kinds from
    /// `x-kubernetes-group-version-kind`, merge data from
    /// `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy`.
    pub fn from_definitions(doc: &Value) -> Result<SchemaTable, String> {
        Self::read_definitions(doc, None)
    }

    /// A custom schema with the builtin one read after it, as kyaml reads
    /// them when its builtin schema was asked for (to place an object)
    /// before the custom schema was chosen: builtin definitions and kinds
    /// replace custom ones of the same name, and the custom definitions'
    /// references to builtin ones resolve.
    pub fn from_definitions_then_builtin(doc: &Value) -> Result<SchemaTable, String> {
        Self::read_definitions(doc, Some(&BUILTIN))
    }

    fn read_definitions(doc: &Value, under: Option<&SchemaTable>) -> Result<SchemaTable, String> {
        let defs = doc
            .get("definitions")
            .or_else(|| doc.pointer("/components/schemas"))
            .and_then(Value::as_object)
            .ok_or("the schema has no 'definitions'")?;
        let mut table = under.map_or_else(SchemaTable::default, |b| SchemaTable {
            defs: b.defs.clone(),
            kinds: b.kinds.clone(),
        });
        let mut index: HashMap<&str, usize> = match under {
            Some(_) => DEFINITION_NAMES
                .iter()
                .enumerate()
                .map(|(i, n)| (*n, i))
                .collect(),
            None => HashMap::new(),
        };
        let builtin_count = index.len();
        // Named definitions get their slots first; inline object schemas
        // (`properties` written in place) get definitions appended after.
        let mut own: Vec<(usize, &Value)> = Vec::new();
        for (name, def) in defs {
            if index.contains_key(name.as_str()) {
                continue;
            }
            let slot = builtin_count + own.len();
            index.insert(name.as_str(), slot);
            own.push((slot, def));
        }
        table
            .defs
            .resize(builtin_count + own.len(), OnceLock::new());
        for (i, def) in own {
            let fields = table.fields_of(def, &index);
            table.defs[i] = OnceLock::from(fields);
            for gvk in def
                .get("x-kubernetes-group-version-kind")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let part = |k: &str| {
                    gvk.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                let (group, version, kind) = (part("group"), part("version"), part("kind"));
                let known = |t: &SchemaTable| {
                    t.kinds
                        .get(kind.as_str())
                        .is_some_and(|l| l.iter().any(|(g, v, _)| *g == group && *v == version))
                };
                if under.is_some_and(known) {
                    continue;
                }
                let list = table.kinds.entry(Cow::Owned(kind)).or_default();
                // A later definition of the same kind replaces an earlier one.
                list.retain(|(g, v, _)| !(*g == group && *v == version));
                list.push((Cow::Owned(group), Cow::Owned(version), i));
            }
        }
        Ok(table)
    }
}

/// A position in a schema: the definition describing the current map.
#[derive(Debug, Clone, Copy)]
pub struct SchemaRef<'a> {
    table: &'a SchemaTable,
    def: usize,
}

/// One field of a definition.
#[derive(Debug, Clone, Copy)]
pub struct FieldRef<'a> {
    table: &'a SchemaTable,
    field: &'a Field,
}

/// The builtin schema of a kind.
pub fn schema_for(gvk: &Gvk) -> Option<SchemaRef<'static>> {
    SchemaTable::builtin().schema_for(gvk)
}

impl<'a> SchemaRef<'a> {
    pub fn field(self, name: &str) -> Option<FieldRef<'a>> {
        self.table
            .defs
            .get(self.def)?
            .get_or_init(|| builtin_fields(self.def))
            .iter()
            .find(|f| f.name == name)
            .map(|field| FieldRef {
                table: self.table,
                field,
            })
    }
}

impl<'a> FieldRef<'a> {
    /// The schema of this field's value (or of its elements for lists/maps).
    pub fn element_schema(self) -> Option<SchemaRef<'a>> {
        self.field.def.map(|def| SchemaRef {
            table: self.table,
            def,
        })
    }
    pub fn strategy_has(self, s: &str) -> bool {
        self.field.strategy.split(',').any(|x| x == s)
    }
    pub fn container(self) -> Container {
        self.field.container
    }
    pub fn merge_key(self) -> &'a str {
        &self.field.merge_key
    }
    /// The keys kyaml matches list elements on: the list-map keys when the
    /// schema gives them, else the merge key; none for a list of scalars.
    pub fn merge_keys(self) -> Vec<&'a str> {
        if !self.field.merge_keys.is_empty() {
            return self.field.merge_keys.iter().map(|k| k.as_ref()).collect();
        }
        match self.field.merge_key.as_ref() {
            "" => Vec::new(),
            key => vec![key],
        }
    }
}

pub use crate::model::cluster_scope::{is_cluster_scoped, is_cluster_scoped_kind};
