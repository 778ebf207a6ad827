"""Record every CloudFormation resource type and its policy-shaped properties from the installed cfn-lint.

    .venv/bin/python scripts/gen_cfn_inventory.py          # rewrite the recorded list
    .venv/bin/python scripts/gen_cfn_inventory.py --check  # exit 1 when the recorded list is stale

cfn-lint ships the CloudFormation resource provider schemas of every region
(``cfnlint/data/schemas/providers/<region>.json`` maps a type to a schema file under
``cfnlint/data/schemas/resources/``). The union over the regions is recorded in
``checker/sources/cloudformation/data/resource_types.json``:

- ``types``: every type, with the paths of its policy-shaped properties (relative to ``Properties``;
  ``.`` between names, ``[*]`` for the items of a list, ``{*}`` for the values of a map);
- ``named``: the types whose own name is policy-shaped (``AWS::Organizations::Policy``), which need a
  decision even without such a property.

A property is policy-shaped when it can hold free text or free JSON (a string, an object without
declared properties, a list of those, or an untyped value; not one of the schema's read-only
properties, which a template cannot set) and either its name contains Policy,
Permission, Grant, Principal, Trust or Access, or its description calls it a policy document.
The hand-made decisions about these live beside it in ``classification.json``;
tests/cloudformation/test_cfn_inventory.py checks that every recorded type and property has one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from importlib import metadata, resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "checker" / "sources" / "cloudformation" / "data" / "resource_types.json"
ROLES_OUTPUT = ROOT / "checker" / "sources" / "cloudformation" / "data" / "passed_roles.json"

NAME = re.compile(r"Polic|Permission|Grant|Principal|Trust|Access", re.IGNORECASE)
DOCUMENTED = re.compile(
    r"polic(?:y|ies) document|JSON polic|IAM polic|resource[- ]based polic|access polic|policy text", re.IGNORECASE)
MAX_DEPTH = 20  # schemas nest about 10 deep; $ref cycles are cut by the seen set anyway


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    seen: set[str] = set()
    while isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
        seen.add(node["$ref"])
        node = schema.get("definitions", {}).get(node["$ref"].rsplit("/", 1)[-1], {})
    return node


def _free_form(schema: dict[str, Any], node: dict[str, Any], depth: int = 0) -> bool:
    """Whether the value can carry a policy: free text, free JSON, a list of them, or anything."""
    node = _resolve(schema, node)
    kinds = node.get("type")
    types = set(kinds) if isinstance(kinds, list) else ({kinds} if isinstance(kinds, str) else set())
    if "array" in types and isinstance(node.get("items"), dict) and depth < MAX_DEPTH:
        return _free_form(schema, node["items"], depth + 1)
    if not types:
        return True
    if "object" in types and not node.get("properties") and not node.get("patternProperties"):
        return True
    return "string" in types and "enum" not in node


def _properties(schema: dict[str, Any], node: dict[str, Any], path: str, seen: frozenset[str],
                depth: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, name, schema) of every property below ``node``: ``$ref``s followed (a cycle cut by
    ``seen``), alternatives, list items (``[*]``) and map values (``{*}``) included."""
    if depth > MAX_DEPTH:
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = schema.get("definitions", {}).get(ref.rsplit("/", 1)[-1])
        if ref not in seen and isinstance(target, dict):
            yield from _properties(schema, target, path, seen | {ref}, depth + 1)
        return
    for key in ("oneOf", "anyOf", "allOf"):
        for alternative in node.get(key, []):
            if isinstance(alternative, dict):
                yield from _properties(schema, alternative, path, seen, depth + 1)
    if isinstance(node.get("items"), dict):
        yield from _properties(schema, node["items"], f"{path}[*]", seen, depth + 1)
    for name, sub in node.get("properties", {}).items():
        if not isinstance(sub, dict):
            continue
        sub_path = f"{path}.{name}" if path else name
        yield sub_path, name, sub
        yield from _properties(schema, sub, sub_path, seen, depth + 1)
    for sub in node.get("patternProperties", {}).values():
        if isinstance(sub, dict):
            yield from _properties(schema, sub, f"{path}{{*}}", seen, depth + 1)


def _description(schema: dict[str, Any], sub: dict[str, Any]) -> str:
    return f"{sub.get('description', '')} {_resolve(schema, sub).get('description', '')}"


def _settable(schema: dict[str, Any], paths: Iterator[str]) -> set[str]:
    """Paths a template can set: read-only properties (what the service returns) are left out."""
    read_only = {p.removeprefix("/properties/").replace("/", ".") for p in schema.get("readOnlyProperties", [])}
    return {p for p in paths if p not in read_only}


def policy_shaped_paths(schema: dict[str, Any]) -> list[str]:
    return sorted(_settable(schema, (
        path for path, name, sub in _properties(schema, schema, "", frozenset(), 0)
        if _free_form(schema, sub) and (NAME.search(name) or DOCUMENTED.search(_description(schema, sub))))))


def policy_shaped_name(rtype: str) -> bool:
    return NAME.search(rtype.rsplit("::", 1)[-1]) is not None


# Properties that hand a role or an instance profile to a service (passed roles, as Terraform's
# checker/terraform/iam.py judges them): cfn-lint marks a role ARN with the format AWS::IAM::Role.Arn;
# a role or profile named by a property of that shape whose schema description says IAM or ARN
# (cfn-lint has no format for names, nor for every role ARN) counts too: a hand-over missed is a pass.
ROLE_FORMAT = "AWS::IAM::Role.Arn"
ROLE_NAME = re.compile(r"(?:Role|RoleArn|RoleARN|IamRole)$")
PROFILE_NAME = re.compile(r"InstanceProfile(?:Arn|Name)?$")
# a property named like a role that is something else (a chat message's role, a database role, a
# user's role in an application): its description says so
NOT_ROLE = re.compile(r"database role|role of the (?:message|user in)|message role|db role|PostgreSQL|MySQL|"
                      r"Kubernetes|RBAC|chat", re.IGNORECASE)


# What the schemas do not say: Batch's InstanceRole is "the Amazon ECS instance profile applied to
# Amazon EC2 instances in a compute environment" (AWS Batch API reference, ComputeResource.instanceRole).
KINDS_BY_HAND = {("AWS::Batch::ComputeEnvironment", "ComputeResources.InstanceRole"): "instance-profile"}


def _names_profile(schema: dict[str, Any], sub: dict[str, Any]) -> bool:
    """An object naming an instance profile by ``Arn`` or ``Name`` (a launch template's)."""
    props = _resolve(schema, sub).get("properties", {})
    return isinstance(props, dict) and bool({"Arn", "Name"} & set(props))


def _formats(schema: dict[str, Any], sub: dict[str, Any]) -> set[str]:
    resolved = _resolve(schema, sub)
    found = {f for f in (sub.get("format"), resolved.get("format")) if isinstance(f, str)}
    items = resolved.get("items")
    if isinstance(items, dict):
        found |= {f for f in (items.get("format"), _resolve(schema, items).get("format")) if isinstance(f, str)}
    return found


def _handed(schema: dict[str, Any], name: str, sub: dict[str, Any]) -> str | None:
    """``role`` or ``instance-profile`` when the property hands one over, else None."""
    if PROFILE_NAME.search(name) and (_free_form(schema, sub) or _names_profile(schema, sub)):
        return "instance-profile"
    description = _description(schema, sub)
    if ROLE_FORMAT in _formats(schema, sub) or (ROLE_NAME.search(name) and _free_form(schema, sub)
                                               and not NOT_ROLE.search(description)):
        # Batch's InstanceRole is an instance profile, as its description says
        return "instance-profile" if re.search(r"instance profile", description, re.I) else "role"
    return None


def role_paths(schema: dict[str, Any]) -> dict[str, str]:
    """Path -> ``role`` or ``instance-profile`` for the properties that hand one over."""
    kinds = {path: kind for path, name, sub in _properties(schema, schema, "", frozenset(), 0)
             if (kind := _handed(schema, name, sub)) is not None}
    return {p: kinds[p] for p in sorted(_settable(schema, iter(kinds)))}


def build() -> dict[str, Any]:
    base = resources.files("cfnlint") / "data" / "schemas"
    providers = base / "providers"
    schema_files: dict[str, set[str]] = {}
    for region in sorted(p.name for p in providers.iterdir() if p.name.endswith(".json")):
        for rtype, digest in json.loads((providers / region).read_text(encoding="utf-8")).items():
            schema_files.setdefault(rtype, set()).add(digest)
    types: dict[str, list[str]] = {}
    roles: dict[str, dict[str, str]] = {}
    for rtype in sorted(schema_files):
        paths: set[str] = set()
        handed: dict[str, str] = {}
        for digest in sorted(schema_files[rtype]):
            schema = json.loads((base / "resources" / f"{digest}.json").read_text(encoding="utf-8"))
            paths.update(policy_shaped_paths(schema))
            if not rtype.startswith("AWS::IAM::"):  # IAM's own types link roles: read by the reader
                handed.update({p: KINDS_BY_HAND.get((rtype, p), k) for p, k in role_paths(schema).items()})
        types[rtype] = sorted(paths)
        if handed:
            roles[rtype] = dict(sorted(handed.items()))
    version = json.loads((base / "version.json").read_text(encoding="utf-8"))
    return {
        "source": {"cfn-lint": metadata.version("cfn-lint"), "schema_date": version.get("schema_date")},
        "named": sorted(t for t in types if policy_shaped_name(t)),
        "types": types,
        "roles": roles,
    }


def render(data: dict[str, Any]) -> str:
    """Compact and diff-friendly: one line per type."""
    lines = ["{", f' "source": {json.dumps(data["source"], sort_keys=True)},',
             f' "named": {json.dumps(data["named"])},', ' "types": {']
    items = sorted(data["types"].items())
    for i, (rtype, paths) in enumerate(items):
        lines.append(f"  {json.dumps(rtype)}: {json.dumps(paths)}{',' if i < len(items) - 1 else ''}")
    lines += [" }", "}", ""]
    return "\n".join(lines)


def render_roles(data: dict[str, Any]) -> str:
    lines = ["{", f' "source": {json.dumps(data["source"], sort_keys=True)},', ' "types": {']
    items = sorted(data["roles"].items())
    for i, (rtype, paths) in enumerate(items):
        lines.append(f"  {json.dumps(rtype)}: {json.dumps(paths)}{',' if i < len(items) - 1 else ''}")
    lines += [" }", "}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare with the recorded list")
    args = parser.parse_args()
    data = build()
    stale = False
    for output, text in ((OUTPUT, render(data)), (ROLES_OUTPUT, render_roles(data))):
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if args.check:
            if text != current:
                print(f"{output.relative_to(ROOT)} is stale for cfn-lint {metadata.version('cfn-lint')}: "
                      "run scripts/gen_cfn_inventory.py", file=sys.stderr)
                stale = True
            else:
                print(f"{output.relative_to(ROOT)} is up to date")
            continue
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output.relative_to(ROOT)} ({len(text)} bytes)")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
