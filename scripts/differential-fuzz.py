#!/usr/bin/env python3
"""Randomized differential test: generates kustomization trees from a grammar
of features and tricky values, builds each with nest-kz and `kubectl
kustomize`, and reports every tree where they disagree (output bytes, or one
failing where the other succeeds). Mismatching trees are kept for study.

usage: scripts/differential-fuzz.py [--count N] [--seed S] [--keep DIR]
         [--release v5.8|v5.7|v5.5] [--bin PATH] [--jobs N] [--shape NAME]... [--helm]

--release picks the kustomize oracle and passes --kustomize-version to nest-kz:
  v5.8  ../../shared/tools/kustomize-v58 build (relative to this script; needs
        KUSTOMIZE_V58_LIB), v5.7  $NEST_KZ_KUBECTL_V57 kustomize (kubectl 1.35),
  v5.5  kubectl kustomize.
--bin uses that nest-kz binary as it is; without it, target/release/nest-kz is
built first with cargo. --helm adds helmCharts trees (a local chart) and passes
--enable-helm --helm-command H to both tools (H: --helm-command, $NEST_KZ_HELM3,
else `helm`). --shape NAME (repeatable) generates only the named v5.5→v5.8 shapes
(see V58_SHAPES), each in every tree.
"""
import argparse, concurrent.futures, json, os, random, re, shutil, subprocess, sys, tempfile

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
        # Go's syntax: `\w`, `\d` ASCII, a `{` opening no repetition a literal.
        name = rnd.choice(["a.*|d.*", "a.*|d.*", "\\w+", "[a-d]\\w*", "a{,2}.*|d.*", "\\Qa\\E.*", "[[:alpha:]]+"])
        k.setdefault("patches", []).append({"target": {"kind": "(Deployment|StatefulSet)", "name": name, "namespace": rnd.choice(["", "ns1", "basens", "default"])},
                                            "patch": json.dumps([{"op": "add", "path": "/metadata/labels", "value": {"regex": "hit"}}])})
    if rnd.random() < 0.2 and deps:
        k.setdefault("patches", []).append({"target": {"kind": "Deployment", "name": deps[0]}, "options": {"allowNameChange": True},
                                            "patch": json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "renamed-" + deps[0]}})})
    if rnd.random() < 0.3:
        k.setdefault("images", []).append({"name": "postgres", "newName": "mirror/pg", "newTag": "16"})
    if not k.get("replicas"):
        k.pop("replicas", None)
    shapes(rnd, d, k, used)
    picked = release_shapes(rnd, d, k, used)
    with open(f"{d}/kustomization.yaml", "w") as f:
        json.dump(k, f)
    return picked

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
        place = rnd.choice(["data", "annotations", "labels"])
        text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: folded\n"
        if place != "data":
            text += f"  {place}:\n    note: {head}\n" + "".join("  " + l if l.strip() else l for l in body.splitlines(True))
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

# ---------------------------------------------------------------------------
# Shapes for the changes between kustomize v5.5.0 and the v5.8 line (see
# research/v58-changes.md), and for texts values do not keep (number-texts,
# the same in every release): each one writes its files into the tree and
# edits the root kustomization k; release_shapes picks some of them at random.

SHA256 = "sha256:" + "ab" * 32
SHA512 = "sha512:" + "cd" * 64
ONLY_SHAPES = set()  # --shape NAME: only these new shapes, always
HELM = None          # --helm: the helm command, to generate helmCharts trees
RELEASE = "v5.8"     # --release: fields an older release rejects are used less

def since(rnd, release):
    """Use a field that appeared in `release`? Always when testing that
    release or a later one, else now and then (to compare the rejection)."""
    return RELEASE >= release or rnd.random() < 0.15

def write_docs(rnd, path, docs):
    """One file of several documents, as JSON or as block YAML."""
    with open(path, "w") as f:
        if rnd.random() < 0.5:
            f.write("\n---\n".join(json.dumps(x) for x in docs) + "\n")
        else:
            f.write("\n---\n".join(yaml_text(rnd, x) for x in docs) + "\n")

def add_resources(rnd, d, k, fname, docs):
    write_docs(rnd, f"{d}/{fname}", docs)
    k.setdefault("resources", []).append(fname)

def cm(name, data=None, ns=None, ann=None, labels=None):
    meta = {"name": name, **({"namespace": ns} if ns is not None else {}),
            **({"annotations": ann} if ann else {}), **({"labels": labels} if labels else {})}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, **({"data": data} if data is not None else {})}

def sh_source_value(rnd, d, k, used):
    """replacements[].sourceValue: typed and tricky texts into existing,
    created and list-element fields; with a source too, numeric, no targets."""
    add_resources(rnd, d, k, "sv.yaml", [
        cm("sv-target", {"port": "80", "flag": "false", "name": "x"}),
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "sv-dep"},
         "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "postgresdb", "image": "postgres:1.8.0"},
                                                                     {"name": "nginx", "image": "nginx:1.7.9"}]}}}}])
    value = rnd.choice(["8080", "true", "custom/postgres:1.9.0", "yes", "", "1e3", "~", "null", "0x1F", "a: b", "multi\nline",
                        "ünï", " lead", "on", "1.50", "-1", "{a: 1}", "[1]"])
    targets = []
    for _ in range(rnd.randint(1, 2)):
        targets.append(rnd.choice([
            {"select": {"kind": "ConfigMap", "name": "sv-target"},
             "fieldPaths": [rnd.choice(["data.port", "data.flag", "data.created", "metadata.annotations.sv", "metadata.labels.sv"])],
             **({"options": {"create": True}} if rnd.random() < 0.8 else {})},
            {"select": {"kind": "Deployment", "name": "sv-.*"}, "fieldPaths": ["spec.template.spec.containers.[name=postgresdb].image"]},
            {"select": {"kind": "Deployment", "name": "sv-dep"}, "fieldPaths": [rnd.choice(["spec.replicas", "spec.paused", "spec.template.spec.containers.1.image"])],
             "options": {"create": True}},
            {"select": {"kind": "ConfigMap"}, "reject": [{"name": "gen"}], "fieldPaths": ["data.sv"], "options": {"create": True}},
            {"select": {"kind": "ConfigMap", "name": "sv-target"}, "fieldPaths": ["data.name"], "options": {"delimiter": "-", "index": rnd.choice([-1, 0, 3])}},
        ]))
    r = {"sourceValue": value, "targets": targets}
    if not since(rnd, "v5.7"):
        add_resources(rnd, d, k, "sv-src.yaml", [cm("sv-src", {"v": value})])
        r = {"source": {"kind": "ConfigMap", "name": "sv-src", "fieldPath": "data.v"}, "targets": targets}
    roll = rnd.random()
    if roll < 0.05:
        r["source"] = {"kind": "ConfigMap", "name": "sv-target", "fieldPath": "data.port"}
    elif roll < 0.08:
        r["sourceValue"] = rnd.choice([2, True, None])
    elif roll < 0.11:
        del r["targets"]
    k.setdefault("replacements", []).append(r)

REGEX_NAMES = ["web-.*", "app.v1", "foo+bar", "web", "^web-a$", "web-a|api", ".*", "web-(a|b)", "WEB-A", "ap", "api$", "(?i)web-a", "web-a-s", "p-web-a",
               # Go's syntax where the regex crate's differs: a `{` opening no repetition, ASCII classes, \Q..\E, `[` in a class
               "\\${X}-web", "${X}-web", "web-\\w", "web-[a[]", "we{b", "\\Qweb-a\\E", "web-\\d*", "[[:alpha:]]+", "web-a{1}", "web-a{01}"]
BAD_REGEX = ["web-[", "(api", "a{2,1}", "*x", "\\", "a{1001}"]

def sh_regex_select(rnd, d, k, used):
    """Regex select/reject in replacement targets: metacharacters in names,
    namespaces default / unset / other, anchors, invalid patterns,
    cluster-scoped objects."""
    docs = [cm("rx-src", {"v": "new"})]
    for name in rnd.sample(["web-a", "web-b", "api", "app.v1", "appXv1", "foo+bar", "web", "${X}-web", "web-[", "we{b"], rnd.randint(2, 6)):
        docs.append(cm(name, {"v": "old"}, ns=rnd.choice([None, None, "default", "other"])))
    if rnd.random() < 0.3:
        docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "web-c"}, "rules": []})
    add_resources(rnd, d, k, "rx.yaml", docs)

    def name_pat():
        return rnd.choice(BAD_REGEX) if rnd.random() < 0.04 else rnd.choice(REGEX_NAMES)

    def sel():
        s = {}
        kind = rnd.choice(["ConfigMap", "ConfigMap", "Config.*", "(ConfigMap|ClusterRole)", "configmap", None])
        if kind: s["kind"] = kind
        if rnd.random() < 0.8: s["name"] = name_pat()
        if rnd.random() < 0.6: s["namespace"] = rnd.choice(["default", "default", "other", "", ".*", "def.*", "^default$", "ns1", "team-b", "basens"])
        if rnd.random() < 0.2: s["version"] = rnd.choice(["v1", "v.*", "v2"])
        if rnd.random() < 0.1: s["group"] = rnd.choice(["", ".*", "rbac.*"])
        return s or {"kind": "ConfigMap"}

    targets = []
    for _ in range(rnd.randint(1, 2)):
        t = {"select": sel(), "fieldPaths": [rnd.choice(["data.v", "metadata.annotations.hit"])], "options": {"create": True}}
        if rnd.random() < 0.5:
            t["reject"] = [sel() for _ in range(rnd.randint(1, 2))]
        targets.append(t)
    source = {"kind": "ConfigMap", "name": "rx-src", "fieldPath": "data.v"}
    if rnd.random() < 0.05:
        source["name"] = "rx-.*"
    r = {"source": source, "targets": targets}
    if rnd.random() < 0.2 and since(rnd, "v5.7"):
        r = {"sourceValue": "static", "targets": targets}
    k.setdefault("replacements", []).append(r)
    if rnd.random() < 0.2:
        k["namePrefix"] = "p-"

JSON_TEXTS = [
    '{\n  "server": {\n    "port": 8080,\n    "host": "localhost"\n  },\n  "debug": false\n}\n',
    '{"server":{"host":"localhost","port":8080},"b":[1,2.0,1e3],"a":"<&>"}',
    '{\n\t"server": {\n\t\t"host": "localhost"\n\t}\n}',
    '{"z": 1, "server": {"host": "h", "list": [{"name": "ab", "v": 1}, {"name": "a", "v": 2}]}, "big": 1e21, "f": 1.0, "u": "\u00fcn\u00ef\u2028"}',
    '[{"name":"ab","v":1},{"name":"a","v":2}]',
    '{server: {host: flowy}, a: 1}',
    '  {"server": {"host": "lead-space", "port": "80"}}',
    '{\n  "server": {"host": null, "tags": ["x", "y"]},\n  "Zeta": 1, "alpha": 2, "_u": 3\n}',
]
YAML_TEXTS = [
    'server:\n  host: localhost # comment\n  port: 8080\nitems:\n  - name: ab\n    v: 1\n  - name: a\n    v: 2\n',
    '# head\nserver: {host: localhost, port: 8080}\nlist: [a, b]\n',
    'server:\n  host: "quoted"\n  hosts:\n  - h1\n  - h2\n',
    'plain scalar text',
    'a: [unclosed',
    '',
    'server:\n  host: \'single\'\n  flag: yes\n  when: 2001-12-14\n---\nsecond: doc\n',
    'items:\n- {name: ab, v: 1}\n- {name: a, v: 2}\nserver:\n  host: h\n',
]
STRUCT_PATHS = ["data.config\\.json.server.host", "data.config\\.json.server.port", "data.config\\.json.new.key", "data.config\\.json.0.v",
                "data.config\\.json.[name=a].v", "data.config\\.json.server.list.[name=a].v", "data.config\\.json.server",
                "data.config\\.json.server.tags.1", "data.config\\.json.server.*",
                "data.app\\.yaml.server.host", "data.app\\.yaml.server.hosts.1", "data.app\\.yaml.items.[name=a].v",
                "data.app\\.yaml.new.deep", "data.app\\.yaml.list.0", "data.app\\.yaml.server.flag",
                "metadata.annotations.cfg.ports.appA", "metadata.annotations.cfg.new", "data.num.x", "data.config.json.server.host"]

def sh_structured(rnd, d, k, used):
    """Replacement targets that reach into JSON / YAML held in a string field,
    with and without options.delimiter/index and create."""
    data = {"config.json": rnd.choice(JSON_TEXTS), "app.yaml": rnd.choice(YAML_TEXTS if rnd.random() < 0.4 else YAML_TEXTS[:3]),
            "num": rnd.choice(["5", "x", "null"])}
    ann = {"cfg": rnd.choice(['{"ports": {"appA":"x"}}', '{"ports":{"appA":"x","appB":"y"}}', 'ports:\n  appA: x\n', '{}'])}
    add_resources(rnd, d, k, "sd.yaml", [cm("sd-src", {"host": rnd.choice(["www.example.com", "5432", "prod", "true", "a.b.c", "<&>", "two words"])}),
                                         cm("sd", data, ann=ann)])
    targets = []
    for _ in range(rnd.randint(1, 2)):
        pool = STRUCT_PATHS if rnd.random() < 0.3 else STRUCT_PATHS[:3] + STRUCT_PATHS[9:11] + STRUCT_PATHS[15:16]
        t = {"select": {"kind": "ConfigMap", "name": "sd"}, "fieldPaths": rnd.sample(pool, rnd.randint(1, 2))}
        opts = {}
        if rnd.random() < 0.6: opts["create"] = True
        if rnd.random() < 0.35: opts.update({"delimiter": rnd.choice([".", "-", ","]), "index": rnd.choice([0, -1, 1, 5])})
        if opts: t["options"] = opts
        targets.append(t)
    if rnd.random() < 0.3 and since(rnd, "v5.7"):
        r = {"sourceValue": rnd.choice(["prod", "5432", "yes", "x.y"]), "targets": targets}
    else:
        r = {"source": {"kind": "ConfigMap", "name": "sd-src", "fieldPath": "data.host"}, "targets": targets}
    k.setdefault("replacements", []).append(r)

def sh_prefix_elements(rnd, d, k, used):
    """[k=v] element patterns where v is a prefix of another element's value
    (which comes first is random), in targets and sources."""
    conts = [{"name": "app-sidecar", "image": "busybox", "env": [{"name": "AB", "value": "1"}, {"name": "A", "value": "2"}]},
             {"name": "app", "image": "nginx:1.2", "env": [{"name": "ABC", "value": "3"}, {"name": "A", "value": "4"}]}]
    rnd.shuffle(conts)
    for c in conts:
        rnd.shuffle(c["env"])
    if rnd.random() < 0.3:
        conts = [c for c in conts if c["name"] != "app"]  # only the longer one
    add_resources(rnd, d, k, "pfx.yaml", [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "pfx"}, "spec": {"template": {"spec": {"containers": conts}}}},
        cm("pfx-src", {"img": "mirror/app:9", "items": "- name: ab\n  v: 1\n- name: a\n  v: 2\n"})])
    paths = ["spec.template.spec.containers.[name=app].image", "spec.template.spec.containers.[name=ap].image",
             "spec.template.spec.containers.[name=app].env.[name=A].value", "spec.template.spec.containers.[image=nginx].name",
             "spec.template.spec.containers.[name=app-sidecar].env.[name=A].value", "spec.template.spec.containers.[name=app].env.[value=3].name"]
    src = rnd.choice([{"kind": "ConfigMap", "name": "pfx-src", "fieldPath": "data.img"},
                      {"kind": "Deployment", "name": "pfx", "fieldPath": rnd.choice(["spec.template.spec.containers.[name=app].image",
                                                                                     "spec.template.spec.containers.[name=app-sidecar].image",
                                                                                     "spec.template.spec.containers.[name=app-sidecar].env.[name=A].value"]
                                                                                    + (["spec.template.spec.containers.[name=ap].image"] if rnd.random() < 0.2 else []))}])
    t = {"select": {"kind": "Deployment", "name": "pfx"}, "fieldPaths": rnd.sample(paths if rnd.random() < 0.3 else paths[:3] + paths[4:5], rnd.randint(1, 2))}
    if rnd.random() < 0.3: t["options"] = {"create": True}
    targets = [t]
    if rnd.random() < 0.3:
        targets.append({"select": {"kind": "ConfigMap", "name": "pfx-src"}, "fieldPaths": ["data.items.[name=a].v"]})
    k.setdefault("replacements", []).append({"source": src, "targets": targets})

IMAGE_REFS = ["nginx", "nginx:1.2", "nginx@" + SHA256, "nginx@" + SHA512, "nginx:1.2@" + SHA256, "reg.io:5000/app", "busybox:latest",
              "docker.io/library/nginx", "nginx@sha384:abc", "nginx@sha256+b64:abc", "nginx@SHA256:abc", "nginxx", "my.nginx"]

def sh_image_volumes(rnd, d, k, used):
    """Image volumes (volumes[].image.reference) in a Pod, Deployment and
    CronJob, with images: entries of sha256/sha512/odd digests and invalid names."""
    def vols():
        return [{"name": f"iv{i}", "image": {"reference": rnd.choice(IMAGE_REFS), **({"pullPolicy": "IfNotPresent"} if rnd.random() < 0.5 else {})}}
                for i in range(rnd.randint(1, 2))] + ([{"name": "e", "emptyDir": {}}] if rnd.random() < 0.3 else [])
    def pod_spec():
        s = {"containers": [{"name": "c", "image": rnd.choice(IMAGE_REFS)}], "volumes": vols()}
        if rnd.random() < 0.3: s["initContainers"] = [{"name": "i", "image": rnd.choice(IMAGE_REFS)}]
        return s
    docs = []
    for kind in rnd.sample(["Pod", "Deployment", "CronJob", "Job", "Widget"], rnd.randint(1, 3)):
        if kind == "Pod":
            docs.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ivp"}, "spec": pod_spec()})
        elif kind == "Deployment":
            docs.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ivd"}, "spec": {"template": {"spec": pod_spec()}}})
        elif kind == "CronJob":
            docs.append({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "ivc"},
                         "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": pod_spec()}}}}})
        elif kind == "Job":
            docs.append({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "ivj"}, "spec": {"template": {"spec": pod_spec()}}})
        else:
            docs.append({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "ivw"}, "spec": pod_spec()})
    add_resources(rnd, d, k, "iv.yaml", docs)
    imgs = []
    for _ in range(rnd.randint(1, 3)):
        e = {"name": rnd.choice(["nginx", "nginx", "busybox", "reg.io:5000/app", "docker.io/library/nginx", "ngin.", "my.nginx"]
                                + (["[", "nginx(", "a{2,1}"] if rnd.random() < 0.1 else []))}
        for key, vals in (("newName", ["apache", "mirror/nginx", "reg.io:5000/x"]), ("newTag", ["2", "1.27-alpine", "latest"]),
                          ("digest", [SHA256, SHA512, "12345", "sha384:abc"])):
            if rnd.random() < 0.45:
                e[key] = rnd.choice(vals)
        if len(e) == 1:
            e["newTag"] = "9"
        imgs.append(e)
    k.setdefault("images", []).extend(imgs)

def sh_patch_options(rnd, d, k, used):
    """patches[].options: the two valid keys in several spellings, unknown
    keys, false values, non-bool values; SM name and kind changes."""
    add_resources(rnd, d, k, "opt.yaml", [cm("opt-cm", {"a": "1"})])
    patch = rnd.choice([
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "opt-renamed"}, "data": {"b": "2"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "opt-cm"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "opt-both"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "opt-cm"}, "data": {"c": "3"}},
    ])
    opts = {}
    keys = ["allowNameChange", "allowKindChange", "AllowNameChange", "allownamechange", "ALLOWKINDCHANGE"]
    for key in rnd.sample(keys + (["allowNameChanges", "unknownKey"] if rnd.random() < 0.25 else []), rnd.randint(0, 3)):
        opts[key] = rnd.random() < 0.7
    if rnd.random() < 0.05:
        opts["allowNameChange"] = rnd.choice(["yes", 1, None])
    entry = {"target": {"kind": "ConfigMap", "name": "opt-cm"}, "patch": json.dumps(patch), "options": opts}
    if rnd.random() < 0.25:
        entry["patch"] = json.dumps([{"op": "add", "path": "/data/j", "value": "x"}])
    if rnd.random() < 0.2:
        del entry["target"]
        patch["metadata"]["name"] = "opt-cm"
        entry["patch"] = json.dumps(patch)
    k.setdefault("patches", []).append(entry)

EMPTY_PATCHES = ["", "\n", "\n# This is a comment\n# Another comment\n", "   \n\t\n  # indented\n", "---\n", "---\n# c\n---\n", "# only", "\n\n\n"]

def sh_empty_patches(rnd, d, k, used):
    """Empty, blank, comment-only and `---`-only patch files and inline
    patches, with and without target."""
    add_resources(rnd, d, k, "ep.yaml", [cm("ep-cm", {"a": "1"})])
    for i in range(rnd.randint(1, 3)):
        text = rnd.choice(EMPTY_PATCHES)
        entry = {}
        if rnd.random() < 0.8:
            with open(f"{d}/empty{i}.yaml", "w") as f:
                f.write(text)
            entry["path"] = f"empty{i}.yaml"
        else:
            entry["patch"] = text if text.strip() else "# comment"
        if rnd.random() < 0.5:
            entry["target"] = rnd.choice([{"kind": "ConfigMap"}, {"kind": "ConfigMap", "name": "ep-cm"}, {"kind": "Nothing"}, {"name": ".*"}])
        k.setdefault("patches", []).append(entry)
    if rnd.random() < 0.3 and since(rnd, "v5.7"):
        # a later replacement selecting by namespace `default` sees previous ids stored by an empty targeted patch
        k.setdefault("replacements", []).append({"sourceValue": "seen", "targets": [
            {"select": {"kind": "ConfigMap", "name": "ep-cm", "namespace": "default"}, "fieldPaths": ["data.seen"], "options": {"create": True}}]})
    if rnd.random() < 0.05:
        with open(f"{d}/empty-psm.yaml", "w") as f:
            f.write(rnd.choice(EMPTY_PATCHES))
        k.setdefault("patchesStrategicMerge", []).append("empty-psm.yaml")

def sh_multi_delete(rnd, d, k, used):
    """Several `$patch: delete` documents in one patch file, mixed with a plain
    patch, twice the same object, an object that is not there."""
    own = [cm("del-a", {"a": "1"}), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "del-b"}, "spec": {"ports": [{"port": 80}]}},
           {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "del-c"}, "spec": {"template": {"spec": {"containers": [{"name": "x", "image": "x"}]}}}},
           {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "del-a"}, "spec": {"ports": [{"port": 81}]}}]
    add_resources(rnd, d, k, "del.yaml", own)
    pool = [{"apiVersion": o["apiVersion"], "kind": o["kind"], "metadata": {"name": o["metadata"]["name"]}} for o in own]
    api = {"Deployment": "apps/v1", "Service": "v1", "ConfigMap": "v1", "StatefulSet": "apps/v1", "ServiceAccount": "v1"}
    pool += [{"apiVersion": api[kk], "kind": kk, "metadata": {"name": n}} for kk, n in sorted(used) if kk in api]
    docs = []
    for p in rnd.sample(pool, min(len(pool), rnd.randint(2, 4))):
        docs.append({"$patch": "delete", **p} if rnd.random() < 0.5 else {**p, "$patch": "delete"})
    if rnd.random() < 0.3:
        kept = [p for p in pool if all(p["metadata"]["name"] != x["metadata"]["name"] or p["kind"] != x["kind"] for x in docs)]
        if kept:
            docs.insert(rnd.randint(0, len(docs)), {**kept[0], "metadata": {"name": kept[0]["metadata"]["name"], "labels": {"patched": "y"}}})
    if rnd.random() < 0.05:
        docs.append(dict(docs[0]))
    if rnd.random() < 0.05:
        docs.append({"$patch": "delete", "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "not-there"}})
    write_docs(rnd, f"{d}/dels.yaml", docs)
    if rnd.random() < 0.2:
        k.setdefault("patchesStrategicMerge", []).append("dels.yaml")
    else:
        k.setdefault("patches", []).append({"path": "dels.yaml"})

def sh_vct_labels(rnd, d, k, used):
    """labels with includeSelectors / includeTemplates /
    includeVolumeClaimTemplates on StatefulSets with volumeClaimTemplates."""
    vcts = [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}},
            {"metadata": {"name": "logs", "labels": {"keep": "x"}}},
            {"spec": {"resources": {"requests": {"storage": "1Gi"}}}}]
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "vcts"},
           "spec": {"serviceName": "vcts", "selector": {"matchLabels": {"app": "vcts"}},
                    "template": {"metadata": {"labels": {"app": "vcts"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
                    "volumeClaimTemplates": rnd.sample(vcts, rnd.randint(1, 3))}}
    docs = [sts]
    if rnd.random() < 0.3:
        docs.append({"apiVersion": "example.com/v1", "kind": "StatefulSet", "metadata": {"name": "other-sts"},
                     "spec": {"volumeClaimTemplates": [{"metadata": {"name": "d"}}]}})
    add_resources(rnd, d, k, "vct.yaml", docs)
    entry = {"pairs": {"vct": rnd.choice(["v", "yes", "1"])}}
    for flag in ("includeSelectors", "includeTemplates") + (("includeVolumeClaimTemplates",) if since(rnd, "v5.8") else ()):
        r = rnd.random()
        if r < 0.4: entry[flag] = True
        elif r < 0.6: entry[flag] = False
    if rnd.random() < 0.15:
        entry["fields"] = [{"path": "spec/volumeClaimTemplates[]/metadata/labels", "kind": "StatefulSet", "create": rnd.random() < 0.5}]
    k.setdefault("labels", []).append(entry)
    if rnd.random() < 0.2:
        k.setdefault("commonLabels", {})["cl"] = "c"
    if rnd.random() < 0.1:
        with open(f"{d}/vctcfg.yaml", "w") as f:
            json.dump({"volumeClaimTemplateLabels": [{"path": "spec/volumeClaimTemplates[]/metadata/annotations", "kind": "StatefulSet", "create": True}]}, f)
        k.setdefault("configurations", []).append("vctcfg.yaml")

def sh_vap(rnd, d, k, used):
    """ValidatingAdmissionPolicy(Binding) v1 (and v1beta1) under a namespace
    transformer, with patches, prefixes and a replacement by namespace."""
    ver = "admissionregistration.k8s.io/" + ("v1" if rnd.random() < 0.8 else rnd.choice(["v1beta1", "v1alpha1"]))
    vap = {"apiVersion": ver, "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "vap"},
           "spec": rnd.choice([{}, {"failurePolicy": "Fail", "validations": [{"expression": "object.spec.replicas <= 5"}]}])}
    vapb = {"apiVersion": ver, "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": "vapb"},
            "spec": {"policyName": "vap", "validationActions": ["Deny"],
                     **({"paramRef": {"name": "gen", "namespace": "basens"}} if rnd.random() < 0.3 else {})}}
    if rnd.random() < 0.2:
        vap["metadata"]["namespace"] = "given"
    add_resources(rnd, d, k, "vap.yaml", rnd.sample([vap, vapb], rnd.randint(1, 2)))
    if rnd.random() < 0.8:
        k["namespace"] = rnd.choice(["ns1", "my-namespace"])
    r = rnd.random()
    if r < 0.25:
        k.setdefault("patches", []).append({"patch": json.dumps({"apiVersion": ver, "kind": "ValidatingAdmissionPolicy",
                                                                 "metadata": {"name": "vap"}, "spec": {"failurePolicy": "Ignore"}})})
    elif r < 0.45:
        k.setdefault("patches", []).append({"target": {"kind": "ValidatingAdmissionPolicy.*", **({"namespace": k["namespace"]} if "namespace" in k and rnd.random() < 0.5 else {})},
                                            "patch": json.dumps([{"op": "add", "path": "/metadata/annotations", "value": {"p": "y"}}])})
    elif r < 0.6 and since(rnd, "v5.7"):
        k.setdefault("replacements", []).append({"sourceValue": "hit", "targets": [
            {"select": {"kind": "ValidatingAdmissionPolicy", **({"namespace": rnd.choice(["ns1", "default", ""])} if rnd.random() < 0.7 else {})},
             "fieldPaths": ["metadata.annotations.r"], "options": {"create": True}}]})
    if rnd.random() < 0.3:
        k["namePrefix"] = "pre-"

def sh_secret_merge(rnd, d, k, used):
    """A Secret generator with behavior merge over a Secret holding stringData
    (and data, overlapping keys), core or custom group, here or in a base."""
    sec = {"apiVersion": "v1" if rnd.random() < 0.85 else "example.com/v1", "kind": "Secret", "metadata": {"name": "sdsec"}, "type": "Opaque"}
    if rnd.random() < 0.9:
        sec["stringData"] = {"property1": "value1", **({"shared": "fromString"} if rnd.random() < 0.5 else {}),
                             **({"multi": "a\nb\n"} if rnd.random() < 0.2 else {})}
    if rnd.random() < 0.5:
        sec["data"] = {"other": "b3RoZXI=", **({"shared": "ZnJvbURhdGE="} if rnd.random() < 0.5 else {})}
    if rnd.random() < 0.2:
        sec["stringData"] = {}
    gen = {"name": "sdsec", "behavior": rnd.choice(["merge"] * 6 + ["replace", "create"]),
           "literals": ["property2=value2"] + (["shared=fromGen"] if rnd.random() < 0.4 else []) + (["property1=override"] if rnd.random() < 0.2 else [])}
    if rnd.random() < 0.2: gen["type"] = rnd.choice(["Opaque", "kubernetes.io/tls"])
    if rnd.random() < 0.3: gen["options"] = {"disableNameSuffixHash": True}
    if rnd.random() < 0.3:
        os.makedirs(f"{d}/secbase", exist_ok=True)
        write_docs(rnd, f"{d}/secbase/s.yaml", [sec])
        with open(f"{d}/secbase/kustomization.yaml", "w") as f:
            json.dump({"resources": ["s.yaml"]}, f)
        k.setdefault("resources", []).append("secbase")
    else:
        add_resources(rnd, d, k, "sdsec.yaml", [sec])
    k.setdefault("secretGenerator", []).append(gen)

def sh_inner_dotdot(rnd, d, k, used):
    """Resource paths with `..` inside: plain `sub/../x`, and segments that
    merely contain `..` (ambiguous after normalisation), for files and dirs."""
    os.makedirs(f"{d}/sub/inner", exist_ok=True)
    os.makedirs(f"{d}/dd-dir", exist_ok=True)
    write_docs(rnd, f"{d}/dd-cm.yaml", [cm("dd-file", {"a": "1"})])
    write_docs(rnd, f"{d}/sub/inner/cm.yaml", [cm("dd-inner", {"b": "2"})])
    write_docs(rnd, f"{d}/dd-dir/cm.yaml", [cm("dd-dir", {"c": "3"})])
    for sub in ("sub/inner", "dd-dir"):
        with open(f"{d}/{sub}/kustomization.yaml", "w") as f:
            json.dump({"resources": ["cm.yaml"]}, f)
    if rnd.random() < 0.5:
        os.makedirs(f"{d}/sub/x..y", exist_ok=True)
    path = rnd.choice(["sub/../dd-cm.yaml", "./sub/../dd-cm.yaml", "sub/inner/../../dd-cm.yaml", "sub/x..y/../../dd-cm.yaml",
                       "sub/../sub/inner", "sub/x..y/../inner", "sub/..x/../../dd-dir", "a..b/../dd-dir", "sub/...", "sub/inner/..",
                       "sub/x - ../inner", "sub//inner", "dd-dir/.", "sub/../dd-dir/"])
    k.setdefault("resources", []).append(path)
    if rnd.random() < 0.2:
        os.makedirs(f"{d}/sub/comp", exist_ok=True)
        with open(f"{d}/sub/comp/kustomization.yaml", "w") as f:
            json.dump({"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component", "commonAnnotations": {"dd": "comp"}}, f)
        k.setdefault("components", []).append(rnd.choice(["sub/x..y/../comp", "sub/../sub/comp", "sub/comp/../comp", "sub/comp..x/../comp"]))

JP_VALUES = ["yes", "no", "on", "off", "Yes", "NO", "y", "n", "Y", ".inf", "-.inf", "+.inf", ".nan", ".NaN", "~", "null", "0o7", "0x10", "012",
             "1e3", "1_000", "true", "'yes'", '"on"', "2001-12-14", "12:30", "'0x10'", "1.0", "!!str off", "[yes, no]", "{on: off}"]

def sh_json6902_values(rnd, d, k, used):
    """JSON6902 operations written as YAML whose values are YAML 1.1 booleans,
    infinities, octals..., adding into annotations that do not exist yet."""
    with_ann = rnd.random() < 0.5
    target_kind = rnd.choice(["ConfigMap", "ConfigMap", "Deployment", "ConfigMap|Deployment"])
    add_resources(rnd, d, k, "jp.yaml", [cm("jp-cm", {"a": "1"}, ann={"present": "x"} if with_ann else None),
                                         {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "jp-dep"},
                                          "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}])
    ops = []
    for _ in range(rnd.randint(1, 3)):
        path = rnd.choice(["/metadata/annotations/flag", "/metadata/annotations/flag", "/metadata/annotations", "/metadata/annotations",
                           "/metadata/labels/flag", "/metadata/annotations/a~1b", "/metadata/annotations/-"]
                          + (["/data/flag", "/data/a"] if target_kind == "ConfigMap" else [])
                          + (["/spec/replicas"] if target_kind == "Deployment" else []))
        op = rnd.choice(["add"] * 6 + ["replace", "test"])
        value = rnd.choice(JP_VALUES if rnd.random() < 0.3 else [v for v in JP_VALUES if "inf" not in v and "nan" not in v.lower()])
        if path == "/metadata/annotations":
            value = "{flag: " + rnd.choice(JP_VALUES[:12]) + "}"
        ops.append(f"- op: {op}\n  path: {path}\n  value: {value}\n")
    if rnd.random() < 0.05:
        ops.append("- op: replace\n  path: \"\"\n  value: " + rnd.choice(["scalar", "1", "null"]) + "\n")
    if rnd.random() < 0.05:
        ops.insert(0, "- op: add\n  path: /metadata/labels\n  value: null\n- op: add\n  path: /metadata/labels/x\n  value: y\n")
    text = "".join(ops)
    if rnd.random() < 0.1:
        # YAML's flow style: kustomize reads a patch that starts with `[` as JSON only.
        text = "[" + ", ".join("{" + ", ".join(l.strip().lstrip("- ") for l in op.splitlines()) + "}" for op in ops) + "]\n"
    target = {"kind": target_kind, **({"name": "jp-.*"} if rnd.random() < 0.8 else {})}
    if rnd.random() < 0.5:
        with open(f"{d}/jp-patch.yaml", "w") as f:
            f.write(text)
        k.setdefault("patches", []).append({"path": "jp-patch.yaml", "target": target})
    elif rnd.random() < 0.5:
        k.setdefault("patches", []).append({"patch": text, "target": target})
    else:
        with open(f"{d}/jp-patch.yaml", "w") as f:
            f.write(text)
        k.setdefault("patchesJson6902", []).append({"path": "jp-patch.yaml", "target": {"version": "v1", "kind": "ConfigMap", "name": "jp-cm"}})

def sh_omitempty_transformer(rnd, d, k, used):
    """A ReplacementTransformer config with the undocumented `omitempty:` key
    (a second replacement list in v5.5/v5.6, ignored from v5.7)."""
    add_resources(rnd, d, k, "rt.yaml", [cm("rt-src", {"v": "new"}), cm("rt-dst", {"v": "old", "w": "old"})])
    one = lambda fp: [{"source": {"kind": "ConfigMap", "name": "rt-src", "fieldPath": "data.v"},
                       "targets": [{"select": {"kind": "ConfigMap", "name": "rt-dst"}, "fieldPaths": [fp]}]}]
    cfg = {"apiVersion": "builtin", "kind": "ReplacementTransformer", "metadata": {"name": "rt"}, "omitempty": one("data.v")}
    if rnd.random() < 0.5:
        cfg["replacements"] = one("data.w")
    with open(f"{d}/rt-config.yaml", "w") as f:
        json.dump(cfg, f)
    k.setdefault("transformers", []).append("rt-config.yaml")

HELM_CHART = {
    "Chart.yaml": "apiVersion: v2\nname: svc\nversion: 1.0.0\n",
    "values.yaml": "greeting: hi\n",
    "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  ns: {{ .Release.Namespace }}\n  greeting: {{ .Values.greeting | quote }}\n",
    "templates/ann.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n  annotations: {}\n",
    "templates/fixed.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: fixed\n  namespace: hard\nspec:\n  ports:\n  - port: 80\n",
    "templates/rb.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: r\nsubjects:\n- kind: ServiceAccount\n  name: sa\n  namespace: {{ .Release.Namespace }}\n",
}

def sh_helm(rnd, d, k, used):
    """helmCharts from a local chart under charts/, with namespace: at this
    level or an ancestor's, the chart's own namespace, devel, annotations {}."""
    where = d
    if rnd.random() < 0.35:
        where = f"{d}/hbase"
        os.makedirs(where)
    for name, text in HELM_CHART.items():
        os.makedirs(os.path.dirname(f"{where}/charts/svc/{name}"), exist_ok=True)
        with open(f"{where}/charts/svc/{name}", "w") as f:
            f.write(text)
    chart = {"name": "svc", "releaseName": "r"}
    if rnd.random() < 0.25: chart["namespace"] = "chartns"
    if rnd.random() < 0.25: chart["valuesInline"] = {"greeting": rnd.choice(["yes", "hello"])}
    if rnd.random() < 0.1 and since(rnd, "v5.7"): chart["devel"] = True
    if rnd.random() < 0.05: chart["releaseName"] = "--bad"
    if where == d:
        k["helmCharts"] = [chart]
        if rnd.random() < 0.3: k["helmGlobals"] = {"chartHome": "charts"}
    else:
        sub = {"helmCharts": [chart]}
        if rnd.random() < 0.3: sub["namespace"] = "subns"
        if rnd.random() < 0.3: sub["namePrefix"] = "h-"
        with open(f"{where}/kustomization.yaml", "w") as f:
            json.dump(sub, f)
        k.setdefault("resources", []).append("hbase")
    if rnd.random() < 0.7:
        k["namespace"] = rnd.choice(["prod", "ns1"])
    elif rnd.random() < 0.5:
        k.pop("namespace", None)
    if rnd.random() < 0.2:
        k.setdefault("patches", []).append({"patch": json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"p": "1"}})})

NUMBER_TEXTS = ["0x1F", "-0x1F", "1_000", "+5", "0o17", "0b101", "017", "007", "08", "1e3", "1e6", "1e21", ".5", "+.5",
                "5.", "1.50", "-0", "-0.0", "0.10e2", "9223372036854775808", "1_0.5", "7", "3.0", "1e-5", "True", "FALSE"]
NULL_TEXTS = ["~", "null", "NULL", "Null", ""]

def sh_number_texts(rnd, d, k, used):
    """Numbers, booleans and nulls written plain in forms their values do
    not keep (0x1F, 5., True, ~), read by replacements (into text, labels, new fields, a
    part of a text), by vars (Atoi/ParseFloat of the text) and through a
    strategic or JSON 6902 patch first."""
    fields = {f"n{i}": rnd.choice(NUMBER_TEXTS if rnd.random() < 0.8 else NULL_TEXTS) for i in range(rnd.randint(2, 5))}
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: nt-src", "  annotations:", '    text: "a-b"', "data:"]
    lines += [f"  {key}: {text}".rstrip() for key, text in fields.items()] + ['  text: "p.q"']
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nt-pod"},
           "spec": {"containers": [{"name": "c", "image": "i", "args": [], "env": []}]}}
    keys = list(fields)
    if rnd.random() < 0.6:
        k.setdefault("vars", [])
        for key in rnd.sample(keys, rnd.randint(1, 2)):
            name = "NT_" + key.upper()
            k["vars"].append({"name": name, "objref": {"kind": "ConfigMap", "name": "nt-src", "apiVersion": "v1"},
                              "fieldref": {"fieldpath": "data." + key}})
            pod["spec"]["containers"][0]["args"].append(f"--{key}=$({name})")
            pod["spec"]["containers"][0]["env"].append({"name": name, "value": f"$({name})"})
    if rnd.random() < 0.7:
        key = rnd.choice(keys)
        paths = rnd.sample(["metadata.annotations.copy", "metadata.labels.copy", "data.copy", "data.text"], rnd.randint(1, 3))
        target = {"select": {"kind": "ConfigMap", "name": "nt-src"}, "fieldPaths": paths,
                  "options": {"create": True} if rnd.random() < 0.8 else {"delimiter": rnd.choice(["-", "."]), "index": 1}}
        source = {"kind": "ConfigMap", "name": "nt-src", "fieldPath": "data." + key}
        if rnd.random() < 0.2:
            source["options"] = {"delimiter": rnd.choice(["x", ".", "_"]), "index": rnd.choice([0, 1])}
        k.setdefault("replacements", []).append({"source": source, "targets": [target]})
    with open(f"{d}/nt.yaml", "w") as f:
        f.write("\n".join(lines) + "\n---\n" + yaml_text(rnd, pod) + "\n")
    k.setdefault("resources", []).append("nt.yaml")
    if rnd.random() < 0.3:
        key = rnd.choice(keys)
        k.setdefault("patches", []).append({"patch": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nt-src\ndata:\n"
                                            f"  {rnd.choice([key, 'added'])}: {rnd.choice(NUMBER_TEXTS)}\n"})
    elif rnd.random() < 0.2:
        k.setdefault("patches", []).append({"target": {"name": "nt-src"},
                                            "patch": "- op: add\n  path: /data/added\n  value: x\n"})
    if rnd.random() < 0.35:
        number_text_merge_keys(rnd, d, k)


PORT_TEXTS = ["80", "0x50", "0o120", "0120", "8_0", "443", "0x1BB", "+80", "80.0", "True", "true"]

def number_text_merge_keys(rnd, d, k):
    """List elements whose merge keys are numbers in forms their values do
    not keep (containerPort: 0x50 against 80), merged by a strategic patch
    whose keys are written in other forms: kyaml matches them by text."""
    def ports(indent, key, count):
        out = []
        for i in range(count):
            out.append(f"{indent}- {key}: {rnd.choice(PORT_TEXTS)}")
            if rnd.random() < 0.5:
                out.append(f"{indent}  name: p{rnd.randint(0, 3)}")
            if key == "port" and rnd.random() < 0.4:
                out.append(f"{indent}  protocol: {rnd.choice(['TCP', 'UDP'])}")
        return out
    finalizers = lambda indent: [f"{indent}- {rnd.choice(PORT_TEXTS)}" for _ in range(rnd.randint(1, 3))]
    res = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: nt-keys", "  finalizers:", *finalizers("  "),
           "spec:", "  template:", "    spec:", "      containers:", "      - name: c", "        image: i", "        ports:",
           *ports("        ", "containerPort", rnd.randint(1, 4)),
           "---", "apiVersion: v1", "kind: Service", "metadata:", "  name: nt-keys", "spec:", "  ports:",
           *ports("  ", "port", rnd.randint(1, 4))]
    with open(f"{d}/nt-keys.yaml", "w") as f:
        f.write("\n".join(res) + "\n")
    k.setdefault("resources", []).append("nt-keys.yaml")
    if rnd.random() < 0.5:
        patch = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: nt-keys", "  finalizers:", *finalizers("  "),
                 "spec:", "  template:", "    spec:", "      containers:", "      - name: c", "        ports:",
                 *ports("        ", "containerPort", rnd.randint(1, 3))]
    else:
        patch = ["apiVersion: v1", "kind: Service", "metadata:", "  name: nt-keys", "spec:", "  ports:",
                 *ports("  ", "port", rnd.randint(1, 3))]
    k.setdefault("patches", []).append({"patch": "\n".join(patch) + "\n"})

UNTAGGED_TEXTS = ["8080", "true", "~", "1e3", "0x1F", "x", "", "1.50", "no"]

def sh_untagged_walk(rnd, d, k, used):
    """Untagged values a replacement creates in a base (in map fields, in
    elements of lists merged by key, and of lists taken whole: Ingress
    rules, tolerations, lists of a kind without a schema), then strategic
    patches above: kyaml sets anew only the fields its walk reaches."""
    os.makedirs(f"{d}/uw")
    docs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "uw-src"}, "data": {"v": rnd.choice(UNTAGGED_TEXTS)}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "uw-d"},
         "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i", "ports": [{"name": "http"}]}],
                                        "tolerations": [{"key": "k"}], "volumes": [{"name": "v"}]}}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "uw-i"},
         "spec": {"rules": [{"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "s"}}}]}}]}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "uw-w"}, "spec": {"items": [{"name": "a"}]}},
    ]
    paths = {"Deployment": ["spec.template.spec.containers.[name=c].ports.0.containerPort", "spec.template.spec.tolerations.0.value",
                            "spec.template.spec.volumes.0.configMap.defaultMode", "spec.template.metadata.labels.made",
                            "spec.template.spec.containers.[name=c].args.[=z]"],
             "Ingress": ["spec.rules.0.host", "spec.rules.0.http.paths.0.backend.service.port.number", "spec.defaultBackend.service.port.number"],
             "Widget": ["spec.items.[name=a].port", "spec.port", "spec.items.0.deep.x"]}
    targets = [{"select": {"kind": kind}, "fieldPaths": rnd.sample(ps, rnd.randint(1, len(ps))), "options": {"create": True}}
               for kind, ps in paths.items() if rnd.random() < 0.8]
    uw = {"resources": ["uw.yaml"],
          "replacements": [{"source": {"kind": "ConfigMap", "name": "uw-src", "fieldPath": "data.v"}, "targets": targets}]}
    with open(f"{d}/uw/uw.yaml", "w") as f:
        f.write("\n---\n".join(yaml_text(rnd, x) for x in docs) + "\n")
    with open(f"{d}/uw/kustomization.yaml", "w") as f:
        json.dump(uw, f)
    k.setdefault("resources", []).append("uw")
    for doc in docs[1:]:
        if rnd.random() < 0.7:
            patch = {"apiVersion": doc["apiVersion"], "kind": doc["kind"], "metadata": {"name": doc["metadata"]["name"],
                                                                                          "annotations": {"p": "1"}}}
            if doc["kind"] == "Deployment" and rnd.random() < 0.4:
                patch["spec"] = {"template": {"spec": {"containers": [{"name": "c", "image": "j"}]}}}
            k.setdefault("patches", []).append({"patch": json.dumps(patch)})

IMAGE_TEXTS = ["nginx", "nginx:1.0", "5", "7", "redis", "true", "1e3", "0x1F"]
IMAGE_ENTRIES = [{"newName": "5"}, {"newName": "true"}, {"newTag": "2"}, {"newName": "1e3"}, {"newName": "reg.io/x"},
                 {"newTag": "1.0"}, {"tagSuffix": "-x"}, {"newName": "null"}, {"newName": "0x1F"}, {"newTag": "08"}]

def sh_image_field_specs(rnd, d, k, used):
    """Images on paths that `images` field specs of a `configurations:`
    file name (a ConfigMap's data, fields and lists of a custom kind, and a
    CustomResourceDefinition with the same fields, which kustomize passes
    over), written quoted or not, with number-like texts and new names;
    then JSON and strategic patches, and a replacement into them above."""
    os.makedirs(f"{d}/ifs")
    def img():
        t = rnd.choice(IMAGE_TEXTS)
        return int(t) if t.isdigit() and rnd.random() < 0.4 else t
    docs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ifs-c"},
         "data": {"IMAGE": str(img()), "SRC": rnd.choice(UNTAGGED_TEXTS + ["nginx", "5"])}},
        {"apiVersion": "example.com/v1", "kind": "Runner", "metadata": {"name": "ifs-r"},
         "spec": {"img": img(), "steps": [{"img": img()}, {"img": img()}], "containers": [{"name": "c", "image": img()}],
                  "runner": {"image": img()}}},
        {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "runners.example.com"},
         "spec": {"img": img(), "steps": [{"img": img()}], "containers": [{"name": "c", "image": img()}]}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ifs-d"},
         "spec": {"template": {"spec": {"containers": [{"name": "c", "image": img()}]}}}},
    ]
    specs = [{"path": "data/IMAGE", "kind": "ConfigMap"}, {"path": "spec/img"}, {"path": "spec/steps[]/img"},
             {"path": "spec/steps/img", "kind": "Runner"}, {"path": "spec/runner/image", "kind": "Runner"}]
    config = {"images": rnd.sample(specs, rnd.randint(1, len(specs)))}
    images = []
    for _ in range(rnd.randint(1, 3)):
        entry = {"name": rnd.choice(["nginx", "5", "7", "redis", "true"])}
        entry.update(rnd.choice(IMAGE_ENTRIES))
        images.append(entry)
    ifs = {"resources": ["ifs.yaml"], "configurations": ["images.yaml"], "images": images}
    patches = []
    if rnd.random() < 0.4:
        op = {"op": "replace", "path": rnd.choice(["/spec/img", "/spec/steps/0/img"]), "value": rnd.choice(IMAGE_TEXTS + [5])}
        patches.append({"target": {"kind": "Runner"}, "patch": json.dumps([op])})
    if rnd.random() < 0.4:
        patches.append({"patch": yaml_text(rnd, {"apiVersion": "example.com/v1", "kind": "Runner", "metadata": {"name": "ifs-r"},
                                                  "spec": {"img": img(), "other": img()}})})
    if patches:
        ifs["patches"] = patches
    with open(f"{d}/ifs/ifs.yaml", "w") as f:
        f.write("\n---\n".join(yaml_text(rnd, x) for x in docs) + "\n")
    with open(f"{d}/ifs/images.yaml", "w") as f:
        f.write(yaml_text(rnd, config) + "\n")
    with open(f"{d}/ifs/kustomization.yaml", "w") as f:
        f.write(yaml_text(rnd, ifs) + "\n")
    k.setdefault("resources", []).append("ifs")
    if rnd.random() < 0.5:
        paths = rnd.sample(["spec.img", "spec.steps.0.img", "spec.runner.image", "spec.other"], rnd.randint(1, 3))
        target = {"select": {"kind": "Runner"}, "fieldPaths": paths}
        if rnd.random() < 0.5:
            target["options"] = {"create": True}
        k.setdefault("replacements", []).append({"source": {"kind": "ConfigMap", "name": "ifs-c", "fieldPath": "data.SRC"},
                                                 "targets": [target]})
    if rnd.random() < 0.3:
        entry = {"name": rnd.choice(["nginx", "5", "reg.io/x", "true"])}
        entry.update(rnd.choice(IMAGE_ENTRIES))
        k.setdefault("images", []).append(entry)

QUOTED_VALUES = ["8080", "true", "x", "0x1F", "1.50", "no", "~", "nginx", "a b", ""]
PATCH_VALUES = [9090, False, True, "y", "7", 1.5, None, "0x1F", 0, "text"]

def sh_quoted_patches(rnd, d, k, used):
    """Strategic patches setting numbers, booleans and strings on fields
    written quoted or plain (map fields, elements merged by key, lists
    taken whole, fields only the patch has): kyaml keeps the object's
    style on a field it sets, so a quoted field stays quoted."""
    os.makedirs(f"{d}/qp")
    val = lambda: rnd.choice(QUOTED_VALUES)
    docs = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "qp-d", "annotations": {"a": val()}},
         "spec": {"template": {"spec": {"containers": [{"name": "c", "image": val(), "env": [{"name": "E1", "value": val()},
                                                                                            {"name": "E2", "value": val()}]}],
                                        "tolerations": [{"key": "k", "value": val()}]}}}},
        {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "qp-g"},
         "spec": {"a": val(), "b": val(), "nested": {"c": val()}, "items": [{"name": "i", "v": val()}]}},
    ]
    with open(f"{d}/qp/qp.yaml", "w") as f:
        f.write("\n---\n".join(yaml_text(rnd, x) for x in docs) + "\n")
    pv = lambda: rnd.choice(PATCH_VALUES)
    patches = []
    if rnd.random() < 0.8:
        c = {"name": "c"}
        if rnd.random() < 0.5:
            c["image"] = pv()
        if rnd.random() < 0.7:
            c["env"] = [{"name": rnd.choice(["E1", "E2", "E3"]), "value": pv()}]
        spec = {"containers": [c]}
        if rnd.random() < 0.3:
            spec["tolerations"] = [{"key": "k", "value": pv()}]
        patches.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "qp-d"},
                        "spec": {"template": {"spec": spec}}})
    if rnd.random() < 0.8:
        spec = {f: pv() for f in rnd.sample(["a", "b", "new"], rnd.randint(1, 3))}
        if rnd.random() < 0.5:
            spec["nested"] = {"c": pv()}
        if rnd.random() < 0.3:
            spec["items"] = [{"name": "i", "v": pv()}]
        patches.append({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "qp-g"}, "spec": spec})
    qp = {"resources": ["qp.yaml"]}
    if patches:
        qp["patches"] = [{"patch": yaml_text(rnd, p)} for p in patches]
    if rnd.random() < 0.4:
        qp["configurations"] = ["images.yaml"]
        with open(f"{d}/qp/images.yaml", "w") as f:
            f.write("images:\n- path: spec/a\n  kind: Gadget\n- path: spec/nested/c\n")
        qp["images"] = [{"name": rnd.choice(["9090", "x", "7", "nginx", "text", "y"]), "newName": rnd.choice(["5", "true", "reg.io/z"])}]
    with open(f"{d}/qp/kustomization.yaml", "w") as f:
        f.write(yaml_text(rnd, qp) + "\n")
    k.setdefault("resources", []).append("qp")

V58_SHAPES = [
    ("source-value", 0.12, sh_source_value), ("regex-select", 0.12, sh_regex_select), ("structured", 0.12, sh_structured),
    ("prefix-elements", 0.1, sh_prefix_elements), ("image-volumes", 0.12, sh_image_volumes), ("patch-options", 0.1, sh_patch_options),
    ("empty-patches", 0.1, sh_empty_patches), ("multi-delete", 0.1, sh_multi_delete), ("vct-labels", 0.1, sh_vct_labels),
    ("vap", 0.1, sh_vap), ("secret-merge", 0.1, sh_secret_merge), ("inner-dotdot", 0.08, sh_inner_dotdot),
    ("json6902-values", 0.12, sh_json6902_values), ("omitempty-transformer", 0.05, sh_omitempty_transformer), ("helm", 0.3, sh_helm),
    ("number-texts", 0.15, sh_number_texts), ("untagged-walk", 0.1, sh_untagged_walk),
    ("image-field-specs", 0.1, sh_image_field_specs), ("quoted-patches", 0.12, sh_quoted_patches),
]

def release_shapes(rnd, d, k, used):
    """The v5.5 → v5.8 shapes: each with its own chance (all of the --shape
    ones and none other when given); helm only with --helm."""
    picked = []
    for name, p, fn in V58_SHAPES:
        if name == "helm" and not HELM:
            continue
        if name == "structured" and RELEASE < "v5.8":
            p /= 3  # every such path fails before v5.8
        if (name in ONLY_SHAPES) if ONLY_SHAPES else rnd.random() < p:
            fn(rnd, d, k, used)
            picked.append(name)
    return picked

def run(cmd):
    p = subprocess.run(cmd, capture_output=True)
    return p.returncode == 0, p.stdout, p.stderr

def oracle(release, d, helm):
    """The kustomize command line of a release for directory d."""
    if release == "v5.8":
        if not os.environ.get("KUSTOMIZE_V58_LIB"):
            sys.exit("--release v5.8 needs KUSTOMIZE_V58_LIB (scripts/install-oracles.sh prints it)")
        cmd = [os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../shared/tools/kustomize-v58")), "build", d]
    elif release == "v5.7":
        cmd = [os.environ.get("NEST_KZ_KUBECTL_V57") or sys.exit("--release v5.7 needs NEST_KZ_KUBECTL_V57 (kubectl 1.35)"), "kustomize", d]
    else:
        cmd = ["kubectl", "kustomize", d]
    return cmd + (["--enable-helm", "--helm-command", helm] if helm else [])

def one(args, nest, i):
    """Generate tree i, build it with both tools; a line to print on a mismatch."""
    rnd = random.Random(args.seed * 100003 + i)
    d = tempfile.mkdtemp(prefix="nkz-fuzz-")
    try:
        picked = tree(rnd, d)
        helm = ["--enable-helm", "--helm-command", HELM] if HELM else []
        ncmd = [nest, "build", d, "--kustomize-version", args.release] + helm
        kcmd = oracle(args.release, d, HELM)
        ok_n, out_n, err_n = run(ncmd)
        ok_k, out_k, err_k = run(kcmd)
        if ok_n != ok_k or (ok_n and out_n != out_k):
            dest = os.path.join(args.keep, f"case-{args.seed}-{i}")
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(d, dest)
            with open(dest + ".txt", "w") as f:
                f.write(f"release {args.release}\nshapes {' '.join(picked)}\nnest-kz: {' '.join(ncmd)} (ok={ok_n})\n"
                        f"kustomize: {' '.join(kcmd)} (ok={ok_k})\n")
            for name, data in (("nest.out", out_n), ("nest.err", err_n), ("kust.out", out_k), ("kust.err", err_k)):
                with open(f"{dest}.{name}", "wb") as f:
                    f.write(data)
            return "mismatch", f"MISMATCH {dest}: nest-kz ok={ok_n} kustomize ok={ok_k} [{' '.join(picked)}]"
        return ("both-failed" if not ok_n else "agree"), None
    finally:
        shutil.rmtree(d, ignore_errors=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", default="/tmp/nest-kz-fuzz-mismatches")
    ap.add_argument("--yaml-styles", action="store_true", help="write resources as block YAML with random scalar styles")
    ap.add_argument("--release", choices=["v5.8", "v5.7", "v5.5"], default="v5.8", help="kustomize release to compare with (oracle and --kustomize-version)")
    ap.add_argument("--bin", help="nest-kz binary to test as is (default: build target/release/nest-kz)")
    ap.add_argument("--jobs", type=int, default=1, help="trees built at once")
    ap.add_argument("--shape", action="append", default=[], choices=[n for n, _, _ in V58_SHAPES], help="only this v5.5→v5.8 shape, in every tree")
    ap.add_argument("--helm", action="store_true", help="also generate helmCharts trees; both tools get --enable-helm")
    ap.add_argument("--helm-command", default=os.environ.get("NEST_KZ_HELM3") or "helm")
    args = ap.parse_args()
    global YAML_STYLES, HELM, ONLY_SHAPES, RELEASE
    YAML_STYLES = args.yaml_styles
    RELEASE = args.release
    HELM = args.helm_command if args.helm or "helm" in args.shape else None
    ONLY_SHAPES = set(args.shape)
    if args.bin:
        nest = os.path.abspath(args.bin)
    else:
        nest = os.path.join(ROOT, "target/release/nest-kz")
        subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    os.makedirs(args.keep, exist_ok=True)
    tally = {"agree": 0, "both-failed": 0, "mismatch": 0}
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for kind, line in pool.map(lambda i: one(args, nest, i), range(args.count)):
            tally[kind] += 1
            if line:
                print(line, flush=True)
    mismatches = tally["mismatch"]
    print(f"release {args.release}: {args.count} trees, {tally['agree']} agreed on output, {tally['both-failed']} rejected by both, {mismatches} disagreed")
    print(f"({tally['both-failed']} trees were rejected by both tools)")
    print(f"{args.count - mismatches} passed, {mismatches} failed")
    sys.exit(1 if mismatches else 0)

if __name__ == "__main__":
    main()
