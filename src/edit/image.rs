//! `set image` arguments: `NAME[=NEWNAME][:TAG][@DIGEST]`, as kustomize
//! parses them. `*` as the new name, tag or digest keeps the value already in
//! the file; `*` as the name (`*:v2`) is an entry that matches every image.

use crate::model::value::{Map, Value};
use crate::transform::images::split_image;

/// The value that means "keep what the file has".
pub const KEEP: &str = "*";

/// One parsed argument. Empty strings mean "not set".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageArg {
    pub name: String,
    pub new_name: String,
    pub new_tag: String,
    pub digest: String,
}

/// kustomize's message for an argument it cannot read.
pub const INVALID: &str = "invalid format of image, use one of the following options:
- <image>=<newimage>:<newtag>
- <image>=<newimage>@<digest>
- <image>=<newimage>:<newtag>@<digest>
- <image>=<newimage>
- <image>:<newtag>
- <image>:<newtag>@<digest>
- <image>@<digest>";

/// Parses one argument. An image with nothing to change (`nginx`) is an
/// error, as in kustomize.
pub fn parse(arg: &str) -> Result<ImageArg, String> {
    let (key, value) = match arg.split_once('=') {
        Some((k, v)) => (Some(k), v),
        None => (None, arg),
    };
    let (name, tag, digest) = split_image(value);
    if name == arg {
        return Err(format!("'{arg}': {INVALID}"));
    }
    if key == Some("") || name.is_empty() && key.is_none() {
        return Err(format!("'{arg}': the image name is empty; {INVALID}"));
    }
    Ok(match key {
        Some(k) => ImageArg {
            name: k.to_string(),
            new_name: name,
            new_tag: tag,
            digest,
        },
        None => ImageArg {
            name,
            new_name: String::new(),
            new_tag: tag,
            digest,
        },
    })
}

impl ImageArg {
    /// The entry to write over `existing` (the file's entry of the same
    /// name, if any): `*` takes the existing value, or nothing.
    pub fn resolve(&self, existing: Option<&Value>) -> ImageArg {
        let keep = |arg: &str, field: &str| -> String {
            if arg != KEEP {
                return arg.to_string();
            }
            existing
                .and_then(|e| e.get(field))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        ImageArg {
            name: self.name.clone(),
            new_name: keep(&self.new_name, "newName"),
            new_tag: keep(&self.new_tag, "newTag"),
            digest: keep(&self.digest, "digest"),
        }
    }

    /// The fields kustomize writes, in its (alphabetical) key order.
    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("digest", self.digest.as_str()),
            ("name", self.name.as_str()),
            ("newName", self.new_name.as_str()),
            ("newTag", self.new_tag.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    pub fn to_value(&self) -> Value {
        let map: Map = self
            .fields()
            .into_iter()
            .map(|(k, v)| (k, Value::from(v)))
            .collect();
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(name: &str, new_name: &str, tag: &str, digest: &str) -> ImageArg {
        ImageArg {
            name: name.into(),
            new_name: new_name.into(),
            new_tag: tag.into(),
            digest: digest.into(),
        }
    }

    #[test]
    fn parses_kustomize_forms() {
        let d = "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3";
        assert_eq!(parse("a=b:v1").unwrap(), img("a", "b", "v1", ""));
        assert_eq!(parse("a=b").unwrap(), img("a", "b", "", ""));
        assert_eq!(parse(&format!("a=b@{d}")).unwrap(), img("a", "b", "", d));
        assert_eq!(parse(&format!("a=b:t@{d}")).unwrap(), img("a", "b", "t", d));
        assert_eq!(parse("a:v1").unwrap(), img("a", "", "v1", ""));
        assert_eq!(parse(&format!("a@{d}")).unwrap(), img("a", "", "", d));
        assert_eq!(
            parse("ngnix=localhost:5000/my-project/ngnix:dev-01").unwrap(),
            img("ngnix", "localhost:5000/my-project/ngnix", "dev-01", "")
        );
        assert_eq!(
            parse("ngnix=localhost:5000/my-project/ngnix").unwrap(),
            img("ngnix", "localhost:5000/my-project/ngnix", "", "")
        );
        assert_eq!(parse("*:v2").unwrap(), img("*", "", "v2", ""));
        assert_eq!(parse("a=*:v1").unwrap(), img("a", "*", "v1", ""));
        assert_eq!(parse("a=b:*").unwrap(), img("a", "b", "*", ""));
        assert_eq!(parse("a=b@*").unwrap(), img("a", "b", "", "*"));
        assert_eq!(
            parse("a=1234:3.2e2").unwrap(),
            img("a", "1234", "3.2e2", "")
        );
    }

    #[test]
    fn refuses_what_kustomize_refuses() {
        for bad in ["bad", "nginx", "registry.io/nginx", "=b:v1", ":v1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn star_keeps_existing_values() {
        let existing = crate::json!({"name": "a", "newName": "x", "newTag": "t", "digest": "d"});
        assert_eq!(
            parse("a=*:v1").unwrap().resolve(Some(&existing)),
            img("a", "x", "v1", "")
        );
        assert_eq!(
            parse("a=b@*").unwrap().resolve(Some(&existing)),
            img("a", "b", "", "d")
        );
        assert_eq!(parse("a=*:*").unwrap().resolve(None), img("a", "", "", ""));
    }
}
