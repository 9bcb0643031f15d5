#!/usr/bin/env python3
"""Differential check of comments in YAML held in a string (v5.8 structured
replacements) on YAML files nobody here wrote: takes the single-document
YAML mappings with whole-line comments from the given directories (the
real-world checkouts, scripts/realworld-repos.txt), puts each in a
ConfigMap, has a replacement set its first scalar reached by plain keys,
builds with nest-kz and the v5.8 oracle, and tallies: same output,
declined (nest-kz edits the text as values and drops its comments, known
difference 1), fail (one build fails), other (bugs; listed).

usage: structured-comments-realworld.py DIR[,DIR...] LIMIT [NEST_KZ_BINARY]
needs KUSTOMIZE_V58_LIB (scripts/install-oracles.sh) and PyYAML. Files are
taken in a fixed shuffled order (seed 7), so a LIMIT picks the same set.
"""
import json, os, random, re, shutil, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
import yaml

here = os.path.dirname(os.path.abspath(__file__))
roots = sys.argv[1].split(",")
limit = int(sys.argv[2])
nest = sys.argv[3] if len(sys.argv) > 3 else os.path.join(here, "..", "target", "release", "nest-kz")
oracle = os.path.join(here, "..", "..", "shared", "tools", "kustomize-v58")
PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def first_scalar(value, path):
    """The path of plain keys to the first string or integer, if any."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and PLAIN_KEY.match(k):
                found = first_scalar(v, path + [k])
                if found:
                    return found
    elif isinstance(value, (str, int)) and not isinstance(value, bool) and path:
        return path
    return None


def candidates():
    files = []
    for root in roots:
        for d, subdirs, names in os.walk(root):
            subdirs[:] = sorted(s for s in subdirs if s not in (".git", "vendor", "node_modules"))
            files += [os.path.join(d, n) for n in sorted(names) if n.endswith((".yaml", ".yml"))]
    random.Random(7).shuffle(files)
    for f in files:
        try:
            if os.path.getsize(f) > 20000:
                continue
            text = open(f, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError):
            continue
        # One document, no templates or tabs, with a whole-line comment.
        if "\t" in text or "\r" in text or "{{" in text or re.search(r"^---", text, re.M):
            continue
        if not re.search(r"^\s*#", text, re.M):
            continue
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        path = first_scalar(doc, []) if isinstance(doc, dict) else None
        if path:
            yield f, text, path


def check(case):
    f, text, path = case
    d = tempfile.mkdtemp()
    try:
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
              "data": {"src": "NEW", "app.yaml": text}}
        open(d + "/cm.yaml", "w").write(json.dumps(cm))
        k = {"resources": ["cm.yaml"], "replacements": [{
            "source": {"kind": "ConfigMap", "name": "c", "fieldPath": "data.src"},
            "targets": [{"select": {"kind": "ConfigMap"},
                         "fieldPaths": ["data.app\\.yaml." + ".".join(path)]}]}]}
        open(d + "/kustomization.yaml", "w").write(json.dumps(k))
        outs = [subprocess.run([cmd, "build", d], capture_output=True, text=True, timeout=60)
                for cmd in (oracle, nest)]
        if [(o.returncode, o.stdout) for o in outs] == [(outs[0].returncode, outs[0].stdout)] * 2:
            return "same", f
        if any(o.returncode != 0 for o in outs):
            return "fail", f
        printed = [yaml.safe_load(o.stdout)["data"]["app.yaml"] for o in outs]
        # Declined: nest-kz kept no comment beyond '#'s inside strings.
        in_strings = json.dumps(yaml.safe_load(text)).count("#")
        if printed[1].count("#") <= in_strings < printed[0].count("#"):
            return "declined", f
        return "other", f
    finally:
        shutil.rmtree(d, ignore_errors=True)


cases = []
for c in candidates():
    cases.append(c)
    if len(cases) >= limit:
        break
results = list(ThreadPoolExecutor(2).map(check, cases))
tally = {}
for kind, f in results:
    tally[kind] = tally.get(kind, 0) + 1
    if kind in ("other", "fail"):
        print(kind, f)
print(f"{len(results)} texts: {tally.get('same', 0)} same, {tally.get('declined', 0)} declined, "
      f"{tally.get('fail', 0)} fail, {tally.get('other', 0)} other")
sys.exit(1 if tally.get("other", 0) or tally.get("fail", 0) else 0)
