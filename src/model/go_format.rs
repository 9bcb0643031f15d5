//! Values as Go prints them: `fmt` in kustomize's messages (so error texts
//! read as kustomize's do) and values (`%v`, `strconv`), and
//! `encoding/json` where kustomize sends an object through JSON (so
//! numbers come back as Go wrote them).

/// A list of strings as `%s`/`%v` prints a Go slice: `[a b]`.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    let words: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("[{}]", words.join(" "))
}

/// A float64 as Go's `encoding/json` writes it: the shortest digits that
/// read back the same, positional from 1e-6 up to 1e21 and in exponent
/// form outside that, with a one-digit negative exponent (`1e-7`).
pub fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        // Rust's Display never switches to an exponent and prints the
        // shortest round-tripping digits, as Go's 'f' with precision -1.
        return format!("{f}");
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    match exp.strip_prefix('-') {
        Some(neg) => format!("{mantissa}e-{neg:0>1}"),
        None => format!("{mantissa}e+{exp:0>2}"),
    }
}

/// A float64 as Go's `strconv.FormatFloat(f, 'g', -1, 64)` and `%v`
/// print it: the shortest digits that read back the same, positional for
/// exponents -4 to 5 and in exponent form (two digits at least) outside.
pub fn float_g(f: f64) -> String {
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let rest = &digits[1..];
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{}{dot}e{esign}{:02}", &digits[..1], exp.abs());
    }
    let point = exp + 1;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    };
    format!("{sign}{text}")
}

/// Go's `encoding/json` string encoding, HTML escaping on.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_string(&mut out, s);
    out
}

/// [`json_string`] written onto `out`.
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut rest = s;
    loop {
        // A run Go's encoder leaves unchanged is copied in one piece.
        let kept = rest
            .bytes()
            .take_while(|&b| b >= 0x20 && !matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&' | 0xE2))
            .count();
        out.push_str(&rest[..kept]);
        rest = &rest[kept..];
        let Some(c) = rest.chars().next() else { break };
        rest = &rest[c.len_utf8()..];
        push_escaped(out, c);
    }
    out.push('"');
}

/// `c` as Go's JSON encoder writes it in a string (HTML-safe).
fn push_escaped(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn floats_print_as_go_json_prints_them() {
        for (f, text) in [
            (1e3, "1000"),
            (1.5e3, "1500"),
            (0.1e-2, "0.001"),
            (1.0, "1"),
            (0.0, "0"),
            (-2.5, "-2.5"),
            (1.2345678901234568e22, "1.2345678901234568e+22"),
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (-1.5e-10, "-1.5e-10"),
            (1e20, "100000000000000000000"),
        ] {
            assert_eq!(super::json_float(f), text, "{f}");
        }
    }

    #[test]
    fn floats_print_as_go_g_prints_them() {
        for (f, text) in [
            (1234567.5, "1.2345675e+06"),
            (0.000001, "1e-06"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (1e3, "1000"),
            (0.0, "0"),
            (-0.0, "-0"),
            (123456789.0, "1.23456789e+08"),
        ] {
            assert_eq!(super::float_g(f), text, "{f}");
        }
    }

    #[test]
    fn slices_print_as_go_prints_them() {
        assert_eq!(super::list(&["a", "b c"]), "[a b c]");
        assert_eq!(super::list::<&str>(&[]), "[]");
    }

    /// The run-copying [`json_string`] against escaping every character
    /// with [`push_escaped`], as it did before the runs.
    #[test]
    fn json_string_runs_match_the_character_escape() {
        fn by_char(s: &str) -> String {
            let mut out = String::from('"');
            for c in s.chars() {
                super::push_escaped(&mut out, c);
            }
            out.push('"');
            out
        }
        let parts = [
            "a",
            " ",
            "\"",
            "\\",
            "\n",
            "\r",
            "\t",
            "\u{8}",
            "\u{c}",
            "\u{1}",
            "<",
            ">",
            "&",
            "\u{2028}",
            "\u{2029}",
            "\u{2030}",
            "\u{20ac}",
            "é",
            "\u{1f600}",
            "\u{7f}",
        ];
        // Every pair and triple of parts, so each sits before and after
        // each other.
        for a in parts {
            for b in parts {
                for c in parts {
                    let s = format!("{a}{b}{c}x");
                    assert_eq!(super::json_string(&s), by_char(&s), "{s:?}");
                }
            }
        }
    }
}
