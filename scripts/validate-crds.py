#!/usr/bin/env python3
"""Validates custom resources (ServiceMonitor, ExternalSecret, SecretStore,
SealedSecret) in YAML bundles against the openAPIV3Schema of their published
CRDs, kept in tests/schemas/ (sources in tests/schemas/README.md).

Strict like `kubectl apply --validate=strict`: a field the schema does not
declare is an error (every object schema without additionalProperties or
x-kubernetes-preserve-unknown-fields gets additionalProperties: false).
An object of an API group that is not Kubernetes' own and has no schema here
is an error too, so no custom resource goes unchecked.

Usage: validate-crds.py BUNDLE.yaml...   (needs jsonschema and PyYAML)
"""
import json
import pathlib
import sys

import jsonschema
import yaml

SCHEMAS = pathlib.Path(__file__).resolve().parent.parent / "tests" / "schemas"


def strict(schema):
    if isinstance(schema, dict):
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        for value in schema.values():
            strict(value)
    elif isinstance(schema, list):
        for value in schema:
            strict(value)
    return schema


def load_schemas():
    schemas = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        # <group>_<version>_<kind lower-case>.json
        group, version, kind = path.stem.split("_")
        schema = strict(json.loads(path.read_text()))
        # metadata is the API server's, typed object in every CRD schema.
        schemas[(f"{group}/{version}", kind)] = jsonschema.Draft7Validator(schema)
    return schemas


def kubernetes_group(api_version):
    if "/" not in api_version:
        return True  # core v1
    group = api_version.split("/")[0]
    return "." not in group or group.endswith(".k8s.io")


def main(paths):
    schemas = load_schemas()
    errors = checked = 0
    for path in paths:
        for doc in yaml.safe_load_all(pathlib.Path(path).read_text()):
            if not doc:
                continue
            api, kind = doc.get("apiVersion", ""), doc.get("kind", "")
            name = f"{path}: {kind}/{doc.get('metadata', {}).get('name')} ({api})"
            if kubernetes_group(api):
                continue
            validator = schemas.get((api, kind.lower()))
            if validator is None:
                print(f"{name}: no CRD schema in tests/schemas", file=sys.stderr)
                errors += 1
                continue
            checked += 1
            for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
                where = "/".join(str(p) for p in err.path) or "(root)"
                print(f"{name}: {where}: {err.message}", file=sys.stderr)
                errors += 1
    print(f"custom resources: {checked} checked against their CRD schemas, {errors} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
