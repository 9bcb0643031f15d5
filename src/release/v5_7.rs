//! Rules that changed in kustomize v5.7.0 and v5.7.1 (as kubectl 1.35.2
//! bundles v5.7.1: its library versions are kubectl's, so a rule that
//! comes from a library kubectl 1.35 already carries starts here).

use super::Release;

impl Release {
    /// `replacements[].sourceValue`: a plain text as the source, in place
    /// of a `source` object (before: an unknown field).
    pub fn has_source_value(self) -> bool {
        self >= Release::V5_7
    }

    /// A `ReplacementTransformer` config's `omitempty:` list holds inline
    /// replacements that run before `replacements:` (a struct tag written
    /// `json:"omitempty"` made it the field's name; v5.7 unexported it).
    pub fn reads_omitempty_replacements(self) -> bool {
        self < Release::V5_7
    }

    /// `helmCharts[].devel`: `--devel` for `helm pull` and `helm template`
    /// (before: an unknown field).
    pub fn has_helm_devel(self) -> bool {
        self >= Release::V5_7
    }

    /// The images transformer's default field specs also rewrite image
    /// volumes (`volumes[].image.reference`) of Pods and pod templates.
    pub fn image_volume_paths(self) -> &'static [&'static str] {
        match self >= Release::V5_7 {
            true => &[
                "spec/volumes[]/image/reference",
                "spec/template/spec/volumes[]/image/reference",
            ],
            false => &[],
        }
    }

    /// Several `$patch: delete` documents in one patch file: each deletes
    /// its object (before: kustomize crashed on the second).
    pub fn deletes_several_objects_per_patch(self) -> bool {
        self >= Release::V5_7
    }

    /// A JSON 6902 `replace` of the whole document (`path: ""`) with a
    /// value that is not an object or array fails (json-patch v4.13; before,
    /// the op was silently ignored).
    pub fn whole_document_replace_needs_an_object(self) -> bool {
        self >= Release::V5_7
    }

    /// Exec plugins' `argsOneLiner` is split by kustomize's own splitter
    /// (v5.7.1; v5.7.0 briefly used one that split on `=` and `:`):
    /// `#` ends the line anywhere, empty quotes give nothing, an unclosed
    /// quote is an error.
    pub fn args_one_liner_splitter(self) -> ArgsSplitter {
        match self >= Release::V5_7 {
            true => ArgsSplitter::Kustomize,
            false => ArgsSplitter::GoogleShlex,
        }
    }

    /// KRM exec functions get `exec.args` and `exec.envs`.
    pub fn has_exec_function_args(self) -> bool {
        self >= Release::V5_7
    }
}

/// How an exec plugin's `argsOneLiner` is split into arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgsSplitter {
    /// github.com/google/shlex, errors ignored (before v5.7).
    GoogleShlex,
    /// kustomize's own `ShlexSplit` (v5.7.1 on).
    Kustomize,
}
