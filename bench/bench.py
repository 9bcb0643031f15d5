#!/usr/bin/env python3
"""Side-by-side benchmark: nest-kz build vs kubectl kustomize on the same trees
in the same run. Reports median wall time, peak RSS and the ratios.

usage: bench/bench.py [--runs N] [--sizes 1000,10000] [--big 100000]
Needs: cargo (builds --release), kubectl with kustomize v5.5.0, python3.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def measure(cmd, runs):
    walls, rss = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - start)
        if status != 0:
            sys.exit(f"failed: {' '.join(cmd)}")
        rss = max(rss, usage.ru_maxrss)  # KiB on Linux
    return statistics.median(walls), rss

def same_output(tree, nest):
    a = subprocess.run([nest, "build", tree], capture_output=True).stdout
    b = subprocess.run(["kubectl", "kustomize", tree], capture_output=True).stdout
    return a == b

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--wide", type=int, default=200)
    ap.add_argument("--big-runs", type=int, default=1, help="runs for generated trees of 10k resources or more")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    nest = os.path.join(ROOT, "target/release/nest-kz")
    tmp = tempfile.mkdtemp(prefix="nest-kz-bench-")
    gen = os.path.join(ROOT, "bench/gen_tree.py")
    trees = [(f"nest {e}", os.path.join(ROOT, "overlays", e)) for e in ("dev", "staging", "prod")]
    for n in [int(s) for s in args.sizes.split(",") if s]:
        subprocess.run([sys.executable, gen, "deep", str(n), f"{tmp}/deep{n}"], check=True)
        trees.append((f"generated {n} resources, 3 levels", f"{tmp}/deep{n}/top"))
    subprocess.run([sys.executable, gen, "wide", str(args.wide), f"{tmp}/wide"], check=True)
    trees.append((f"wide: {args.wide} kustomizations", f"{tmp}/wide"))
    print("| tree | nest-kz median | kustomize median | speed-up | nest-kz peak RSS | kustomize peak RSS | same bytes |")
    print("|---|---|---|---|---|---|---|")
    for label, tree in trees:
        big = label.startswith("generated") and int(label.split()[1]) >= 10000
        runs = args.big_runs if big else args.runs
        nt, nr = measure([nest, "build", tree], runs)
        kt, kr = measure(["kubectl", "kustomize", tree], runs)
        print(f"| {label} | {nt*1000:.1f} ms | {kt*1000:.1f} ms | {kt/nt:.1f}x | {nr/1024:.1f} MiB | {kr/1024:.1f} MiB | {'yes' if same_output(tree, nest) else 'NO'} |", flush=True)

if __name__ == "__main__":
    main()
