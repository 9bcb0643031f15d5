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
//!
//! | `ARGOCD_ENV_ENABLE_HELM=true` | `--enable-helm`: inflate `helmCharts` |
//!
//! With helm on, the repo-server's `KUBE_VERSION` and `KUBE_API_VERSIONS`
//! (comma separated) become `--helm-kube-version` / `--helm-api-versions`
//! unless those flags were given, as ArgoCD passes them to kustomize.
//!
//! The same settings made as the plugin's declared parameters arrive as
//! `PARAM_NAMESPACE`, `PARAM_NAME_PREFIX`, `PARAM_NAME_SUFFIX` and the array
//! `PARAM_IMAGES_0`, `PARAM_IMAGES_1`, ...; an `ARGOCD_ENV_*` value wins.

use crate::build::Overrides;
use crate::load::kustomization::ImageSpec;
use crate::transform::images::split_image;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "ARGOCD_ENV_IMAGES: cannot read image override {0:?} (expected NAME=NEWNAME:TAG, NAME:TAG or NAME@DIGEST)"
)]
pub struct ImageParamError(pub String);

/// Reads the overrides from environment variables (`get` abstracts `std::env::var`).
pub fn overrides_from_env(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Overrides, ImageParamError> {
    let non_empty = |k: &str| {
        get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    // A setting from the Application's plugin env, else from its parameters.
    let setting = |name: &str| {
        non_empty(&format!("ARGOCD_ENV_{name}")).or_else(|| non_empty(&format!("PARAM_{name}")))
    };
    let namespace = setting("NAMESPACE").or_else(|| {
        (setting("NAMESPACE_FROM_APP").as_deref() == Some("true"))
            .then(|| non_empty("ARGOCD_APP_NAMESPACE"))
            .flatten()
    });
    let mut image_list: Vec<String> = setting("IMAGES").map(|l| vec![l]).unwrap_or_default();
    if image_list.is_empty() {
        image_list = (0..)
            .map_while(|i| non_empty(&format!("PARAM_IMAGES_{i}")))
            .collect();
    }
    let images = image_list
        .iter()
        .flat_map(|l| l.split([',', ' ', '\n']))
        .filter(|s| !s.is_empty())
        .map(parse_image_param)
        .collect::<Result<_, _>>()?;
    Ok(Overrides {
        namespace,
        name_prefix: setting("NAME_PREFIX"),
        name_suffix: setting("NAME_SUFFIX"),
        images,
    })
}

/// Applies the helm settings of the environment (`get` abstracts
/// `std::env::var`) to the command line's helm options.
pub fn helm_from_env(
    get: impl Fn(&str) -> Option<String>,
    options: &mut crate::generate::helm::HelmOptions,
) {
    let non_empty = |k: &str| {
        get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let enable = non_empty("ARGOCD_ENV_ENABLE_HELM").or_else(|| non_empty("PARAM_ENABLE_HELM"));
    if enable.as_deref() == Some("true") {
        options.enabled = true;
    }
    if options.kube_version.is_empty() {
        options.kube_version = non_empty("KUBE_VERSION").unwrap_or_default();
    }
    if options.api_versions.is_empty() {
        options.api_versions = non_empty("KUBE_API_VERSIONS")
            .map(|l| {
                l.split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
    }
}

/// `kustomize edit set image` syntax: `name=newName:tag`, `name=newName@digest`,
/// `name=newName`, `name:tag`, `name@digest`.
pub fn parse_image_param(text: &str) -> Result<ImageSpec, ImageParamError> {
    let bad = || ImageParamError(text.to_string());
    let (name, target) = match text.split_once('=') {
        Some((name, target)) if !name.is_empty() && !target.is_empty() => {
            (name.to_string(), target)
        }
        Some(_) => return Err(bad()),
        None => {
            let (name, tag, digest) = split_image(text);
            if tag.is_empty() && digest.is_empty() {
                return Err(bad());
            }
            return Ok(ImageSpec {
                name,
                new_tag: non_empty(tag),
                digest: non_empty(digest),
                ..Default::default()
            });
        }
    };
    let (new_name, tag, digest) = split_image(target);
    Ok(ImageSpec {
        name,
        new_name: non_empty(new_name),
        new_tag: non_empty(tag),
        digest: non_empty(digest),
        ..Default::default()
    })
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
        assert_eq!(
            (i.name.as_str(), i.new_name.as_deref(), i.new_tag.as_deref()),
            (
                "penguintech/nest",
                Some("registry.local:5000/nest"),
                Some("v2")
            )
        );
        let i = parse_image_param("nginx@sha256:abc").unwrap();
        assert_eq!(
            (i.name.as_str(), i.digest.as_deref()),
            ("nginx", Some("sha256:abc"))
        );
        assert!(parse_image_param("justaname").is_err());
    }

    #[test]
    fn declared_parameters_arrive_as_param_variables() {
        let env = |k: &str| match k {
            "PARAM_NAMESPACE" => Some("from-param".to_string()),
            "PARAM_IMAGES_0" => Some("a=b:1".to_string()),
            "PARAM_IMAGES_1" => Some("c:2".to_string()),
            "ARGOCD_ENV_NAME_PREFIX" => Some("env-".to_string()),
            "PARAM_NAME_PREFIX" => Some("param-".to_string()),
            _ => None,
        };
        let o = overrides_from_env(env).unwrap();
        assert_eq!(o.namespace.as_deref(), Some("from-param"));
        assert_eq!(o.images.len(), 2);
        assert_eq!(
            o.name_prefix.as_deref(),
            Some("env-"),
            "plugin env wins over a parameter"
        );
    }

    #[test]
    fn helm_settings_come_from_the_repo_server() {
        let env = |k: &str| match k {
            "PARAM_ENABLE_HELM" => Some("true".to_string()),
            "KUBE_VERSION" => Some("1.29.3".to_string()),
            "KUBE_API_VERSIONS" => Some("v1, apps/v1,example.com/v1".to_string()),
            _ => None,
        };
        let mut o = crate::generate::helm::HelmOptions::default();
        helm_from_env(env, &mut o);
        assert!(o.enabled);
        assert_eq!(o.kube_version, "1.29.3");
        assert_eq!(o.api_versions, ["v1", "apps/v1", "example.com/v1"]);
        // Flags given on the command line win.
        let mut o = crate::generate::helm::HelmOptions {
            kube_version: "1.30.0".into(),
            ..Default::default()
        };
        helm_from_env(env, &mut o);
        assert_eq!(o.kube_version, "1.30.0");
    }

    #[test]
    fn namespace_can_come_from_the_application() {
        let env = |k: &str| match k {
            "ARGOCD_ENV_NAMESPACE_FROM_APP" => Some("true".to_string()),
            "ARGOCD_APP_NAMESPACE" => Some("team-a".to_string()),
            _ => None,
        };
        assert_eq!(
            overrides_from_env(env).unwrap().namespace.as_deref(),
            Some("team-a")
        );
    }
}
