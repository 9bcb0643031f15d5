#!/usr/bin/env python3
"""Randomized differential test: generates kustomization trees from a grammar
of features and tricky values, builds each with nest-kz and `kubectl
kustomize`, and reports every tree where they disagree (output bytes, or one
failing where the other succeeds). Mismatching trees are kept for study.

usage: scripts/differential-fuzz.py [--count N] [--seed S] [--keep DIR]
"""
import argparse, json, os, random, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRICKY = ["yes", "no", "on", "true", "1", "0x10", "1e3", "1.50", "~", "", " lead", "trail ", "a: b", "#x", "- y",
          "multi\nline", "multi\nline\n", "tab\there", "ünï", "*", "&a", "!x", "%p", "@at", "`b", "'q'", '"dq"',
          "12:30", "2001-12-14", "a very long value " * 6, "null", "Yes", "y", "n", ".5", "+1", "-1", "0o7", "1_000"]
NAMES = ["app", "web", "db", "cache", "api"]

def q(v):
    return json.dumps(v)  # JSON is YAML: safe quoting for any value

def resource(rnd, kind, name):
    labels = {f"l{i}": rnd.choice(TRICKY) for i in range(rnd.randint(0, 2))}
    ann = {f"a{i}": rnd.choice(TRICKY) for i in range(rnd.randint(0, 2))}
    meta = {"name": name, **({"labels": labels} if labels else {}), **({"annotations": ann} if ann else {})}
    if kind == "Deployment":
        containers = [{"name": f"c{i}", "image": rnd.choice(["nginx", "nginx:1.2", "reg.io:5000/app@sha256:abc", "busybox"]),
                       "args": [rnd.choice(["--cfg=$(CFG_NAME)", "$(CFG_NAME)", "--x=$$(CFG_NAME)", "--y=$(UNKNOWN)", "plain"])],
                       "env": [{"name": f"E{j}", "value": rnd.choice(TRICKY)} for j in range(rnd.randint(0, 2))],
                       "envFrom": [{"configMapRef": {"name": "gen"}}]} for i in range(rnd.randint(1, 3))]
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
                "spec": {"replicas": rnd.randint(1, 3), "selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": containers,
                         "volumes": [{"name": "v", "configMap": {"name": "gen"}}]}}}}
    if kind == "Service":
        return {"apiVersion": "v1", "kind": "Service", "metadata": meta,
                "spec": {"selector": {"app": name}, "ports": [{"port": rnd.choice([80, 443, 8080])}]}}
    if kind == "ConfigMap":
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
                "data": {f"k{i}": rnd.choice(TRICKY) for i in range(rnd.randint(0, 3))}}
    if kind == "StatefulSet":
        return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta,
                "spec": {"serviceName": name, "selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": {"app": name}}, "spec": {"serviceAccountName": "runner",
                         "containers": [{"name": "s", "image": "postgres", "envFrom": [{"secretRef": {"name": "sec"}}]}]}},
                         "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]}}
    if kind == "HorizontalPodAutoscaler":
        return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta,
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}, "minReplicas": 1, "maxReplicas": 3}}
    if kind == "RoleBinding":
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta,
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"kind": "ServiceAccount", "name": "runner", **({"namespace": "default"} if rnd.random() < 0.5 else {})}]}
    if kind == "CronJob":
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
                "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never",
                         "containers": [{"name": "j", "image": "busybox", "envFrom": [{"configMapRef": {"name": "gen"}}]}]}}}}}}
    if kind == "Job":
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
                "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "j", "image": "nginx:1.2"}],
                         "volumes": [{"name": "s", "secret": {"secretName": "sec"}}]}}}}
    if kind == "ServiceAccount":
        return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {**meta, "name": "runner"}}
    if kind == "Ingress":
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta,
                "spec": {"tls": [{"secretName": "sec", "hosts": ["a.example.com"]}],
                         "rules": [{"host": "a.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                   "backend": {"service": {"name": name, "port": {"number": 80}}}}]}}]}}
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": meta,
            "spec": {"items": [{"name": "a", "v": rnd.choice(TRICKY)}], "size": rnd.randint(0, 9)}}

def yaml_scalar(rnd, v, indent):
    """A random but valid YAML spelling of the string v."""
    if not isinstance(v, str):
        return json.dumps(v)
    plain_ok = v and v == v.strip() and not any(c in v for c in ":#{}[],&*!|>'\"%@`\n\t") and v[0] not in "-?" \
        and v.lower() not in ("yes", "no", "on", "off", "y", "n", "true", "false", "null", "~") and not v[0].isdigit() and not v[0] in "+.-"
    styles = ["double", "single"] + (["plain"] * 2 if plain_ok else [])
    if "\n" in v and not v.startswith((" ", "\n")) and "\t" not in v and not any(l != l.rstrip(" ") for l in v.split("\n")):
        styles += ["literal"]
    style = rnd.choice(styles)
    if style == "plain":
        return v
    if style == "single" and "\n" not in v and "\t" not in v:
        return "'" + v.replace("'", "''") + "'"
    if style == "literal":
        chomp = "" if v.endswith("\n") and not v.endswith("\n\n") else ("-" if not v.endswith("\n") else "+")
        pad = " " * (indent + 2)
        body = v[:-1] if v.endswith("\n") else v
        if chomp == "+":
            body = v[:-1]
        return "|" + chomp + "\n" + "\n".join(pad + l if l else "" for l in body.split("\n"))
    return json.dumps(v, ensure_ascii=rnd.random() < 0.5)

def yaml_text(rnd, v, indent=0):
    """Block-style YAML for v with random scalar styles and flow collections."""
    pad = " " * indent
    if isinstance(v, dict):
        if not v:
            return "{}"
        if rnd.random() < 0.15 and all(not isinstance(x, (dict, list)) and not (isinstance(x, str) and "\n" in x) for x in v.values()):
            return "{" + ", ".join(json.dumps(k) + ": " + json.dumps(x) for k, x in v.items()) + "}"
        lines = []
        for k, x in v.items():
            key = k if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", k) and k.lower() not in ("y", "n", "yes", "no", "on", "off", "true", "false", "null") else json.dumps(k)
            if isinstance(x, (dict, list)) and x:
                inner = yaml_text(rnd, x, indent + 2)
                lines.append(f"{pad}{key}: {inner}" if inner.startswith("{") else f"{pad}{key}:\n{inner}")
            else:
                lines.append(f"{pad}{key}: " + (yaml_text(rnd, x, indent) if isinstance(x, (dict, list)) else yaml_scalar(rnd, x, indent)))
        return "\n".join(lines)
    if isinstance(v, list):
        if not v:
            return "[]"
        out = []
        for x in v:
            if isinstance(x, dict) and x:
                inner = yaml_text(rnd, x, indent + 2)
                out.append(pad + "- " + (inner if inner.startswith("{") else inner[indent + 2:]))
            elif isinstance(x, list) and x:
                out.append(pad + "-\n" + yaml_text(rnd, x, indent + 2))
            else:
                out.append(pad + "- " + (yaml_text(rnd, x, indent) if isinstance(x, (dict, list)) else yaml_scalar(rnd, x, indent + 2)))
        return "\n".join(out)
    return yaml_scalar(rnd, v, indent)

YAML_STYLES = False

def tree(rnd, d):
    docs, used = [], set()
    for _ in range(rnd.randint(1, 7)):
        kind = rnd.choice(["Deployment", "Service", "ConfigMap", "Widget", "StatefulSet", "HorizontalPodAutoscaler", "RoleBinding", "ServiceAccount", "Ingress", "CronJob", "Job"])
        name = "runner" if kind == "ServiceAccount" else rnd.choice(NAMES)
        if (kind, name) in used:
            continue
        used.add((kind, name))
        docs.append(resource(rnd, kind, name))
    os.makedirs(f"{d}/base")
    with open(f"{d}/base/r.yaml", "w") as f:
        if rnd.random() < 0.2:
            f.write(json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, indent=1))
        elif YAML_STYLES:
            f.write("\n---\n".join(yaml_text(rnd, x) for x in docs) + "\n")
        else:
            f.write("\n---\n".join(json.dumps(x, indent=1) for x in docs))
    with open(f"{d}/base/app.env", "w") as f:
        f.write("# env file\nENV_A=1\nENV_B=" + rnd.choice(TRICKY).replace("\n", " ") + "\n\n")
    with open(f"{d}/base/cfg.txt", "w") as f:
        f.write(rnd.choice(TRICKY) + "\nsecond line\n")
    base = {"resources": ["r.yaml"], "configMapGenerator": [{"name": "gen", "literals": [f"K{i}={rnd.choice(TRICKY).replace(chr(10), ' ')}" for i in range(rnd.randint(1, 3))],
                                                            "envs": ["app.env"] if rnd.random() < 0.5 else [],
                                                            "files": ["renamed=cfg.txt"] if rnd.random() < 0.5 else []}]}
    if rnd.random() < 0.5:
        base["namePrefix"] = rnd.choice(["p-", "x-"])
    if rnd.random() < 0.5:
        base["secretGenerator"] = [{"name": "sec", "literals": [f"password={rnd.choice(TRICKY)}"], "type": rnd.choice(["Opaque", "kubernetes.io/tls"])}]
    if rnd.random() < 0.3:
        base["namespace"] = "basens"
    with open(f"{d}/base/kustomization.yaml", "w") as f:
        json.dump(base, f)
    below = "base"
    if rnd.random() < 0.4:
        mid = {"resources": ["../base"], "namePrefix": "mid-"}
        if rnd.random() < 0.5: mid["namespace"] = "midns"
        if rnd.random() < 0.5: mid["replicas"] = [{"name": n, "count": 2} for kk, n in used if kk in ("Deployment", "StatefulSet")][:1] or None
        if rnd.random() < 0.5:
            mid["patchesJson6902"] = [{"target": {"version": "v1", "kind": "Service", "name": ".*"}, "patch": json.dumps([{"op": "add", "path": "/spec/type", "value": "NodePort"}])}]
        if rnd.random() < 0.5:
            mid["patchesStrategicMerge"] = [json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "gen"}, "data": {"FROM_MID": rnd.choice(TRICKY)}})]
        if rnd.random() < 0.3 and used:
            kind, name = sorted(used)[0]
            api = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "Service": "v1", "ConfigMap": "v1", "Widget": "example.com/v1",
                   "HorizontalPodAutoscaler": "autoscaling/v2", "RoleBinding": "rbac.authorization.k8s.io/v1", "ServiceAccount": "v1",
                   "Ingress": "networking.k8s.io/v1", "CronJob": "batch/v1", "Job": "batch/v1"}[kind]
            mid.setdefault("patches", []).append({"patch": json.dumps({"apiVersion": api, "kind": kind, "metadata": {"name": name}, "$patch": "delete"})})
        mid = {k2: v for k2, v in mid.items() if v is not None}
        os.makedirs(f"{d}/mid")
        with open(f"{d}/mid/kustomization.yaml", "w") as f:
            json.dump(mid, f)
        below = "mid"
    k = {"resources": [below]}
    if rnd.random() < 0.3: k["generatorOptions"] = {"labels": {"gen": "yes"}, "disableNameSuffixHash": rnd.random() < 0.5}
    if rnd.random() < 0.6: k["namespace"] = rnd.choice(["ns1", "team-b"])
    if rnd.random() < 0.4: k["nameSuffix"] = "-s"
    if rnd.random() < 0.4: k["commonLabels"] = {"tier": rnd.choice(TRICKY[:12]).strip() or "t"}
    if rnd.random() < 0.4: k["labels"] = [{"pairs": {"env": "e"}, "includeSelectors": rnd.random() < 0.5, "includeTemplates": rnd.random() < 0.5}]
    if rnd.random() < 0.4: k["commonAnnotations"] = {"note": rnd.choice(TRICKY)}
    if rnd.random() < 0.5: k["images"] = [{"name": "nginx", "newTag": rnd.choice(["2", "latest"])}, {"name": "busybox", "newName": "mirror/bb"},
                                            {"name": "reg.io:5000/app", "digest": "sha256:" + "ab" * 32}]
    if rnd.random() < 0.3: k["replicas"] = [{"name": n, "count": 5} for k2, n in used if k2 == "Deployment"][:1]
    if rnd.random() < 0.5:
        k["configMapGenerator"] = [{"name": "gen", "behavior": rnd.choice(["merge", "replace"]), "literals": ["ADDED=1"]}]
    patches = []
    deps = [n for kk, n in used if kk == "Deployment"]
    if deps and rnd.random() < 0.6:
        patches.append({"patch": json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": deps[0]},
                        "spec": {"template": {"spec": {"containers": [{"name": "new", "image": "nginx"}, {"name": "c0", "env": [{"name": "E9", "value": rnd.choice(TRICKY)}]}]}}}})})
    if rnd.random() < 0.5:
        patches.append({"target": {"kind": rnd.choice(["Service", "Widget", "ConfigMap"])},
                        "patch": json.dumps([{"op": "add", "path": "/metadata/annotations", "value": {"patched": rnd.choice(TRICKY)}}])})
    if deps and rnd.random() < 0.4:
        directive = rnd.choice([
            {"spec": {"template": {"spec": {"containers": [{"name": "c0", "$patch": "delete"}]}}}},
            {"spec": {"template": {"spec": {"volumes": [{"$patch": "replace"}, {"name": "fresh", "emptyDir": {}}]}}}},
            {"spec": {"template": {"metadata": {"labels": {"$patch": "replace", "app": deps[0]}}}}},
            {"spec": {"replicas": None}},
            {"spec": {"template": {"spec": {"containers": [{"name": "c0", "env": [{"name": "E0", "$patch": "delete"}, {"name": "NEW", "value": rnd.choice(TRICKY)}],
                                                             "ports": [{"containerPort": 9090, "name": "m"}]}]}}}},
        ])
        patches.append({"patch": json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": deps[0]}, **directive})})
    if rnd.random() < 0.3:
        patches.append({"target": {"labelSelector": "l0"}, "patch": json.dumps([{"op": "add", "path": "/metadata/labels/selected", "value": "yes"}])})
    if patches:
        k["patches"] = patches
    if rnd.random() < 0.3:
        os.makedirs(f"{d}/comp")
        with open(f"{d}/comp/kustomization.yaml", "w") as f:
            json.dump({"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
                       "configMapGenerator": [{"name": "gen", "behavior": "merge", "literals": ["FROM_COMPONENT=1"]}],
                       "commonAnnotations": {"component": "on"}}, f)
        k["components"] = ["comp"]
    if deps and rnd.random() < 0.3:
        k["replacements"] = [{"source": {"kind": "ConfigMap", "name": "gen", "fieldPath": "metadata.name"},
                              "targets": [{"select": {"kind": "Deployment"}, "fieldPaths": ["metadata.annotations.config-name"], "options": {"create": True}}]}]
    if rnd.random() < 0.2:
        k["sortOptions"] = {"order": "fifo"}
    if rnd.random() < 0.25:
        k["buildMetadata"] = rnd.sample(["originAnnotations", "transformerAnnotations"], rnd.randint(1, 2))
    if rnd.random() < 0.4:
        k["vars"] = [{"name": "CFG_NAME", "objref": {"kind": "ConfigMap", "name": "gen", "apiVersion": "v1"}}]
    if rnd.random() < 0.3:
        k.setdefault("labels", []).append({"pairs": {"custom": "c"}, "fields": [
            {"path": "spec/template/metadata/labels", "kind": "Deployment", "create": rnd.random() < 0.5},
            {"path": "spec/jobTemplate/spec/template/metadata/labels", "kind": "CronJob", "create": True}]})
    if rnd.random() < 0.3:
        k.setdefault("patches", []).append({"target": {"kind": "(Deployment|StatefulSet)", "name": "a.*|d.*", "namespace": rnd.choice(["", "ns1", "basens", "default"])},
                                            "patch": json.dumps([{"op": "add", "path": "/metadata/labels", "value": {"regex": "hit"}}])})
    if rnd.random() < 0.2 and deps:
        k.setdefault("patches", []).append({"target": {"kind": "Deployment", "name": deps[0]}, "options": {"allowNameChange": True},
                                            "patch": json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "renamed-" + deps[0]}})})
    if rnd.random() < 0.3:
        k.setdefault("images", []).append({"name": "postgres", "newName": "mirror/pg", "newTag": "16"})
    if not k.get("replicas"):
        k.pop("replicas", None)
    shapes(rnd, d, k, used)
    with open(f"{d}/kustomization.yaml", "w") as f:
        json.dump(k, f)

def custom_schema(rnd, d, k):
    """A custom `openapi` schema for a custom kind, given at the root or in a
    component (after objects were read), optionally referring to builtin
    definitions it does not contain; a strategic merge patch on its lists."""
    template = {"$ref": "#/definitions/io.k8s.api.core.v1.PodTemplateSpec"}
    schema = {"definitions": {"com.example.v1.Widget": {
        "type": "object",
        "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Widget"}],
        "properties": {"spec": {"type": "object", "properties": {
            "items": {"type": "array", "items": {"type": "object"},
                      "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge"},
            **({"template": template} if rnd.random() < 0.6 else {})}}}}}}
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
              "spec": {"items": [{"name": "a", "v": 1}, {"name": "b", "v": 2}],
                       "template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    patch = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
             "spec": {"items": [{"name": "b", "v": 3}], "template": {"spec": {"containers": [{"name": "d", "image": "y"}]}}}}
    with open(f"{d}/widget.yaml", "w") as f:
        json.dump(widget, f)
    k["resources"].append("widget.yaml")
    in_component = "components" in k and rnd.random() < 0.6
    where = f"{d}/comp" if in_component else d
    with open(f"{where}/schema.json", "w") as f:
        json.dump(schema, f)
    if in_component:
        with open(f"{where}/kustomization.yaml") as f:
            comp = json.load(f)
        comp["openapi"] = {"path": "schema.json"}
        comp.setdefault("patches", []).append({"patch": json.dumps(patch)})
        with open(f"{where}/kustomization.yaml", "w") as f:
            json.dump(comp, f)
    else:
        k["openapi"] = {"path": "schema.json"}
        k.setdefault("patches", []).append({"patch": json.dumps(patch)})

BARE_NULLS = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: bare
  annotations:
  labels: {}
automountServiceAccountToken:
secrets:
- name: tok
  namespace:
"""

def shapes(rnd, d, k, used):
    """Shapes that once hid differences, so the grammar can find the next
    bug of each class: cluster-scoped referrers, webhook services, the same
    base under two prefixes, components built directly, bare and explicit
    nulls, files without a final newline, plugin configs in a kustomization
    directory, configurations with labels and kind-specific prefixes,
    local-config objects, case-folded field names, a JSON replace of a
    missing key, a top-level generator plugin name, `openapi.version`,
    associative lists with duplicate, missing or two-part keys under a
    strategic merge, folded scalars with more-indented lines, custom
    `openapi` schemas at the root or in a component (see custom_schema)."""
    extra = []
    if rnd.random() < 0.2:
        lines = [rnd.choice(["plain", "  more", "\tspaced", "", "last words", "{", "}"]) for _ in range(rnd.randint(1, 6))]
        lines[0] = rnd.choice(["first", "{", "  indented"]) if rnd.random() < 0.8 else lines[0] or "x"
        body = "".join(f"    {l}\n" if l else "\n" for l in lines)
        head = rnd.choice([">", ">-", ">+", ">2" if lines[0].startswith(" ") else ">"])
        place = rnd.choice(["data", "annotations"])
        text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: folded\n"
        if place == "annotations":
            text += f"  annotations:\n    note: {head}\n" + "".join("  " + l if l.strip() else l for l in body.splitlines(True))
        else:
            text += f"data:\n  note: {head}\n" + body
        with open(f"{d}/folded.yaml", "w") as f:
            f.write(text)
        k["resources"].append("folded.yaml")
    if rnd.random() < 0.25:
        def pick(pool):
            return [dict(rnd.choice(pool)) for _ in range(rnd.randint(1, 4))]
        env = [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}, {"name": "B"}, {"value": "keyless"}]
        ports = [{"containerPort": 53, "protocol": "UDP"}, {"containerPort": 53, "protocol": "TCP"},
                 {"containerPort": 80}, {"containerPort": 80, "name": "http"}, {"containerPort": 9443, "protocol": "TCP"}]
        extra.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "dups"},
                      "spec": {"template": {"spec": {"containers": [{"name": "m", "image": "x", "env": pick(env), "ports": pick(ports)}]
                                                     + ([{"name": "m", "image": "twin"}] if rnd.random() < 0.2 else [])}}}})
        body = rnd.choice([{"image": "y"}, {"env": pick(env[:3] + [{"name": "A", "$patch": "delete"}])},
                           {"ports": pick(ports + [{"containerPort": 9443, "$patch": "delete"}])}])
        k.setdefault("patches", []).append({"patch": json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "dups"},
                                                                 "spec": {"template": {"spec": {"containers": [{"name": "m", **body}]}}}})})
    if rnd.random() < 0.3:
        extra.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "crb"},
                      "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reader"},
                      "subjects": [{"kind": "ServiceAccount", "name": rnd.choice(["runner", "default"]),
                                    **({"namespace": rnd.choice(["basens", "default", "other"])} if rnd.random() < 0.5 else {})}]})
        extra.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"},
                      "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["gen", "other"], "verbs": ["get"]}]})
    if rnd.random() < 0.25:
        extra.append({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "vwh"},
                      "webhooks": [{"name": "w.example.com", "admissionReviewVersions": ["v1"], "sideEffects": "None",
                                    "clientConfig": {"service": {"name": rnd.choice(NAMES + ["elsewhere"]),
                                                                 "namespace": rnd.choice(["basens", "default", "outside"])}}}]})
    if rnd.random() < 0.2:
        extra.append({"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema", "metadata": {"name": "fs"},
                      "spec": {"priorityLevelConfiguration": {"name": "x"}, "matchingPrecedence": 1000}})
    if rnd.random() < 0.2:
        extra.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "local", "annotations": {"config.kubernetes.io/local-config": rnd.choice(["true", "false"])}},
                      "data": {"k": "v"}})
    if extra:
        with open(f"{d}/extra.yaml", "w") as f:
            f.write("\n---\n".join(json.dumps(x) for x in extra))
        k["resources"].append("extra.yaml")
    if rnd.random() < 0.25:
        text = BARE_NULLS
        if rnd.random() < 0.5:
            text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: eof\ndata:\n  block: |\n    one\n    two"
        with open(f"{d}/nulls.yaml", "w") as f:
            f.write(text)
        k["resources"].append("nulls.yaml")
        if rnd.random() < 0.5:
            k.setdefault("patches", []).append({"patch": json.dumps({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bare"},
                                                                     "automountServiceAccountToken": False})})
    if rnd.random() < 0.2:
        # The same base twice, under two prefixes: a diamond of shared names.
        for side in ("left", "right"):
            os.makedirs(f"{d}/{side}")
            with open(f"{d}/{side}/kustomization.yaml", "w") as f:
                json.dump({"resources": ["../base"], "namePrefix": side + "-"}, f)
        k["resources"] = [r for r in k["resources"] if r not in ("base", "mid")] + ["left", "right"]
    if rnd.random() < 0.15:
        os.makedirs(f"{d}/plugins")
        with open(f"{d}/plugins/kustomization.yaml", "w") as f:
            json.dump({"resources": ["ann.yaml"]}, f)
        with open(f"{d}/plugins/ann.yaml", "w") as f:
            json.dump({"apiVersion": "builtin", "kind": "AnnotationsTransformer", "metadata": {"name": "ann"},
                       "annotations": {"from-plugin-dir": "yes"}, "fieldSpecs": [{"path": "metadata/annotations", "create": True}],
                       "unknownKey": 1}, f)
        k.setdefault("transformers", []).append("plugins")
    if rnd.random() < 0.15:
        with open(f"{d}/gen.yaml", "w") as f:
            json.dump({"apiVersion": "builtin", "kind": "ConfigMapGenerator", "metadata": {"name": "meta-name"},
                       "name": rnd.choice(["top-name", ""]), "literals": ["A=1"]}, f)
        k.setdefault("generators", []).append("gen.yaml")
    if rnd.random() < 0.2:
        cfg = {"labels": [{"path": "spec/template/metadata/labels", "kind": "Deployment", "create": True}]}
        if rnd.random() < 0.5:
            cfg["namePrefix"] = [{"path": "metadata/name", "kind": rnd.choice(["Service", "ConfigMap"])}]
        with open(f"{d}/cfg.yaml", "w") as f:
            json.dump(cfg, f)
        k["configurations"] = ["cfg.yaml"]
    if rnd.random() < 0.15:
        k.setdefault("patches", []).append({"target": {"kind": "ConfigMap"},
                                            "patch": json.dumps([{"op": "replace", "path": "/data/missing", "value": "x"}])})
    if rnd.random() < 0.1:
        k["openapi"] = {"version": "v1.21.2"}
    elif rnd.random() < 0.15:
        custom_schema(rnd, d, k)
    if rnd.random() < 0.1 and "namePrefix" not in k:
        k["nameprefix"] = "folded-"
    if rnd.random() < 0.1:
        k["apiVersion"] = "kustomize.config.k8s.io/v1alpha1"
        k["kind"] = "Component"

def run(cmd):
    p = subprocess.run(cmd, capture_output=True)
    return p.returncode == 0, p.stdout

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", default="/tmp/nest-kz-fuzz-mismatches")
    ap.add_argument("--yaml-styles", action="store_true", help="write resources as block YAML with random scalar styles")
    args = ap.parse_args()
    global YAML_STYLES
    YAML_STYLES = args.yaml_styles
    nest = os.path.join(ROOT, "target/release/nest-kz")
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    mismatches = both_failed = 0
    for i in range(args.count):
        rnd = random.Random(args.seed * 100003 + i)
        d = tempfile.mkdtemp(prefix="nkz-fuzz-")
        tree(rnd, d)
        ok_n, out_n = run([nest, "build", d])
        ok_k, out_k = run(["kubectl", "kustomize", d])
        both_failed += (not ok_n and not ok_k)
        if ok_n != ok_k or (ok_n and out_n != out_k):
            mismatches += 1
            dest = os.path.join(args.keep, f"case-{args.seed}-{i}")
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(d, dest)
            print(f"MISMATCH {dest}: nest-kz ok={ok_n} kustomize ok={ok_k}")
        shutil.rmtree(d)
    print(f"({both_failed} trees were rejected by both tools)")
    print(f"{args.count - mismatches} passed, {mismatches} failed")
    sys.exit(1 if mismatches else 0)

if __name__ == "__main__":
    main()
