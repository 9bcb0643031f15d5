#!/usr/bin/env python3
"""Real-world differential test: nest-kz against a real kustomize release on
every kustomization directory of one or more repository checkouts.

For each REPO root given, every directory holding a `kustomization.yaml`,
`kustomization.yml` or `Kustomization` file is built twice, with
`nest-kz build DIR --kustomize-version R` and with release R's kustomize:
  --oracle v5.8 (default)  ../shared/tools/kustomize-v58 (API v0.21.3)
  --oracle v5.7            kubectl 1.35.2 ($NEST_KZ_KUBECTL_V57)
  --oracle v5.5            kubectl kustomize (kubectl 1.32)
(scripts/install-oracles.sh installs the v5.7 and v5.8 oracles.) Both run
with the repository root as working directory and DIR relative to it, with
no plugins and the default load restrictor; with --enable-helm both get
--enable-helm and the same --helm-command. Each build has a timeout. Each
directory gets one outcome:

  identical        both succeed, stdout bytes equal
  differ           both succeed, stdout bytes differ
  nest-kz-refused  kustomize succeeds, nest-kz fails (or hangs)
  false-accept     kustomize fails, nest-kz succeeds
  both-fail        both fail (e.g. remote bases: there is usually no
                   network, so kustomize's fetch fails too)

Independently of the outcome, a nest-kz panic (exit 101) and a nest-kz hang
(timeout) are flagged; a kustomize timeout counts as a kustomize failure.

kustomize's result (exit code, stdout, stderr) is cached per directory under
--cache, keyed by the kustomize version, the directory's path in its
repository and a content hash of the whole repository tree (a kustomization
may read bases anywhere in its repository, so any change to the repository
invalidates its entries). A re-run after rebuilding nest-kz therefore only
re-runs nest-kz.

Output: a tally per repository and overall on stdout; with --json FILE, one
record per directory (outcome, exit codes, the start of each stderr);
with --show-diffs DIR, one file per non-identical directory under
DIR/<repo>/ (that folder's earlier contents are removed first): a unified
diff of the two outputs (kustomize is `---`, nest-kz is `+++`) for
`differ`, both stderrs otherwise.

usage:
  scripts/realworld-differential.py [--bin target/release/nest-kz]
      [--oracle v5.8|v5.7|v5.5] [--enable-helm [--helm-command helm]] [--load-restrictor-none] [--cache DIR] [--json FILE] [--show-diffs DIR]
      [--timeout 60] [--jobs 2] REPO [REPO ...]

Standard library only.
"""
import argparse
import concurrent.futures
import difflib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
OUTCOMES = ("identical", "differ", "nest-kz-refused", "false-accept", "both-fail")
PANIC_EXIT = 101
STDERR_KEEP = 2000  # characters of each stderr kept in the JSON records


def find_kustomization_dirs(root):
    """Every directory under root (excluding .git) holding a kustomization file, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        if any(n in filenames for n in KUSTOMIZATION_NAMES):
            found.append(os.path.relpath(dirpath, root))
    return sorted(found)


def tree_hash(root):
    """Content hash of every regular file and symlink under root (excluding .git)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            h.update(os.path.relpath(path, root).encode() + b"\0")
            if os.path.islink(path):
                h.update(b"L" + os.readlink(path).encode())
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    h.update(hashlib.sha256(f.read()).digest())
            h.update(b"\0")
    return h.hexdigest()


def run(argv, cwd, timeout):
    """Run argv; return dict(rc, stdout bytes, stderr str, timeout bool, seconds).

    The child gets its own process group so a timeout kills everything it
    spawned (kustomize runs git for remote bases)."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        timed_out = True
    return {"rc": proc.returncode, "stdout": out, "stderr": err.decode("utf-8", "replace"),
            "timeout": timed_out, "seconds": round(time.monotonic() - start, 3)}


def ok(result):
    return result["rc"] == 0 and not result["timeout"]


class KustomizeCache:
    """kustomize results on disk: KEY.out (stdout bytes) and KEY.json (the rest)."""

    def __init__(self, directory, version):
        self.directory = directory
        self.version = version
        if directory:
            os.makedirs(directory, exist_ok=True)

    def key(self, repo_hash, rel):
        return hashlib.sha256(f"{self.version}\0{repo_hash}\0{rel}".encode()).hexdigest()

    def get(self, key):
        if not self.directory:
            return None
        meta_path = os.path.join(self.directory, key + ".json")
        out_path = os.path.join(self.directory, key + ".out")
        if not (os.path.exists(meta_path) and os.path.exists(out_path)):
            return None
        with open(meta_path) as f:
            result = json.load(f)
        with open(out_path, "rb") as f:
            result["stdout"] = f.read()
        return result

    def put(self, key, result):
        if not self.directory:
            return
        meta = {k: v for k, v in result.items() if k != "stdout"}
        for suffix, data, mode in ((".out", result["stdout"], "wb"), (".json", json.dumps(meta), "w")):
            tmp = os.path.join(self.directory, key + suffix + ".tmp")
            with open(tmp, mode) as f:
                f.write(data)
            os.replace(tmp, os.path.join(self.directory, key + suffix))


def classify(kz, nk):
    if ok(kz) and ok(nk):
        return "identical" if kz["stdout"] == nk["stdout"] else "differ"
    if ok(kz):
        return "nest-kz-refused"
    if ok(nk):
        return "false-accept"
    return "both-fail"


def write_diff(diff_root, repo_name, rel, outcome, kz, nk):
    """One file per non-identical directory: a unified diff, or both stderrs."""
    safe = rel.replace(os.sep, "__") if rel != "." else "_root_"
    path = os.path.join(diff_root, repo_name, safe + ".diff")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(f"# {repo_name}/{rel}: {outcome}\n")
        f.write(f"# kustomize rc={kz['rc']}{' (timeout)' if kz['timeout'] else ''}, "
                f"nest-kz rc={nk['rc']}{' (timeout)' if nk['timeout'] else ''}\n")
        if outcome == "differ":
            a = kz["stdout"].decode("utf-8", "replace").splitlines(keepends=True)
            b = nk["stdout"].decode("utf-8", "replace").splitlines(keepends=True)
            for line in difflib.unified_diff(a, b, "kustomize", "nest-kz", n=3):
                f.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        else:
            f.write("## kustomize stderr\n" + kz["stderr"] + "\n## nest-kz stderr\n" + nk["stderr"] + "\n")


def oracle_command(args):
    """The oracle's build command for --oracle, without the directory."""
    if args.oracle == "v5.8":
        shared = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")
        return [os.path.abspath(os.path.join(shared, "tools", "kustomize-v58")), "build"]
    if args.oracle == "v5.7":
        kubectl = os.environ.get("NEST_KZ_KUBECTL_V57")
        if not kubectl:
            sys.exit("--oracle v5.7 needs NEST_KZ_KUBECTL_V57 (scripts/install-oracles.sh)")
        return [kubectl, "kustomize"]
    return [args.kubectl, "kustomize"]


def build_flags(args):
    """The flags both tools get: helm's, and the load restrictor's."""
    flags = ["--enable-helm", "--helm-command", args.helm_command] if args.enable_helm else []
    if args.load_restrictor_none:
        flags += ["--load-restrictor", "LoadRestrictionsNone"]
    return flags


def check_dir(args, cache, repo_root, repo_name, repo_hash, rel):
    key = cache.key(repo_hash, rel)
    kz = cache.get(key)
    cached = kz is not None
    if not cached:
        kz = run(oracle_command(args) + [rel] + build_flags(args), repo_root, args.timeout)
        cache.put(key, kz)
    nk = run([args.bin, "build", rel, "--kustomize-version", args.oracle] + build_flags(args),
             repo_root, args.timeout)
    outcome = classify(kz, nk)
    if args.show_diffs and outcome != "identical":
        write_diff(args.show_diffs, repo_name, rel, outcome, kz, nk)
    return {
        "repo": repo_name, "dir": rel, "outcome": outcome,
        "panic": nk["rc"] == PANIC_EXIT, "hang": nk["timeout"],
        "kustomize": {"rc": kz["rc"], "timeout": kz["timeout"], "cached": cached,
                      "stderr": kz["stderr"][:STDERR_KEEP], "bytes": len(kz["stdout"])},
        "nest_kz": {"rc": nk["rc"], "timeout": nk["timeout"], "seconds": nk["seconds"],
                    "stderr": nk["stderr"][:STDERR_KEEP], "bytes": len(nk["stdout"])},
    }


def tally(records):
    counts = {o: 0 for o in OUTCOMES}
    for r in records:
        counts[r["outcome"]] += 1
    counts["panic"] = sum(r["panic"] for r in records)
    counts["hang"] = sum(r["hang"] for r in records)
    counts["total"] = len(records)
    return counts


def print_tallies(per_repo, overall):
    cols = OUTCOMES + ("panic", "hang", "total")
    width = max([len("overall")] + [len(n) for n in per_repo])
    print(f"{'repository':<{width}}  " + "  ".join(f"{c:>15}" for c in cols))
    for name, counts in list(per_repo.items()) + [("overall", overall)]:
        print(f"{name:<{width}}  " + "  ".join(f"{counts[c]:>15}" for c in cols))


def oracle_version(args):
    """The oracle's own version text (part of the cache key), and helm's."""
    if args.oracle == "v5.8":
        argv = oracle_command(args)[:1] + ["version"]
    else:
        argv = oracle_command(args)[:1] + ["version", "--client"]
    out = subprocess.run(argv, capture_output=True, text=True).stdout.strip()
    if args.enable_helm:
        helm = subprocess.run([args.helm_command, "version", "--short"], capture_output=True, text=True)
        # The command is part of the key: a cached failure to find helm
        # must not stand for a run with a helm that exists.
        out += " helm " + helm.stdout.strip() + " " + args.helm_command
    if args.load_restrictor_none:
        out += " LoadRestrictionsNone"
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("repos", nargs="+", metavar="REPO", help="repository root directories")
    p.add_argument("--bin", default="target/release/nest-kz", help="nest-kz binary (default: %(default)s)")
    p.add_argument("--oracle", choices=("v5.5", "v5.7", "v5.8"), default="v5.8",
                   help="the kustomize release to compare with (default: %(default)s)")
    p.add_argument("--kubectl", default="kubectl", help="kubectl binary for v5.5 (default: %(default)s)")
    p.add_argument("--enable-helm", action="store_true", help="give both --enable-helm")
    p.add_argument("--helm-command", default="helm", help="helm for both (default: %(default)s)")
    p.add_argument("--load-restrictor-none", action="store_true",
                   help="give both --load-restrictor LoadRestrictionsNone (trees that read files "
                        "outside their kustomization's directory, as cluster-api providers do)")
    p.add_argument("--cache", help="directory caching kustomize's results")
    p.add_argument("--json", help="write per-directory records (and tallies) to this file")
    p.add_argument("--show-diffs", metavar="DIR", help="write a diff file per non-identical directory here")
    p.add_argument("--timeout", type=float, default=60, help="seconds per build (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=2, help="directories checked at once (default: %(default)s)")
    args = p.parse_args()
    args.bin = os.path.abspath(args.bin)
    # Both tools run in each repository's root: a helm given as a relative
    # path is taken from here.
    if os.sep in args.helm_command:
        args.helm_command = os.path.abspath(args.helm_command)
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"nest-kz binary not found or not executable: {args.bin}")

    version = oracle_version(args)
    cache = KustomizeCache(args.cache, version)
    records = []
    per_repo = {}
    for repo in args.repos:
        repo_root = os.path.abspath(repo)
        repo_name = os.path.basename(os.path.normpath(repo_root))
        dirs = find_kustomization_dirs(repo_root)
        repo_hash = tree_hash(repo_root)
        print(f"{repo_name}: {len(dirs)} kustomization directories", file=sys.stderr)
        if args.show_diffs:  # drop diffs of an earlier run that may now be identical
            shutil.rmtree(os.path.join(args.show_diffs, repo_name), ignore_errors=True)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            repo_records = list(pool.map(lambda rel: check_dir(args, cache, repo_root, repo_name, repo_hash, rel), dirs))
        records.extend(repo_records)
        per_repo[repo_name] = tally(repo_records)

    overall = tally(records)
    print_tallies(per_repo, overall)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"kustomize": version, "nest_kz": args.bin, "tallies": per_repo, "overall": overall,
                       "dirs": records}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
