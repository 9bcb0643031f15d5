//! The Nest overlays against the seed chart's environment table, field by
//! field; what production needs beyond it (secrets, network policies for every
//! component combination, HPA-owned replicas, spreading, metrics, storage); and
//! every seed chart option as a recipe under `tests/recipes/`.

use nest_kz::json;
use nest_kz::model::value::Value;
use nest_kz::{BuildOptions, build};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build_dir(dir: &Path) -> Vec<Value> {
    build(dir, &BuildOptions::default()).unwrap_or_else(|e| panic!("{}: {e:#}", dir.display()))
}

fn objects(env: &str) -> Vec<Value> {
    build_dir(&root().join("overlays").join(env))
}

fn recipe(name: &str) -> Vec<Value> {
    build_dir(&root().join("tests/recipes").join(name))
}

fn find<'a>(objs: &'a [Value], kind: &str) -> Option<&'a Value> {
    objs.iter().find(|o| o["kind"] == kind)
}

fn named<'a>(objs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objs.iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind}/{name}"))
}

fn config(objs: &[Value], key: &str) -> String {
    find(objs, "ConfigMap").unwrap()["data"][key]
        .as_str()
        .unwrap_or_else(|| panic!("no ConfigMap key {key}"))
        .to_string()
}

fn nest_pod(objs: &[Value]) -> &Value {
    &named(objs, "Deployment", "nest")["spec"]["template"]
}

fn nest_container(objs: &[Value]) -> &Value {
    &nest_pod(objs)["spec"]["containers"][0]
}

struct Row {
    env: &'static str,
    replicas: i64,
    tag: &'static str,
    cpu: &'static str,
    memory: &'static str,
    hpa: Option<(i64, i64, i64)>,
    pdb: Option<i64>,
    network_policy: bool,
    log_level: &'static str,
    database: &'static str,
    host: &'static str,
}

const TABLE: [Row; 3] = [
    Row {
        env: "dev",
        replicas: 1,
        tag: "latest",
        cpu: "250m",
        memory: "256Mi",
        hpa: None,
        pdb: None,
        network_policy: false,
        log_level: "DEBUG",
        database: "nest_dev",
        host: "nest-dev.penguintech.io",
    },
    Row {
        env: "staging",
        replicas: 2,
        tag: "v1.0.0",
        cpu: "500m",
        memory: "512Mi",
        hpa: Some((2, 5, 80)),
        pdb: Some(1),
        network_policy: true,
        log_level: "INFO",
        database: "nest_staging",
        host: "nest-staging.penguintech.io",
    },
    Row {
        env: "prod",
        replicas: 3,
        tag: "v1.0.0",
        cpu: "1000m",
        memory: "1Gi",
        hpa: Some((3, 10, 70)),
        pdb: Some(2),
        network_policy: true,
        log_level: "WARN",
        database: "nest_prod",
        host: "nest.penguintech.io",
    },
];

#[test]
fn overlays_reproduce_the_seed_environment_table() {
    for row in TABLE {
        let objs = objects(row.env);
        let namespace = format!("nest-{}", row.env);
        assert!(
            objs.iter()
                .all(|o| o["metadata"]["namespace"] == namespace.as_str()),
            "{}: namespace",
            row.env
        );
        let deploy = find(&objs, "Deployment").unwrap();
        let container = &deploy["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            container["image"],
            format!("penguintech/nest:{}", row.tag).as_str(),
            "{}: image",
            row.env
        );
        for bound in ["requests", "limits"] {
            assert_eq!(
                container["resources"][bound]["cpu"], row.cpu,
                "{}: cpu {bound}",
                row.env
            );
            assert_eq!(
                container["resources"][bound]["memory"], row.memory,
                "{}: memory {bound}",
                row.env
            );
        }
        match (row.hpa, find(&objs, "HorizontalPodAutoscaler")) {
            (None, None) => {
                // No autoscaler: the Deployment carries the seed's count.
                assert_eq!(
                    deploy["spec"]["replicas"], row.replicas,
                    "{}: replicas",
                    row.env
                );
            }
            (Some((min, max, target)), Some(hpa)) => {
                // The HPA owns the count: the seed's replicas are its minimum,
                // and the Deployment sets none for ArgoCD to reset.
                assert_eq!(min, row.replicas, "{}: seed replicas", row.env);
                assert_eq!(
                    deploy["spec"].get("replicas"),
                    None,
                    "{}: spec.replicas beside an HPA",
                    row.env
                );
                assert_eq!(hpa["spec"]["minReplicas"], min, "{}: HPA min", row.env);
                assert_eq!(hpa["spec"]["maxReplicas"], max, "{}: HPA max", row.env);
                let metrics = hpa["spec"]["metrics"].as_array().unwrap();
                let names: Vec<&str> = metrics
                    .iter()
                    .map(|m| m["resource"]["name"].as_str().unwrap())
                    .collect();
                assert_eq!(names, ["cpu", "memory"], "{}: HPA metrics", row.env);
                assert!(
                    metrics
                        .iter()
                        .all(|m| m["resource"]["target"]["averageUtilization"] == target),
                    "{}: HPA target",
                    row.env
                );
                assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "nest");
            }
            (want, got) => panic!(
                "{}: HPA expected {want:?}, found {}",
                row.env,
                got.is_some()
            ),
        }
        match (row.pdb, find(&objs, "PodDisruptionBudget")) {
            (None, None) => {}
            (Some(min), Some(pdb)) => {
                assert_eq!(pdb["spec"]["minAvailable"], min, "{}: PDB", row.env)
            }
            (want, got) => panic!(
                "{}: PDB expected {want:?}, found {}",
                row.env,
                got.is_some()
            ),
        }
        assert_eq!(
            find(&objs, "NetworkPolicy").is_some(),
            row.network_policy,
            "{}: NetworkPolicy",
            row.env
        );
        assert_eq!(
            config(&objs, "LOG_LEVEL"),
            row.log_level,
            "{}: log level",
            row.env
        );
        assert_eq!(
            config(&objs, "DATABASE_NAME"),
            row.database,
            "{}: database",
            row.env
        );
        assert_eq!(config(&objs, "LICENSE_CACHE_EXPIRY"), "86400");
        let ingress = find(&objs, "Ingress").unwrap();
        assert_eq!(
            ingress["spec"]["rules"][0]["host"], row.host,
            "{}: host",
            row.env
        );
    }
}

#[test]
fn prod_has_tls_rate_limits_and_monitoring() {
    let objs = objects("prod");
    let ingress = find(&objs, "Ingress").unwrap();
    assert_eq!(ingress["spec"]["tls"][0]["secretName"], "nest-prod-tls");
    assert_eq!(ingress["spec"]["tls"][0]["hosts"][0], "nest.penguintech.io");
    let annotations = &ingress["metadata"]["annotations"];
    assert_eq!(
        annotations["cert-manager.io/cluster-issuer"],
        "letsencrypt-prod"
    );
    assert_eq!(
        annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"],
        "true"
    );
    assert!(annotations["nginx.ingress.kubernetes.io/limit-rps"].is_string());
    let monitor = find(&objs, "ServiceMonitor").unwrap();
    assert_eq!(monitor["spec"]["endpoints"][0]["path"], "/metrics");
    assert_eq!(monitor["spec"]["endpoints"][0]["port"], "metrics");
    assert_eq!(monitor["spec"]["endpoints"][0]["interval"], "30s");
    assert!(find(&objects("staging"), "ServiceMonitor").is_none());
}

#[test]
fn references_follow_hashed_generator_names() {
    for env in ["dev", "staging", "prod"] {
        let objs = objects(env);
        let cm = find(&objs, "ConfigMap").unwrap()["metadata"]["name"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(cm.starts_with("nest-config-") && cm.len() == "nest-config-".len() + 10);
        let env_from = &nest_container(&objs)["envFrom"];
        assert_eq!(env_from[0]["configMapRef"]["name"], cm.as_str());
        // Dev's Secret is generated (hashed); elsewhere the ExternalSecret
        // writes a Secret named nest-secrets.
        let secret = match find(&objs, "Secret") {
            Some(s) => s["metadata"]["name"].as_str().unwrap().to_string(),
            None => named(&objs, "ExternalSecret", "nest-secrets")["spec"]["target"]["name"]
                .as_str()
                .unwrap()
                .to_string(),
        };
        assert_eq!(env_from[1]["secretRef"]["name"], secret.as_str(), "{env}");
    }
}

#[test]
fn pods_run_hardened() {
    let objs = objects("prod");
    let pod = &find(&objs, "Deployment").unwrap()["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 1000);
    assert_eq!(pod["terminationGracePeriodSeconds"], 30);
    let sc = &pod["containers"][0]["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["capabilities"]["drop"][0], "ALL");
    assert_eq!(sc["capabilities"]["add"][0], "NET_BIND_SERVICE");
    assert_eq!(
        find(&objs, "ServiceAccount").unwrap()["automountServiceAccountToken"],
        false
    );
}

// ---------------------------------------------------------------- secrets

/// The keys of the development placeholder file, which only dev may render.
fn placeholder_keys() -> Vec<String> {
    std::fs::read_to_string(root().join("components/dev-secrets/secrets.env"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .map(|l| l.split('=').next().unwrap().to_string())
        .collect()
}

/// Every recipe tree, by directory name.
fn recipe_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("tests/recipes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn staging_and_prod_never_render_placeholder_secrets() {
    let keys = placeholder_keys();
    assert_eq!(
        keys,
        [
            "DATABASE_PASSWORD",
            "CACHE_PASSWORD",
            "LICENSE_API_KEY",
            "SECRET_KEY"
        ]
    );
    let mut trees: Vec<(String, Vec<Value>)> = vec![
        ("overlays/staging".into(), objects("staging")),
        ("overlays/prod".into(), objects("prod")),
        ("base".into(), build_dir(&root().join("base"))),
    ];
    // Every recipe builds on staging, prod or base.
    for name in recipe_names() {
        trees.push((format!("tests/recipes/{name}"), recipe(&name)));
    }
    for (tree, objs) in &trees {
        for o in objs {
            let text = serde_json::to_string(o).unwrap();
            assert!(
                !text.contains("dev-only"),
                "{tree}: {} {} carries a dev-only placeholder",
                o["kind"],
                o["metadata"]["name"]
            );
            if o["kind"] == "Secret" {
                let data = o["data"].as_object().into_iter().flatten();
                for (k, _) in data {
                    assert!(
                        !keys.iter().any(|x| x == k),
                        "{tree}: Secret {} generated from secrets.env",
                        o["metadata"]["name"]
                    );
                }
            }
        }
        assert!(
            find(objs, "Secret").is_none(),
            "{tree}: no Secret object at all"
        );
        if tree != "base" {
            // Something real provides the Secret the pods read.
            let provider = objs.iter().find(|o| {
                (o["kind"] == "ExternalSecret" && o["spec"]["target"]["name"] == "nest-secrets")
                    || (o["kind"] == "SealedSecret"
                        && o["spec"]["template"]["metadata"]["name"] == "nest-secrets")
            });
            assert!(provider.is_some(), "{tree}: nothing provides nest-secrets");
            assert_eq!(
                nest_container(objs)["envFrom"][1]["secretRef"]["name"],
                "nest-secrets",
                "{tree}"
            );
        }
    }
    // Staging and prod read their own entry in the secret manager.
    for (env, key) in [("staging", "nest/staging"), ("prod", "nest/prod")] {
        let es = named(&objects(env), "ExternalSecret", "nest-secrets").clone();
        assert_eq!(es["spec"]["dataFrom"][0]["extract"]["key"], key);
        assert_eq!(
            es["spec"]["secretStoreRef"]["name"],
            named(&objects(env), "SecretStore", "nest-aws-secrets-manager")["metadata"]["name"]
        );
    }
    // Dev keeps working with its placeholders.
    let dev = objects("dev");
    let secret = find(&dev, "Secret").unwrap();
    let dev_keys: Vec<&str> = secret["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(dev_keys.len(), keys.len());
    assert!(find(&dev, "ExternalSecret").is_none());
}

// ------------------------------------------------------- network policies

/// One allowed flow: direction, protocol, port, and the peer (JSON, or "any").
type Flow = (&'static str, String, i64, String);

fn peer(v: Value) -> String {
    serde_json::to_string(&v).unwrap()
}

fn selects(selector: &Value, labels: &Value) -> bool {
    selector["matchLabels"]
        .as_object()
        .map(|m| m.iter().all(|(k, v)| &labels[k] == v))
        .unwrap_or(true)
}

/// The flows every NetworkPolicy selecting pods with `labels` allows, with
/// the policy types that isolate them.
fn flows(objs: &[Value], labels: &Value) -> (BTreeSet<Flow>, BTreeSet<String>) {
    let mut out = BTreeSet::new();
    let mut types = BTreeSet::new();
    for np in objs.iter().filter(|o| o["kind"] == "NetworkPolicy") {
        if !selects(&np["spec"]["podSelector"], labels) {
            continue;
        }
        for t in np["spec"]["policyTypes"].as_array().unwrap() {
            types.insert(t.as_str().unwrap().to_string());
        }
        for (dir, key, peers_key) in [("in", "ingress", "from"), ("out", "egress", "to")] {
            for rule in np["spec"][key].as_array().into_iter().flatten() {
                let peers: Vec<String> = match rule[peers_key].as_array() {
                    Some(p) => p.iter().map(|p| peer(p.clone())).collect(),
                    None => vec!["any".into()],
                };
                for port in rule["ports"].as_array().unwrap() {
                    for p in &peers {
                        out.insert((
                            dir,
                            port["protocol"].as_str().unwrap().to_string(),
                            port["port"].as_i64().unwrap(),
                            p.clone(),
                        ));
                    }
                }
            }
        }
    }
    (out, types)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Db {
    PostgresExternal,
    MysqlExternal,
    PostgresInCluster,
    MariadbInCluster,
}

impl Db {
    fn components(self) -> &'static [&'static str] {
        match self {
            Db::PostgresExternal => &[],
            Db::MysqlExternal => &["database-mysql"],
            Db::PostgresInCluster => &["postgresql-in-cluster"],
            Db::MariadbInCluster => &["database-mysql", "mariadb-in-cluster"],
        }
    }
    fn port(self) -> i64 {
        match self {
            Db::PostgresExternal | Db::PostgresInCluster => 5432,
            _ => 3306,
        }
    }
    fn in_cluster(self) -> Option<&'static str> {
        match self {
            Db::PostgresInCluster => Some("nest-postgresql"),
            Db::MariadbInCluster => Some("nest-mariadb"),
            _ => None,
        }
    }
}

/// A relative path from `from` to `to` (both absolute), as kustomize wants.
fn relative(from: &Path, to: &Path) -> String {
    let up = from.components().count() - 1;
    let mut s = "../".repeat(up);
    s.push_str(to.to_str().unwrap().trim_start_matches('/'));
    s
}

/// Builds overlay `env` with extra components, either listed after the
/// overlay's own components (inside a copy of the overlay) or in a
/// kustomization wrapping it.
fn build_with(env: &str, extra: &[&str], inside: bool, tag: &str) -> Vec<Value> {
    let overlay = root().join("overlays").join(env).canonicalize().unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("nest-combos")
        .join(format!("{env}-{tag}-{inside}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();
    let repo = relative(&dir, &root().canonicalize().unwrap());
    let lines: String = extra
        .iter()
        .map(|c| format!("- {repo}/components/{c}\n"))
        .collect();
    let text = if inside {
        for entry in std::fs::read_dir(&overlay).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
        let k = std::fs::read_to_string(overlay.join("kustomization.yaml")).unwrap();
        let k = k.replace("../../", &format!("{repo}/"));
        if extra.is_empty() {
            k
        } else if k.contains("\ncomponents:\n") {
            let at = k.find("\nlabels:\n").expect("components precede labels");
            format!("{}\n{}{}", &k[..at], lines.trim_end(), &k[at..])
        } else {
            format!("{k}components:\n{lines}")
        }
    } else {
        // Components above an overlay get no namespace from it.
        format!(
            "namespace: nest-{env}\nresources:\n- {}\ncomponents:\n{lines}",
            relative(&dir, &overlay)
        )
    };
    std::fs::write(dir.join("kustomization.yaml"), text).unwrap();
    build_dir(&dir)
}

#[test]
fn network_policies_allow_exactly_the_needed_traffic_for_every_combination() {
    let app = json!({"app.kubernetes.io/name": "nest", "app.kubernetes.io/instance": "nest"});
    let any = "any".to_string();
    let kube_dns = peer(json!({
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}
    }));
    let namespace = |ns: &str| {
        peer(json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}}))
    };
    let own_pods = |component: &str| {
        peer(json!({"podSelector": {"matchLabels": {"app.kubernetes.io/component": component}}}))
    };
    let public = [
        peer(json!({"ipBlock": {"cidr": "0.0.0.0/0",
            "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}})),
        peer(json!({"ipBlock": {"cidr": "::/0", "except": ["fc00::/7"]}})),
    ];
    let prometheus = peer(json!({
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}
    }));
    let tcp = |dir: &'static str, port: i64, p: &String| (dir, "TCP".to_string(), port, p.clone());

    let mut checked = 0;
    for env in ["dev", "staging", "prod"] {
        for db in [
            Db::PostgresExternal,
            Db::MysqlExternal,
            Db::PostgresInCluster,
            Db::MariadbInCluster,
        ] {
            for cache_in_cluster in [false, true] {
                for extras in [&[][..], &["monitoring", "persistence"][..]] {
                    if env == "prod" && extras.contains(&"monitoring") {
                        continue; // prod lists it already
                    }
                    let mut components: Vec<&str> = db.components().to_vec();
                    if cache_in_cluster {
                        components.push("redis-in-cluster");
                    }
                    components.extend(extras);
                    for inside in [true, false] {
                        let what = format!("{env} + {components:?} (inside: {inside})");
                        let tag = format!("{db:?}-{cache_in_cluster}-{}", extras.len());
                        let objs = build_with(env, &components, inside, &tag);
                        let (got, types) = flows(&objs, &app);
                        let ns = format!("nest-{env}");
                        assert!(
                            objs.iter()
                                .all(|o| o["metadata"]["namespace"] == ns.as_str()),
                            "{what}: one namespace"
                        );

                        // What the app connects to, from its ConfigMap.
                        assert_eq!(
                            config(&objs, "DATABASE_PORT"),
                            db.port().to_string(),
                            "{what}"
                        );
                        let db_host = config(&objs, "DATABASE_HOST");
                        let cache_host = config(&objs, "CACHE_HOST");
                        // In-cluster servers: a Service on the port, selecting
                        // pods of the overlay's namespace, which admit the app.
                        let mut in_cluster = vec![];
                        if let Some(name) = db.in_cluster() {
                            assert_eq!(db_host, name, "{what}");
                            in_cluster.push((name, "database", db.port()));
                        }
                        if cache_in_cluster {
                            assert_eq!(cache_host, "nest-valkey", "{what}");
                            assert_eq!(config(&objs, "CACHE_TLS"), "false", "{what}");
                            in_cluster.push(("nest-valkey", "cache", 6379));
                        }
                        for (name, component, port) in &in_cluster {
                            let svc = named(&objs, "Service", name);
                            assert_eq!(svc["spec"]["ports"][0]["port"], *port, "{what}");
                            let labels = json!({"app.kubernetes.io/component": component});
                            assert_eq!(svc["spec"]["selector"], labels, "{what}");
                            let (server, _) = flows(&objs, &labels);
                            let want: BTreeSet<Flow> = [tcp(
                                "in",
                                *port,
                                &peer(json!({"podSelector": {"matchLabels": app.clone()}})),
                            )]
                            .into();
                            assert_eq!(server, want, "{what}: {name} admits the app only");
                        }
                        if env == "dev" {
                            assert!(
                                got.is_empty() && types.is_empty(),
                                "{what}: dev has no app policy"
                            );
                            checked += 1;
                            continue;
                        }
                        assert_eq!(
                            types,
                            ["Egress".to_string(), "Ingress".to_string()].into(),
                            "{what}: default deny both ways"
                        );
                        let strict = env == "prod";
                        let mut want: BTreeSet<Flow> = BTreeSet::new();
                        want.insert(tcp("in", 8000, &namespace("ingress-nginx")));
                        want.insert(tcp("in", 9090, &prometheus));
                        let dns = if strict {
                            kube_dns.clone()
                        } else {
                            any.clone()
                        };
                        want.insert(("out", "UDP".into(), 53, dns.clone()));
                        want.insert(tcp("out", 53, &dns));
                        for p in &public {
                            want.insert(tcp("out", 443, p));
                        }
                        // External servers: prod's live in namespace prod, as
                        // their hosts say; staging's anywhere.
                        let external = |host: &str| {
                            if strict {
                                assert!(
                                    host.ends_with(".prod.svc.cluster.local"),
                                    "{what}: {host}"
                                );
                                namespace("prod")
                            } else {
                                any.clone()
                            }
                        };
                        let db_peer = match db.in_cluster() {
                            Some(_) => own_pods("database"),
                            None => external(&db_host),
                        };
                        want.insert(tcp("out", db.port(), &db_peer));
                        let cache_peer = if cache_in_cluster {
                            own_pods("cache")
                        } else {
                            external(&cache_host)
                        };
                        want.insert(tcp("out", 6379, &cache_peer));
                        pretty_assertions::assert_eq!(got, want, "{what}");
                        // The metrics port is the one the app serves them on.
                        assert_eq!(config(&objs, "METRICS_PORT"), "9090");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 2 * 8 * 2 + 2 * 8 * 2 + 2 * 8);
}

// ------------------------------------------------- scheduling and exposure

#[test]
fn prod_spreads_replicas_across_nodes_and_zones() {
    let objs = objects("prod");
    let pod = &nest_pod(&objs)["spec"];
    let keys: Vec<(&str, &str)> = pod["topologySpreadConstraints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["maxSkew"], 1);
            assert!(selects(
                &c["labelSelector"],
                &nest_pod(&objs)["metadata"]["labels"]
            ));
            (
                c["topologyKey"].as_str().unwrap(),
                c["whenUnsatisfiable"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("kubernetes.io/hostname", "ScheduleAnyway"),
            ("topology.kubernetes.io/zone", "ScheduleAnyway")
        ]
    );
    let hard = recipe("spread-hard");
    assert_eq!(
        nest_pod(&hard)["spec"]["topologySpreadConstraints"][0]["whenUnsatisfiable"],
        "DoNotSchedule"
    );
    assert_eq!(
        nest_pod(&hard)["spec"]["topologySpreadConstraints"][0]["topologyKey"],
        "kubernetes.io/hostname"
    );
}

#[test]
fn metrics_are_served_on_their_own_port_not_through_the_ingress() {
    for env in ["dev", "staging", "prod"] {
        let objs = objects(env);
        let ports: Vec<(&str, i64)> = nest_container(&objs)["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap(),
                    p["containerPort"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(ports, [("http", 8000), ("metrics", 9090)], "{env}");
        assert_eq!(config(&objs, "METRICS_PORT"), "9090");
        // The Service the Ingress routes to exposes http only.
        let ingress = find(&objs, "Ingress").unwrap();
        for rule in ingress["spec"]["rules"].as_array().unwrap() {
            for path in rule["http"]["paths"].as_array().unwrap() {
                let backend = &path["backend"]["service"];
                let svc = named(&objs, "Service", backend["name"].as_str().unwrap());
                let names: Vec<&Value> = svc["spec"]["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| &p["targetPort"])
                    .collect();
                assert_eq!(names, [&json!("http")], "{env}: Ingress backend ports");
                assert_eq!(backend["port"]["name"], "http");
            }
        }
        let metrics = named(&objs, "Service", "nest-metrics");
        assert_eq!(metrics["spec"]["ports"][0]["targetPort"], "metrics");
        assert!(selects(
            &json!({"matchLabels": metrics["spec"]["selector"].clone()}),
            &nest_pod(&objs)["metadata"]["labels"]
        ));
        if let Some(monitor) = find(&objs, "ServiceMonitor") {
            assert!(selects(
                &monitor["spec"]["selector"],
                &metrics["metadata"]["labels"]
            ));
            assert!(!selects(
                &monitor["spec"]["selector"],
                &named(&objs, "Service", "nest")["metadata"]["labels"]
            ));
        }
    }
}

#[test]
fn version_label_matches_the_image_it_runs() {
    for env in ["dev", "staging", "prod"] {
        let objs = objects(env);
        let image = nest_container(&objs)["image"].as_str().unwrap();
        let tag = image.rsplit(':').next().unwrap();
        let want = tag.trim_start_matches('v');
        for labels in [
            &named(&objs, "Deployment", "nest")["metadata"]["labels"],
            &nest_pod(&objs)["metadata"]["labels"],
        ] {
            assert_eq!(labels["app.kubernetes.io/version"], want, "{env}");
        }
    }
}

// ------------------------------------------------------------- recipes

fn assert_config(objs: &[Value], pairs: &[(&str, &str)]) {
    for (k, v) in pairs {
        assert_eq!(config(objs, k), *v, "{k}");
    }
}

fn egress_peer(objs: &[Value], policy: &str) -> (i64, Value) {
    let rule = &named(objs, "NetworkPolicy", policy)["spec"]["egress"][0];
    (
        rule["ports"][0]["port"].as_i64().unwrap(),
        rule["to"].clone(),
    )
}

#[test]
fn recipe_database_types_and_locations() {
    let prod_ns =
        json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "prod"}}}]);
    let r = recipe("mysql-external");
    assert_config(
        &r,
        &[
            ("DATABASE_TYPE", "mysql"),
            ("DATABASE_PORT", "3306"),
            ("DATABASE_HOST", "mysql.prod.svc.cluster.local"),
        ],
    );
    assert_eq!(egress_peer(&r, "nest-database"), (3306, prod_ns.clone()));

    let r = recipe("mariadb-galera-external");
    assert_config(
        &r,
        &[
            ("DATABASE_TYPE", "mysql"),
            ("DATABASE_PORT", "3306"),
            (
                "DATABASE_HOST",
                "mariadb-galera.databases.svc.cluster.local",
            ),
        ],
    );
    assert_eq!(
        egress_peer(&r, "nest-database"),
        (
            3306,
            json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "databases"}}}])
        )
    );
    assert_eq!(egress_peer(&r, "nest-cache"), (6379, prod_ns.clone()));

    let r = recipe("database-external-host");
    assert_config(
        &r,
        &[(
            "DATABASE_HOST",
            "nest-prod.cluster-abc123.eu-west-1.rds.amazonaws.com",
        )],
    );
    assert_eq!(
        egress_peer(&r, "nest-database"),
        (5432, json!([{"ipBlock": {"cidr": "10.20.0.0/16"}}]))
    );

    let own =
        |c: &str| json!([{"podSelector": {"matchLabels": {"app.kubernetes.io/component": c}}}]);
    let r = recipe("postgresql-in-cluster");
    assert_config(
        &r,
        &[
            ("DATABASE_HOST", "nest-postgresql"),
            ("DATABASE_PORT", "5432"),
        ],
    );
    let sts = named(&r, "StatefulSet", "nest-postgresql");
    assert_eq!(sts["metadata"]["namespace"], "nest-prod");
    assert_eq!(egress_peer(&r, "nest-database"), (5432, own("database")));

    let r = recipe("mariadb-in-cluster");
    assert_config(
        &r,
        &[
            ("DATABASE_TYPE", "mysql"),
            ("DATABASE_HOST", "nest-mariadb"),
            ("DATABASE_PORT", "3306"),
        ],
    );
    named(&r, "StatefulSet", "nest-mariadb");
    assert_eq!(egress_peer(&r, "nest-database"), (3306, own("database")));

    let r = recipe("redis-in-cluster");
    assert_config(&r, &[("CACHE_HOST", "nest-valkey"), ("CACHE_TLS", "false")]);
    let valkey =
        &named(&r, "Deployment", "nest-valkey")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        valkey["env"][0]["valueFrom"]["secretKeyRef"]["name"],
        "nest-secrets"
    );
    assert_eq!(egress_peer(&r, "nest-cache"), (6379, own("cache")));
    assert_eq!(egress_peer(&r, "nest-database"), (5432, prod_ns));
}

#[test]
fn recipe_cache_tls_and_password() {
    let r = recipe("cache-tls-password");
    assert_eq!(config(&objects("staging"), "CACHE_TLS"), "false");
    assert_config(&r, &[("CACHE_TLS", "true")]);
    let es = named(&r, "ExternalSecret", "nest-secrets");
    assert_eq!(
        es["spec"]["data"],
        json!([{"secretKey": "CACHE_PASSWORD",
                "remoteRef": {"key": "nest/staging/cache", "property": "password"}}])
    );
    assert_eq!(es["spec"]["dataFrom"][0]["extract"]["key"], "nest/staging");
}

#[test]
fn recipe_license_custom_config_and_image() {
    let r = recipe("license-server");
    assert_config(
        &r,
        &[
            ("LICENSE_SERVER_URL", "https://license.eu.penguintech.io"),
            ("LICENSE_CACHE_EXPIRY", "3600"),
        ],
    );

    let r = recipe("custom-config");
    assert_config(&r, &[("myKey", "myValue"), ("LOG_LEVEL", "WARN")]);
    let cm = find(&r, "ConfigMap").unwrap()["metadata"]["name"].clone();
    assert_ne!(
        cm,
        find(&objects("prod"), "ConfigMap").unwrap()["metadata"]["name"]
    );
    assert_eq!(nest_container(&r)["envFrom"][0]["configMapRef"]["name"], cm);

    let r = recipe("image-registry");
    assert_eq!(
        nest_container(&r)["image"],
        "myregistry.azurecr.io/nest:v1.0.0"
    );
}

#[test]
fn recipe_persistence_shares_one_rwx_volume() {
    let r = recipe("persistence-50gi");
    let pvc = named(&r, "PersistentVolumeClaim", "nest-data");
    assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "50Gi");
    assert_eq!(pvc["spec"]["accessModes"], json!(["ReadWriteMany"]));
    assert_eq!(pvc["spec"]["storageClassName"], "efs-sc");
    let pod = &nest_pod(&r)["spec"];
    assert!(
        pod["volumes"].as_array().unwrap().contains(
            &json!({"name": "data", "persistentVolumeClaim": {"claimName": "nest-data"}})
        )
    );
    assert!(
        pod["containers"][0]["volumeMounts"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "data", "mountPath": "/app/data"}))
    );
    // The HPA runs up to 10 pods on any nodes: one RWO volume cannot serve them.
    assert_eq!(
        find(&r, "HorizontalPodAutoscaler").unwrap()["spec"]["maxReplicas"],
        10
    );
}

#[test]
fn recipe_ingress_hosts_and_tls() {
    let r = recipe("ingress-host-tls");
    let ingress = named(&r, "Ingress", "nest");
    assert_eq!(ingress["spec"]["rules"][0]["host"], "nest.example.com");
    assert_eq!(
        ingress["spec"]["tls"],
        json!([{"secretName": "nest-example-tls", "hosts": ["nest.example.com"]}])
    );
    assert_config(&r, &[("CORS_ALLOWED_ORIGINS", "https://nest.example.com")]);
    // The prod annotations (redirect, rate limits) stay.
    assert_eq!(
        ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"],
        "true"
    );
}

#[test]
fn recipe_monitoring_on_interval_and_release_label() {
    let r = recipe("monitoring-on");
    let monitor = named(&r, "ServiceMonitor", "nest");
    assert_eq!(monitor["metadata"]["namespace"], "nest-staging");
    assert_eq!(monitor["spec"]["endpoints"][0]["port"], "metrics");

    let r = recipe("monitoring-interval");
    let ep = &named(&r, "ServiceMonitor", "nest")["spec"]["endpoints"][0];
    assert_eq!(
        (ep["interval"].as_str(), ep["scrapeTimeout"].as_str()),
        (Some("15s"), Some("5s"))
    );

    let r = recipe("monitoring-release-label");
    assert_eq!(
        named(&r, "ServiceMonitor", "nest")["metadata"]["labels"]["release"],
        "kube-prometheus-stack"
    );
    assert!(
        r.iter()
            .filter(|o| o["kind"] != "ServiceMonitor")
            .all(|o| o["metadata"]["labels"].get("release").is_none()),
        "the label goes on the ServiceMonitor only"
    );
}

#[test]
fn recipe_secret_providers() {
    for (provider, store, key) in [
        ("vault", "nest-vault", "nest/prod"),
        ("azure", "nest-azure-key-vault", "nest-prod"),
        ("gcp", "nest-google-secret-manager", "nest-prod"),
    ] {
        let r = recipe(&format!("secrets-{provider}"));
        let es = named(&r, "ExternalSecret", "nest-secrets");
        assert_eq!(es["spec"]["secretStoreRef"]["name"], store);
        assert_eq!(es["spec"]["dataFrom"][0]["extract"]["key"], key);
        assert_eq!(
            named(&r, "SecretStore", store)["metadata"]["namespace"],
            "nest-prod"
        );
        assert!(find(&r, "Secret").is_none());
    }
    let r = recipe("sealed-secrets");
    let sealed = named(&r, "SealedSecret", "nest-secrets");
    let mut keys: Vec<String> = sealed["spec"]["encryptedData"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.to_string())
        .collect();
    keys.sort();
    let mut want = placeholder_keys();
    want.sort();
    assert_eq!(keys, want);
    assert!(find(&r, "ExternalSecret").is_none() && find(&r, "Secret").is_none());
}

#[test]
fn readme_recipes_table_lists_every_recipe() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for name in recipe_names() {
        assert!(
            readme.contains(&format!("(tests/recipes/{name})")),
            "README does not link tests/recipes/{name}"
        );
    }
}
