//! The fish completion script, written from the command tree here rather
//! than by clap_complete: its fish generator stops two levels down, so
//! `edit add patch --<TAB>` offered nothing. Every command at every depth
//! gets its subcommands, flags and flag values, guarded by one function
//! that tells which command the words typed so far select.

use std::fmt::Write;

/// Finds the command path the typed words select: it walks them, matching
/// the wanted path in order; a subcommand word past it means a deeper
/// command is selected (option values and operands are skipped).
const PRELUDE: &str = r#"function __nest_kz_at --description 'whether the typed words select the nest-kz command at path $argv[1]'
    set -l want (string split -n ' ' -- $argv[1])
    set -l words (commandline -opc)
    set -e words[1]
    set -l i 1
    for w in $words
        if test $i -le (count $want); and test "$w" = "$want[$i]"
            set i (math $i + 1)
        else if contains -- $w $__nest_kz_subcommands
            return 1
        end
    end
    test $i -gt (count $want)
end
"#;

/// The script for `cmd` (the built tree of `completion::tree`).
pub fn script(cmd: &clap::Command) -> String {
    let mut names = Vec::new();
    collect_names(cmd, &mut names);
    names.sort();
    names.dedup();
    let mut out = String::from(PRELUDE);
    let _ = writeln!(out, "set -g __nest_kz_subcommands {}", names.join(" "));
    let _ = writeln!(out, "complete -c nest-kz -e");
    command(cmd, "", &mut out);
    out
}

fn collect_names(cmd: &clap::Command, names: &mut Vec<String>) {
    for sub in cmd.get_subcommands() {
        names.push(sub.get_name().to_owned());
        collect_names(sub, names);
    }
}

fn command(cmd: &clap::Command, path: &str, out: &mut String) {
    let at = format!("-n \"__nest_kz_at '{path}'\"");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "complete -c nest-kz {at} -f -a {} -d {}",
            quote(sub.get_name()),
            quote(&about)
        );
    }
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let Some(long) = arg.get_long() else {
            continue;
        };
        let mut line = format!("complete -c nest-kz {at} -l {long}");
        if let Some(short) = arg.get_short() {
            let _ = write!(line, " -s {short}");
        }
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_owned())
            .collect();
        if !values.is_empty() {
            let _ = write!(line, " -x -a {}", quote(&values.join(" ")));
        } else if arg.get_action().takes_values() {
            line.push_str(" -r");
        }
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let _ = writeln!(out, "{line} -d {}", quote(&help));
    }
    for sub in cmd.get_subcommands() {
        let sub_path = match path {
            "" => sub.get_name().to_owned(),
            p => format!("{p} {}", sub.get_name()),
        };
        command(sub, &sub_path, out);
    }
}

/// A fish single-quoted word: only `\` and `'` are special inside.
fn quote(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or_default();
    format!(
        "'{}'",
        first_line.replace('\\', "\\\\").replace('\'', "\\'")
    )
}
