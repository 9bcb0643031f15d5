//! Values as Go's `fmt` prints them in kustomize's messages, so error texts
//! read as kustomize's do.

/// A list of strings as `%s`/`%v` prints a Go slice: `[a b]`.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    let words: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("[{}]", words.join(" "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn slices_print_as_go_prints_them() {
        assert_eq!(super::list(&["a", "b c"]), "[a b c]");
        assert_eq!(super::list::<&str>(&[]), "[]");
    }
}
