//! Scalar syntax shared by the reader (go-yaml v3 rules) and the writer
//! (go-yaml v2 rules): both resolve integers with Go's `strconv.ParseInt(s, 0, 64)`
//! after dropping `_`, and floats with the same regular expression.

//!
//! The three scalar shapes below (float, base-60 float, timestamp) are the
//! resolvers' regular expressions matched by hand: compiling them took
//! 0.75M instructions, 7% of a small overlay's build, the first time a
//! value starting with a digit was printed. Tests hold each matcher to its
//! regular expression.

/// Byte-wise reading of one scalar.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor {
            bytes: s.as_bytes(),
            at: 0,
        }
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Takes one byte if `ok` accepts it.
    fn take(&mut self, ok: impl Fn(u8) -> bool) -> bool {
        let hit = self.peek().is_some_and(ok);
        self.at += usize::from(hit);
        hit
    }

    /// Takes bytes `ok` accepts, at most `max`; returns how many.
    fn take_while(&mut self, max: usize, ok: impl Fn(u8) -> bool) -> usize {
        let mut n = 0;
        while n < max && self.take(&ok) {
            n += 1;
        }
        n
    }

    fn digits(&mut self, min: usize, max: usize) -> bool {
        (min..=max).contains(&self.take_while(max, |b| b.is_ascii_digit()))
    }

    fn sign(&mut self) {
        self.take(|b| b == b'-' || b == b'+');
    }
}

fn digit(b: u8) -> bool {
    b.is_ascii_digit()
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, whole text.
pub fn is_yaml_float(s: &str) -> bool {
    let mut c = Cursor::new(s);
    c.sign();
    let mantissa = if c.take(|b| b == b'.') {
        c.take_while(usize::MAX, digit) > 0
    } else {
        let whole = c.take_while(usize::MAX, digit) > 0;
        if whole && c.take(|b| b == b'.') {
            c.take_while(usize::MAX, digit);
        }
        whole
    };
    if !mantissa {
        return false;
    }
    if c.take(|b| b == b'e' || b == b'E') {
        c.sign();
        if c.take_while(usize::MAX, digit) == 0 {
            return false;
        }
    }
    c.done()
}

/// `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?`, whole text (go-yaml
/// v2's base-60 floats).
pub fn is_base60_float(s: &str) -> bool {
    let mut c = Cursor::new(s);
    c.sign();
    if !c.take(digit) {
        return false;
    }
    c.take_while(usize::MAX, |b| digit(b) || b == b'_');
    let mut groups = 0;
    while c.take(|b| b == b':') {
        // `[0-5]?[0-9]`: one digit, or two with the first at most 5.
        match (c.peek(), c.bytes.get(c.at + 1).copied()) {
            (Some(b'0'..=b'5'), Some(b)) if digit(b) => c.at += 2,
            (Some(a), _) if digit(a) => c.at += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if c.take(|b| b == b'.') {
        c.take_while(usize::MAX, |b| digit(b) || b == b'_');
    }
    c.done()
}

/// go-yaml v2's timestamp layouts, whole text: a date `YYYY-MM-DD`, or a
/// date with one- or two-digit month and day, `T`/`t` or blanks, a time
/// `h:mm:ss` with optional fraction, and an optional zone (`Z`, `+h`,
/// `-hh:mm`, `+hhmm`) after optional blanks.
pub fn is_timestamp(s: &str) -> bool {
    let mut c = Cursor::new(s);
    if !c.digits(4, 4) || !c.take(|b| b == b'-') {
        return false;
    }
    let month = c.take_while(2, digit);
    if month == 0 || !c.take(|b| b == b'-') {
        return false;
    }
    let day = c.take_while(2, digit);
    if day == 0 {
        return false;
    }
    if c.done() {
        return month == 2 && day == 2;
    }
    let separated = c.take(|b| b == b'T' || b == b't')
        || c.take_while(usize::MAX, |b| b == b' ' || b == b'\t') > 0;
    if !separated
        || !c.digits(1, 2)
        || !c.take(|b| b == b':')
        || !c.digits(2, 2)
        || !c.take(|b| b == b':')
        || !c.digits(2, 2)
    {
        return false;
    }
    if c.take(|b| b == b'.') {
        c.take_while(usize::MAX, digit);
    }
    if c.done() {
        return true;
    }
    c.take_while(usize::MAX, |b| b == b' ' || b == b'\t');
    if c.take(|b| b == b'Z') {
        return c.done();
    }
    if !c.take(|b| b == b'-' || b == b'+') {
        return false;
    }
    // `h`, `hh`, `h:mm`, `hh:mm`, `hmm` or `hhmm`: without the colon the
    // hour takes whatever the two minute digits leave.
    let zone = &c.bytes[c.at..];
    match zone.iter().position(|&b| b == b':') {
        None => (1..=4).contains(&zone.len()) && zone.iter().all(|&b| digit(b)),
        Some(colon) => {
            (1..=2).contains(&colon)
                && zone.len() == colon + 3
                && zone
                    .iter()
                    .enumerate()
                    .all(|(i, &b)| i == colon || digit(b))
        }
    }
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

/// Whether go-yaml tags a number written `text` an int: an integer
/// literal (underscores dropped) that fits 64 bits, signed or not.
pub fn reads_as_go_int(text: &str) -> bool {
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    split_go_int(&cleaned).is_some_and(|(neg, radix, digits)| {
        u64::from_str_radix(digits, radix).is_ok_and(|m| !neg || m <= 1 << 63)
    })
}

/// Go's `strconv.ParseFloat(text, 64)` on a decimal text: underscores only
/// between digits, and a value in range.
pub fn go_parse_float(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let between_digits = |i: usize| {
        i > 0 && bytes[i - 1].is_ascii_digit() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
    };
    if (0..bytes.len()).any(|i| bytes[i] == b'_' && !between_digits(i)) {
        return None;
    }
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    cleaned.parse::<f64>().ok().filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FLOAT: &str = r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$";
    const BASE60: &str = r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$";
    const TIMESTAMP: &str = concat!(
        r"^(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?",
        r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?",
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?",
        r"|[0-9]{4}-[0-9]{2}-[0-9]{2})$"
    );

    fn agree(pattern: &str, matcher: fn(&str) -> bool, s: &str) {
        let re = regex::Regex::new(pattern).unwrap();
        assert_eq!(matcher(s), re.is_match(s), "{pattern} on {s:?}");
    }

    #[test]
    fn numbers_read_as_go_reads_them() {
        for (text, int) in [
            ("017", true),
            ("0x1F", true),
            ("1_000", true),
            ("18446744073709551615", true),
            ("18446744073709551616", false),
            ("-9223372036854775808", true),
            ("-9223372036854775809", false),
            ("1.5", false),
            ("08", false),
        ] {
            assert_eq!(reads_as_go_int(text), int, "{text}");
        }
        for (text, float) in [
            ("5.", Some(5.0)),
            ("+.5", Some(0.5)),
            ("1_0.5", Some(10.5)),
            ("1_.5", None),
            ("1__0.5", None),
            ("_1.5", None),
            ("1e3", Some(1000.0)),
            ("1e400", None),
            (".inf", None),
        ] {
            assert_eq!(go_parse_float(text), float, "{text}");
        }
    }

    #[test]
    fn matchers_agree_with_their_expressions_on_known_cases() {
        for s in [
            "",
            "1",
            "-1",
            "+.5",
            ".",
            "1.",
            "1.e5",
            "1e",
            "1e+",
            "1E-7",
            ".e1",
            "1_0",
            "12:30",
            "1:2:3",
            "-1_0:59.5_",
            "1:60",
            "1:",
            "190:20:30",
            "2001-12-14",
            "2001-1-4",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 -5",
            "2001-12-14T21:59:43Z",
            "2001-12-14 \t 1:59:43.+0530",
            "2001-12-14T21:59:43 Z",
            "2001-12-14T21:59:43-0",
            "2001-12-14T21:59:43+05:0",
            "0905-26-87T2:46:93 -261",
            "2001-12-14T21:59:43+0530",
            "2001-12-14T21:59:43+12345",
            "2001-12-14T21:59:43-1:30",
            "2001-12-14T21:59:43-123:0",
            "20011-12-14",
            "2001-12-14T",
            "2001-12-1421:59:43",
        ] {
            agree(FLOAT, is_yaml_float, s);
            agree(BASE60, is_base60_float, s);
            agree(TIMESTAMP, is_timestamp, s);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn matchers_agree_with_their_expressions(s in "[-+0-9_.:eETtZ \t]{0,32}") {
            agree(FLOAT, is_yaml_float, &s);
            agree(BASE60, is_base60_float, &s);
            agree(TIMESTAMP, is_timestamp, &s);
        }

        #[test]
        fn timestamps_agree(s in "[0-9]{4}-[0-9]{1,3}-[0-9]{1,3}([Tt]|[ \t]{1,2})?[0-9]{1,3}(:[0-9]{1,3}){0,3}(\\.[0-9]{0,2})?[ \t]{0,2}(Z|[-+][0-9]{0,3}(:?[0-9]{0,3}))?") {
            agree(TIMESTAMP, is_timestamp, &s);
        }
    }
}
