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

The same run records ``checker/data/aws_provider_roles.json``: for each resource type, the
arguments (``block.argument`` at any depth, ``attribute.key`` inside an object-typed attribute)
that name an IAM role or an instance profile, with what the derivation rule (:func:`derive_role`)
makes of each: ``passes-role``, ``passes-profile``, ``not-a-hand-over`` or ``undecided``. The
hand-made decision table ``checker/data/aws_passed_roles.json`` decides every ``undecided`` one
and overrides the rule where it is wrong, each with a reason; tests/terraform/test_passed_roles.py
fails on an undecided argument (``checker.terraform.inventory.role_gaps``).
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
ROLES = REPO / "checker" / "data" / "aws_provider_roles.json"
PROVIDER = "registry.terraform.io/hashicorp/aws"
VERSION = "5.100.0"
POLICY_SHAPED = re.compile(r"polic|permission|grant|principal|trust|access", re.IGNORECASE)
# An argument that mentions a role or an instance profile: by its name, the name of the block it is
# in (``iam_instance_profile { arn = ... }``), a name saying it hands credentials over (API Gateway's
# ``credentials``, Cognito's ``sns_caller_arn``), or the provider's description of it.
ROLE_NAME = re.compile(r"role|instance_profile", re.IGNORECASE)
CREDENTIAL_NAME = re.compile(r"(?:^|_)credentials(?:_arn)?$|(?:^|_)caller_arn$")
ROLE_DESCRIPTION = re.compile(r"\broles?\b|instance profile", re.IGNORECASE)
PROFILE_ARGUMENT = re.compile(r"(?:^|_)instance_profile(?:_arn|_name)?$")
ROLE_ARGUMENT = re.compile(r"(?:^|_)(?:role|roles|role_arn|role_arns)$")
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


def _stringy(kind: Any) -> bool:
    """A string, or a list or set of strings: what can hold a role's ARN or name."""
    return kind == "string" or (isinstance(kind, list) and len(kind) == 2 and kind[0] in ("list", "set")
                                and kind[1] == "string")


def derive_role(name: str, parent: str, kind: Any, description: str) -> str | None:
    """The derivation rule: None when the argument ``name`` (in the block ``parent``, of the
    schema type ``kind``) does not mention a role or an instance profile; else ``not-a-hand-over``
    when it cannot hold a name or an ARN (a bool, a number), ``passes-profile`` when it names an
    instance profile, ``passes-role`` when its name ends with role(s) or role_arn(s), and
    ``undecided`` otherwise (the decision table decides)."""
    in_profile = bool(PROFILE_ARGUMENT.search(parent)) and name in ("arn", "name")
    if not (ROLE_NAME.search(name) or CREDENTIAL_NAME.search(name) or ROLE_DESCRIPTION.search(description)
            or in_profile):
        return None
    if not _stringy(kind):
        return "not-a-hand-over"
    if in_profile or PROFILE_ARGUMENT.search(name):
        return "passes-profile"
    if ROLE_ARGUMENT.search(name):
        return "passes-role"
    return "undecided"


def _object_keys(kind: Any, prefix: str, parent: str, out: dict[str, str]) -> None:
    """Role-shaped keys inside an object-typed attribute (``list(object({role_arn = string}))``)."""
    if isinstance(kind, list) and kind and kind[0] in ("list", "set", "map"):
        _object_keys(kind[1], prefix, parent, out)
    elif isinstance(kind, list) and kind and kind[0] == "object":
        for key, sub in sorted(kind[1].items()):
            derived = derive_role(key, parent, sub, "")
            if derived is not None:
                out[prefix + key] = derived
            _object_keys(sub, f"{prefix}{key}.", key, out)


def _roles(block: dict[str, Any], prefix: str = "", parent: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for name, attr in sorted(block.get("attributes", {}).items()):
        if not (attr.get("optional") or attr.get("required")):
            continue
        derived = derive_role(name, parent, attr.get("type"), attr.get("description") or "")
        if derived is not None:
            out[prefix + name] = derived
        _object_keys(attr.get("type"), f"{prefix}{name}.", name, out)
    for name, nested in sorted(block.get("block_types", {}).items()):
        out.update(_roles(nested.get("block", {}), f"{prefix}{name}.", name))
    return out


def record_roles(schema: dict[str, Any]) -> dict[str, Any]:
    """``{"provider", "version", "resource": {type: {argument path: derived}}}``: the resource types
    with an argument that mentions a role or an instance profile."""
    provider = schema["provider_schemas"][PROVIDER]
    types = {t: _roles(s["block"]) for t, s in sorted(provider["resource_schemas"].items())}
    return {"provider": PROVIDER, "version": VERSION, "resource": {t: r for t, r in types.items() if r}}


def render_roles(recording: dict[str, Any]) -> str:
    """One type per line, sorted."""
    types = recording["resource"]
    body = [f"{json.dumps(t)}: {json.dumps(types[t], separators=(',', ':'), sort_keys=True)}" for t in sorted(types)]
    return "\n".join(["{", f'"provider": {json.dumps(recording["provider"])},',
                      f'"version": {json.dumps(recording["version"])},', '"resource": {', ",\n".join(body), "}",
                      "}"]) + "\n"


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
    roles = record_roles(schema)
    status = 0
    for path, text in ((RECORDING, render(recording)), (ROLES, render_roles(roles))):
        if args.check:
            if not path.is_file() or path.read_text() != text:
                print(f"{path.relative_to(REPO)} is stale: run scripts/gen_provider_inventory.py", file=sys.stderr)
                status = 1
        else:
            path.write_text(text)
    # the judgement must cover what was recorded: name what it misses
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from checker.terraform.inventory import gaps, judgement, role_decisions, role_gaps

    for gap in gaps(recording, judgement()):
        print(f"checker/data/aws_provider_inventory.json: {gap}", file=sys.stderr)
        status = 1
    for gap in role_gaps(roles, role_decisions()):
        print(f"checker/data/aws_passed_roles.json: {gap}", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
