//! Decoding configuration into Rust types the way kustomize's Go code
//! decodes it (`encoding/json` after YAML-to-JSON): struct field names match
//! case-insensitively (`nameprefix` sets `namePrefix`, `fieldPath` sets
//! `fieldpath`), an exact match wins over a folded one, and of two keys
//! naming the same field the last one wins.
//!
//! kustomization files are decoded strictly (unknown fields are errors, as
//! kustomize's decoder disallows them); builtin plugin configs leniently
//! (unknown fields are dropped, as `yaml.Unmarshal` ignores them).

use crate::model::value::{Map, Value};
use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{DeserializeOwned, Deserializer, IntoDeserializer, Visitor};

/// Unknown struct fields: an error, or ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    Deny,
    Ignore,
}

/// Decodes `value` into `T` with Go's field matching.
pub fn decode<T: DeserializeOwned>(value: Value, unknown: Unknown) -> Result<T, serde_json::Error> {
    T::deserialize(GoValue { value, unknown })
}

struct GoValue {
    value: Value,
    unknown: Unknown,
}

fn visit_map<'de, V: Visitor<'de>>(
    map: Map,
    unknown: Unknown,
    visitor: V,
) -> Result<V::Value, serde_json::Error> {
    let entries = map
        .into_iter()
        .map(move |(k, v)| (k.into_string(), GoValue { value: v, unknown }));
    let mut de = MapDeserializer::new(entries);
    let out = visitor.visit_map(&mut de)?;
    de.end()?;
    Ok(out)
}

/// Renames keys to the struct's field names as Go matches them; with
/// `Unknown::Ignore`, keys naming no field are dropped. kustomize's YAML
/// reaches encoding/json as JSON written from a Go map, so keys arrive in
/// byte order: of two keys naming one field, the one sorting last wins
/// (`nameprefix` over `namePrefix`).
fn fold_keys(map: Map, fields: &[&str], unknown: Unknown) -> Map {
    let mut out = Map::new();
    let mut entries: Vec<_> = map.into_iter().collect();
    entries.sort_by(|(a, _), (b, _)| a.as_str().cmp(b.as_str()));
    for (key, value) in entries {
        let field = fields.iter().find(|f| **f == key).or_else(|| {
            fields
                .iter()
                .find(|f| f.eq_ignore_ascii_case(&key) || f.to_lowercase() == key.to_lowercase())
        });
        match field {
            Some(f) => {
                // The last of two keys naming one field wins, as in Go.
                out.shift_remove(f);
                out.insert((*f).into(), value);
            }
            None if unknown == Unknown::Deny => {
                out.insert(key, value);
            }
            None => {}
        }
    }
    out
}

impl IntoDeserializer<'_, serde_json::Error> for GoValue {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for GoValue {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Object(map) => visit_map(map, self.unknown, visitor),
            Value::Array(items) => {
                let unknown = self.unknown;
                let mut de = SeqDeserializer::new(
                    items
                        .into_iter()
                        .map(move |v| GoValue { value: v, unknown }),
                );
                let out = visitor.visit_seq(&mut de)?;
                de.end()?;
                Ok(out)
            }
            other => other.into_json().deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Object(map) => {
                visit_map(fold_keys(map, fields, self.unknown), self.unknown, visitor)
            }
            other => other.into_json().deserialize_struct(name, fields, visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.value
            .into_json()
            .deserialize_enum(name, variants, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Inner {
        field_path: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Outer {
        name_prefix: Option<String>,
        #[serde(default)]
        refs: Vec<Inner>,
        #[serde(default)]
        labels: std::collections::BTreeMap<String, String>,
    }

    #[test]
    fn matches_fields_as_go_does() {
        let cases: Vec<(Value, Unknown, Result<Outer, ()>)> = vec![
            (
                json!({"nameprefix": "p-"}),
                Unknown::Deny,
                Ok(Outer {
                    name_prefix: Some("p-".into()),
                    ..Default::default()
                }),
            ),
            (
                json!({"refs": [{"FIELDPATH": "a.b"}]}),
                Unknown::Deny,
                Ok(Outer {
                    refs: vec![Inner {
                        field_path: Some("a.b".into()),
                    }],
                    ..Default::default()
                }),
            ),
            (
                // Keys arrive in byte order; the last naming a field wins.
                json!({"namePrefix": "a", "NAMEPREFIX": "b"}),
                Unknown::Deny,
                Ok(Outer {
                    name_prefix: Some("a".into()),
                    ..Default::default()
                }),
            ),
            (json!({"bogus": 1}), Unknown::Deny, Err(())),
            (
                json!({"bogus": 1, "namePrefix": "x"}),
                Unknown::Ignore,
                Ok(Outer {
                    name_prefix: Some("x".into()),
                    ..Default::default()
                }),
            ),
            (
                // Map keys are data, never folded.
                json!({"labels": {"NamePrefix": "v"}}),
                Unknown::Deny,
                Ok(Outer {
                    labels: [("NamePrefix".to_string(), "v".to_string())].into(),
                    ..Default::default()
                }),
            ),
        ];
        for (input, unknown, want) in cases {
            let got: Result<Outer, ()> = decode(input.clone(), unknown).map_err(|_| ());
            assert_eq!(got, want, "{input}");
        }
    }
}
