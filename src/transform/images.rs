//! `images`: rewrites container images by name (newName, newTag, digest).
//!
//! Like kustomize's legacy image filter, every `containers`/`initContainers`
//! list anywhere in an object is visited, so custom resources with pod
//! templates work. Neither that walk nor the field specs touch a
//! CustomResourceDefinition (kustomize's issue 890: a CRD's schema is not
//! an image).

use crate::load::kustomization::ImageSpec;
use crate::model::fieldspec::Trail;
use crate::model::node_path::{NodePath, Step};
use crate::model::resmap::ResMap;
use crate::model::untagged::Untagged;
use crate::model::value::{Key, Value};
use crate::yaml::parse::resolve_plain_scalar;

/// Applies the entries one after another, as kustomize runs one image
/// transformer per entry. Like kustomize, each entry first walks every
/// container list and then visits the `images` field specs, so a container
/// on a field-spec path is rewritten twice (visible only with `tagSuffix`).
pub fn apply(
    resmap: &mut ResMap,
    images: &[ImageSpec],
    specs: &[crate::model::fieldspec::FieldSpec],
) -> super::TransformResult {
    for spec in images {
        let matcher = Matcher::new(&spec.name)?;
        let one = (spec, &matcher);
        resmap.try_for_each_mut(|r| {
            if r.value.str_at("kind") == "CustomResourceDefinition" {
                return Ok(());
            }
            let mut rewritten = Vec::new();
            let quoted = r.quoted.as_slice();
            walk(&mut r.value, one, &mut Vec::new(), quoted, &mut rewritten);
            let gvk = r.gvk();
            visit_specs(&mut r.value, &gvk, specs, one, quoted, &mut rewritten)
                .map_err(|e| format!("{}: {e}", r.id()))?;
            note_untagged(&mut r.untagged, rewritten);
            Ok::<(), String>(())
        })?;
    }
    Ok(())
}

/// The `images` field specs' pass over one object.
fn visit_specs(
    value: &mut Value,
    gvk: &crate::model::resid::Gvk,
    specs: &[crate::model::fieldspec::FieldSpec],
    one: Entry,
    quoted: &[NodePath],
    rewritten: &mut Vec<NodePath>,
) -> Result<(), String> {
    crate::model::fieldspec::visit_specs_on_trail(
        value,
        gvk,
        specs,
        crate::model::fieldspec::CreateKind::None,
        &mut |node, trail| match node {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                let path = || Trail::path(trail);
                let is_quoted = quoted_at(path, quoted);
                if update_image(node, one, is_quoted) && !is_quoted {
                    let path = path();
                    if !rewritten.contains(&path) {
                        rewritten.push(path);
                    }
                }
                Ok(())
            }
            // An image a rewrite left null (`newName: "null"`) matches
            // no entry again.
            Value::Null => Ok(()),
            _ => Err("an image must be a string".into()),
        },
    )
}

/// Whether an image was written quoted (`Resource::quoted`), so that a
/// rewrite keeps it a string.
fn quoted_at(path: impl FnOnce() -> NodePath, quoted: &[NodePath]) -> bool {
    !quoted.is_empty() && quoted.contains(&path())
}

/// One `images` entry and the pattern it matches images with.
type Entry<'a> = (&'a ImageSpec, &'a Matcher);

/// Visits every container list; `rewritten` gets the path of each image
/// rewritten without quotes (`quoted` lists those written with them).
/// `at` holds the steps to `node` as `NodePath`'s interned steps, so that
/// following the path costs no allocation until an image is rewritten.
fn walk(
    node: &mut Value,
    images: Entry,
    at: &mut Vec<Step>,
    quoted: &[NodePath],
    rewritten: &mut Vec<NodePath>,
) {
    match node {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                at.push(Step::Key(*key));
                if matches!(key.as_str(), "containers" | "initContainers")
                    && let Value::Array(containers) = child
                {
                    for (i, c) in containers.iter_mut().enumerate() {
                        at.push(Step::Index(i));
                        let path = || path_of(at, Key::new("image"));
                        let is_quoted = quoted_at(path, quoted);
                        if update_container(c, images, is_quoted) && !is_quoted {
                            rewritten.push(path());
                        }
                        at.pop();
                    }
                }
                walk(child, images, at, quoted, rewritten);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                at.push(Step::Index(i));
                walk(item, images, at, quoted, rewritten);
                at.pop();
            }
        }
        _ => {}
    }
}

fn path_of(at: &[Step], last: Key) -> NodePath {
    NodePath::new(at.iter().copied().chain(std::iter::once(Step::Key(last))))
}

/// kustomize sets a rewritten image on a node without a tag
/// (`Resource::untagged`): a replacement into it later reads its text.
fn note_untagged(untagged: &mut thin_vec::ThinVec<Untagged>, mut rewritten: Vec<NodePath>) {
    rewritten.retain(|path| !untagged.iter().any(|u| u.path == *path));
    rewritten.dedup();
    // Exactly: a first push would make room for four, and a big tree keeps
    // one list per object with an image (2 MB of the 100k tree's peak).
    untagged.reserve_exact(rewritten.len());
    untagged.extend(rewritten.into_iter().map(Untagged::at));
}

fn update_container(container: &mut Value, images: Entry, quoted: bool) -> bool {
    match container.get_mut("image") {
        Some(image @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
            update_image(image, images, quoted)
        }
        _ => false,
    }
}

/// Rewrites a matching image; whether it did. kustomize sets the new text
/// on an untagged node and keeps the node's style: unquoted, text that
/// reads as another type prints as one (`newName: "5"` gives `image: 5`,
/// `"true"` gives `true`); quoted, it stays a string (`"5"`).
fn update_image(image: &mut Value, (spec, matcher): Entry, quoted: bool) -> bool {
    let text = match image {
        Value::String(s) => s.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return false,
    };
    if !matcher.matches(&text) {
        return false;
    }
    let new = rewrite(&text, spec);
    *image = match quoted {
        true => Value::String(new.into()),
        false => resolve_plain_scalar(&new),
    };
    true
}

/// kustomize's `image.IsImageMatched`: the entry's name, as a regular
/// expression (unescaped: `.` matches any character), then an optional tag
/// and digest, searched in the image text as Go's `MatchString` searches.
pub enum Matcher {
    /// `*`: Go reads `^*` as an optional anchor, so the pattern matches at
    /// the end of every image (`edit set image '*:v2'`).
    Everything,
    Pattern(regex::Regex),
    /// Not a valid pattern: from v5.8 it matches nothing.
    Nothing,
}

impl Matcher {
    pub fn new(name: &str) -> Result<Matcher, String> {
        if name == "*" {
            return Ok(Matcher::Everything);
        }
        let release = crate::release::current();
        let digest = match release.any_digest_algorithm() {
            true => "[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{}-]*",
            false => "sha256:[a-zA-Z0-9_.{}-]*",
        };
        let pattern = crate::model::go_regex::translate(name)
            .map(|go| format!("^{go}(:[a-zA-Z0-9_.{{}}-]*)?(@{digest})?$"));
        match pattern.and_then(|p| regex::Regex::new(&p).map_err(|e| e.to_string())) {
            Ok(re) => Ok(Matcher::Pattern(re)),
            Err(_) if release.any_digest_algorithm() => Ok(Matcher::Nothing),
            // kustomize before v5.8 crashes on such a name.
            Err(_) => Err(format!(
                "images: name {name:?} is not a valid pattern (kustomize {} fails on it)",
                release.version()
            )),
        }
    }

    pub fn matches(&self, image: &str) -> bool {
        match self {
            Matcher::Everything => true,
            Matcher::Pattern(re) => re.is_match(image),
            Matcher::Nothing => false,
        }
    }
}

/// kustomize's `image.Split`: name, tag, digest (a registry port is not a tag).
pub fn split_image(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@').map(|i| i + slash);
    let colon = search.find(':').map(|i| i + slash);
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (None, Some(d)) => (
            image[..d].to_string(),
            String::new(),
            image[d + 1..].to_string(),
        ),
        (Some(c), Some(d)) if d < c => (
            image[..d].to_string(),
            String::new(),
            image[d + 1..].to_string(),
        ),
        (Some(c), Some(d)) => (
            image[..c].to_string(),
            image[c + 1..d].to_string(),
            image[d + 1..].to_string(),
        ),
        (Some(c), None) => (
            image[..c].to_string(),
            image[c + 1..].to_string(),
            String::new(),
        ),
    }
}

fn rewrite(image: &str, spec: &ImageSpec) -> String {
    let (mut name, mut tag, mut digest) = split_image(image);
    let non_empty = |o: &Option<String>| o.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(n) = non_empty(&spec.new_name) {
        name = n;
    }
    match (non_empty(&spec.new_tag), non_empty(&spec.digest)) {
        (Some(t), Some(d)) => (tag, digest) = (t, d),
        (Some(t), None) => (tag, digest) = (t, String::new()),
        (None, Some(d)) => (tag, digest) = (String::new(), d),
        // kustomize only appends a tag suffix when no new tag or digest is set.
        (None, None) => {
            if let Some(suffix) = non_empty(&spec.tag_suffix) {
                tag.push_str(&suffix);
            }
        }
    }
    let mut out = name;
    if !tag.is_empty() {
        out = format!("{out}:{tag}");
    }
    if !digest.is_empty() {
        out = format!("{out}@{digest}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_registry_ports_from_tags() {
        assert_eq!(
            split_image("localhost:5000/app:v1"),
            ("localhost:5000/app".into(), "v1".into(), "".into())
        );
        assert_eq!(
            split_image("nginx@sha256:abc"),
            ("nginx".into(), "".into(), "sha256:abc".into())
        );
        assert_eq!(split_image("nginx"), ("nginx".into(), "".into(), "".into()));
    }

    #[test]
    fn new_tag_drops_digest() {
        let spec = ImageSpec {
            name: "nginx".into(),
            new_tag: Some("1.2".into()),
            ..Default::default()
        };
        assert_eq!(rewrite("nginx@sha256:abc", &spec), "nginx:1.2");
    }
}

#[cfg(test)]
mod table {
    use super::*;
    use crate::load::transformer_config::TransformerConfig;
    use crate::yaml::testing::check;

    fn image(name: &str, new_name: &str, tag: &str, digest: &str) -> ImageSpec {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        ImageSpec {
            name: name.into(),
            new_name: some(new_name),
            new_tag: some(tag),
            digest: some(digest),
            tag_suffix: None,
        }
    }

    #[test]
    fn rewrites_by_name() {
        let cases: &[(&str, &str, ImageSpec, &str)] = &[
            (
                "new tag",
                "nginx:1.0",
                image("nginx", "", "2.0", ""),
                "nginx:2.0",
            ),
            (
                "new name keeps tag",
                "nginx:1.0",
                image("nginx", "r/nginx", "", ""),
                "r/nginx:1.0",
            ),
            (
                "digest replaces tag",
                "nginx:1.0",
                image("nginx", "", "", "sha256:1"),
                "nginx@sha256:1",
            ),
            (
                "both",
                "nginx",
                image("nginx", "", "2", "sha256:1"),
                "nginx:2@sha256:1",
            ),
            (
                "other names untouched",
                "redis:7",
                image("nginx", "", "2.0", ""),
                "redis:7",
            ),
            (
                "registry port",
                "host:5000/app:1",
                image("host:5000/app", "", "2", ""),
                "host:5000/app:2",
            ),
            ("wildcard", "redis:7", image("*", "", "8", ""), "redis:8"),
        ];
        for (name, before, spec, after) in cases {
            let pod = |img: &str| {
                format!(
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - image: {img}\n    name: c\n  initContainers:\n  - image: {img}\n    name: i\n"
                )
            };
            let config = TransformerConfig::builtin();
            let images = std::slice::from_ref(spec);
            check(
                name,
                &pod(before),
                |m| apply(m, images, config.specs("images")),
                Ok(&pod(after)),
            );
        }
    }

    #[test]
    fn containers_in_custom_kinds() {
        let config = TransformerConfig::builtin();
        check(
            "custom kind",
            "apiVersion: example.com/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  deep:\n    containers:\n    - image: nginx\n",
            |m| apply(m, &[image("nginx", "", "2", "")], config.specs("images")),
            Ok(
                "apiVersion: example.com/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  deep:\n    containers:\n    - image: nginx:2\n",
            ),
        );
    }
}
