#!/usr/bin/env python3
"""Generates benchmark trees.

  gen_tree.py deep N OUT   N resources (Deployments, Services, ConfigMaps) in a
                           base, under 3 overlay levels with strategic-merge and
                           JSON patches, generators, labels, prefix, images
  gen_tree.py wide N OUT   one root referencing N small kustomizations
"""
import os, sys

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

def app(i):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      containers:
      - name: app
        image: example/app:1.0
        ports:
        - containerPort: 8080
        envFrom:
        - configMapRef:
            name: cfg-{i}
---
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
spec:
  selector:
    app: app-{i}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg-{i}
data:
  INDEX: "{i}"
  MODE: base
"""

def deep(n, out):
    apps = max(1, n // 3)
    per_file = 100
    files = []
    for start in range(0, apps, per_file):
        name = f"apps-{start // per_file}.yaml"
        write(f"{out}/base/{name}", "---\n".join(app(i) for i in range(start, min(apps, start + per_file))))
        files.append(name)
    write(f"{out}/base/kustomization.yaml", "resources:\n" + "".join(f"- {f}\n" for f in files) +
          "configMapGenerator:\n- name: shared\n  literals:\n  - LEVEL=base\n")
    write(f"{out}/mid/kustomization.yaml", """resources:
- ../base
namePrefix: mid-
labels:
- pairs:
    tier: mid
  includeSelectors: true
patches:
- target:
    kind: Deployment
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: any
    spec:
      template:
        spec:
          containers:
          - name: app
            resources:
              requests:
                cpu: 100m
configMapGenerator:
- name: shared
  behavior: merge
  literals:
  - LEVEL=mid
""")
    write(f"{out}/top/kustomization.yaml", """resources:
- ../mid
namespace: bench
commonAnnotations:
  owner: bench
images:
- name: example/app
  newTag: "2.0"
patches:
- target:
    kind: Service
  patch: |-
    - op: replace
      path: /spec/ports/0/port
      value: 8080
- path: app-0.yaml
secretGenerator:
- name: creds
  literals:
  - TOKEN=bench
""")
    write(f"{out}/top/app-0.yaml", """apiVersion: apps/v1
kind: Deployment
metadata:
  name: mid-app-0
spec:
  replicas: 3
""")

def wide(n, out):
    for i in range(n):
        write(f"{out}/k{i}/kustomization.yaml", f"namePrefix: k{i}-\nresources:\n- app.yaml\n")
        write(f"{out}/k{i}/app.yaml", app(i))
    write(f"{out}/kustomization.yaml", "resources:\n" + "".join(f"- k{i}\n" for i in range(n)))

if __name__ == "__main__":
    kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    {"deep": deep, "wide": wide}[kind](n, out)
