//! ArgoCD config-management-plugin (CMP v2) integration.
//!
//! The repo-server runs the plugin's `generate` command in the application's
//! directory with the Application's plugin `env` entries as `ARGOCD_ENV_<NAME>`
//! variables, plus `ARGOCD_APP_NAME`, `ARGOCD_APP_NAMESPACE` and
//! `ARGOCD_APP_REVISION`. These parameters are honoured:
//!
//! | variable | effect (as in a wrapping kustomization) |
//! |---|---|
//! | `ARGOCD_ENV_NAMESPACE` | `namespace:` for every namespaced object |
//! | `ARGOCD_ENV_NAMESPACE_FROM_APP=true` | use `ARGOCD_APP_NAMESPACE` as the namespace |
//! | `ARGOCD_ENV_IMAGES` | images, comma or space separated, in `kustomize edit set image` syntax |
//! | `ARGOCD_ENV_NAME_PREFIX`, `ARGOCD_ENV_NAME_SUFFIX` | `namePrefix:` / `nameSuffix:` |

use crate::build::Overrides;
use crate::kustomization::ImageSpec;
use crate::transformers::images::split_image;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("ARGOCD_ENV_IMAGES: cannot read image override {0:?} (expected NAME=NEWNAME:TAG, NAME:TAG or NAME@DIGEST)")]
pub struct ImageParamError(pub String);

/// Reads the overrides from environment variables (`get` abstracts `std::env::var`).
pub fn overrides_from_env(get: impl Fn(&str) -> Option<String>) -> Result<Overrides, ImageParamError> {
    let non_empty = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let namespace = non_empty("ARGOCD_ENV_NAMESPACE").or_else(|| {
        (non_empty("ARGOCD_ENV_NAMESPACE_FROM_APP").as_deref() == Some("true")).then(|| non_empty("ARGOCD_APP_NAMESPACE")).flatten()
    });
    let images = match non_empty("ARGOCD_ENV_IMAGES") {
        Some(list) => list.split([',', ' ', '\n']).filter(|s| !s.is_empty()).map(parse_image_param).collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok(Overrides { namespace, name_prefix: non_empty("ARGOCD_ENV_NAME_PREFIX"), name_suffix: non_empty("ARGOCD_ENV_NAME_SUFFIX"), images })
}

/// `kustomize edit set image` syntax: `name=newName:tag`, `name=newName@digest`,
/// `name=newName`, `name:tag`, `name@digest`.
pub fn parse_image_param(text: &str) -> Result<ImageSpec, ImageParamError> {
    let bad = || ImageParamError(text.to_string());
    let (name, target) = match text.split_once('=') {
        Some((name, target)) if !name.is_empty() && !target.is_empty() => (name.to_string(), target),
        Some(_) => return Err(bad()),
        None => {
            let (name, tag, digest) = split_image(text);
            if tag.is_empty() && digest.is_empty() {
                return Err(bad());
            }
            return Ok(ImageSpec { name, new_tag: non_empty(tag), digest: non_empty(digest), ..Default::default() });
        }
    };
    let (new_name, tag, digest) = split_image(target);
    Ok(ImageSpec { name, new_name: non_empty(new_name), new_tag: non_empty(tag), digest: non_empty(digest), ..Default::default() })
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_image_params_like_kustomize_edit_set_image() {
        let i = parse_image_param("penguintech/nest=registry.local:5000/nest:v2").unwrap();
        assert_eq!((i.name.as_str(), i.new_name.as_deref(), i.new_tag.as_deref()), ("penguintech/nest", Some("registry.local:5000/nest"), Some("v2")));
        let i = parse_image_param("nginx@sha256:abc").unwrap();
        assert_eq!((i.name.as_str(), i.digest.as_deref()), ("nginx", Some("sha256:abc")));
        assert!(parse_image_param("justaname").is_err());
    }

    #[test]
    fn namespace_can_come_from_the_application() {
        let env = |k: &str| match k {
            "ARGOCD_ENV_NAMESPACE_FROM_APP" => Some("true".to_string()),
            "ARGOCD_APP_NAMESPACE" => Some("team-a".to_string()),
            _ => None,
        };
        assert_eq!(overrides_from_env(env).unwrap().namespace.as_deref(), Some("team-a"));
    }
}
