//! A legacy exec plugin's extra arguments: `argsOneLiner`, split as the
//! emulated release splits it (`Release::args_one_liner_splitter`), then
//! the lines of `argsFromFile`.

use crate::release::ArgsSplitter;

/// `argsOneLiner` split into arguments. kustomize before v5.7 ignored the
/// splitter's error and kept the words before it; from v5.7.1 an unclosed
/// quote is an error.
pub fn split_one_liner(text: &str, splitter: ArgsSplitter) -> Result<Vec<String>, String> {
    match splitter {
        ArgsSplitter::GoogleShlex => Ok(google_shlex(text)),
        ArgsSplitter::Kustomize => kustomize_shlex(text),
    }
}

/// kustomize's own splitter (v5.7.1 on): `\` escapes outside quotes and in
/// double quotes, adjacent quoted parts join a word, `#` outside quotes
/// ends the whole string (a word begun before it is kept), empty words are
/// dropped.
fn kustomize_shlex(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for ch in text.chars() {
        if escaped {
            word.push(ch);
            escaped = false;
            continue;
        }
        match (quote, ch) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('"'), '\\') | (None, '\\') => escaped = true,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => quote = Some(ch),
            (None, '#') => break,
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (None, c) => word.push(c),
        }
    }
    if quote.is_some() {
        return Err("unclosed quote in string".into());
    }
    if !word.is_empty() {
        words.push(word);
    }
    Ok(words)
}

/// github.com/google/shlex as kustomize before v5.7 called it: whitespace
/// is space, tab, CR and LF; `#` at the start of a word comments to the
/// end of the line; `\` escapes anything outside single quotes; empty
/// quoted words are kept; at an error (an unclosed quote, a trailing `\`)
/// the words before the broken one are all there is.
fn google_shlex(text: &str) -> Vec<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Start,
        Word,
        Escaping,
        EscapingQuoted,
        Double,
        Single,
        Comment,
    }
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut words = Vec::new();
    let mut word = String::new();
    let mut state = State::Start;
    for ch in text.chars() {
        state = match (state, ch) {
            (State::Start, c) if is_space(c) => State::Start,
            (State::Start, '#') => State::Comment,
            (State::Comment, '\n') => State::Start,
            (State::Comment, _) => State::Comment,
            (State::Start | State::Word, '"') => State::Double,
            (State::Start | State::Word, '\'') => State::Single,
            (State::Start | State::Word, '\\') => State::Escaping,
            (State::Word, c) if is_space(c) => {
                words.push(std::mem::take(&mut word));
                State::Start
            }
            (State::Start | State::Word, c) | (State::Escaping, c) => {
                word.push(c);
                State::Word
            }
            (State::EscapingQuoted, c) => {
                word.push(c);
                State::Double
            }
            (State::Double, '"') | (State::Single, '\'') => State::Word,
            (State::Double, '\\') => State::EscapingQuoted,
            (State::Double, c) => {
                word.push(c);
                State::Double
            }
            (State::Single, c) => {
                word.push(c);
                State::Single
            }
        };
    }
    // A word ends cleanly only outside quotes and escapes.
    if state == State::Word {
        words.push(word);
    }
    words
}

/// The lines of `argsFromFile`: each with its leading spaces (only spaces)
/// removed, empty ones skipped; nothing else is read into them (a `#` line
/// is an argument).
pub fn file_lines(text: &str) -> Vec<String> {
    text.split('\n')
        .map(|line| line.trim_start_matches(' '))
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(text: &str) -> Result<Vec<String>, String> {
        kustomize_shlex(text)
    }

    #[test]
    fn kustomizes_splitter() {
        let ok = |t: &str, want: &[&str]| assert_eq!(k(t).unwrap(), want, "{t}");
        ok("a b  c", &["a", "b", "c"]);
        ok(r"'r\s' x", &[r"r\s", "x"]);
        ok(r#""p\\q""#, &[r"p\q"]);
        ok(r#"--x="y z""#, &["--x=y z"]);
        ok(r"'can'\''t'", &["can't"]);
        ok("x#y z", &["x"]);
        ok("a '' \"\" b", &["a", "b"]);
        ok("trail\\", &["trail"]);
        ok("a\u{a0}b\u{85}c", &["a", "b", "c"]);
        ok("a # b\nc", &["a"]);
        assert_eq!(k("'open").unwrap_err(), "unclosed quote in string");
    }

    #[test]
    fn google_shlex_as_kustomize_v5_5_used_it() {
        let g = google_shlex;
        assert_eq!(g("a b\tc"), ["a", "b", "c"]);
        assert_eq!(g("x#y z"), ["x#y", "z"]);
        assert_eq!(g("a #c d\ne"), ["a", "e"]);
        assert_eq!(g("'' b"), ["", "b"]);
        assert_eq!(g(r#""a\"b" 'c\d'"#), [r#"a"b"#, r"c\d"]);
        assert_eq!(g("a 'open b"), ["a"]);
        assert_eq!(g("a b\\"), ["a"]);
        assert_eq!(g("a\u{a0}b"), ["a\u{a0}b"]);
    }

    #[test]
    fn file_lines_keep_tabs_and_comments() {
        assert_eq!(
            file_lines("  --a\n\n# c\n\t\nx \r\n"),
            ["--a", "# c", "\t", "x \r"]
        );
    }
}
