//! Regular expressions written for Go's `regexp` (RE2 syntax), compiled
//! with the regex crate.
//!
//! kustomize compiles a patch target's name, a replacement's `select`, an
//! image's name and a field path's `[key=value]` with Go's `regexp`. The
//! two syntaxes differ where a user's pattern can meet them: Go reads a
//! `{` that does not open a valid repetition (`${CLUSTER_NAME}`, `{01}`)
//! as a literal, where the regex crate refuses the pattern; `\d`, `\s`,
//! `\w` and `\b` are ASCII in Go and Unicode in the crate; Go quotes with
//! `\Q...\E`; a `[` inside a class is a literal in Go and a nested class
//! in the crate, whose `&&` and `~~` are set operations; and Go refuses a
//! repetition count over 1000. [`translate`] rewrites a Go pattern into
//! one the crate reads the same way.

/// Go's largest repetition count (`regexp/syntax`'s `maxRepeat`).
const MAX_REPEAT: u32 = 1000;

/// Compiles a Go pattern.
pub fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(&translate(pattern)?).map_err(|e| e.to_string())
}

/// The regex crate's spelling of a Go pattern; an error where Go refuses
/// it and the crate would not.
pub fn translate(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i = escape(&chars, i, false, &mut out),
            '[' => i = class(&chars, i, &mut out)?,
            '{' => match repeat(&chars, i) {
                Some((min, max, end)) => {
                    if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
                        let text: String = chars[i..end].iter().collect();
                        return Err(format!("invalid repeat count: `{text}`"));
                    }
                    out.extend(&chars[i..end]);
                    i = end;
                }
                None => {
                    out.push_str("\\{");
                    i += 1;
                }
            },
            '}' => {
                out.push_str("\\}");
                i += 1;
            }
            ']' => {
                out.push_str("\\]");
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// A repetition `{n}`, `{n,}` or `{n,m}` at `at`, as Go parses one: its
/// counts and where it ends; `None` when Go reads the `{` as a literal
/// (no digits first, a leading zero, no closing `}`).
fn repeat(chars: &[char], at: usize) -> Option<(u32, Option<u32>, usize)> {
    let (min, mut i) = number(chars, at + 1)?;
    let max = match chars.get(i) {
        Some(',') if chars.get(i + 1) == Some(&'}') => {
            i += 1;
            None
        }
        Some(',') => {
            let (max, end) = number(chars, i + 1)?;
            i = end;
            Some(max)
        }
        _ => Some(min),
    };
    (chars.get(i) == Some(&'}')).then_some((min, max, i + 1))
}

/// Go's `parseInt`: digits without a leading zero (a lone `0` is fine);
/// counts past any use saturate.
fn number(chars: &[char], at: usize) -> Option<(u32, usize)> {
    let end = at
        + chars[at..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
    let digits = &chars[at..end];
    if digits.is_empty() || (digits.len() > 1 && digits[0] == '0') {
        return None;
    }
    let value = digits.iter().fold(0u32, |n, d| {
        n.saturating_mul(10)
            .saturating_add(d.to_digit(10).unwrap_or(0))
    });
    Some((value, end))
}

/// An escape at `at` (a `\`); where it ends. `in_class`: inside `[...]`,
/// where a Perl class is written as a nested class the crate unites.
fn escape(chars: &[char], at: usize, in_class: bool, out: &mut String) -> usize {
    let Some(&c) = chars.get(at + 1) else {
        // A trailing `\`: both refuse it.
        out.push('\\');
        return at + 1;
    };
    let ascii = match c {
        'd' => Some("[0-9]"),
        'D' => Some("[^0-9]"),
        's' => Some("[\\t\\n\\f\\r ]"),
        'S' => Some("[^\\t\\n\\f\\r ]"),
        'w' => Some("[0-9A-Za-z_]"),
        'W' => Some("[^0-9A-Za-z_]"),
        'b' if !in_class => Some("(?-u:\\b)"),
        'B' if !in_class => Some("(?-u:\\B)"),
        _ => None,
    };
    if let Some(class) = ascii {
        out.push_str(class);
        return at + 2;
    }
    match c {
        'Q' => {
            let start = at + 2;
            let end = (start..chars.len())
                .find(|&j| chars[j] == '\\' && chars.get(j + 1) == Some(&'E'))
                .unwrap_or(chars.len());
            let literal: String = chars[start..end].iter().collect();
            out.push_str(&regex::escape(&literal));
            (end + 2).min(chars.len())
        }
        // `\x{41}`, `\p{Greek}`: the braces belong to the escape.
        'x' | 'p' | 'P' if chars.get(at + 2) == Some(&'{') => {
            let close = (at + 3..chars.len())
                .find(|&j| chars[j] == '}')
                .map_or(chars.len(), |j| j + 1);
            out.extend(&chars[at..close]);
            close
        }
        _ => {
            out.push('\\');
            out.push(c);
            at + 2
        }
    }
}

/// A class `[...]` at `at`; where it ends. Go's rules: a `]` first (after
/// a `^`) is a literal, `[:name:]` is a POSIX class, any other `[` a
/// literal.
fn class(chars: &[char], at: usize, out: &mut String) -> Result<usize, String> {
    out.push('[');
    let mut i = at + 1;
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        out.push_str("\\]");
        i += 1;
    }
    while i < chars.len() {
        match chars[i] {
            ']' => {
                out.push(']');
                return Ok(i + 1);
            }
            '\\' => i = escape(chars, i, true, out),
            '[' if chars.get(i + 1) == Some(&':') => {
                let close = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == ':' && chars[j + 1] == ']');
                match close {
                    Some(j) => {
                        out.extend(&chars[i..j + 2]);
                        i = j + 2;
                    }
                    None => {
                        out.push_str("\\[");
                        i += 1;
                    }
                }
            }
            c @ ('[' | '&' | '~') => {
                out.push('\\');
                out.push(c);
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err("missing closing ]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        compile(&format!("^(?:{pattern})$"))
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .is_match(text)
    }

    #[test]
    fn a_brace_that_is_no_repetition_is_a_literal() {
        assert!(matches(
            r"\${CLUSTER_NAME}-control-plane",
            "${CLUSTER_NAME}-control-plane"
        ));
        assert!(matches("a{", "a{"));
        assert!(matches("a{,3}", "a{,3}"));
        assert!(matches("a{01}", "a{01}"));
        assert!(matches("x{2}", "xx"));
        assert!(matches("x{1,}", "xxx"));
        assert!(matches("x{1,2}y}", "xxy}"));
        assert!(compile("x{1001}").is_err());
        assert!(compile("x{2,1001}").is_err());
    }

    #[test]
    fn perl_classes_and_boundaries_are_ascii() {
        assert!(matches(r"\d+", "123"));
        assert!(!matches(r"\d", "٣"));
        assert!(!matches(r"\w", "é"));
        assert!(matches(r"[\d.]+", "1.2"));
        assert!(matches(r"[^\s]+", "ab"));
        assert!(compile(r"\bx\b").is_ok());
    }

    #[test]
    fn quoting_and_classes_as_go_reads_them() {
        // Go quotes rune by rune: the `+` repeats the last one.
        assert!(matches(r"\Qa.b*\E+", "a.b**"));
        assert!(matches(r"\Q{x}\E", "{x}"));
        assert!(matches("[]a]+", "]a"));
        assert!(matches("[^]a]", "b"));
        assert!(matches("[a[]+", "[a"));
        assert!(matches("[a&&b]+", "a&b"));
        assert!(matches("[[:digit:]x]+", "1x"));
        assert!(matches(r"\x{41}\p{Greek}", "Aα"));
        assert!(compile("[a").is_err());
    }
}
