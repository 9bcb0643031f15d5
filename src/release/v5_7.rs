//! Rules that changed in kustomize v5.7.0 and v5.7.1.

#[allow(unused_imports)]
use super::Release;
