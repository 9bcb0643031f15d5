//! `vars` (deprecated in kustomize, still honoured): `$(NAME)` in the fields
//! of the `varReference` config is replaced by a field of another object,
//! read after renames and hashes are final.

use crate::error::{BuildError, Result};
use crate::model::fieldspec::{self, FieldSpec};
use crate::model::go_format;
use crate::model::resid::{Gvk, IdRef, ResId};
use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::untagged::{self, NullText};
use crate::model::value::{Number, PathStep, Value};
use crate::model::written::{self, Text};
use crate::yaml::scalars;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use crate::load::kustomization::{FieldRef, ObjectRef, Var};

/// Adds `more` to `vars`, refusing a name seen before (as kustomize does).
pub fn merge(vars: &mut Vec<Var>, more: &[Var], origin: &Path) -> Result<()> {
    for v in more {
        if vars.iter().any(|x| x.name == v.name) {
            return Err(BuildError::invalid(
                origin,
                format!("var '{}' already encountered", v.name),
            ));
        }
        vars.push(v.clone());
    }
    Ok(())
}

/// Resolves every var and expands `$(NAME)` in the `varReference` fields;
/// returns the names never used (kustomize only logs them).
pub fn resolve(
    resmap: &mut ResMap,
    vars: &[Var],
    specs: &[FieldSpec],
    origin: &Path,
) -> Result<Vec<String>> {
    if vars.is_empty() {
        return Ok(Vec::new());
    }
    let mut values: BTreeMap<String, VarValue> = BTreeMap::new();
    for v in vars {
        values.insert(v.name.clone(), value_of(resmap, v, origin)?);
    }
    let mut used = BTreeSet::new();
    for r in resmap.iter_mut() {
        let gvk = r.gvk();
        untagged_to_strings(r, &gvk, specs);
        unfold(r, &gvk, specs);
        // `$(A)` a thousand times over a long value multiplies it: bounded.
        let before = crate::model::limits::measure(&r.value);
        fieldspec::visit_specs(
            &mut r.value,
            &gvk,
            specs,
            fieldspec::CreateKind::None,
            &mut |node| expand_node(node, &values, &mut used),
        )
        .map_err(|e| BuildError::invalid(origin, format!("{}: {e}", r.id())))?;
        crate::model::limits::check_grown(&r.value, Some(before), origin, "vars expansion")?;
    }
    Ok(values
        .keys()
        .filter(|k| !used.contains(*k))
        .cloned()
        .collect())
}

/// kustomize's refvar filter takes a scalar with no tag for a string and
/// tags what it visits `!!str`: an untagged number, boolean or null a
/// replacement made on a var-reference path (`env[].value`, a label) prints
/// as the string it was written as (`"3"`, `"~"`) once vars run, as it
/// would not without them.
fn untagged_to_strings(r: &mut Resource, gvk: &Gvk, specs: &[FieldSpec]) {
    if r.untagged.is_empty() {
        return;
    }
    let on_var_path: Vec<(Vec<PathStep>, Option<NullText>)> = r
        .untagged
        .iter()
        .map(|u| (u.path.to_steps(), u.null_text))
        .filter(|(path, _)| on_var_reference(path, gvk, specs))
        .collect();
    for (path, null_text) in on_var_path {
        let Some(node) = r.value.at(&path) else {
            continue;
        };
        let text = match (node, null_text) {
            (Value::Number(_) | Value::Bool(_), _) => {
                match written::text_of(&r.written, &r.value, node) {
                    Some(written) => written.as_str().to_string(),
                    None => crate::model::resource::scalar_text(node),
                }
            }
            (Value::Null, Some(text)) => text.as_str().to_string(),
            _ => continue,
        };
        if let Some(node) = r.value.at_mut(&path) {
            *node = Value::String(text.into());
        }
    }
}

/// kustomize's refvar filter sets every string it visits anew, in plain
/// style: a folded block on a var-reference path prints as it was read,
/// no longer through go-yaml's folded writer (`model::written`).
fn unfold(r: &mut Resource, gvk: &Gvk, specs: &[FieldSpec]) {
    let mut read = Vec::new();
    r.written.retain(|w| match &w.text {
        Text::Folded(text) => {
            let path = w.path.to_steps();
            let visited = on_var_reference(&path, gvk, specs);
            if visited {
                read.push((path, text.clone()));
            }
            !visited
        }
        _ => true,
    });
    for (path, text) in read {
        if let Some(node @ Value::String(_)) = r.value.at_mut(&path) {
            *node = Value::String(text.as_ref().into());
        }
    }
}

/// Whether a var-reference field spec visits the scalar at `path`: the
/// field itself, an item of the list it names, or a value of the map it
/// names (lists are crossed without a step in a field spec).
fn on_var_reference(path: &[PathStep], gvk: &Gvk, specs: &[FieldSpec]) -> bool {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|step| match step {
            PathStep::Key(k) => Some(k.as_str()),
            PathStep::Index(_) => None,
        })
        .collect();
    let map_value = matches!(path.last(), Some(PathStep::Key(_)));
    specs.iter().filter(|s| s.applies_to(gvk)).any(|spec| {
        let spec_keys: Vec<&str> = spec
            .path
            .iter()
            .map(|seg| seg.strip_suffix("[]").unwrap_or(seg))
            .collect();
        keys == spec_keys
            || (map_value && keys.len() == spec_keys.len() + 1 && keys.starts_with(&spec_keys))
    })
}

/// Binds each var to the one object its objref names, among the objects
/// accumulated so far (kustomize's MergeVars, run at the end of every
/// kustomization): the GVK must match exactly, and the namespace too when
/// the objref gives one (or the kind is cluster-scoped); any earlier id
/// counts. Two matches are an error; none leaves the var unbound.
pub fn bind(resmap: &mut ResMap, vars: &[Var], origin: &Path) -> Result<()> {
    for var in vars {
        let target = target_id(var);
        let by_namespace =
            !target.namespace.is_empty() || crate::load::openapi::is_cluster_scoped(&target.gvk);
        let matches = |id: IdRef| {
            id.same_gvk(&target.gvk)
                && id.name == target.name
                && (!by_namespace || id.same_as(&target))
        };
        let found: Vec<usize> = (0..resmap.resources.len())
            .filter(|&i| resmap.resources[i].ids().any(matches))
            .collect();
        match found.as_slice() {
            [] => {}
            [one] => resmap.resources[*one].ref_var_names.push(var.name.clone()),
            many => {
                return Err(BuildError::invalid(
                    origin,
                    format!(
                        "found {} resId matches for var {} (unable to disambiguate)",
                        many.len(),
                        var.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The id an objref names: `apiVersion` wins over `group`/`version`.
fn target_id(var: &Var) -> ResId {
    let o = &var.objref;
    let (group, version) = match o.api_version.as_deref().filter(|v| !v.is_empty()) {
        Some(av) => match av.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (o.group.clone().unwrap_or_default(), av.to_string()),
        },
        None => (
            o.group.clone().unwrap_or_default(),
            o.version.clone().unwrap_or_default(),
        ),
    };
    ResId {
        gvk: Gvk {
            group: group.into(),
            version: version.into(),
            kind: o.kind.as_str().into(),
        },
        namespace: o.namespace.clone().unwrap_or_default().into(),
        name: o.name.as_str().into(),
    }
}

fn value_of(resmap: &ResMap, var: &Var, origin: &Path) -> Result<VarValue> {
    let found = resmap.iter().find(|r| r.ref_var_names.contains(&var.name));
    let missing = || {
        BuildError::invalid(
            origin,
            format!(
                "var '{}' cannot be mapped to a field in the set of known resources",
                var.name
            ),
        )
    };
    let r = found.ok_or_else(missing)?;
    let path = var
        .fieldref
        .fieldpath
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "metadata.name".into());
    lookup(&r.value, &path)
        .and_then(|node| VarValue::of(r, node))
        .ok_or_else(|| {
            BuildError::invalid(
                origin,
                format!(
                    "field specified in var '{}' not found in corresponding resource",
                    var.name
                ),
            )
        })
}

/// A var's value as kustomize holds it: kyaml's `GetFieldValue` turns the
/// field's node into a Go value by its tag, from its text as written.
#[derive(Debug, Clone, PartialEq)]
enum VarValue {
    /// A string, or a null as the text it was written as (`~`).
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A map or list, which kustomize cannot put into a field's text: a
    /// reference to it stays as written.
    Collection,
}

impl VarValue {
    /// The value of `node`, a node of `r`; `None` where Go's `Atoi` or
    /// `ParseFloat` refuses a number's text (`0x1F`, `1_000`, an int past
    /// 64 bits), which kustomize reports as the field not found.
    fn of(r: &Resource, node: &Value) -> Option<VarValue> {
        let written = written::text_of(&r.written, &r.value, node);
        Some(match node {
            Value::String(s) => {
                VarValue::Text(written.map_or(s.as_str(), Text::as_str).to_string())
            }
            Value::Bool(b) => VarValue::Bool(*b),
            Value::Object(_) | Value::Array(_) => VarValue::Collection,
            Value::Null => {
                let text = match written {
                    Some(text) => text.as_str(),
                    None => untagged::null_text_of(&r.untagged, &r.value, node).unwrap_or("null"),
                };
                VarValue::Text(text.to_string())
            }
            Value::Number(n) => {
                let text = written.map_or(n.as_str(), Text::as_str);
                match scalars::reads_as_go_int(text) {
                    true => VarValue::Int(text.parse().ok()?),
                    false => VarValue::Float(scalars::go_parse_float(text)?),
                }
            }
        })
    }

    /// What a field that is exactly `$(NAME)` becomes: the value with its
    /// own type (kustomize's `updateNodeValue`), or nothing for a map or
    /// list, whose reference stays.
    fn node(&self) -> std::result::Result<Option<Value>, String> {
        Ok(Some(match self {
            VarValue::Text(t) => Value::String(t.as_str().into()),
            VarValue::Int(i) => Value::Number((*i).into()),
            VarValue::Float(f) => Value::Number(float_node(*f)?),
            VarValue::Bool(b) => Value::Bool(*b),
            VarValue::Collection => return Ok(None),
        }))
    }

    /// What `$(NAME)` inside a text becomes: the value as Go's `%v`
    /// prints it, or nothing for a map or list, whose reference stays.
    fn text(&self) -> Option<String> {
        Some(match self {
            VarValue::Text(t) => t.clone(),
            VarValue::Int(i) => i.to_string(),
            VarValue::Float(f) => go_format::float_g(*f),
            VarValue::Bool(b) => b.to_string(),
            VarValue::Collection => return None,
        })
    }
}

/// A float var's value as a field of its own. kustomize writes it as
/// `strconv.FormatFloat(f, 'f', -1, 64)` tagged `!!float`, and fails to
/// print the object when that text reads as an unsigned int past int64
/// (`10000000000000000000`: go-yaml decodes no such int as a float).
fn float_node(f: f64) -> std::result::Result<Number, String> {
    const INT64_END: f64 = 9_223_372_036_854_775_808.0;
    const UINT64_END: f64 = 18_446_744_073_709_551_616.0;
    if f.fract() == 0.0 && (INT64_END..UINT64_END).contains(&f) {
        return Err(format!(
            "the float {} cannot be printed as a field of its own (kustomize: cannot decode !!int as a !!float)",
            go_format::float_g(f)
        ));
    }
    Number::from_f64(f).ok_or_else(|| format!("the float {f} has no JSON form"))
}

/// A dotted field path with `name[0]` / `[0]` indices.
fn lookup<'a>(mut node: &'a Value, path: &str) -> Option<&'a Value> {
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (field, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !field.is_empty() {
            node = node.get(field)?;
        }
        for index in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            node = node.get(index.parse::<usize>().ok()?)?;
        }
    }
    Some(node)
}

/// Expands one `varReference` field. As in kustomize's refvar filter, a
/// scalar that is not a string and a map's values that are not strings are
/// left alone, but a list must hold only strings: kustomize refuses any
/// other item (`args: [--port, 8080]`), whether or not it names a var.
fn expand_node(
    node: &mut Value,
    values: &BTreeMap<String, VarValue>,
    used: &mut BTreeSet<String>,
) -> std::result::Result<(), String> {
    if let Value::Array(items) = node {
        if let Some(item) = items.iter().find(|i| !i.is_string()) {
            return Err(format!(
                "a list item is not a string: {} (vars expand lists of strings only)",
                crate::yaml::emit_document(item).trim_end()
            ));
        }
        for item in items.iter_mut() {
            expand_node(item, values, used)?;
        }
        return Ok(());
    }
    match node {
        Value::String(s) => {
            // A field that is exactly one reference takes the value's own type.
            if let Some(name) = s.strip_prefix("$(").and_then(|r| r.strip_suffix(')'))
                && let Some(v) = values.get(name)
            {
                if let Some(value) = v.node().map_err(|e| format!("var {name}: {e}"))? {
                    used.insert(name.to_string());
                    *node = value;
                }
                return Ok(());
            }
            *s = expand(s, values, used).into();
        }
        Value::Object(map) => {
            for v in map.values_mut().filter(|v| v.is_string()) {
                expand_node(v, values, used)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Kubernetes' `$(VAR)` expansion: known names are replaced, `$$` is a
/// literal `$`, anything else is kept as written.
fn expand(s: &str, values: &BTreeMap<String, VarValue>, used: &mut BTreeSet<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        // Past the object limit the caller refuses the result anyway: stop
        // copying rather than build a string of gigabytes first.
        if out.len() as u64 > crate::model::limits::MAX_OBJECT_BYTES {
            break;
        }
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('(') {
            match body.find(')') {
                Some(end) => {
                    let name = &body[..end];
                    match values.get(name).and_then(VarValue::text) {
                        Some(text) => {
                            used.insert(name.to_string());
                            out.push_str(&text);
                        }
                        None => out.push_str(&rest[i..i + 2 + end + 1]),
                    }
                    rest = &body[end + 1..];
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_kubernetes() {
        let values: BTreeMap<String, VarValue> = [
            ("A".to_string(), VarValue::Text("x".into())),
            ("N".to_string(), VarValue::Int(3)),
            ("F".to_string(), VarValue::Float(1e6)),
            ("M".to_string(), VarValue::Collection),
        ]
        .into();
        let mut used = BTreeSet::new();
        assert_eq!(
            expand("--a=$(A) $(B) $$(A) $(N) $(F) $(M)", &values, &mut used),
            "--a=x $(B) $(A) 3 1e+06 $(M)"
        );
        assert_eq!(used.len(), 3);
    }

    /// kyaml's `GetFieldValue`: a number by its text as written, through
    /// Go's `Atoi` or `ParseFloat`; a null as its text.
    #[test]
    fn reads_a_field_as_kyaml_does() {
        let doc = "a: 017\nb: 0x1F\nc: 1.50\nd: ~\ne:\nf: null\ng: 5.\nh: 9223372036854775808\n";
        let parsed = crate::yaml::parse_documents(doc).unwrap().remove(0);
        let mut r = Resource::new(parsed.value, std::path::Path::new("x.yaml"), 1);
        r.written = parsed
            .lines
            .style_paths()
            .written
            .into_iter()
            .map(|(path, text)| written::Written {
                path: crate::model::node_path::NodePath::of(&path),
                text,
            })
            .collect();
        let of = |key: &str| VarValue::of(&r, &r.value[key]);
        assert_eq!(of("a"), Some(VarValue::Int(17)));
        assert_eq!(of("b"), None);
        assert_eq!(of("c"), Some(VarValue::Float(1.5)));
        assert_eq!(of("d"), Some(VarValue::Text("~".into())));
        assert_eq!(of("e"), Some(VarValue::Text("".into())));
        assert_eq!(of("f"), Some(VarValue::Text("null".into())));
        assert_eq!(of("g"), Some(VarValue::Float(5.0)));
        assert_eq!(of("h"), None);
    }

    /// kustomize cannot print a float var that reads as an unsigned int
    /// past int64 in a field of its own.
    #[test]
    fn a_float_past_int64_cannot_stand_alone() {
        assert!(float_node(1e19).is_err());
        assert!(float_node(9.3e18).is_err());
        assert!(float_node(1e6).is_ok());
        assert!(float_node(1.8446744073709552e19).is_ok());
        assert!(float_node(-1e19).is_ok());
    }
}
