//! Resource identity: group/version/kind plus namespace and name.

use crate::model::value::{Str, Value};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Gvk {
    pub group: Str,
    pub version: Str,
    pub kind: Str,
}

impl Gvk {
    pub fn from_api_version(api_version: &str, kind: &str) -> Self {
        let (group, version) = split_api_version(api_version);
        Gvk {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    /// The GVK of an object, without building the rest of its id.
    pub fn of(value: &Value) -> Self {
        Gvk::from_api_version(value.str_at("apiVersion"), value.str_at("kind"))
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// kustomize's `Gvk.String()`, the key its legacy sort compares.
    pub fn sort_string(&self) -> String {
        fn or<'a>(s: &'a str, d: &'static str) -> &'a str {
            if s.is_empty() { d } else { s }
        }
        // Built by hand: the output sort computes one per object.
        let parts = [
            or(&self.group, "~G"),
            "_",
            or(&self.version, "~V"),
            "_",
            or(&self.kind, "~K"),
        ];
        parts.concat()
    }
}

/// Group and version: `apps/v1` -> (`apps`, `v1`), `v1` -> (``, `v1`); the
/// last `/` splits them.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    // A byte search: every id read splits an apiVersion.
    match api_version.bytes().rposition(|b| b == b'/') {
        Some(i) => (&api_version[..i], &api_version[i + 1..]),
        None => ("", api_version),
    }
}

/// The namespace kustomize gives cluster-scoped objects in comparisons.
pub const NOT_A_NAMESPACE: &str = "_non_namespaceable_";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ResId {
    pub gvk: Gvk,
    pub namespace: Str,
    pub name: Str,
}

impl ResId {
    pub fn of(value: &Value) -> Self {
        let meta = value.get("metadata").unwrap_or(&Value::Null);
        ResId {
            gvk: Gvk::of(value),
            namespace: meta.str_at("namespace").into(),
            name: meta.str_at("name").into(),
        }
    }

    /// kustomize's `ResId.String()`: `gvk|namespace|name` with `~X`/`~N` for blanks.
    pub fn sort_string(&self) -> String {
        [
            self.gvk.sort_string().as_str(),
            self.namespace_and_name_sort_text().as_str(),
        ]
        .concat()
    }

    /// What [`ResId::sort_string`] puts after the GVK: `|namespace|name`.
    pub fn namespace_and_name_sort_text(&self) -> Str {
        let ns = if self.namespace.is_empty() {
            "~X"
        } else {
            &self.namespace
        };
        let name = if self.name.is_empty() {
            "~N"
        } else {
            &self.name
        };
        let mut text = Str::with_capacity(2 + ns.len() + name.len());
        for part in ["|", ns, "|", name] {
            text.push_str(part);
        }
        text
    }

    /// kustomize's EffectiveNamespace (see [`IdRef::effective_namespace`]).
    pub fn effective_namespace(&self) -> &str {
        self.id_ref().effective_namespace()
    }

    /// kustomize's `ResId.Equals`: same GVK and name, same effective namespace.
    pub fn same_as(&self, other: &ResId) -> bool {
        self.id_ref().same_as(other)
    }

    /// The id's text, borrowed.
    pub fn id_ref(&self) -> IdRef<'_> {
        IdRef::with(&self.gvk, &self.namespace, &self.name)
    }
}

/// An id read off an object without copying anything; compares like
/// [`ResId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdRef<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
}

impl<'a> IdRef<'a> {
    /// The id of an object of `gvk` with `namespace` and `name`.
    pub fn with(gvk: &'a Gvk, namespace: &'a str, name: &'a str) -> Self {
        IdRef {
            group: &gvk.group,
            version: &gvk.version,
            kind: &gvk.kind,
            namespace,
            name,
        }
    }

    pub fn of(value: &'a Value) -> Self {
        let (group, version) = split_api_version(value.str_at("apiVersion"));
        let meta = &value["metadata"];
        IdRef {
            group,
            version,
            kind: value.str_at("kind"),
            namespace: meta.str_at("namespace"),
            name: meta.str_at("name"),
        }
    }

    /// Namespace for identity comparisons (kustomize's EffectiveNamespace):
    /// "" and "default" are the same place, and cluster-scoped kinds share
    /// one pseudo-namespace.
    pub fn effective_namespace(&self) -> &'a str {
        if crate::model::cluster_scope::is_cluster_scoped_kind(self.group, self.version, self.kind)
        {
            NOT_A_NAMESPACE
        } else if self.namespace.is_empty() {
            "default"
        } else {
            self.namespace
        }
    }

    pub fn same_gvk(&self, gvk: &Gvk) -> bool {
        self.kind == gvk.kind && self.group == gvk.group && self.version == gvk.version
    }

    /// kustomize's `ResId.Equals` against an owned id.
    pub fn same_as(&self, other: &ResId) -> bool {
        self.name == other.name
            && self.same_gvk(&other.gvk)
            && self.effective_namespace() == other.effective_namespace()
    }

    pub fn gvk(&self) -> Gvk {
        Gvk {
            group: self.group.into(),
            version: self.version.into(),
            kind: self.kind.into(),
        }
    }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.gvk.kind, self.name)?;
        if !self.gvk.group.is_empty() || !self.gvk.version.is_empty() {
            write!(f, " ({})", self.gvk.api_version())?;
        }
        if !self.namespace.is_empty() {
            write!(f, " in namespace {}", self.namespace)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_split_at_the_last_slash() {
        assert_eq!(split_api_version("apps/v1"), ("apps", "v1"));
        assert_eq!(split_api_version("v1"), ("", "v1"));
        assert_eq!(split_api_version("a/b/c"), ("a/b", "c"));
        assert_eq!(split_api_version(""), ("", ""));
        assert_eq!(split_api_version("/"), ("", ""));
    }
}
