//! `nest-kz completion SHELL`: completion scripts from the full command
//! tree.

use super::Cli;
use clap::CommandFactory;
use std::io::Write;

/// Prints the completion script for `shell`.
pub fn run(shell: clap_complete::Shell) -> u8 {
    // Generated into memory: clap_complete panics on a closed pipe
    // (`nest-kz completion bash | head`), a plain write does not.
    let mut script = Vec::new();
    if shell == clap_complete::Shell::Fish {
        script = super::fish_completion::script(&tree()).into_bytes();
    } else {
        clap_complete::generate(shell, &mut tree(), "nest-kz", &mut script);
    }
    if shell == clap_complete::Shell::Bash {
        script = bash_labels_fixed(&script);
    }
    let _ = std::io::stdout().write_all(&script);
    0
}

/// clap_complete spells a hyphenated binary name two ways in its bash
/// script: the loop that walks the words sets `nest__kz__subcmd__build`,
/// the case labels test `nest__subcmd__kz__subcmd__build`, so nothing past
/// the first word completes. The labels are respelled as the loop sets them.
fn bash_labels_fixed(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("nest__subcmd__kz", "nest__kz")
        .into_bytes()
}

/// The command tree with everything completion scripts list: built, and
/// each `help` subcommand holding the whole tree beneath it. clap copies
/// that tree while building a command, before it has expanded deferred
/// subcommands, so the copies stop at the first deferred level; they are
/// completed here from the built tree, as clap would have made them.
pub fn tree() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.set_bin_name("nest-kz");
    cmd.build();
    complete_help_trees(&mut cmd);
    cmd
}

fn complete_help_trees(cmd: &mut clap::Command) {
    let built: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|c| c.get_name() != "help")
        .cloned()
        .collect();
    for sub in cmd.get_subcommands_mut() {
        if sub.get_name() != "help" {
            complete_help_trees(sub);
            continue;
        }
        for entry in sub.get_subcommands_mut() {
            let original = built.iter().find(|c| c.get_name() == entry.get_name());
            if let (Some(original), false) = (original, entry.has_subcommands()) {
                let bin = entry.get_bin_name().unwrap_or(entry.get_name()).to_owned();
                let copies = help_copies(original, &bin);
                *entry = std::mem::take(entry).subcommands(copies);
            }
        }
    }
}

/// What clap's help subcommand holds for each subcommand of `original`:
/// its name, about and visibility, and no flags of its own.
fn help_copies(original: &clap::Command, parent_bin: &str) -> Vec<clap::Command> {
    let own = original
        .get_subcommands()
        .filter(|c| c.get_name() != "help");
    own.map(|sub| {
        let bin = format!("{parent_bin} {}", sub.get_name());
        let mut copy = clap::Command::new(sub.get_name().to_owned())
            .hide(sub.is_hide_set())
            .disable_help_flag(true)
            .disable_version_flag(true)
            .disable_help_subcommand(true)
            .subcommands(help_copies(sub, &bin))
            .bin_name(bin);
        if let Some(about) = sub.get_about() {
            copy = copy.about(about.clone());
        }
        copy
    })
    .collect()
}
