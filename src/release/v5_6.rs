//! Rules that changed in kustomize v5.6.0.

use super::Release;

impl Release {
    /// Which Go release built kustomize decides one detail of `sort.Sort`
    /// (the pattern-breaking generator, changed in Go 1.24): from v5.6 on,
    /// the reference binaries are built with Go 1.24 or later. It matters
    /// only where go-yaml's key comparison is not a total order.
    pub fn go_sort_generation(self) -> GoSort {
        match self >= Release::V5_6 {
            true => GoSort::Go124,
            false => GoSort::Go119,
        }
    }
}

/// The generation of Go's `sort.Sort` (see `model::go_sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoSort {
    /// go1.19 to go1.23.
    Go119,
    /// go1.24 and later.
    Go124,
}

impl Release {
    /// How `edit add label --without-selector` places its keys (v5.6.0,
    /// kustomize PR #5809; v5.8.0 fixed the repeat).
    pub fn label_without_selector(self) -> LabelAdd {
        match self {
            Release::V5_4 | Release::V5_5 => LabelAdd::NewEntry,
            Release::V5_6 | Release::V5_7 => LabelAdd::MergeNewEntryRepeats,
            Release::V5_8 => LabelAdd::Merge,
        }
    }

    /// Whether an `edit add` of a key already there says how to override
    /// it ("... already in kustomization file. Use --force to override.").
    pub fn duplicate_key_hint(self) -> bool {
        self >= Release::V5_6
    }
}

/// Where `edit add label --without-selector` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelAdd {
    /// A new `labels` entry on every call.
    NewEntry,
    /// Into the first entry with the same settings (selectors off, the
    /// same includeTemplates), else a new one.
    Merge,
    /// As `Merge`, but a new entry, made with every key at once, is met
    /// again for the second key, which then counts as already there: more
    /// than one new key fails without --force.
    MergeNewEntryRepeats,
}
