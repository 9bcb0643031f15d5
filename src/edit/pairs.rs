//! Argument forms shared by several commands: `key:value` pairs for labels
//! and annotations, comma-separated name lists, and buildMetadata options.

use indexmap::IndexMap;
use std::sync::LazyLock;

/// The buildMetadata options kustomize knows.
pub const BUILD_METADATA_OPTIONS: [&str; 3] = [
    "originAnnotations",
    "transformerAnnotations",
    "managedByLabel",
];

/// Parses `key:value` arguments (value optional, surrounding double quotes
/// dropped) in order; a repeated key takes the later value.
pub fn key_values(args: &[String], kind: &str) -> Result<IndexMap<String, String>, String> {
    let mut out = IndexMap::new();
    for arg in args {
        match arg.split_once(':') {
            Some(("", _)) => {
                return Err(format!(
                    "invalid {kind}: '{arg}' (need k:v pair where v may be quoted)"
                ));
            }
            Some((k, v)) => {
                out.insert(k.to_string(), trim_quotes(v).to_string());
            }
            None => {
                out.insert(arg.clone(), String::new());
            }
        }
    }
    Ok(out)
}

/// `create --labels a:b,c:d`: one comma-separated argument.
pub fn comma_key_values(arg: &str, kind: &str) -> Result<IndexMap<String, String>, String> {
    if arg.is_empty() {
        return Ok(IndexMap::new());
    }
    let parts: Vec<String> = arg.split(',').map(str::to_string).collect();
    key_values(&parts, kind)
}

fn trim_quotes(s: &str) -> &str {
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// An annotation key as Kubernetes allows it: an optional DNS prefix and a
/// `/`, then a name of up to 63 characters (kustomize's `set annotation` check).
pub fn is_valid_annotation_key(key: &str) -> bool {
    static KEY: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"^([a-zA-Z](([-a-zA-Z0-9.]{0,251})[a-zA-Z0-9])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$",
        )
        .unwrap_or_else(|_| unreachable!("the pattern is a constant"))
    });
    KEY.is_match(key)
}

/// `remove label a,b`: one argument, comma-separated, no empty names.
pub fn names(args: &[String], kind: &str) -> Result<Vec<String>, String> {
    match args {
        [] => Err(format!("must specify {kind}")),
        [one] => one
            .split(',')
            .map(|n| {
                if n.is_empty() {
                    Err(format!("invalid {kind}: '{n}' (name is empty)"))
                } else {
                    Ok(n.to_string())
                }
            })
            .collect(),
        _ => Err(format!("{kind}s must be comma-separated, with no spaces")),
    }
}

/// buildMetadata options: one comma-separated argument of known options.
pub fn build_metadata(args: &[String]) -> Result<Vec<String>, String> {
    match args {
        [] => Err("must specify a buildMetadata option".into()),
        [one] => one
            .split(',')
            .map(|o| {
                if BUILD_METADATA_OPTIONS.contains(&o) {
                    Ok(o.to_string())
                } else {
                    Err(format!(
                        "invalid buildMetadata option: {o} (valid: {})",
                        BUILD_METADATA_OPTIONS.join(", ")
                    ))
                }
            })
            .collect(),
        _ => Err(format!(
            "too many arguments: {}; to provide multiple buildMetadata options, please separate options by comma",
            crate::model::go_format::list(args)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn key_values_as_kustomize_reads_them() {
        let m = key_values(&s(&["a:b", "c", "d:\"x:y\"", "a:z"]), "label").unwrap();
        assert_eq!(
            m.into_iter().collect::<Vec<_>>(),
            vec![
                ("a".to_string(), "z".to_string()),
                ("c".into(), "".into()),
                ("d".into(), "x:y".into())
            ]
        );
        assert!(key_values(&s(&[":v"]), "label").is_err());
    }

    #[test]
    fn annotation_keys() {
        assert!(is_valid_annotation_key("example.com/owner"));
        assert!(is_valid_annotation_key("owner"));
        assert!(!is_valid_annotation_key("-bad"));
        assert!(!is_valid_annotation_key("a/b/c"));
    }

    #[test]
    fn build_metadata_options() {
        assert_eq!(
            build_metadata(&s(&["managedByLabel,originAnnotations"])).unwrap(),
            s(&["managedByLabel", "originAnnotations"])
        );
        assert!(build_metadata(&s(&["nope"])).is_err());
        assert!(build_metadata(&s(&["a", "b"])).is_err());
        assert!(build_metadata(&[]).is_err());
    }

    #[test]
    fn comma_names() {
        assert_eq!(names(&s(&["a,b"]), "label").unwrap(), s(&["a", "b"]));
        assert!(names(&s(&["a,"]), "label").is_err());
        assert!(names(&s(&["a", "b"]), "label").is_err());
    }
}
