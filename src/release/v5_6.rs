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
