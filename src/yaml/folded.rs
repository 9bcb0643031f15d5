//! Folded block scalars (`>`) as kustomize prints them.
//!
//! kustomize keeps a folded scalar's style on its kyaml node and, when it
//! prints the object, writes the node with go-yaml v3 and reads it back
//! (`RNode.MarshalJSON`). go-yaml's folded writer decides whether to add a
//! blank line after a line by looking at the start of the whole value rather
//! than at the next line, so it adds one before every more-indented line
//! (and at a kept ending) when the value starts with a normal character, and
//! none anywhere when it starts with a blank. Reading that back does not
//! give the value that was written: the printed value is the one read back.
//! This module writes the scalar as go-yaml writes it and reads it with our
//! reader, so the result follows the two rules rather than a list of cases.

/// The value kustomize prints for a folded scalar whose value is `value`,
/// when that differs from `value`; `None` when go-yaml would not write it
/// as a folded scalar (it falls back to double quotes) or nothing changes.
pub fn as_printed(value: &str) -> Option<String> {
    if !block_allowed(value) {
        return None;
    }
    let text = write_folded(value);
    let docs = super::parse_documents(&text).ok()?;
    let printed = docs.first()?.value.get("k")?.as_str()?.to_string();
    (printed != value).then_some(printed)
}

/// go-yaml's test for writing a block scalar: no space before a line
/// break or at the end, no character it would have to escape. Line breaks
/// other than `\n` are left alone (go-yaml's handling of them is not modelled).
fn block_allowed(value: &str) -> bool {
    !value.ends_with(' ')
        && !value.contains(" \n")
        && !value.chars().any(|c| {
            matches!(c, '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}')
                || (c.is_control() && c != '\n' && c != '\t')
        })
}

/// `k: >` and the value, as go-yaml v3's folded writer lays it out.
fn write_folded(value: &str) -> String {
    let mut out = String::from("k: >");
    // An indentation hint when the value starts with a blank or a break.
    if value.starts_with([' ', '\n']) {
        out.push('2');
    }
    if !value.ends_with('\n') {
        out.push('-');
    } else if value == "\n" || value.ends_with("\n\n") {
        out.push('+');
    }
    out.push('\n');
    // go-yaml looks past the value's leading breaks to its first character,
    // for every line (see the module doc).
    let extra_breaks = value
        .trim_start_matches('\n')
        .starts_with(|c: char| c != ' ' && c != '\t');
    let mut at_break = true;
    let mut leading_blank = true;
    for c in value.chars() {
        if c == '\n' {
            if !at_break && !leading_blank && extra_breaks {
                out.push('\n');
            }
            out.push('\n');
            at_break = true;
            continue;
        }
        if at_break {
            out.push_str("  ");
            leading_blank = c == ' ' || c == '\t';
        }
        out.push(c);
        at_break = false;
    }
    if !at_break {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::as_printed;

    /// Values read from a folded scalar, and what kustomize v5.5.0 prints.
    #[test]
    fn values_as_kustomize_prints_them() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "one two\n  more\nback end\n",
                Some("one two\n\n  more\nback end\n"),
            ),
            ("one\n\n  more\nback\n", Some("one\n\n\n  more\nback\n")),
            ("x\n y\n z\nw", Some("x\n\n y\n z\nw")),
            ("\nlead\n  more\n", Some("\nlead\n\n  more\n")),
            ("keep\n\n", Some("keep\n\n\n")),
            // A value starting with a blank gets no extra line anywhere.
            ("  more\n more2\nback back2\n", None),
            // Nothing more-indented: unchanged.
            ("one two\nthree\n", None),
            ("plain", None),
            // Trailing spaces: go-yaml writes it double-quoted instead.
            ("a \n  b\n", None),
        ];
        for (value, want) in cases {
            assert_eq!(as_printed(value).as_deref(), *want, "value {value:?}");
        }
    }
}
