//! Criterion benchmarks of `nest-kz build` (library path, output rendered):
//! the three Nest overlays and generated trees from `bench/gen_tree.py`.
//! For the side-by-side ratio against `kubectl kustomize`, run `bench/bench.py`.

use criterion::{Criterion, criterion_group, criterion_main};
use nest_kz::{BuildOptions, build, yaml};
use std::path::{Path, PathBuf};
use std::process::Command;

fn render(dir: &Path) -> usize {
    let objects = build(dir, &BuildOptions::default()).expect("benchmark tree builds");
    yaml::emit_stream(&objects).len()
}

fn generated(kind: &str, n: usize, out: &Path) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/gen_tree.py");
    let status = Command::new("python3")
        .arg(script)
        .args([kind, &n.to_string()])
        .arg(out)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "tree generation failed");
    if kind == "deep" {
        out.join("top")
    } else {
        out.to_path_buf()
    }
}

fn benches(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for env in ["dev", "staging", "prod"] {
        let dir = root.join("overlays").join(env);
        c.bench_function(&format!("nest overlay {env}"), |b| b.iter(|| render(&dir)));
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let deep = generated("deep", 1000, &tmp.path().join("deep"));
    c.bench_function("generated 1000 resources, 3 levels", |b| {
        b.iter(|| render(&deep))
    });
    let wide = generated("wide", 200, &tmp.path().join("wide"));
    c.bench_function("wide: 200 kustomizations", |b| b.iter(|| render(&wide)));
}

criterion_group! {
    name = build_benches;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(build_benches);
