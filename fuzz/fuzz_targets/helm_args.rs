//! Helm argument building: any chart fields (from a hostile kustomization)
//! either fail the operand check or leave no user text where helm reads an
//! option.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nest_kz::generate::helm::{HelmChart, check_operands, template_args};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\u{0}');
    let mut next = || fields.next().unwrap_or_default().to_string();
    let chart = HelmChart {
        name: next(),
        release_name: next(),
        namespace: next(),
        name_template: next(),
        kube_version: next(),
        version: next(),
        repo: next(),
        ..HelmChart::default()
    };
    if check_operands(&chart).is_err() {
        return;
    }
    let args = template_args(&chart, Path::new("/k/charts"), Path::new("/t/v.yaml"), &[]);
    assert!(args[1] == "--generate-name" || !args[1].starts_with('-'), "{args:?}");
    assert!(args[2].starts_with('/'), "{args:?}");
});
