#!/usr/bin/env python3
"""Helm inflation time: nest-kz build --enable-helm vs kubectl kustomize
--enable-helm on the same chart in the same run, with `helm template` alone
as the floor both pay. Median wall time over --runs.

usage: bench/helm.py [--runs N] [--binary target/debug/nest-kz]
Needs: the helm binaries of scripts/install-helm.sh, kubectl (kustomize
v5.5.0) for the kustomize column, python3. Uses the debug build by default
(the project machines build debug only); the time is mostly helm's.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def helm_paths():
    out = subprocess.run([os.path.join(ROOT, "scripts/install-helm.sh")],
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in out.split())

def median_time(cmd, runs, env=None):
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        walls.append(time.perf_counter() - start)
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr.decode()}")
    return statistics.median(walls)

def make_trees(tmp, helm3):
    trees = []
    created = os.path.join(tmp, "created")
    os.makedirs(os.path.join(created, "charts"))
    subprocess.run([helm3, "create", "web"], cwd=os.path.join(created, "charts"),
                   check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, HELM_CONFIG_HOME=os.path.join(tmp, "h")))
    with open(os.path.join(created, "kustomization.yaml"), "w") as f:
        f.write("helmCharts:\n- name: web\n  releaseName: web\n  valuesInline:\n    replicaCount: 2\n")
    trees.append(("`helm create` chart, valuesInline", created, "web", "web"))
    demo = os.path.join(tmp, "demo")
    shutil.copytree(os.path.join(ROOT, "tests/helm/cases/transformed"), demo)
    shutil.copytree(os.path.join(ROOT, "tests/helm/charts"), os.path.join(demo, "charts"))
    os.remove(os.path.join(demo, "expected.yaml"))
    trees.append(("tests/helm demo chart + patches, prefix, labels, images", demo, "demo", "t"))
    return trees

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/debug/nest-kz"))
    args = ap.parse_args()
    helms = helm_paths()
    h3, h4 = helms["NEST_KZ_HELM3"], helms["NEST_KZ_HELM4"]
    has_kubectl = shutil.which("kubectl") is not None
    tmp = tempfile.mkdtemp(prefix="nest-kz-helm-bench-")
    print("| tree | helm template alone (Helm 3) | nest-kz + Helm 3 | kustomize + Helm 3 | nest-kz + Helm 4 | same bytes (Helm 3) |")
    print("|---|---|---|---|---|---|")
    for label, tree, chart, release in make_trees(tmp, h3):
        env = dict(os.environ, HELM_CONFIG_HOME=os.path.join(tmp, "h"))
        floor = median_time([h3, "template", release, os.path.join(tree, "charts", chart)], args.runs, env)
        n3 = median_time([args.binary, "build", "--enable-helm", "--helm-command", h3, tree], args.runs)
        n4 = median_time([args.binary, "build", "--enable-helm", "--helm-command", h4, tree], args.runs)
        same = "n/a"
        k3 = float("nan")
        if has_kubectl:
            kcmd = ["kubectl", "kustomize", "--enable-helm", "--helm-command", h3, tree]
            k3 = median_time(kcmd, args.runs)
            a = subprocess.run([args.binary, "build", "--enable-helm", "--helm-command", h3, tree], capture_output=True).stdout
            b = subprocess.run(kcmd, capture_output=True).stdout
            same = "yes" if a == b else "NO"
        print(f"| {label} | {floor*1000:.0f} ms | {n3*1000:.0f} ms | {k3*1000:.0f} ms | {n4*1000:.0f} ms | {same} |", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
