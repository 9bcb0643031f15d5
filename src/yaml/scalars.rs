//! Scalar syntax shared by the reader (go-yaml v3 rules) and the writer
//! (go-yaml v2 rules): both resolve integers with Go's `strconv.ParseInt(s, 0, 64)`
//! after dropping `_`, and floats with the same regular expression.

use std::sync::LazyLock;

static YAML_FLOAT: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
        .expect("static regex")
});

pub fn is_yaml_float(s: &str) -> bool {
    YAML_FLOAT.is_match(s)
}

/// A float both go-yaml versions resolve as one: float syntax and in range.
/// Go's `ParseFloat` fails on overflow (`1e400`), so such text stays a
/// string, read and written as written.
pub fn is_go_float(s: &str) -> bool {
    is_yaml_float(s) && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Go integer literal syntax: (negative, radix, digits) for sign, then
/// 0x / 0o / 0b / leading-0 octal / decimal; `None` if not an integer literal.
pub fn split_go_int(s: &str) -> Option<(bool, u32, &str)> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let prefixed = |p: &str, q: &str| body.strip_prefix(p).or_else(|| body.strip_prefix(q));
    let (radix, digits) = if let Some(d) = prefixed("0x", "0X") {
        (16, d)
    } else if let Some(d) = prefixed("0o", "0O") {
        (8, d)
    } else if let Some(d) = prefixed("0b", "0B") {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    (!digits.is_empty() && digits.chars().all(|c| c.is_digit(radix)))
        .then_some((neg, radix, digits))
}

/// The value of a Go integer literal that fits an int64.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, radix, digits) = split_go_int(s)?;
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    i64::try_from(if neg { -magnitude } else { magnitude }).ok()
}
