#!/usr/bin/env python3
"""Record the AWS provider's schema: every resource and data source type and its policy-shaped attributes.

    python scripts/gen_provider_inventory.py                 # run terraform, rewrite the recording
    python scripts/gen_provider_inventory.py --check         # exit 1 when the recording is stale
    python scripts/gen_provider_inventory.py --schema F.json # read `terraform providers schema -json` output

The recording, ``checker/data/aws_provider_schema.json``, comes from ``terraform providers schema
-json`` run offline against a local provider mirror (``CHECK_PERMISSIONS_TF_PLUGINS``, default
/opt/tf-plugins; hashicorp/aws at the version pinned below). It lists, for each type, the arguments
a configuration can set (optional or required; computed-only attributes are the provider's
output, not the author's input) whose name says policy, permission, grant, principal, trust or
access. Nested blocks are written ``block.attribute``.

The judgement, ``checker/data/aws_provider_inventory.json``, is written by hand: what each type
does (``checker/terraform/inventory.py`` documents the kinds) and, for every policy-shaped
attribute, whether it holds a policy, a grant, or nothing a principal can use (``ignore``).
tests/terraform/test_inventory.py fails when the judgement misses a type or an attribute of the
recording, and (with terraform and the mirror) when the recording differs from the schema.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RECORDING = REPO / "checker" / "data" / "aws_provider_schema.json"
PROVIDER = "registry.terraform.io/hashicorp/aws"
VERSION = "5.100.0"
POLICY_SHAPED = re.compile(r"polic|permission|grant|principal|trust|access", re.IGNORECASE)
_CONFIG = f"""terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = "{VERSION}" }}
  }}
}}
"""


def plugin_mirror() -> Path:
    return Path(os.environ.get("CHECK_PERMISSIONS_TF_PLUGINS", "/opt/tf-plugins"))


def terraform_schema(terraform: str = "terraform") -> dict[str, Any]:
    """``terraform providers schema -json`` of a configuration that requires only the AWS provider."""
    with tempfile.TemporaryDirectory(prefix="cp-schema-") as tmp:
        (Path(tmp) / "main.tf").write_text(_CONFIG)
        env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
        env.pop("TF_CLI_CONFIG_FILE", None)
        init = subprocess.run([terraform, f"-chdir={tmp}", "init", "-backend=false", "-input=false", "-no-color",
                               f"-plugin-dir={plugin_mirror()}"], capture_output=True, text=True, env=env,
                              timeout=300, check=False)
        if init.returncode != 0:
            raise RuntimeError(f"terraform init failed: {init.stderr.strip() or init.stdout.strip()}")
        done = subprocess.run([terraform, f"-chdir={tmp}", "providers", "schema", "-json"], capture_output=True,
                              text=True, env=env, timeout=300, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"terraform providers schema failed: {done.stderr.strip()}")
        data: dict[str, Any] = json.loads(done.stdout)
        return data


def _settable(block: dict[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for name, attr in sorted(block.get("attributes", {}).items()):
        if (attr.get("optional") or attr.get("required")) and POLICY_SHAPED.search(name):
            out.append(prefix + name)
    for name, nested in sorted(block.get("block_types", {}).items()):
        out.extend(_settable(nested.get("block", {}), f"{prefix}{name}."))
    return out


def record(schema: dict[str, Any]) -> dict[str, Any]:
    """The recording: ``{"provider", "version", "resource": {type: [attrs]}, "data": {type: [attrs]}}``."""
    provider = schema["provider_schemas"][PROVIDER]
    return {
        "provider": PROVIDER,
        "version": VERSION,
        "resource": {t: _settable(s["block"]) for t, s in sorted(provider["resource_schemas"].items())},
        "data": {t: _settable(s["block"]) for t, s in sorted(provider["data_source_schemas"].items())},
    }


def render(recording: dict[str, Any]) -> str:
    """Compact and diffable: one type per line, sorted."""
    lines = ["{", f'"provider": {json.dumps(recording["provider"])},', f'"version": {json.dumps(recording["version"])},']
    for mode in ("data", "resource"):
        types = recording[mode]
        lines.append(f'"{mode}": {{')
        body = [f"{json.dumps(t)}: {json.dumps(types[t], separators=(',', ':'))}" for t in sorted(types)]
        lines.append(",\n".join(body))
        lines.append("}," if mode == "data" else "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the recording is stale; write nothing")
    parser.add_argument("--schema", type=Path, help="read this `terraform providers schema -json` output")
    args = parser.parse_args(argv)
    schema = json.loads(args.schema.read_text()) if args.schema else terraform_schema()
    recording = record(schema)
    text = render(recording)
    status = 0
    if args.check:
        if not RECORDING.is_file() or RECORDING.read_text() != text:
            print(f"{RECORDING.relative_to(REPO)} is stale: run scripts/gen_provider_inventory.py", file=sys.stderr)
            status = 1
    else:
        RECORDING.write_text(text)
    # the judgement must cover what was recorded: name what it misses
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from checker.terraform.inventory import gaps, judgement

    for gap in gaps(recording, judgement()):
        print(f"checker/data/aws_provider_inventory.json: {gap}", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
