#!/usr/bin/env python3
"""Side-by-side benchmark: nest-kz build against kubectl kustomize and against
the floor (bench/floor.rs: parse every YAML file of the tree with the same
parser and print it back, no object model, no kustomize logic), all in the
same run. Reports median wall time, peak RSS, the ratios, RSS per input
byte, the growth exponent over the generated trees, and whether nest-kz's
bytes equal kustomize's.

usage: bench/bench.py [--runs N] [--sizes 1000,10000,100000,300000]
                      [--wide 200] [--kustomize-max 1000]
                      [--binary PATH [--floor PATH] [--static PATH]]
                      [--shape-mb 30] [--only nest,generated,wide,remote,startup,shapes]
Needs: cargo (builds --release, unless --binary), kubectl with kustomize
v5.5.0, python3.

Besides the trees: an overlay over a remote base (a file:// git repository)
pinned by commit and by tag, warm, against kustomize (issue 31: at least 50x
for the commit); the 1-resource start-up against /bin/true (issue 31:
within 1 ms), and peak RSS per input byte for each shape of input (issue 31:
at most 8x): many small ConfigMaps, one huge value, wide maps, long lists,
deep nesting, and `explain` (provenance on) over the small ConfigMaps.
kustomize is only run on generated trees up to --kustomize-max resources: its
time grows quadratically (2.7 s at 1k, 800 s at 10k on the project machine).
"""
import argparse, functools, math, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(cmd, runs, cpu=None, env=None):
    """Median wall time and peak RSS; with a `cpu` list, also appends the
    median CPU time (user + system, every thread)."""
    walls, cpus, rss = [], [], 0
    # One run first, not counted: the files and the binary in the page cache
    # (and, for remote bases, nest-kz's clone cache primed).
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if status != 0:
            sys.exit(f"failed: {' '.join(cmd)}")
        rss = max(rss, usage.ru_maxrss)  # KiB on Linux
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(walls), rss


@functools.lru_cache(maxsize=None)
def kustomize_minor():
    """The kustomize release kubectl embeds, as --kustomize-version spells it
    (v5.5): nest-kz emulates it for the same-bytes check (its default is the
    newest release it knows, whose output differs in places)."""
    out = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("Kustomize Version:"):
            return ".".join(line.split(":", 1)[1].strip().split(".")[:2])
    return None


def same_output(tree, nest):
    v = kustomize_minor()
    emulate = ["--kustomize-version", v] if v else []
    a = subprocess.run([nest, "build"] + emulate + [tree], capture_output=True).stdout
    b = subprocess.run(["kubectl", "kustomize", tree], capture_output=True).stdout
    return a == b


def input_bytes(tree_root):
    total = 0
    for dirpath, _, files in os.walk(tree_root):
        for f in files:
            if f.endswith((".yaml", ".yml")):
                total += os.path.getsize(os.path.join(dirpath, f))
    return total


def startup(nest, one, runs):
    """Median wall time of /bin/true and of a 1-resource build, measured
    alternately so that load from other processes falls on both alike."""
    tt, nt = [], []
    for cmd in (["/bin/true"], [nest, "build", one]):
        subprocess.run(cmd, stdout=subprocess.DEVNULL)
    for _ in range(runs):
        for cmd, walls in ((["/bin/true"], tt), ([nest, "build", one], nt)):
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL)
            walls.append(time.perf_counter() - start)
    return statistics.median(tt), statistics.median(nt)


# Input shapes for RSS per input byte: each writes about `size` bytes of YAML
# under `out` with a kustomization.yaml listing the files (about 1 MB each,
# like real repositories, except the one huge value).
def _files(out, docs, per_file=1 << 20):
    os.makedirs(out, exist_ok=True)
    names, buf, n = [], [], 0
    def flush():
        nonlocal buf, n
        if buf:
            name = f"r{len(names):04}.yaml"
            with open(os.path.join(out, name), "w") as f:
                f.write("---\n".join(buf))
            names.append(name)
            buf, n = [], 0
    for d in docs:
        buf.append(d)
        n += len(d)
        if n >= per_file:
            flush()
    flush()
    with open(os.path.join(out, "kustomization.yaml"), "w") as f:
        f.write("resources:\n" + "".join(f"- {x}\n" for x in names))


def _until(size, make):
    total, i = 0, 0
    while total < size:
        d = make(i)
        total += len(d)
        i += 1
        yield d


def shape_small(out, size):
    _files(out, _until(size, lambda i: f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  labels:\n    app: a{i % 100}\ndata:\n  key: value-{i}\n"))


def shape_huge_value(out, size):
    line = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"
    lines = "".join(f"    {line}\n" for _ in range(size // (len(line) + 5)))
    _files(out, [f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  big: |\n{lines}"], per_file=1 << 62)


def shape_wide_maps(out, size):
    keys = 50000  # about 1 MB per object
    _files(out, _until(size, lambda i: f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide-{i}\ndata:\n"
                       + "".join(f"  key-{j}: value-{j}\n" for j in range(keys))))


def shape_long_lists(out, size):
    items = 25000  # about 1 MB per object: one list of small maps
    _files(out, _until(size, lambda i: f"apiVersion: example.com/v1\nkind: Bulk\nmetadata:\n  name: list-{i}\nspec:\n  items:\n"
                       + "".join(f"  - name: item-{j}\n    value: v{j}\n" for j in range(items))))


def shape_deep(out, size):
    depth = 32
    def obj(i):
        body = "".join(f"{'  ' * (d + 1)}k{d}: v{d}\n{'  ' * (d + 1)}n{d}:\n" for d in range(depth))
        return f"apiVersion: example.com/v1\nkind: Deep\nmetadata:\n  name: deep-{i}\nspec:\n{body}{'  ' * (depth + 1)}leaf: x\n"
    _files(out, _until(size, obj))


SHAPES = [("many small ConfigMaps", shape_small), ("one huge value", shape_huge_value),
          ("wide maps (50k keys per object)", shape_wide_maps), ("long lists (25k items per object)", shape_long_lists),
          ("deep nesting (32 levels)", shape_deep)]


def ms(t):
    return f"{t * 1000:.1f} ms" if t < 10 else f"{t:.2f} s"


def git(repo, *args):
    subprocess.run(["git", "-C", repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
                   check=True, capture_output=True)


def remote_rows(nest, tmp, runs):
    """An overlay over a remote base in a git repository (file://), pinned
    by commit and by tag, warm (nest-kz's clone cache primed by the first,
    uncounted run; kustomize clones on every build), beside the same overlay
    over the base as a local directory."""
    repo = f"{tmp}/remote-repo"
    os.makedirs(f"{repo}/base")
    with open(f"{repo}/base/kustomization.yaml", "w") as f:
        f.write("resources:\n- deployment.yaml\nconfigMapGenerator:\n- name: settings\n  literals: [MODE=remote]\n")
    with open(f"{repo}/base/deployment.yaml", "w") as f:
        f.write("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
                "      containers:\n      - name: web\n        image: nginx:1.25\n")
    subprocess.run(["git", "init", "-q", repo], check=True)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    git(repo, "tag", "v1")
    commit = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    overlays = []
    for label, base in (("commit", f"file://{repo}//base?ref={commit}"), ("tag", f"file://{repo}//base?ref=v1"),
                        ("local", os.path.relpath(f"{repo}/base", f"{tmp}/overlay-local"))):
        d = f"{tmp}/overlay-{label}"
        os.makedirs(d)
        with open(f"{d}/kustomization.yaml", "w") as f:
            f.write(f"resources:\n- {base}\nnamePrefix: prod-\nimages:\n- name: nginx\n  newTag: '1.27'\n")
        overlays.append((label, d))
    env = dict(os.environ, XDG_CACHE_HOME=f"{tmp}/remote-cache")
    v = kustomize_minor()
    emulate = ["--kustomize-version", v] if v else []
    print("\n| remote base (warm) | nest-kz | kustomize | x faster than kustomize | same bytes |")
    print("|---|---|---|---|---|")
    for label, d in overlays:
        variants = [(label, [nest, "build", d])]
        if label == "tag":
            variants.append(("tag, --remote-ref-ttl 10m", [nest, "build", "--remote-ref-ttl", "10m", d]))
        kt, _ = measure(["kubectl", "kustomize", d], runs)
        want = subprocess.run(["kubectl", "kustomize", d], capture_output=True).stdout
        for row, cmd in variants:
            nt, _ = measure(cmd, runs, env=env)
            got = subprocess.run(cmd[:2] + emulate + cmd[2:], capture_output=True, env=env).stdout
            print(f"| {row} | {ms(nt)} | {ms(kt)} | {kt / nt:.1f}x | {'yes' if got == want else 'NO'} |", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1000,10000,100000,300000")
    ap.add_argument("--wide", type=int, default=200)
    ap.add_argument("--big-runs", type=int, default=1, help="runs for generated trees of 10k resources or more")
    ap.add_argument("--small-runs", type=int, default=21, help="runs for the Nest overlays and the wide tree (a few ms each: the median needs more runs to settle)")
    ap.add_argument("--kustomize-max", type=int, default=1000, help="largest generated tree kustomize is run on")
    ap.add_argument("--binary", help="the nest-kz binary to measure; nothing is built (default: cargo build --release)")
    ap.add_argument("--floor", help="the floor binary (default: target/release/examples/floor)")
    ap.add_argument("--static", help="a static nest-kz for the extra start-up rows (default without --binary: the one scripts/build-static.sh makes, if present)")
    ap.add_argument("--shape-mb", type=float, default=30, help="input size of each memory shape, MB")
    ap.add_argument("--startup-runs", type=int, default=201)
    ap.add_argument("--only", default="nest,generated,wide,remote,startup,shapes", help="rows to run, comma-separated")
    args = ap.parse_args()
    only = set(args.only.split(","))
    floor = args.floor or os.path.join(ROOT, "target/release/examples/floor")
    if args.binary:
        nest = os.path.abspath(args.binary)
        static = args.static
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "--bin", "nest-kz", "--example", "floor"], cwd=ROOT, check=True)
        nest = os.path.join(ROOT, "target/release/nest-kz")
        # The binary releases ship (scripts/build-static.sh): no dynamic linking at start.
        static = args.static or os.path.join(ROOT, "target/x86_64-unknown-linux-gnu/release/nest-kz")
    print(f"nest-kz: {nest}; floor: {floor}")
    tmp = tempfile.mkdtemp(prefix="nest-kz-bench-")
    gen = os.path.join(ROOT, "bench/gen_tree.py")
    # (label, build dir, tree root holding every input file, resources or None, runs kustomize)
    trees = [(f"nest {e}", os.path.join(ROOT, "overlays", e), ROOT, None, True) for e in ("dev", "staging", "prod")] if "nest" in only else []
    sizes = [int(s) for s in args.sizes.split(",") if s] if "generated" in only else []
    for n in sizes:
        subprocess.run([sys.executable, gen, "deep", str(n), f"{tmp}/deep{n}"], check=True)
        trees.append((f"generated {n} resources, 3 levels", f"{tmp}/deep{n}/top", f"{tmp}/deep{n}", n, n <= args.kustomize_max))
    if "wide" in only:
        subprocess.run([sys.executable, gen, "wide", str(args.wide), f"{tmp}/wide"], check=True)
        trees.append((f"wide: {args.wide} kustomizations", f"{tmp}/wide", f"{tmp}/wide", None, True))
    # nest-kz parses files, transforms objects and formats output on every
    # core past a size threshold; the floor is one thread. The CPU column
    # (all threads) shows the work, wall time what a user waits.
    if trees:
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
    if "remote" in only:
        remote_rows(nest, tmp, args.small_runs)
    if len(growth) >= 2:
        (n0, t0), (n1, t1) = growth[0], growth[-1]
        print(f"\ngrowth exponent {n0}..{n1} resources: {math.log(t1 / t0) / math.log(n1 / n0):.3f}")
    one = f"{tmp}/one"
    os.makedirs(one)
    with open(f"{one}/kustomization.yaml", "w") as f:
        f.write("resources:\n- cm.yaml\n")
    with open(f"{one}/cm.yaml", "w") as f:
        f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n")
    if "shapes" in only:
        # Peak RSS (ru_maxrss of the build) per byte of input YAML, by shape;
        # the last column takes off the RSS of a 1-resource build (the
        # binary, its libraries, the allocator's arenas), which weighs on
        # small inputs.
        _, base = measure([nest, "build", one], 3)
        size = int(args.shape_mb * 1e6)
        print(f"\n| shape ({args.shape_mb:g} MB each) | input | nest-kz | nest-kz RSS | RSS / input (target <= 8x) | floor RSS / input | (RSS - {base / 1024:.0f} MiB 1-resource RSS) / input |")
        print("|---|---|---|---|---|---|---|")
        for label, make in SHAPES:
            out = f"{tmp}/shape"
            make(out, size)
            b = input_bytes(out)
            cmds = [(label, [nest, "build", out])]
            if make is shape_small:
                cmds.append(("explain (provenance) over " + label, [nest, "explain", out]))
            _, fr = measure([floor, "events", out], 1)
            for row, cmd in cmds:
                t, r = measure(cmd, 1)
                print(f"| {row} | {b / 1e6:.1f} MB | {ms(t)} | {r / 1024:.0f} MiB | {r * 1024 / b:.1f}x | {fr * 1024 / b:.1f}x | {(r - base) * 1024 / b:.1f}x |", flush=True)
            subprocess.run(["rm", "-rf", out], check=True)
    if "startup" not in only:
        return
    tt, ot = startup(nest, one, args.startup_runs)
    print(f"\n1-resource build: {ms(ot)}; /bin/true: {ms(tt)}; difference {ms(ot - tt)} (target <= 1 ms; median of {args.startup_runs}, alternated)")
    if static and os.path.exists(static):
        tt, st = startup(static, one, args.startup_runs)
        print(f"1-resource build, static binary: {ms(st)}; /bin/true: {ms(tt)}; difference {ms(st - tt)}")
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
