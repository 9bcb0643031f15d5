//! Patch/replacement targets: GVK, name and namespace as anchored regexes,
//! plus label and annotation selectors, matched as kustomize's `Select`.

use crate::model::ModelError;

type Result<T> = std::result::Result<T, ModelError>;
use crate::model::resource::Resource;
use regex::Regex;
use std::path::Path;

/// A target as a kustomization writes it (`patches[].target`,
/// `replacements[].select`, ...): each field an anchored regex.
#[derive(Debug, Default, Clone, serde::Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Selector {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
}

pub struct CompiledSelector {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

/// One anchored target pattern. Most are plain names and groups
/// (`Deployment`, `nest-api`, `networking.k8s.io`): those match without a
/// regex, since compiling one costs more than a small build's whole
/// transformation. In them `.` is still the regex's any character but a
/// line break.
enum Pattern {
    Plain(String),
    Regex(Regex),
}

impl Pattern {
    fn new(p: &str) -> std::result::Result<Pattern, String> {
        let plain = p
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'.'));
        Ok(match plain {
            true => Pattern::Plain(p.to_string()),
            false => Pattern::Regex(crate::model::go_regex::compile(&format!("^(?:{p})$"))?),
        })
    }

    fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Plain(p) => {
                // One text character per pattern byte (the pattern is ASCII).
                text.chars().count() == p.len()
                    && p.bytes().zip(text.chars()).all(|(want, c)| {
                        if want == b'.' {
                            c != '\n'
                        } else {
                            c == want as char
                        }
                    })
            }
            Pattern::Regex(re) => re.is_match(text),
        }
    }
}

impl CompiledSelector {
    pub fn new(s: &Selector, origin: &Path) -> Result<Self> {
        let re = |field: &Option<String>| -> Result<Option<Pattern>> {
            match field.as_deref().filter(|f| !f.is_empty()) {
                None => Ok(None),
                Some(p) => Pattern::new(p).map(Some).map_err(|e| {
                    ModelError::invalid(origin, format!("invalid target regex '{p}': {e}"))
                }),
            }
        };
        Ok(CompiledSelector {
            group: re(&s.group)?,
            version: re(&s.version)?,
            kind: re(&s.kind)?,
            name: re(&s.name)?,
            namespace: re(&s.namespace)?,
            labels: parse_label_selector(s.label_selector.as_deref().unwrap_or_default(), origin)?,
            annotations: parse_label_selector(
                s.annotation_selector.as_deref().unwrap_or_default(),
                origin,
            )?,
        })
    }

    /// Matches the current or original namespace/name, and the current GVK.
    pub fn matches(&self, r: &Resource) -> bool {
        let (original_ns, original_name) = r.original_namespace_and_name();
        let hit = |re: &Option<Pattern>, a: &str, b: &str| {
            re.as_ref()
                .is_none_or(|re| re.is_match(a) || re.is_match(b))
        };
        let api_version = r.value["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = crate::model::resid::split_api_version(api_version);
        hit(&self.kind, r.kind(), r.kind())
            && hit(&self.name, original_name, r.name())
            && hit(
                &self.namespace,
                effective_namespace(original_ns),
                effective_namespace(r.namespace()),
            )
            && hit(&self.group, group, group)
            && hit(&self.version, version, version)
            && (self.labels.is_empty() || self.labels.iter().all(|req| req.matches(&r.labels())))
            && (self.annotations.is_empty()
                || self
                    .annotations
                    .iter()
                    .all(|req| req.matches(&r.annotations())))
    }
}

/// Only the label and annotation selectors of a target (kustomize matches
/// them apart from the id in replacements); empty ones match everything.
pub struct LabelSelectors {
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
    given: bool,
}

impl LabelSelectors {
    pub fn new(s: &Selector, origin: &Path) -> Result<Self> {
        let label = s.label_selector.as_deref().unwrap_or_default();
        let annotation = s.annotation_selector.as_deref().unwrap_or_default();
        Ok(LabelSelectors {
            labels: parse_label_selector(label, origin)?,
            annotations: parse_label_selector(annotation, origin)?,
            given: !label.is_empty() || !annotation.is_empty(),
        })
    }

    /// Whether the selector wrote neither.
    pub fn is_empty(&self) -> bool {
        !self.given
    }

    pub fn matches(&self, r: &Resource) -> bool {
        self.labels.iter().all(|req| req.matches(&r.labels()))
            && self
                .annotations
                .iter()
                .all(|req| req.matches(&r.annotations()))
    }
}

fn effective_namespace(ns: &str) -> &str {
    if ns.is_empty() { "default" } else { ns }
}

enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    fn matches(&self, pairs: &[(String, String)]) -> bool {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(pk, _)| pk == k)
                .map(|(_, v)| v.as_str())
        };
        match self {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        }
    }
}

/// Kubernetes label selector syntax: `a=b,c!=d,e in (f,g),h notin (i),j,!k`.
fn parse_label_selector(text: &str, origin: &Path) -> Result<Vec<Requirement>> {
    let mut reqs = Vec::new();
    for term in split_outside(text, ',', '(', ')') {
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        let set = |rest: &str| -> Vec<String> {
            rest.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let req = if let Some(k) = term.strip_prefix('!') {
            Requirement::NotExists(k.trim().to_string())
        } else if let Some((k, v)) = term.split_once("!=") {
            Requirement::NotEquals(k.trim().into(), v.trim().into())
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            Requirement::Equals(k.trim().into(), v.trim().into())
        } else if let Some((k, rest)) = term.split_once(" notin ") {
            Requirement::NotIn(k.trim().into(), set(rest))
        } else if let Some((k, rest)) = term.split_once(" in ") {
            Requirement::In(k.trim().into(), set(rest))
        } else if term.contains(' ') || term.contains('(') {
            return Err(ModelError::invalid(
                origin,
                format!("cannot parse selector term '{term}'"),
            ));
        } else {
            Requirement::Exists(term.to_string())
        };
        reqs.push(req);
    }
    Ok(reqs)
}

/// Splits `text` on `sep` where it is not inside an `open`..`close` group
/// (selector sets `in (a,b)`, field-path segments `[a.b=c]`).
pub(crate) fn split_outside(text: &str, sep: char, open: char, close: char) -> Vec<String> {
    let (mut out, mut cur, mut depth) = (Vec::new(), String::new(), 0i32);
    for c in text.chars() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
        } else if c == sep && depth == 0 {
            out.push(std::mem::take(&mut cur));
            continue;
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_match_as_their_anchored_regex_would() {
        for (pattern, text) in [
            ("Deployment", "Deployment"),
            ("Deployment", "Deployments"),
            ("Deployment", "MyDeployment"),
            ("nest-api", "nest-api"),
            ("apps/v1", "apps/v1"),
            ("a.b", "axb"),
            ("a.b", "a.b"),
            ("a.b", "a\nb"),
            ("a.b", "aéb"),
            ("a.b", "ab"),
            ("networking.k8s.io", "networking.k8s.io"),
            ("networking.k8s.io", "networking.k8s.iox"),
            ("nest-.*", "nest-api"),
            ("Deploy|Service", "Service"),
        ] {
            let regex = Regex::new(&format!("^(?:{pattern})$")).unwrap();
            let ours = Pattern::new(pattern).unwrap();
            assert_eq!(
                ours.is_match(text),
                regex.is_match(text),
                "{pattern} {text}"
            );
        }
        assert!(matches!(Pattern::new("nest-api"), Ok(Pattern::Plain(_))));
        assert!(matches!(Pattern::new("a.b"), Ok(Pattern::Plain(_))));
        assert!(matches!(Pattern::new("a.*"), Ok(Pattern::Regex(_))));
    }
}
