#!/usr/bin/env python3
"""Helm inflation time: nest-kz build --enable-helm vs kubectl kustomize
--enable-helm on the same chart in the same run, with `helm template` alone
as the floor both pay. Median wall time over --runs.

Columns (issue 31):
  helm template alone   the floor: one `helm template` of the chart
  nest-kz cold          --helm-cache set to a fresh empty directory each run
                        (the release's version check, read from helm's Go
                        build information, one `helm template`, then the
                        inflation is written)
  cold, helm known      a fresh cache that has only seen the helm binary
                        (its version check remembered): a new chart, chart
                        version or values on a repo-server that has inflated
                        before. One helm process.
  nest-kz warm          --helm-cache primed once, then reused (no helm process)
  nest-kz cache off     --helm-cache off: helm runs on every build (the
                        behaviour before the cache; also the "nest-kz + Helm 3"
                        column of earlier runs)
  kustomize + Helm 3    kubectl kustomize --enable-helm (kustomize v5.5.0)
  nest-kz + Helm 4      --helm-cache off, Helm 4, nest-kz's default release
                        (the Helm 3 columns emulate kubectl's kustomize, v5.5,
                        so that their bytes can be compared)
  cold/floor            target at most 1.1x (cold, helm known)
  kustomize/warm        target at least 50x
  same bytes            cold, warm and off outputs all equal kustomize's

The variants are measured round-robin (one run of each, --runs times), so
load from other processes on the machine falls on all of them alike. Every
cache directory is a temporary one: the user's default cache is never used.

usage: bench/helm.py [--runs N] [--binary target/debug/nest-kz]
Needs: the helm binaries of scripts/install-helm.sh, kubectl (kustomize
v5.5.0) for the kustomize column, python3. Uses the debug build by default
(the project machines build debug only); pass --binary for a release build.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def helm_paths():
    out = subprocess.run([os.path.join(ROOT, "scripts/install-helm.sh")],
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in out.split())

def run_once(cmd, env=None):
    """Wall time and CPU time (user + system of the process and every child
    it waited for, such as helm)."""
    err = tempfile.TemporaryFile()
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        err.seek(0)
        sys.exit(f"failed: {' '.join(cmd)}\n{err.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime

def kustomize_minor():
    """The kustomize release kubectl embeds, as nest-kz's --kustomize-version
    spells it (v5.5), so that the bytes can be compared; None without kubectl."""
    if shutil.which("kubectl") is None:
        return None
    out = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("Kustomize Version:"):
            return ".".join(line.split(":", 1)[1].strip().split(".")[:2])
    return None

def median_times(variants, runs):
    """variants: {name: (setup, env)} where setup() returns the command to
    time (any preparation it does, such as making an empty directory, is not
    timed). One untimed run of each first, then `runs` rounds, one run of
    each variant per round. Returns {name: (median wall, median CPU)} in
    seconds."""
    walls = {name: [] for name in variants}
    cpus = {name: [] for name in variants}
    for name, (setup, env) in variants.items():
        run_once(setup(), env)
    for _ in range(runs):
        for name, (setup, env) in variants.items():
            w, c = run_once(setup(), env)
            walls[name].append(w)
            cpus[name].append(c)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in variants}

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
    for f in os.listdir(demo):
        if f.startswith("expected"):
            os.remove(os.path.join(demo, f))
    trees.append(("tests/helm demo chart + patches, prefix, labels, images", demo, "demo", "t"))
    return trees

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/debug/nest-kz"))
    args = ap.parse_args()
    helms = helm_paths()
    h3, h4 = helms["NEST_KZ_HELM3"], helms["NEST_KZ_HELM4"]
    kversion = kustomize_minor()
    has_kubectl = kversion is not None
    # nest-kz emulates the kustomize kubectl embeds, so its bytes can equal
    # kubectl's (its default is the newest release it knows).
    emulate = ["--kustomize-version", kversion] if kversion else []
    tmp = tempfile.mkdtemp(prefix="nest-kz-helm-bench-")
    ms = lambda t: f"{t*1000:.0f} ms" if t == t else "-"
    print(f"runs: {args.runs} (median, round-robin); binary: {args.binary}; nest-kz emulating kustomize {kversion or 'default'}")
    print("| tree | helm template alone (Helm 3) | nest-kz cold | cold, helm known | nest-kz warm | nest-kz cache off (= nest-kz + Helm 3) | kustomize + Helm 3 | nest-kz + Helm 4 (off) | cold / floor | cold, helm known / floor | kustomize / warm | same bytes (Helm 3) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    cpu_rows = []
    for label, tree, chart, release in make_trees(tmp, h3):
        env = dict(os.environ, HELM_CONFIG_HOME=os.path.join(tmp, "h"))
        nest = [args.binary, "build", "--enable-helm"] + emulate
        cold_dirs = os.path.join(tmp, "cold-" + chart)
        os.makedirs(cold_dirs)
        counter = [0]
        def cold_cmd(known=False):
            # A fresh, empty cache directory for every run; with `known`,
            # holding the warm cache's remembered version checks only.
            counter[0] += 1
            d = os.path.join(cold_dirs, str(counter[0]))
            if known:
                shutil.copytree(os.path.join(warm_dir, "version"), os.path.join(d, "version"))
            else:
                os.makedirs(d)
            return nest + ["--helm-command", h3, "--helm-cache", d, tree]
        warm_dir = os.path.join(tmp, "warm-" + chart)
        warm = nest + ["--helm-command", h3, "--helm-cache", warm_dir, tree]
        off3 = nest + ["--helm-command", h3, "--helm-cache", "off", tree]
        # Helm 4 with nest-kz's default release: kustomize v5.5 (emulated or
        # real) runs `helm version -c`, which Helm 4 refuses.
        off4 = [args.binary, "build", "--enable-helm", "--helm-command", h4, "--helm-cache", "off", tree]
        kcmd = ["kubectl", "kustomize", "--enable-helm", "--helm-command", h3, tree]
        run_once(warm)  # primes the warm cache
        variants = {
            "floor": (lambda: [h3, "template", release, os.path.join(tree, "charts", chart)], env),
            "cold": (cold_cmd, None),
            "known": (lambda: cold_cmd(True), None),
            "warm": (lambda: warm, None),
            "off3": (lambda: off3, None),
            "off4": (lambda: off4, None),
        }
        if has_kubectl:
            variants["kustomize"] = (lambda: kcmd, None)
        t = median_times(variants, args.runs)
        cpu_rows.append((label, {name: c for name, (_, c) in t.items()}))
        t = {name: w for name, (w, _) in t.items()}
        k3 = t.get("kustomize", float("nan"))
        same = "n/a"
        if has_kubectl:
            b = subprocess.run(kcmd, capture_output=True).stdout
            outs = [subprocess.run(c, capture_output=True).stdout for c in (cold_cmd(), warm, off3)]
            same = "yes" if all(a == b for a in outs) else "NO (" + ",".join(
                n for n, a in zip(("cold", "warm", "off"), outs) if a != b) + ")"
        ratio_k = f"{k3 / t['warm']:.1f}x" if k3 == k3 else "-"
        print(f"| {label} | {ms(t['floor'])} | {ms(t['cold'])} | {ms(t['known'])} | {t['warm']*1000:.1f} ms | {ms(t['off3'])} | {ms(k3)} "
              f"| {ms(t['off4'])} | {t['cold'] / t['floor']:.2f}x | {t['known'] / t['floor']:.2f}x | {ratio_k} | {same} |", flush=True)
    # CPU time (user + system, with helm's) is what a shared or loaded
    # machine cannot inflate by making a process wait for a core.
    print("\nCPU time, median (user + system, children included):")
    print("| tree | helm template alone | nest-kz cold | cold, helm known | nest-kz warm | nest-kz cache off | kustomize + Helm 3 | nest-kz + Helm 4 (off) | cold / floor | cold, helm known / floor | kustomize / warm |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, c in cpu_rows:
        k = c.get("kustomize", float("nan"))
        ratio_k = f"{k / c['warm']:.1f}x" if k == k else "-"
        print(f"| {label} | {ms(c['floor'])} | {ms(c['cold'])} | {ms(c['known'])} | {c['warm']*1000:.1f} ms | {ms(c['off3'])} | {ms(k)} "
              f"| {ms(c['off4'])} | {c['cold'] / c['floor']:.2f}x | {c['known'] / c['floor']:.2f}x | {ratio_k} |")
    shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
