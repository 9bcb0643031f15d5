//! The helm fields of a kustomization (kustomize's `types.HelmChart`,
//! `types.HelmGlobals` and the deprecated `types.HelmChartArgs`), and the
//! `HelmChartInflationGenerator` plugin config that carries the same
//! fields. Inflating a chart is `generate::helm`'s.

use crate::load::go_json::{self, Unknown};
use crate::model::value::Value;
use indexmap::IndexMap;
use serde::Deserialize;

/// One `helmCharts` entry (kustomize's `types.HelmChart`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HelmChart {
    pub name: String,
    pub version: String,
    pub repo: String,
    pub release_name: String,
    pub namespace: String,
    pub additional_values_files: Vec<String>,
    pub values_file: String,
    pub values_inline: IndexMap<String, Value>,
    pub values_merge: String,
    #[serde(rename = "includeCRDs")]
    pub include_crds: bool,
    pub skip_hooks: bool,
    pub api_versions: Vec<String>,
    pub kube_version: String,
    pub name_template: String,
    pub skip_tests: bool,
    pub debug: bool,
    /// v5.7 and later (`release::v5_7`): `--devel` for pull and template;
    /// `Some(None)` when written null.
    #[serde(deserialize_with = "super::written")]
    pub devel: Option<Option<bool>>,
}

/// `helmGlobals` (kustomize's `types.HelmGlobals`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HelmGlobals {
    pub chart_home: String,
    pub config_home: String,
}

/// One entry of the deprecated `helmChartInflationGenerator` field
/// (kustomize's `types.HelmChartArgs`); kustomize converts it to a chart
/// and globals, keeping only the fields below.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HelmChartArgs {
    pub chart_name: String,
    pub chart_version: String,
    pub chart_repo_url: String,
    pub chart_home: String,
    pub chart_repo_name: String,
    pub helm_bin: String,
    pub helm_home: String,
    pub values: String,
    pub values_local: IndexMap<String, Value>,
    pub values_merge: String,
    pub release_name: String,
    pub release_namespace: String,
    pub extra_args: Vec<String>,
}

/// kustomize's `SplitHelmParameters`: the deprecated entries as charts,
/// and globals where the last non-empty chartHome/helmHome wins.
pub fn split_legacy(args: &[HelmChartArgs]) -> (Vec<HelmChart>, HelmGlobals) {
    let mut globals = HelmGlobals::default();
    let charts = args
        .iter()
        .map(|a| {
            if !a.helm_home.is_empty() {
                globals.config_home = a.helm_home.clone();
            }
            if !a.chart_home.is_empty() {
                globals.chart_home = a.chart_home.clone();
            }
            HelmChart {
                name: a.chart_name.clone(),
                version: a.chart_version.clone(),
                repo: a.chart_repo_url.clone(),
                values_file: a.values.clone(),
                values_inline: a.values_local.clone(),
                values_merge: a.values_merge.clone(),
                release_name: a.release_name.clone(),
                ..HelmChart::default()
            }
        })
        .collect();
    (charts, globals)
}

/// A `HelmChartInflationGenerator` builtin plugin config: globals and chart
/// fields side by side; apiVersion, kind, metadata and unknown fields are
/// ignored as kustomize ignores them.
pub fn from_plugin_config(value: &Value) -> Result<(HelmChart, HelmGlobals), serde_json::Error> {
    // Go leaves a field at its zero value when the config says null.
    let mut value = value.clone();
    if let Value::Object(fields) = &mut value {
        fields.retain(|_, v| !v.is_null());
    }
    let chart = go_json::decode(value.clone(), Unknown::Ignore)?;
    let globals = go_json::decode(value, Unknown::Ignore)?;
    Ok((chart, globals))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn plugin_config_ignores_envelope() {
        let v = json!({"apiVersion": "builtin", "kind": "HelmChartInflationGenerator",
            "metadata": {"name": "x"}, "name": "c", "chartHome": "h", "includeCRDs": true,
            "version": null, "releasename": "folded"});
        let (chart, globals) = from_plugin_config(&v).unwrap_or_default();
        assert_eq!(chart.name, "c");
        assert!(chart.include_crds);
        assert_eq!(
            chart.release_name, "folded",
            "Go matches field names case-insensitively"
        );
        assert_eq!(globals.chart_home, "h");
    }
}
