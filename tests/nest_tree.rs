//! The Nest overlays against the seed chart's environment table, field by field.

use nest_kz::{BuildOptions, build};
use serde_json::Value;
use std::path::PathBuf;

fn objects(env: &str) -> Vec<Value> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("overlays")
        .join(env);
    build(&dir, &BuildOptions::default()).unwrap()
}

fn find<'a>(objs: &'a [Value], kind: &str) -> Option<&'a Value> {
    objs.iter().find(|o| o["kind"] == kind)
}

fn config(objs: &[Value], key: &str) -> String {
    find(objs, "ConfigMap").unwrap()["data"][key]
        .as_str()
        .unwrap()
        .to_string()
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
        assert_eq!(
            deploy["spec"]["replicas"], row.replicas,
            "{}: replicas",
            row.env
        );
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
            (None, None) => {}
            (Some((min, max, target)), Some(hpa)) => {
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
        let secret = find(&objs, "Secret").unwrap()["metadata"]["name"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(cm.starts_with("nest-config-") && cm.len() == "nest-config-".len() + 10);
        let env_from = &find(&objs, "Deployment").unwrap()["spec"]["template"]["spec"]["containers"]
            [0]["envFrom"];
        assert_eq!(env_from[0]["configMapRef"]["name"], cm.as_str());
        assert_eq!(env_from[1]["secretRef"]["name"], secret.as_str());
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
