//! `nest-kz graph`: the kustomization graph as Graphviz DOT or Mermaid.

use super::{err_line, print_text};
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Dot,
    Mermaid,
}

// The flags of `graph`.
#[derive(clap::Args)]
pub struct GraphArgs {
    /// The kustomization directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// dot (Graphviz) or mermaid (renders inside GitHub markdown).
    #[arg(long, value_enum, default_value = "dot")]
    format: Format,
    /// Highlight the files changed since this git revision.
    #[arg(long)]
    base: Option<String>,
}

/// Runs `graph`; the exit status.
pub fn run(args: GraphArgs) -> u8 {
    if let Err(e) = crate::load::kustomization::find_file(&args.dir) {
        err_line(&format!("Error: {e}"));
        return 1;
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut graph = crate::review::graph::Graph::of(&args.dir, &cwd);
    if let Some(rev) = &args.base {
        match crate::review::affected::changed_since(&args.dir, rev) {
            Ok(changed) => graph.highlight(&changed),
            Err(e) => {
                err_line(&format!("Error: {e}"));
                return 1;
            }
        }
    }
    print_text(&match args.format {
        Format::Dot => graph.dot(),
        Format::Mermaid => graph.mermaid(),
    })
}
