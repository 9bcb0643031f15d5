//! Values as Go prints them: `fmt` in kustomize's messages (so error texts
//! read as kustomize's do) and `encoding/json` where kustomize sends an
//! object through JSON (so numbers come back as Go wrote them).

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
    fn slices_print_as_go_prints_them() {
        assert_eq!(super::list(&["a", "b c"]), "[a b c]");
        assert_eq!(super::list::<&str>(&[]), "[]");
    }
}
