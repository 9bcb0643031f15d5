//! Table-driven test support in the style of kustomize's filter tests: a
//! case is input YAML, a step over the objects, and the expected output
//! YAML. Steps' tests read their input and print their output through here.

use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use std::path::Path;

/// The objects of a YAML stream, as a build would have loaded them.
pub fn resmap(yaml: &str) -> ResMap {
    let mut m = ResMap::default();
    for (i, doc) in crate::yaml::parse_documents(yaml)
        .expect("test input parses")
        .into_iter()
        .enumerate()
    {
        m.append(Resource::new(doc.value, Path::new("test.yaml"), i + 1))
            .expect("test input has unique ids");
    }
    m
}

/// The objects as the build prints them.
pub fn emit(m: &ResMap) -> String {
    crate::yaml::emit::emit_stream(m.iter().map(|r| &r.value))
}

/// Runs `step` on `input` and compares the printed result with `expected`
/// (`Err(text)`: the step must fail with a message containing `text`).
pub fn check(
    name: &str,
    input: &str,
    step: impl FnOnce(&mut ResMap) -> Result<(), String>,
    expected: Result<&str, &str>,
) {
    let mut m = resmap(input);
    let got = step(&mut m).map(|_| emit(&m));
    match (got, expected) {
        (Ok(out), Ok(want)) => assert_eq!(out, want, "case {name}"),
        (Err(e), Err(want)) => assert!(e.contains(want), "case {name}: error {e:?}"),
        (got, want) => panic!("case {name}: got {got:?}, want {want:?}"),
    }
}
