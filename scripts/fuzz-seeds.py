#!/usr/bin/env python3
"""Builds the fuzz seed corpora at run time (nothing is stored in the repo).

Every YAML file under tests/ and ../shared/conformance (when present) seeds
the single-document targets; every tree (a directory with YAML files),
concatenated into one multi-document stream, seeds the targets that read
several documents (strategic merge, JSON patch, replacements).

usage: fuzz-seeds.py OUT_DIR
"""
import hashlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = [os.path.join(ROOT, "tests"), os.path.join(ROOT, "..", "shared", "conformance")]
SINGLE = ["yaml_reader", "kustomization_loader", "emit_roundtrip"]
MULTI = ["strategic_merge", "json_patch", "replacements", "yaml_reader", "emit_roundtrip"]
MAX_SEED = 64 * 1024


def put(out, target, data):
    if not data or len(data) > MAX_SEED:
        return
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1]
    for src in SOURCES:
        if not os.path.isdir(src):
            continue
        for dirpath, _, files in os.walk(src):
            yamls = sorted(f for f in files if f.endswith((".yaml", ".yml")) or f == "Kustomization")
            texts = []
            for f in yamls:
                path = os.path.join(dirpath, f)
                if not os.path.isfile(path):
                    continue
                with open(path, "rb") as fh:
                    data = fh.read(MAX_SEED + 1)
                texts.append(data)
                for t in SINGLE:
                    put(out, t, data)
            if len(texts) > 1:
                stream = b"\n---\n".join(texts)
                for t in MULTI:
                    put(out, t, stream)
    for t in sorted(set(SINGLE + MULTI)):
        d = os.path.join(out, t)
        n = len(os.listdir(d)) if os.path.isdir(d) else 0
        print(f"seeds: {t}: {n}")


if __name__ == "__main__":
    main()
