//! Rules that changed in kustomize v5.8.0, v5.8.1 and the v5.8 line after
//! it, as kustomize's API v0.21.3 builds (the newest v5.8 release
//! available, which carries fixes made after v5.8.1).

use super::Release;

impl Release {
    /// Helm charts are rendered with `--namespace`: the chart's own, else
    /// the kustomization's, else the nearest enclosing kustomization's
    /// (kustomize's `helmRootNamespace`); and the namespace transformer
    /// leaves helm's objects alone at every level, so a template without
    /// `{{ .Release.Namespace }}` stays without a namespace.
    pub fn helm_namespace_from_kustomization(self) -> bool {
        self >= Release::V5_8
    }

    /// A `helmCharts` release name or chart name that starts with `-` is
    /// refused before helm runs (nest-kz refuses every release name helm
    /// would refuse, in every release: see `generate::helm`).
    pub fn refuses_flag_like_helm_names(self) -> bool {
        self >= Release::V5_8
    }

    /// Replacement targets' `select` and `reject` are anchored regular
    /// expressions matched against each id's namespace as written (so
    /// `namespace: default` no longer matches an object without one),
    /// and an invalid one is an error. Before: exact names, namespaces
    /// compared as effective namespaces.
    pub fn regex_replacement_targets(self) -> bool {
        self >= Release::V5_8
    }

    /// Replacement field paths may reach into JSON or YAML held in a string
    /// field (`data.config\.json.server.host`); the text is re-written
    /// (JSON with sorted keys). Before: an error.
    pub fn structured_data_field_paths(self) -> bool {
        self >= Release::V5_8
    }

    /// `patches[].options` is a struct: only `allowNameChange` and
    /// `allowKindChange`, matched without regard to case; any other key
    /// is an unknown field. Before: a map of booleans, unknown keys ignored.
    pub fn typed_patch_options(self) -> bool {
        self >= Release::V5_8
    }

    /// What a `patches` entry with nothing in it does: a file of 0 bytes
    /// (`zero`), or one with no documents or an empty op list (comments,
    /// blank lines, `---`, `null`, `[]`). v5.8.1 skips every such patch;
    /// v5.7 skips it given a target, and wants one otherwise; before, a
    /// 0-byte file with a target was skipped, one without wanted a target,
    /// and any other empty text read as both kinds of patch.
    pub fn empty_patch(self, zero: bool, has_target: bool) -> EmptyPatch {
        match (self, zero, has_target) {
            (Release::V5_8, _, _) => EmptyPatch::Skip,
            (Release::V5_7, _, true) => EmptyPatch::Skip,
            (Release::V5_7, _, false) => EmptyPatch::NeedsTarget,
            (_, true, true) => EmptyPatch::Skip,
            (_, true, false) => EmptyPatch::NeedsTarget,
            (_, false, _) => EmptyPatch::BothKinds,
        }
    }

    /// The images transformer also rewrites CronJobs' image volumes,
    /// matches digests of any algorithm (`@sha512:`), and an image name
    /// that is not a valid pattern matches nothing instead of crashing.
    pub fn cron_job_image_volume_path(self) -> Option<&'static str> {
        (self >= Release::V5_8)
            .then_some("spec/jobTemplate/spec/template/spec/volumes[]/image/reference")
    }

    /// See `cron_job_image_volume_path`.
    pub fn any_digest_algorithm(self) -> bool {
        self >= Release::V5_8
    }

    /// `labels[].includeTemplates` no longer labels a StatefulSet's
    /// `volumeClaimTemplates`; `includeVolumeClaimTemplates` does.
    pub fn volume_claim_template_labels_apart(self) -> bool {
        self >= Release::V5_8
    }

    /// `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy and
    /// ValidatingAdmissionPolicyBinding are cluster-scoped.
    pub fn validating_admission_policies_are_cluster_scoped(self) -> bool {
        self >= Release::V5_8
    }

    /// A generated Secret merged into a Secret keeps that Secret's
    /// `stringData` (encoded into `data`, under the generated data).
    pub fn merged_secrets_keep_string_data(self) -> bool {
        self >= Release::V5_8
    }

    /// A resource directory with a path segment holding `..` inside a name
    /// (`../base - ../shared`, from a YAML indentation slip) is refused as
    /// ambiguous.
    pub fn refuses_ambiguous_paths(self) -> bool {
        self >= Release::V5_8
    }

    /// A generated object whose id exists, without merge or replace: the
    /// error names the behavior (`can not use behavior: 'unspecified'`).
    pub fn collision_error_names_behavior(self) -> bool {
        self >= Release::V5_8
    }

    /// helm is asked `helm version --short` (Helm 3 and 4); before v5.8.1
    /// kustomize asked `helm version -c --short`, which Helm 4 refuses.
    pub fn helm_version_probe(self) -> &'static [&'static str] {
        match self.accepts_helm_4() {
            true => &["version", "--short"],
            false => &["version", "-c", "--short"],
        }
    }

    /// Helm 4 is accepted (v5.8.1), Helm 3 always.
    pub fn accepts_helm_4(self) -> bool {
        self >= Release::V5_8
    }
}

/// What kustomize does with a patch that holds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyPatch {
    /// Nothing is patched.
    Skip,
    /// "must specify a target for JSON patch".
    NeedsTarget,
    /// "illegally qualifies as both an SM and JSON patch".
    BothKinds,
}
