//! Reviewing a pull request (issue 29) on a git repository built here: one
//! commit with a kustomization at the root, a base, a component and three
//! overlays; a second that adds an overlay, deletes one, renames one, and
//! changes the root, the base, the component and a patch. `affected`,
//! `diff --base`, `review` and `affected --generate-paths` are asserted on
//! it, from the top and from a subdirectory; the review's markdown is parsed
//! by a CommonMark parser (pulldown-cmark) and its graphs by Mermaid's.

mod support;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use std::path::Path;
use std::process::{Command, Output};

use support::{git, write};

fn nest_kz(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn lines(out: &Output) -> Vec<String> {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(out).lines().map(str::to_string).collect()
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
      - name: api
        image: registry.example.com/api:1.4.2
        env:
        - name: MODE
          value: normal
";

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: dns
spec:
  ports:
  - name: dns-udp
    port: 53
    protocol: UDP
  - name: dns-tcp
    port: 53
    protocol: TCP
";

/// The repository at the base commit, then the change on top of it (not committed
/// for the untracked new overlay, committed for the rest).
fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "kustomization.yaml", "resources:\n- service.yaml\n");
    write(r, "service.yaml", SERVICE);
    write(
        r,
        "base/kustomization.yaml",
        "resources:\n- deployment.yaml\nconfigMapGenerator:\n- name: nginx\n  files:\n  - nginx.conf\n",
    );
    write(r, "base/deployment.yaml", DEPLOYMENT);
    write(
        r,
        "base/nginx.conf",
        "server {\n  listen 80;\n  location / {\n    proxy_pass http://api;\n  }\n}\n",
    );
    write(
        r,
        "components/cache/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigMapGenerator:\n- name: cache\n  literals:\n  - SIZE=64\n",
    );
    for (name, extra) in [
        ("dev", ""),
        ("staging", ""),
        (
            "prod",
            "components:\n- ../../components/cache\npatches:\n- path: scale.yaml\n",
        ),
    ] {
        write(
            r,
            &format!("overlays/{name}/kustomization.yaml"),
            &format!("resources:\n- ../../base\nnamePrefix: {name}-\n{extra}"),
        );
    }
    write(
        r,
        "overlays/prod/scale.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 4\n",
    );
    write(r, "README.md", "docs\n");
    git(r, &["init", "-q"]);
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", "base"]);

    // The pull request.
    git(r, &["mv", "overlays/staging", "overlays/stage"]);
    git(r, &["rm", "-rq", "overlays/dev"]);
    write(
        r,
        "service.yaml",
        &SERVICE.replace("  - name: dns-udp\n    port: 53\n    protocol: UDP\n", ""),
    );
    write(
        r,
        "base/nginx.conf",
        "server {\n  listen 8080;\n  location / {\n    proxy_pass http://api;\n  }\n}\n",
    );
    write(
        r,
        "components/cache/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigMapGenerator:\n- name: cache\n  literals:\n  - SIZE=128\n",
    );
    write(
        r,
        "overlays/prod/scale.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 0\n  selector:\n    matchLabels:\n      app: api-v2\n  template:\n    spec:\n      containers:\n      - name: api\n        image: registry.example.com/api:latest\n        env:\n        - name: MODE\n          value: maintenance\n",
    );
    git(r, &["commit", "-qam", "change"]);
    write(
        r,
        "overlays/qa/kustomization.yaml",
        "resources:\n- ../../base\nnamePrefix: qa-\n",
    );
    tmp
}

#[test]
fn affected_lists_added_deleted_renamed_and_root_directories() {
    let r = repo();
    let top = r.path();
    assert_eq!(
        lines(&nest_kz(top, &["affected", "--base", "HEAD~1"])),
        [
            ".",
            "base",
            "overlays/prod",
            "overlays/qa",
            "overlays/stage",
            "overlays/dev"
        ]
    );
    // From a subdirectory every path is relative to it.
    assert_eq!(
        lines(&nest_kz(
            &top.join("overlays"),
            &["affected", "--base", "HEAD~1"]
        )),
        ["..", "../base", "prod", "qa", "stage", "dev"]
    );
    // Only the graph, without building: the same here.
    assert_eq!(
        lines(&nest_kz(
            top,
            &["affected", "--base", "HEAD~1", "--no-confirm"]
        ))
        .len(),
        6
    );
    // ArgoCD's manifest-generate-paths: the overlay, its base and component.
    assert_eq!(
        lines(&nest_kz(
            top,
            &["affected", "--generate-paths", "overlays/prod"]
        )),
        ["overlays/prod\t.;/base;/components/cache"]
    );
    let all = lines(&nest_kz(
        top,
        &["affected", "--generate-paths", "--base", "HEAD~1"],
    ));
    assert!(all.contains(&"overlays/qa\t.;/base".to_string()), "{all:?}");
    // A deleted directory has no application left to annotate.
    assert!(
        !all.iter().any(|l| l.starts_with("overlays/dev")),
        "{all:?}"
    );
}

#[test]
fn diff_base_renders_new_overlays_as_added_and_deleted_ones_as_removed() {
    let r = repo();
    let top = r.path();
    let added = nest_kz(top, &["diff", "overlays/qa", "--base", "HEAD~1"]);
    assert_eq!(
        added.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let text = stdout(&added);
    let headers: Vec<&str> = text.lines().filter(|l| !l.starts_with("    ")).collect();
    assert_eq!(headers.len(), 2, "{text}");
    assert!(headers[0].starts_with("+ ConfigMap/qa-nginx-"), "{text}");
    assert!(headers[0].ends_with(" (v1) (only in new)"), "{text}");
    assert_eq!(headers[1], "+ Deployment/qa-api (apps/v1) (only in new)");
    assert!(text.contains("    + kind: Deployment"), "{text}");

    let removed = nest_kz(top, &["diff", "overlays/dev", "--base", "HEAD~1"]);
    assert_eq!(
        removed.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    let text = stdout(&removed);
    assert!(
        text.lines()
            .filter(|l| !l.starts_with("    "))
            .all(|l| l.starts_with("- ") && l.ends_with("(only in old)")),
        "{text}"
    );
    assert!(text.contains("- Deployment/dev-api (apps/v1) (only in old)"));

    // A renamed overlay compares with its old path: the base's change only.
    let renamed = nest_kz(top, &["diff", "overlays/stage", "--base", "HEAD~1"]);
    let text = stdout(&renamed);
    assert!(
        text.contains(" (v1) (renamed from ConfigMap/staging-nginx-"),
        "{text}"
    );
    // Neither side: a clear error, nothing on stdout.
    let none = nest_kz(top, &["diff", "overlays/none", "--base", "HEAD~1"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(none.stdout.is_empty());
    assert!(String::from_utf8_lossy(&none.stderr).contains("overlays/none: no kustomization here"));
}

#[test]
fn diff_keys_list_items_shows_line_diffs_and_warns() {
    let r = repo();
    let top = r.path();
    let root = stdout(&nest_kz(top, &["diff", ".", "--base", "HEAD~1"]));
    // Removing UDP/53 from [UDP/53, TCP/53] is one removed item, keyed by
    // port and protocol as strategic merge keys it.
    assert_eq!(
        root.lines().collect::<Vec<_>>(),
        [
            "~ Service/dns (v1)",
            "    spec.ports[port=53,protocol=UDP]: {\"name\":\"dns-udp\",\"port\":53,\"protocol\":\"UDP\"} -> (absent)"
        ],
        "{root}"
    );
    let prod = stdout(&nest_kz(
        top,
        &["diff", "overlays/prod", "--base", "HEAD~1"],
    ));
    for line in [
        "    ! spec.selector of a Deployment is immutable: applying this change fails; the Deployment must be deleted and created again",
        "    ! spec.replicas set to 0: the Deployment stops every pod",
        "    ! spec.template.spec.containers[name=api].image uses the tag latest (registry.example.com/api:latest): the version that runs depends on when the image is pulled",
        "    spec.replicas: 4 -> 0",
        "    spec.template.spec.containers[name=api].env[name=MODE].value: normal -> maintenance",
        "    data.SIZE: 64 -> 128",
        // The multi-line nginx.conf as a line diff inside the field.
        "    data.nginx.conf:",
        "      -  listen 80;",
        "      +  listen 8080;",
        "         location / {",
    ] {
        assert!(
            prod.lines().any(|l| l == line),
            "missing {line:?} in\n{prod}"
        );
    }
    // The hash suffix moved: a rename, not a removal and an addition.
    assert!(!prod.contains("(only in"), "{prod}");
    assert!(
        prod.contains("(renamed from ConfigMap/prod-nginx-"),
        "{prod}"
    );
}

/// Every fenced code block's info string and text, and the table count.
fn markdown_blocks(md: &str) -> (Vec<(String, String)>, usize, usize) {
    let mut blocks = Vec::new();
    let mut tables = 0;
    let mut html = String::new();
    let mut current: Option<(String, String)> = None;
    for event in Parser::new_ext(md, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                current = Some((info.to_string(), String::new()))
            }
            Event::Text(t) => {
                if let Some((_, body)) = current.as_mut() {
                    body.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Html(h) | Event::InlineHtml(h) => html.push_str(&h),
            _ => {}
        }
    }
    let details = html.matches("<details>").count();
    assert_eq!(details, html.matches("</details>").count(), "{md}");
    (blocks, tables, details)
}

#[test]
fn review_is_one_markdown_report_with_warnings_first_and_graphs() {
    let r = repo();
    let top = r.path();
    let out = nest_kz(top, &["review", "--base", "HEAD~1"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = stdout(&out);
    assert!(md.starts_with("## nest-kz review: `HEAD~1` (`"), "{md}");
    assert!(
        md.contains("**6 directories changed**, **10 objects differ**: 2 added, 2 removed, 6 changed. ⚠️ 3 warnings."),
        "{md}"
    );
    let at = |s: &str| md.find(s).unwrap_or_else(|| panic!("{s} in\n{md}"));
    assert!(at("### ⚠️ Warnings") < at("### Summary"));
    assert!(at("### Summary") < at("<details>"));
    for row in [
        "| `.` | changed | 0 | 0 | 1 | 0 |",
        "| `overlays/prod` | changed | 0 | 0 | 3 | 3 |",
        "| `overlays/qa` | added | 2 | 0 | 0 | 0 |",
        "| `overlays/stage` | renamed from `overlays/staging` | 0 | 0 | 1 | 0 |",
        "| `overlays/dev` | deleted | 0 | 2 | 0 | 0 |",
    ] {
        assert!(md.lines().any(|l| l == row), "missing {row:?} in\n{md}");
    }
    // CommonMark: one summary table, the object tables, balanced details,
    // and the fences a reviewer expands.
    let (blocks, tables, details) = markdown_blocks(&md);
    assert!(tables >= 2, "{md}");
    let graphs: Vec<String> = blocks
        .iter()
        .filter(|(info, _)| info == "mermaid")
        .map(|(_, body)| body.clone())
        .collect();
    // A graph per directory that still exists.
    assert_eq!(graphs.len(), 5, "{md}");
    assert_eq!(details, 5 + 10, "{md}");
    assert!(blocks.iter().any(|(info, body)| info == "diff" && body.contains("-  listen 80;\n+  listen 8080;\n")));
    assert!(
        blocks
            .iter()
            .any(|(info, body)| info == "yaml" && body.contains("name: qa-api"))
    );
    // The changed files are highlighted in prod's graph.
    let prod_graph = graphs
        .iter()
        .find(|g| g.contains("\"overlays/prod/\""))
        .unwrap();
    assert!(prod_graph.contains("class "), "{prod_graph}");
    support::mermaid_parses("review::review_is_one_markdown_report", &graphs);

    // From a subdirectory, only the directories given.
    let one = stdout(&nest_kz(
        &top.join("overlays"),
        &["review", "--base", "HEAD~1", "qa"],
    ));
    assert!(one.contains("**1 directory changed**"), "{one}");
    assert!(one.contains("| `qa` | added | 2 | 0 | 0 | 0 |"), "{one}");
    // Nothing to review.
    let none = stdout(&nest_kz(
        top,
        &["review", "--base", "HEAD", "overlays/prod"],
    ));
    assert!(
        none.ends_with("No kustomization renders differently.\n"),
        "{none}"
    );
}

#[test]
fn review_keeps_under_the_size_limit_and_says_what_it_cut() {
    let r = repo();
    let top = r.path();
    let full = stdout(&nest_kz(top, &["review", "--base", "HEAD~1"]));
    let out = nest_kz(top, &["review", "--base", "HEAD~1", "--max-chars", "4000"]);
    let md = stdout(&out);
    assert!(md.chars().count() <= 4000, "{} chars", md.chars().count());
    assert!(md.chars().count() < full.chars().count());
    assert!(
        md.contains("✂️ Cut to stay under the comment size limit:"),
        "{md}"
    );
    assert!(
        md.contains("not shown. Run `nest-kz diff DIR --base HEAD~1`"),
        "{md}"
    );
    // Warnings and the summary come first, so they survive the cut.
    assert!(md.contains("spec.replicas set to 0"), "{md}");
    assert!(md.contains("| `overlays/dev` | deleted |"), "{md}");
    let (_, _, _) = markdown_blocks(&md);
    // Text for a terminal.
    let text = stdout(&nest_kz(
        top,
        &["review", "--base", "HEAD~1", "--format", "text"],
    ));
    assert!(
        text.contains("=== overlays/qa (added): 2 added, 0 removed, 0 changed"),
        "{text}"
    );
    assert!(!text.contains('\x1b'));
}

#[test]
fn the_example_workflow_renders_the_review() {
    // The README's GitHub Actions job: its review step, run as Actions runs
    // it (bash -e), with the expressions Actions would fill in.
    let workflow = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/review.yml"),
    )
    .unwrap();
    let docs = nest_kz::yaml::parse_config_documents(&workflow).unwrap();
    let steps = docs[0].value["jobs"]["review"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    let step = steps
        .iter()
        .find(|s| s.get("name").and_then(|n| n.as_str()) == Some("Render the review"))
        .expect("a review step");
    let script = step["run"].as_str().unwrap();
    assert!(script.contains("\"$NEST_KZ\" review --base"), "{script}");
    let r = repo();
    git(
        r.path(),
        &["update-ref", "refs/remotes/origin/main", "HEAD~1"],
    );
    let temp = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .args(["-e", "-c", script])
        .current_dir(r.path())
        .env("NEST_KZ", env!("CARGO_BIN_EXE_nest-kz"))
        .env("BASE", "origin/main")
        .env("RUNNER_TEMP", temp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(temp.path().join("review.md")).unwrap();
    assert!(md.contains("**6 directories changed**"), "{md}");
    assert!(md.chars().count() <= 65_536);
}
