//! `nest-kz graph`: what feeds a kustomization, as a picture. The root,
//! its bases and components (followed), resource files, patch files,
//! generators with their input files, helm charts with their values, the
//! config files of generators, transformers and validators, and remote
//! resources, with an edge per field that names each. Printed as Graphviz
//! DOT or as Mermaid (which GitHub renders inside markdown); with a git
//! revision, the files changed since it are highlighted.

use crate::load::kustomization::{self, Kustomization};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// What a node stands for (its shape and colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Kustomization,
    Component,
    File,
    Generator,
    Chart,
    Remote,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub label: String,
    pub kind: Kind,
    /// The file or folder it stands for, canonical; None for generators
    /// and remote resources.
    pub path: Option<PathBuf>,
    pub changed: bool,
}

/// The kustomization graph: nodes, and edges labelled with the field.
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<(usize, usize, String)>,
    by_key: BTreeMap<String, usize>,
}

impl Graph {
    /// The graph of the kustomization in `dir`; labels are paths relative
    /// to `base_dir` (the directory the command runs in).
    pub fn of(dir: &Path, base_dir: &Path) -> Graph {
        let mut g = Graph::default();
        let mut seen = BTreeSet::new();
        if let Ok(dir) = dir.canonicalize() {
            let base = base_dir
                .canonicalize()
                .unwrap_or_else(|_| base_dir.to_path_buf());
            let root = g.dir_node(&dir, Kind::Kustomization, &base);
            g.visit(root, &dir, &base, &mut seen);
        }
        g
    }

    /// Marks the nodes `changed` (canonical paths) touches: a file itself,
    /// a chart by any file inside it, a kustomization by its own file (what
    /// it includes shows on the included nodes).
    pub fn highlight(&mut self, changed: &BTreeSet<PathBuf>) {
        for node in &mut self.nodes {
            let Some(path) = &node.path else { continue };
            node.changed = match node.kind {
                Kind::Chart => changed.iter().any(|c| c.starts_with(path)),
                Kind::Kustomization | Kind::Component => kustomization::find_file(path)
                    .is_ok_and(|k| changed.contains(&k.canonicalize().unwrap_or(k))),
                _ => changed.contains(path),
            };
        }
    }

    fn node(&mut self, key: String, label: String, kind: Kind, path: Option<PathBuf>) -> usize {
        if let Some(&i) = self.by_key.get(&key) {
            return i;
        }
        self.nodes.push(Node {
            label,
            kind,
            path,
            changed: false,
        });
        self.by_key.insert(key, self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    fn dir_node(&mut self, dir: &Path, kind: Kind, base: &Path) -> usize {
        let label = relative(dir, base);
        self.node(
            dir.display().to_string(),
            label,
            kind,
            Some(dir.to_path_buf()),
        )
    }

    fn file_node(&mut self, path: &Path, base: &Path) -> usize {
        let label = relative(path, base);
        self.node(
            path.display().to_string(),
            label,
            Kind::File,
            Some(path.to_path_buf()),
        )
    }

    fn edge(&mut self, from: usize, to: usize, field: &str) {
        let edge = (from, to, field.to_string());
        if !self.edges.contains(&edge) {
            self.edges.push(edge);
        }
    }

    fn visit(&mut self, me: usize, dir: &Path, base: &Path, seen: &mut BTreeSet<PathBuf>) {
        if !seen.insert(dir.to_path_buf()) {
            return;
        }
        let Ok(kfile) = kustomization::find_file(dir) else {
            return;
        };
        let Some(k) = crate::load::loader::read_text_file(&kfile)
            .ok()
            .and_then(|t| kustomization::parse(&kfile, &t).ok())
        else {
            return;
        };
        for (field, entries, kind) in [
            ("resources", &k.resources, Kind::Kustomization),
            ("bases", &k.bases, Kind::Kustomization),
            ("components", &k.components, Kind::Component),
        ] {
            for entry in entries {
                self.entry(me, dir, base, field, entry, kind, seen);
            }
        }
        self.files(me, dir, base, &k);
        self.generators(me, dir, base, &k);
        self.charts(me, dir, base, &k);
    }

    /// A resources/bases/components entry: a folder (followed), a file,
    /// or a URL.
    #[allow(clippy::too_many_arguments)]
    fn entry(
        &mut self,
        me: usize,
        dir: &Path,
        base: &Path,
        field: &str,
        entry: &str,
        kind: Kind,
        seen: &mut BTreeSet<PathBuf>,
    ) {
        match dir.join(entry).canonicalize() {
            Ok(path) if path.is_dir() => {
                let child = self.dir_node(&path, kind, base);
                self.edge(me, child, field);
                self.visit(child, &path, base, seen);
            }
            Ok(path) => {
                let child = self.file_node(&path, base);
                self.edge(me, child, field);
            }
            Err(_)
                if entry.contains("://")
                    || entry.starts_with("git@")
                    || entry.contains(".com/") =>
            {
                let child = self.node(
                    format!("remote {entry}"),
                    entry.to_string(),
                    Kind::Remote,
                    None,
                );
                self.edge(me, child, field);
            }
            Err(_) => {}
        }
    }

    /// Files named by patch, config and replacement fields.
    fn files(&mut self, me: usize, dir: &Path, base: &Path, k: &Kustomization) {
        let mut named: Vec<(&str, String)> = Vec::new();
        for p in &k.patches {
            named.extend(p.path.iter().map(|p| ("patches", p.clone())));
        }
        for p in &k.patches_json6902 {
            named.extend(p.path.iter().map(|p| ("patchesJson6902", p.clone())));
        }
        named.extend(
            k.patches_strategic_merge
                .iter()
                .map(|p| ("patchesStrategicMerge", p.clone())),
        );
        named.extend(k.crds.iter().map(|p| ("crds", p.clone())));
        named.extend(
            k.configurations
                .iter()
                .map(|p| ("configurations", p.clone())),
        );
        named.extend(k.generators.iter().map(|p| ("generators", p.clone())));
        named.extend(k.transformers.iter().map(|p| ("transformers", p.clone())));
        named.extend(k.validators.iter().map(|p| ("validators", p.clone())));
        for r in &k.replacements {
            named.extend(r.path.iter().map(|p| ("replacements", p.clone())));
        }
        if let Some(p) = k.openapi.as_ref().and_then(|o| o.path.clone()) {
            named.push(("openapi", p));
        }
        for (field, entry) in named {
            // Inline patches and configs are no files.
            if let Ok(path) = dir.join(&entry).canonicalize()
                && path.is_file()
            {
                let child = self.file_node(&path, base);
                self.edge(me, child, field);
            }
        }
    }

    /// configMapGenerator and secretGenerator entries, with their inputs.
    fn generators(&mut self, me: usize, dir: &Path, base: &Path, k: &Kustomization) {
        for (field, list) in [
            ("configMapGenerator", &k.config_map_generator),
            ("secretGenerator", &k.secret_generator),
        ] {
            for g in list {
                let name = g.name.as_deref().unwrap_or_default();
                let kind = if field == "secretGenerator" {
                    "Secret"
                } else {
                    "ConfigMap"
                };
                let label = format!("{kind} {name}");
                let key = format!("{} {field} {name}", dir.display());
                let node = self.node(key, label, Kind::Generator, None);
                self.edge(me, node, field);
                let files = g
                    .files
                    .iter()
                    .map(|f| ("files", f.split_once('=').map_or(f.as_str(), |(_, p)| p)));
                let envs = g.envs.iter().chain(&g.env).map(|f| ("envs", f.as_str()));
                for (input, entry) in files.chain(envs) {
                    if let Ok(path) = dir.join(entry).canonicalize() {
                        let child = self.file_node(&path, base);
                        self.edge(node, child, input);
                    }
                }
            }
        }
    }

    /// helmCharts: the chart (local folder, or repository and version) and
    /// its values files.
    fn charts(&mut self, me: usize, dir: &Path, base: &Path, k: &Kustomization) {
        let (charts, globals) = k.helm();
        for chart in &charts {
            let home = crate::generate::helm::chart_home(chart, &globals, dir);
            let folder = home.join(&chart.name);
            let node = match folder.canonicalize() {
                Ok(path) => {
                    let label = format!("chart {}", relative(&path, base));
                    self.node(path.display().to_string(), label, Kind::Chart, Some(path))
                }
                Err(_) => {
                    let label = format!("chart {} {} ({})", chart.name, chart.version, chart.repo);
                    self.node(format!("chart {label}"), label, Kind::Chart, None)
                }
            };
            self.edge(me, node, "helmCharts");
            let values = std::iter::once(chart.values_file.as_str())
                .chain(chart.additional_values_files.iter().map(String::as_str))
                .filter(|f| !f.is_empty());
            for f in values {
                if let Ok(path) = dir.join(f).canonicalize() {
                    let child = self.file_node(&path, base);
                    self.edge(node, child, "values");
                }
            }
        }
    }

    /// Graphviz DOT.
    pub fn dot(&self) -> String {
        let mut out = String::from(
            "digraph kustomization {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
        );
        for (i, n) in self.nodes.iter().enumerate() {
            let (shape, fill) = match n.kind {
                Kind::Kustomization => ("folder", "#dbeafe"),
                Kind::Component => ("component", "#e0e7ff"),
                Kind::File => ("note", "#f8fafc"),
                Kind::Generator => ("box", "#dcfce7"),
                Kind::Chart => ("box3d", "#fae8ff"),
                Kind::Remote => ("cds", "#ffedd5"),
            };
            let (fill, extra) = match n.changed {
                true => ("#fde68a", ", penwidth=2, color=\"#b45309\""),
                false => (fill, ""),
            };
            let label = format!("{}{}", n.label, if n.changed { "\n(changed)" } else { "" });
            let _ = writeln!(
                out,
                "  n{i} [label={}, shape={shape}, style=filled, fillcolor=\"{fill}\"{extra}];",
                dot_string(&label)
            );
        }
        for (from, to, field) in &self.edges {
            let _ = writeln!(out, "  n{from} -> n{to} [label={}];", dot_string(field));
        }
        out.push_str("}\n");
        out
    }

    /// Mermaid flowchart.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for (i, n) in self.nodes.iter().enumerate() {
            let text = mermaid_text(&n.label);
            let shape = match n.kind {
                Kind::Kustomization | Kind::Component => format!("[\"{text}/\"]"),
                Kind::File => format!("[\"{text}\"]"),
                Kind::Generator => format!("([\"{text}\"])"),
                Kind::Chart => format!("[[\"{text}\"]]"),
                Kind::Remote => format!("{{{{\"{text}\"}}}}"),
            };
            let _ = writeln!(out, "  n{i}{shape}");
        }
        for (from, to, field) in &self.edges {
            let _ = writeln!(out, "  n{from} -->|{}| n{to}", mermaid_text(field));
        }
        let changed: Vec<String> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.changed)
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !changed.is_empty() {
            out.push_str("  classDef changed fill:#fde68a,stroke:#b45309,stroke-width:2px;\n");
            let _ = writeln!(out, "  class {} changed;", changed.join(","));
        }
        out
    }
}

/// `path` relative to `base` where it is below it, else as is.
fn relative(path: &Path, base: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => crate::build::relative_path(base, path),
    }
}

/// A DOT double-quoted string.
fn dot_string(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

/// Text inside a Mermaid quoted label: its quote and the characters
/// Mermaid reads as markup, as entity codes.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
        .replace('|', "#124;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}
