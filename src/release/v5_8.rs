//! Rules that changed in kustomize v5.8.0, v5.8.1 and the v5.8 line after it
//! (as kustomize's API v0.21.3 builds).

#[allow(unused_imports)]
use super::Release;
