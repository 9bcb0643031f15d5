#!/usr/bin/env python3
"""Differential check of comments in YAML held in a string (v5.8 structured
replacements): generates texts with head, line and foot comments, blank
lines and odd indentation in random places, builds each with nest-kz and
the v5.8 oracle, and tallies: same output, declined (nest-kz edits the text
as values and drops its comments, a known difference), other differences
(bugs; the first few are printed).

usage: structured-comments-differential.py SEED COUNT [NEST_KZ_BINARY]
needs KUSTOMIZE_V58_LIB (scripts/install-oracles.sh) and PyYAML.
"""
import random, json, os, re, subprocess, tempfile, sys, shutil
import yaml

seed = int(sys.argv[1]); n = int(sys.argv[2])
nest = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "..", "target", "release", "nest-kz")
oracle = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tools", "kustomize-v58")
rnd = random.Random(seed)
def scalar():
    return rnd.choice(["x", "'q'", '"d"', "1", "yes", "a b", "~", "2001-12-14", "[a, b]", "{k: v}", "!!int 3", "|\n  lit\n  # inner\n", ""])
def gen(depth, indent, lines, path):
    kind = rnd.choice(["map", "map", "seq"]) if depth < 3 else "scalar"
    if kind == "scalar" or depth >= 3:
        return None
    n = rnd.randint(1, 3)
    for i in range(n):
        pre = " " * indent
        if rnd.random() < 0.25:
            lines.append(pre + " " * rnd.choice([0,0,2,4]) + "# h%d" % rnd.randint(0,99))
            # A second block after blank lines: go-yaml joins blocks that
            # head one entry.
            if rnd.random() < 0.3:
                lines.extend([""] * rnd.choice([1, 1, 2]))
                lines.append(pre + "# j%d" % rnd.randint(0,99))
        if rnd.random() < 0.15:
            lines.append("")
        if kind == "map":
            key = "k%d" % i
            sub = rnd.random() < 0.4 and depth < 2
            if sub:
                lc = " # l%d" % rnd.randint(0,99) if rnd.random() < 0.2 else ""
                lines.append(pre + key + ":" + lc)
                gen(depth + 1, indent + rnd.choice([2, 4]), lines, path + [key])
            else:
                v = scalar()
                if v.startswith("|"):
                    header = rnd.choice(["|", "|-", ">", ">-"])
                    hc = " # l%d" % rnd.randint(0,99) if rnd.random() < 0.4 else ""
                    lines.append(pre + key + ": " + header + hc)
                    lines.append(pre + "  lit")
                else:
                    lc = " # l%d" % rnd.randint(0,99) if rnd.random() < 0.3 and not v.startswith("|") else ""
                    lines.append(pre + key + ": " + v + lc)
        else:
            v = scalar()
            if v == "": v = "x"
            if v.startswith("|"):
                hc = " # l%d" % rnd.randint(0,99) if rnd.random() < 0.4 else ""
                lines.append(pre + "- " + rnd.choice(["|", "|-", ">", ">-"]) + hc)
                lines.append(pre + "  lit")
            else:
                lc = " # l%d" % rnd.randint(0,99) if rnd.random() < 0.3 else ""
                lines.append(pre + "- " + v + lc)
    if rnd.random() < 0.3:
        lines.append(" " * rnd.choice([0, indent, indent + 2]) + "# f%d" % rnd.randint(0,99))
lines = None
same = diff = declined_err = 0
for c in range(n):
    lines = []
    if rnd.random() < 0.3:
        lines.append("# top"); 
        if rnd.random() < 0.5: lines.append("")
    lines.append("server:")
    lines.append("  host: x")
    gen(1, 2, lines, ["server"])
    gen(0, 0, lines, [])
    # no duplicate keys: rename later top-level/nested dups by position
    seen = {}
    out = []
    stack = []
    for l in lines:
        s2 = l.lstrip(" ")
        ind = len(l) - len(s2)
        if s2 and not s2.startswith("#") and not s2.startswith("- ") and ":" in s2 and not s2.startswith("lit"):
            key = s2.split(":")[0]
            while stack and stack[-1][0] >= ind:
                stack.pop()
            ctx = tuple(k for _, k in stack)
            full = ctx + (key,)
            if full in seen:
                seen[full] += 1
                newkey = key + "x%d" % seen[full]
                l = " " * ind + newkey + s2[len(key):]
                key = newkey
            else:
                seen[full] = 0
            stack.append((ind, key))
        out.append(l)
    lines = out
    if rnd.random() < 0.3:
        if rnd.random() < 0.5: lines.append("")
        # Any column: at the end, go-yaml gives a block left of the deepest
        # entry to the collection it closes, or the one its column matches.
        lines.append(" " * rnd.choice([0, 0, 1, 2, 3, 4, 6]) + "# end" + " and more" * rnd.choice([0, 0, 3]))
    # A text without a final line break: its last line's length decides
    # which collections a comment at the end closes.
    text = "\n".join(lines) + ("\n" if rnd.random() < 0.7 else "")
    try:
        yaml.safe_load(text)
    except Exception:
        continue
    d = tempfile.mkdtemp()
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"src": "NEW", "app.yaml": text}}
    open(d + "/cm.yaml", "w").write(json.dumps(cm))
    k = {"resources": ["cm.yaml"], "replacements": [{"source": {"kind": "ConfigMap", "name": "c", "fieldPath": "data.src"},
         "targets": [{"select": {"kind": "ConfigMap"}, "fieldPaths": ["data.app\\.yaml.server.host"]}]}]}
    open(d + "/kustomization.yaml", "w").write(json.dumps(k))
    outs = []
    for cmd in ([oracle, "build", d], [nest, "build", d]):
        p = subprocess.run(cmd, capture_output=True, text=True)
        outs.append((p.returncode, p.stdout))
    shutil.rmtree(d, ignore_errors=True)
    if outs[0] == outs[1]:
        same += 1
    else:
        diff += 1
        try:
            kk = yaml.safe_load(outs[0][1])["data"]["app.yaml"]; nn = yaml.safe_load(outs[1][1])["data"]["app.yaml"]
            toks = lambda t: set(re.findall(r"# (?:[hlfj]\d+|top|end)", t))
            # A declined text keeps only comments that are block-scalar content.
            # Declined: no comment kept; a `# ...` left in the output can only
            # be block-scalar content (comments in the text's strings).
            def strings(v):
                if isinstance(v, dict):
                    for k, x in v.items():
                        yield from strings(k)
                        yield from strings(x)
                elif isinstance(v, list):
                    for x in v:
                        yield from strings(x)
                elif isinstance(v, str):
                    yield v
            content = set()
            for t in strings(yaml.safe_load(text)):
                content |= toks(t)
            declined = not (toks(nn) - content) and bool(toks(kk) - content)
        except Exception:
            declined = False
        if declined:
            declined_err += 1
            # To study what is declined: NKZ_DECLINED_DIR=dir keeps each text.
            if os.environ.get("NKZ_DECLINED_DIR"):
                os.makedirs(os.environ["NKZ_DECLINED_DIR"], exist_ok=True)
                open(os.path.join(os.environ["NKZ_DECLINED_DIR"], "%d-%d.yaml" % (seed, c)), "w").write(text)
        if diff - declined_err <= 4 and not declined:
            print("##### INPUT\n" + text)
            try:
                print("=== K\n" + yaml.safe_load(outs[0][1])["data"]["app.yaml"])
                print("=== N\n" + yaml.safe_load(outs[1][1])["data"]["app.yaml"])
            except Exception as e:
                print("ERR", outs[0][0], outs[1][0])
print(f"seed {seed}: {same + diff} texts, {same} same, {declined_err} declined, {diff - declined_err} other")
sys.exit(1 if diff > declined_err else 0)
