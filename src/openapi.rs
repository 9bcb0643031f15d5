//! Schema facts the strategic-merge engine needs, from the generated table.

use crate::resid::Gvk;
use std::collections::HashMap;
use std::sync::LazyLock;

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
    pub strategy: &'static str,
}

pub struct KindMeta {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub def: u16,
}

pub const NO_DEF: u16 = u16::MAX;

pub use crate::openapi_table::{DEFINITIONS, KINDS};

/// A position in the schema: the definition describing the current map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaRef(pub u16);

static BY_GVK: LazyLock<HashMap<(&'static str, &'static str, &'static str), u16>> =
    LazyLock::new(|| KINDS.iter().map(|k| ((k.group, k.version, k.kind), k.def)).collect());

/// The schema of a built-in kind; `None` for CRDs and unknown kinds, which
/// kustomize merges as plain maps with lists replaced.
pub fn schema_for(gvk: &Gvk) -> Option<SchemaRef> {
    BY_GVK.get(&(gvk.group.as_str(), gvk.version.as_str(), gvk.kind.as_str())).map(|d| SchemaRef(*d))
}

impl SchemaRef {
    pub fn field(self, name: &str) -> Option<&'static FieldMeta> {
        DEFINITIONS[self.0 as usize].iter().find(|f| f.name == name)
    }
}

impl FieldMeta {
    /// The schema of this field's value (or of its elements for lists/maps).
    pub fn element_schema(&self) -> Option<SchemaRef> {
        (self.def != NO_DEF).then_some(SchemaRef(self.def))
    }
    pub fn strategy_has(&self, s: &str) -> bool {
        self.strategy.split(',').any(|x| x == s)
    }
}

/// Built-in kinds that live outside namespaces; the namespace transformer
/// leaves them alone, as kustomize does using its OpenAPI scope data.
pub fn is_cluster_scoped(gvk: &Gvk) -> bool {
    const CLUSTER_SCOPED: &[&str] = &[
        "APIService", "CSIDriver", "CSINode", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding",
        "ComponentStatus", "CustomResourceDefinition", "FlowSchema", "IngressClass", "MutatingWebhookConfiguration",
        "Namespace", "Node", "PersistentVolume", "PodSecurityPolicy", "PriorityClass", "PriorityLevelConfiguration",
        "RuntimeClass", "SelfSubjectAccessReview", "SelfSubjectRulesReview", "StorageClass", "SubjectAccessReview",
        "TokenReview", "ValidatingWebhookConfiguration", "VolumeAttachment", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "IPAddress", "ServiceCIDR", "ClusterTrustBundle", "DeviceClass",
        "ResourceClass", "SelfSubjectReview", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    ];
    CLUSTER_SCOPED.contains(&gvk.kind.as_str())
}
