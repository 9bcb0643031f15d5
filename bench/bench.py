#!/usr/bin/env python3
"""Side-by-side benchmark: nest-kz build against kubectl kustomize and against
the floor (bench/floor.rs: parse every YAML file of the tree with the same
parser and print it back, no object model, no kustomize logic), all in the
same run. Reports median wall time, peak RSS, the ratios, RSS per input
byte, the growth exponent over the generated trees, and whether nest-kz's
bytes equal kustomize's.

usage: bench/bench.py [--runs N] [--sizes 1000,10000,100000,300000]
                      [--wide 200] [--kustomize-max 1000]
Needs: cargo (builds --release), kubectl with kustomize v5.5.0, python3.
kustomize is only run on generated trees up to --kustomize-max resources: its
time grows quadratically (2.7 s at 1k, 800 s at 10k on the project machine).
"""
import argparse, math, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(cmd, runs, cpu=None):
    """Median wall time and peak RSS; with a `cpu` list, also appends the
    median CPU time (user + system, every thread)."""
    walls, cpus, rss = [], [], 0
    # One run first, not counted: the files and the binary in the page cache.
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if status != 0:
            sys.exit(f"failed: {' '.join(cmd)}")
        rss = max(rss, usage.ru_maxrss)  # KiB on Linux
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(walls), rss


def same_output(tree, nest):
    a = subprocess.run([nest, "build", tree], capture_output=True).stdout
    b = subprocess.run(["kubectl", "kustomize", tree], capture_output=True).stdout
    return a == b


def input_bytes(tree_root):
    total = 0
    for dirpath, _, files in os.walk(tree_root):
        for f in files:
            if f.endswith((".yaml", ".yml")):
                total += os.path.getsize(os.path.join(dirpath, f))
    return total


def ms(t):
    return f"{t * 1000:.1f} ms" if t < 10 else f"{t:.2f} s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1000,10000,100000,300000")
    ap.add_argument("--wide", type=int, default=200)
    ap.add_argument("--big-runs", type=int, default=1, help="runs for generated trees of 10k resources or more")
    ap.add_argument("--small-runs", type=int, default=21, help="runs for the Nest overlays and the wide tree (a few ms each: the median needs more runs to settle)")
    ap.add_argument("--kustomize-max", type=int, default=1000, help="largest generated tree kustomize is run on")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "--bin", "nest-kz", "--example", "floor"], cwd=ROOT, check=True)
    nest = os.path.join(ROOT, "target/release/nest-kz")
    floor = os.path.join(ROOT, "target/release/examples/floor")
    tmp = tempfile.mkdtemp(prefix="nest-kz-bench-")
    gen = os.path.join(ROOT, "bench/gen_tree.py")
    # (label, build dir, tree root holding every input file, resources or None, runs kustomize)
    trees = [(f"nest {e}", os.path.join(ROOT, "overlays", e), ROOT, None, True) for e in ("dev", "staging", "prod")]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    for n in sizes:
        subprocess.run([sys.executable, gen, "deep", str(n), f"{tmp}/deep{n}"], check=True)
        trees.append((f"generated {n} resources, 3 levels", f"{tmp}/deep{n}/top", f"{tmp}/deep{n}", n, n <= args.kustomize_max))
    subprocess.run([sys.executable, gen, "wide", str(args.wide), f"{tmp}/wide"], check=True)
    trees.append((f"wide: {args.wide} kustomizations", f"{tmp}/wide", f"{tmp}/wide", None, True))
    # nest-kz parses files, transforms objects and formats output on every
    # core past a size threshold; the floor is one thread. The CPU column
    # (all threads) shows the work, wall time what a user waits.
    print("| tree | input | nest-kz | nest-kz CPU | floor | x floor | kustomize | x faster than kustomize | nest-kz RSS | RSS / input | same bytes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    growth = []
    kustomize_times = {}
    for label, tree, root, n, with_kustomize in trees:
        if n is None:
            runs = args.small_runs
        else:
            runs = args.big_runs if n >= 10000 else args.runs
        cpu = []
        nt, nr = measure([nest, "build", tree], runs, cpu)
        # The Nest overlays read only part of the project's YAML: their floor
        # is not comparable, and their input is the build's own files.
        if n is not None or label.startswith("wide"):
            ft, _ = measure([floor, "events", root], runs)
            size = input_bytes(root)
            floor_cols = f"{ms(ft)} | {nt / ft:.1f}x"
            rss_cols = f"{nr / 1024:.1f} MiB | {nr * 1024 / size:.1f}x"
            size_col = f"{size / 1e6:.1f} MB"
        else:
            floor_cols = "- | -"
            rss_cols = f"{nr / 1024:.1f} MiB | -"
            size_col = "-"
        if with_kustomize:
            kt, _ = measure(["kubectl", "kustomize", tree], runs)
            kustomize_times[label] = (tree, runs, kt)
            k_cols = f"{ms(kt)} | {kt / nt:.1f}x"
            same = "yes" if same_output(tree, nest) else "NO"
        else:
            k_cols = "not run | -"
            same = "-"
        if n:
            growth.append((n, nt))
        print(f"| {label} | {size_col} | {ms(nt)} | {ms(cpu[0])} | {floor_cols} | {k_cols} | {rss_cols} | {same} |", flush=True)
    if len(growth) >= 2:
        (n0, t0), (n1, t1) = growth[0], growth[-1]
        print(f"\ngrowth exponent {n0}..{n1} resources: {math.log(t1 / t0) / math.log(n1 / n0):.3f}")
    one = f"{tmp}/one"
    os.makedirs(one)
    with open(f"{one}/kustomization.yaml", "w") as f:
        f.write("resources:\n- cm.yaml\n")
    with open(f"{one}/cm.yaml", "w") as f:
        f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n")
    tt, _ = measure(["/bin/true"], 200)
    ot, _ = measure([nest, "build", one], 200)
    print(f"1-resource build: {ms(ot)}; /bin/true: {ms(tt)}; difference {ms(ot - tt)}")
    # The binary releases ship (scripts/build-static.sh): no dynamic linking at start.
    static = os.path.join(ROOT, "target/x86_64-unknown-linux-gnu/release/nest-kz")
    if os.path.exists(static):
        st, _ = measure([static, "build", one], 200)
        print(f"1-resource build, static binary: {ms(st)}; difference {ms(st - tt)}")
        # The small trees again with the static binary, against the kustomize
        # times measured above.
        print("\n| tree (static binary) | nest-kz | x faster than kustomize |")
        print("|---|---|---|")
        for label, (tree, runs, kt) in kustomize_times.items():
            if label.startswith(("nest", "wide")):
                t, _ = measure([static, "build", tree], runs)
                print(f"| {label} | {ms(t)} | {kt / t:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
