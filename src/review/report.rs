//! `nest-kz review`: the whole review of a change in one document. Every
//! kustomization the change affects (`affected`) is built at the base
//! revision and in the working tree and compared (`diff`); the report
//! leads with the warnings, then a summary table per directory, then per
//! directory its graph (Mermaid, which GitHub renders) and one collapsible
//! block per changed object. The markdown stays under a size limit
//! (GitHub's 65,536 characters for a comment) and says what it left out.

use crate::BuildOptions;
use crate::review::affected::{AffectedError, BaseTree, Sides};
use crate::review::diff::{self, ObjectDiff};
use std::fmt::Write;

/// One affected directory, reviewed.
pub struct DirReview {
    pub sides: Sides,
    pub diffs: Vec<ObjectDiff>,
    /// A side that fails to build: which, and kustomize's message.
    pub error: Option<String>,
    /// The new side's graph, with the files changed since the base highlighted.
    pub graph: Option<String>,
}

impl DirReview {
    /// "added", "deleted", "renamed from X" or "changed".
    pub fn status(&self) -> String {
        match (&self.sides.old, &self.sides.new, &self.sides.renamed_from) {
            (None, _, _) => "added".into(),
            (_, None, _) => "deleted".into(),
            (_, _, Some(from)) => format!("renamed from {}", code(&from.display().to_string())),
            _ => "changed".into(),
        }
    }

    fn warnings(&self) -> impl Iterator<Item = (&str, &String)> {
        self.diffs
            .iter()
            .flat_map(|d| d.warnings.iter().map(|w| (d.object.as_str(), w)))
    }
}

/// The review of a change: the base revision and each affected directory.
pub struct Review {
    /// As the user named it, and the commit it resolved to.
    pub base: String,
    pub commit: String,
    pub dirs: Vec<DirReview>,
}

/// Reviews the kustomizations among `dirs` (default: all) that the change
/// since `base` affects.
pub fn review(
    base: &str,
    dirs: &[std::path::PathBuf],
    options: &BuildOptions,
    show_secrets: bool,
) -> Result<Review, AffectedError> {
    let tree = BaseTree::open(dirs.first().map(|d| d.as_path()), base)?;
    let mut out = Vec::new();
    for sides in crate::review::affected::affected_sides(&tree, dirs, false, options)? {
        let mut reviewed = review_dir(sides, options, show_secrets);
        // Only what renders differently (a comment-only edit is no change),
        // and only that is drawn.
        if reviewed.error.is_some()
            || !reviewed.diffs.is_empty()
            || reviewed.sides.renamed_from.is_some()
        {
            reviewed.graph = reviewed.sides.new.as_ref().map(|d| {
                let mut g = crate::review::graph::Graph::of(d, &tree.cwd);
                g.highlight(&tree.changed);
                g.mermaid()
            });
            out.push(reviewed);
        }
    }
    Ok(Review {
        base: base.to_string(),
        commit: tree.commit.clone(),
        dirs: out,
    })
}

fn review_dir(sides: Sides, options: &BuildOptions, show_secrets: bool) -> DirReview {
    let build = |d: &Option<std::path::PathBuf>| match d {
        Some(d) => crate::build_resources(d, options),
        None => Ok(Vec::new()),
    };
    let (old, new) = (build(&sides.old), build(&sides.new));
    let (diffs, error) = match (old, new) {
        (Ok(old), Ok(new)) => {
            let mut diffs = diff::diff(&old, &new);
            if !show_secrets {
                diff::mask_secrets(&mut diffs);
            }
            (diffs, None)
        }
        (_, Err(e)) => (Vec::new(), Some(format!("the new build fails: {e}"))),
        (Err(e), _) => (Vec::new(), Some(format!("the base build fails: {e}"))),
    };
    DirReview {
        sides,
        diffs,
        error,
        graph: None,
    }
}

fn short_commit(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn plural(n: usize, one: &str) -> String {
    match (n, one.strip_suffix('y')) {
        (1, _) => format!("1 {one}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {one}s"),
    }
}

fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

/// Markdown within `limit` characters.
pub fn render_markdown(review: &Review, limit: usize) -> String {
    let mut doc = Budget::new(limit);
    doc.must(&header(review));
    if review.dirs.is_empty() {
        return doc.finish(review);
    }
    warnings_section(review, &mut doc);
    summary_table(review, &mut doc);
    for dir in &review.dirs {
        let shown = dir.sides.shown.display().to_string();
        let _ = doc.try_add(
            &format!("\n### {}: {}\n\n", code(&shown), dir.status()),
            Omit::Section,
        );
        if let Some(e) = &dir.error {
            let _ = doc.try_add(&format!("{}\n", diff::fenced("text", e)), Omit::Section);
        }
        if let Some(graph) = &dir.graph {
            let block = format!(
                "<details><summary>Graph of <code>{}</code></summary>\n\n{}\n\n</details>\n\n",
                diff::html(&shown),
                diff::fenced("mermaid", graph)
            );
            let _ = doc.try_add(&block, Omit::Graph);
        }
        for d in &dir.diffs {
            let _ = doc.try_add(&diff::markdown_object(d), Omit::Object);
        }
    }
    doc.finish(review)
}

fn header(review: &Review) -> String {
    let (mut added, mut removed, mut changed) = (0, 0, 0);
    for d in &review.dirs {
        let (a, r, c) = diff::tally(&d.diffs);
        added += a;
        removed += r;
        changed += c;
    }
    let warnings: usize = review.dirs.iter().map(|d| d.warnings().count()).sum();
    let failures = review.dirs.iter().filter(|d| d.error.is_some()).count();
    let mut out = format!(
        "## nest-kz review: {} ({}) → working tree\n\n",
        code(&review.base),
        code(short_commit(&review.commit))
    );
    if review.dirs.is_empty() {
        out.push_str("No kustomization renders differently.\n");
        return out;
    }
    let _ = write!(
        out,
        "**{} changed**, **{} differ**: {added} added, {removed} removed, {changed} changed.",
        plural(review.dirs.len(), "directory"),
        plural(added + removed + changed, "object")
    );
    if warnings > 0 {
        let _ = write!(out, " ⚠️ {}.", plural(warnings, "warning"));
    }
    if failures > 0 {
        let _ = write!(out, " ❌ {} fail to build.", plural(failures, "directory"));
    }
    out.push('\n');
    out
}

fn warnings_section(review: &Review, doc: &mut Budget) {
    let failures: Vec<&DirReview> = review.dirs.iter().filter(|d| d.error.is_some()).collect();
    let any_warning = review.dirs.iter().any(|d| d.warnings().next().is_some());
    if failures.is_empty() && !any_warning {
        return;
    }
    doc.must("\n### ⚠️ Warnings\n\n");
    for d in failures {
        let first_line = d
            .error
            .as_deref()
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default();
        let _ = doc.try_add(
            &format!(
                "- ❌ {}: {}\n",
                code(&d.sides.shown.display().to_string()),
                diff::html(first_line)
            ),
            Omit::Warning,
        );
    }
    for d in &review.dirs {
        for (object, w) in d.warnings() {
            let _ = doc.try_add(
                &format!(
                    "- {} {}: {}\n",
                    code(&d.sides.shown.display().to_string()),
                    code(object),
                    diff::html(w)
                ),
                Omit::Warning,
            );
        }
    }
}

fn summary_table(review: &Review, doc: &mut Budget) {
    doc.must("\n### Summary\n\n| directory | change | added | removed | changed | warnings |\n|---|---|--:|--:|--:|--:|\n");
    for d in &review.dirs {
        let (a, r, c) = diff::tally(&d.diffs);
        let status = match &d.error {
            Some(_) => "❌ fails to build".to_string(),
            None => d.status(),
        };
        let row = format!(
            "| {} | {} | {a} | {r} | {c} | {} |\n",
            code(&d.sides.shown.display().to_string()).replace('|', "\\|"),
            status.replace('|', "\\|"),
            d.warnings().count()
        );
        let _ = doc.try_add(&row, Omit::Row);
    }
}

/// What a part that did not fit was.
#[derive(Clone, Copy)]
enum Omit {
    Section,
    Graph,
    Object,
    Warning,
    Row,
}

/// A document that keeps within a character limit, counting what it drops.
struct Budget {
    text: String,
    chars: usize,
    limit: usize,
    /// Sections, graphs, objects, warnings, table rows left out.
    omitted: [usize; 5],
}

/// Room kept for the closing note.
const NOTE_ROOM: usize = 600;

impl Budget {
    fn new(limit: usize) -> Budget {
        Budget {
            text: String::new(),
            chars: 0,
            limit: limit.saturating_sub(NOTE_ROOM).max(NOTE_ROOM),
            omitted: [0; 5],
        }
    }

    /// Adds a part the report cannot do without (a header), cut to the limit if it must.
    fn must(&mut self, part: &str) {
        let room = self.limit.saturating_sub(self.chars);
        let cut: String = part.chars().take(room).collect();
        self.chars += cut.chars().count();
        self.text.push_str(&cut);
    }

    /// Adds `part` when it fits, else counts it as left out.
    fn try_add(&mut self, part: &str, what: Omit) -> bool {
        let n = part.chars().count();
        if self.chars + n > self.limit {
            self.omitted[what as usize] += 1;
            return false;
        }
        self.chars += n;
        self.text.push_str(part);
        true
    }

    fn finish(mut self, review: &Review) -> String {
        let names = [
            "directory section",
            "graph",
            "object",
            "warning",
            "summary row",
        ];
        let left: Vec<String> = self
            .omitted
            .iter()
            .zip(names)
            .filter(|(n, _)| **n > 0)
            .map(|(n, name)| plural(*n, name))
            .collect();
        if !left.is_empty() {
            let _ = write!(
                self.text,
                "\n---\n✂️ Cut to stay under the comment size limit: {} not shown. Run `nest-kz diff DIR --base {}` to see a directory in full.\n",
                left.join(", "),
                review.base.replace('`', "'")
            );
        }
        self.text
    }
}

/// Plain text (coloured on request): per directory a heading, then its diff.
pub fn render_text(review: &Review, colour: bool) -> String {
    let mut out = format!(
        "nest-kz review: {} ({}) -> working tree\n",
        review.base,
        short_commit(&review.commit)
    );
    if review.dirs.is_empty() {
        out.push_str("No kustomization renders differently.\n");
        return out;
    }
    for d in &review.dirs {
        let (a, r, c) = diff::tally(&d.diffs);
        let _ = writeln!(
            out,
            "\n=== {} ({}): {a} added, {r} removed, {c} changed",
            d.sides.shown.display(),
            d.status()
        );
        if let Some(e) = &d.error {
            let _ = writeln!(out, "{e}");
        }
        out.push_str(&diff::render(&d.diffs, colour));
    }
    out
}
