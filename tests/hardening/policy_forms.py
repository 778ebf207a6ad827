"""One IAM policy (a JSON-like dict) rendered in every form the gate reads: a JSON file, a Terraform
``jsonencode``, heredoc, ``file()``, ``templatefile()``, ``data "aws_iam_policy_document"`` and a
hand-written ``terraform show -json`` plan (format documented at
https://developer.hashicorp.com/terraform/internals/json-format). Used by the fail-closed and
metamorphic tests; written from the documented formats, not from the gate's code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FORMS = ("json", "jsonencode", "heredoc", "file", "templatefile", "policy_document", "plan")


def hcl_string(s: str) -> str:
    """A quoted HCL string: JSON escapes, and template sequences escaped."""
    return json.dumps(s).replace("${", "$${").replace("%{", "%%{")


def hcl(value: Any, indent: int = 0) -> str:
    """A JSON-like value as an HCL expression (object keys quoted: IAM keys contain colons)."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{hcl_string(str(k))} = {hcl(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(pad + hcl(v, indent + 1) for v in value) + ",\n" + "  " * indent + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return hcl_string(str(value))


def _listed(v: Any) -> list[Any]:
    return list(v) if isinstance(v, list) else [v]


def policy_document(name: str, policy: dict[str, Any]) -> str:
    """``data "aws_iam_policy_document"`` with one ``statement`` block per statement."""
    lines = [f'data "aws_iam_policy_document" "{name}" {{']
    if "Id" in policy:
        lines.append(f"  policy_id = {hcl_string(policy['Id'])}")
    for stmt in policy["Statement"]:
        lines.append("  statement {")
        if "Sid" in stmt:
            lines.append(f"    sid = {hcl_string(stmt['Sid'])}")
        lines.append(f"    effect = {hcl_string(stmt.get('Effect', 'Allow'))}")
        for key, arg in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"),
                         ("NotResource", "not_resources")):
            if key in stmt:
                lines.append(f"    {arg} = {hcl(_listed(stmt[key]), 2)}")
        for key, block in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
            if key not in stmt:
                continue
            value = stmt[key]
            pairs = [("*", ["*"])] if value == "*" else [(t, _listed(ids)) for t, ids in value.items()]
            for ptype, ids in pairs:
                lines.append(f"    {block} {{\n      type = {hcl_string(ptype)}\n"
                             f"      identifiers = {hcl(ids, 3)}\n    }}")
        for op, keys in stmt.get("Condition", {}).items():
            for key, values in keys.items():
                lines.append(f"    condition {{\n      test = {hcl_string(op)}\n      variable = {hcl_string(key)}\n"
                             f"      values = {hcl([str(v).lower() if isinstance(v, bool) else v for v in _listed(values)], 3)}\n"
                             "    }")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _resource(kind: str, name: str, value_expr: str) -> str:
    if kind == "trust":
        return (f'resource "aws_iam_role" "{name}" {{\n  name = "{name}"\n'
                f"  assume_role_policy = {value_expr}\n}}\n")
    return f'resource "aws_iam_policy" "{name}" {{\n  name = "{name}"\n  policy = {value_expr}\n}}\n'


def _address(kind: str, name: str) -> str:
    return f"aws_iam_role.{name}" if kind == "trust" else f"aws_iam_policy.{name}"


def render(form: str, policies: list[tuple[str, str, dict[str, Any]]], root: Path) -> None:
    """Write ``policies`` ((name, kind identity|trust, policy) triples) into folder ``root`` in one form."""
    root.mkdir(parents=True, exist_ok=True)
    if form == "json":
        for name, _kind, policy in policies:
            (root / f"{name}.json").write_text(json.dumps(policy, indent=2), encoding="utf-8")
        return
    if form == "plan":
        resources = []
        for name, kind, policy in policies:
            attr = "assume_role_policy" if kind == "trust" else "policy"
            values = {"name": name, "path": "/", attr: json.dumps(policy, separators=(",", ":")),
                      "description": None, "tags": None}
            rtype = "aws_iam_role" if kind == "trust" else "aws_iam_policy"
            resources.append({"address": _address(kind, name), "mode": "managed", "type": rtype, "name": name,
                              "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                              "values": values, "sensitive_values": {}})
        plan = {
            "format_version": "1.2", "terraform_version": "1.9.8",
            "planned_values": {"root_module": {"resources": resources}},
            "resource_changes": [{
                "address": r["address"], "mode": "managed", "type": r["type"], "name": r["name"],
                "provider_name": r["provider_name"],
                "change": {"actions": ["create"], "before": None, "after": r["values"],
                           "after_unknown": {"arn": True, "id": True}, "before_sensitive": False,
                           "after_sensitive": {}}} for r in resources],
            "configuration": {"root_module": {"resources": [
                {"address": r["address"], "mode": "managed", "type": r["type"], "name": r["name"],
                 "provider_config_key": "aws", "expressions": {}, "schema_version": 0} for r in resources]}},
        }
        (root / "plan.json").write_text(json.dumps(plan, indent=2), encoding="utf-8")
        return
    blocks: list[str] = []
    for name, kind, policy in policies:
        text = json.dumps(policy, indent=2)
        if form == "jsonencode":
            expr = f"jsonencode({hcl(policy, 1)})"
        elif form == "heredoc":
            expr = "<<-EOT\n" + "\n".join("    " + ln for ln in text.replace("${", "$${").replace(
                "%{", "%%{").splitlines()) + "\n  EOT"
        elif form == "file":
            (root / "policies").mkdir(exist_ok=True)
            (root / "policies" / f"{name}.txt").write_text(text, encoding="utf-8")
            expr = f'file("${{path.module}}/policies/{name}.txt")'
        elif form == "templatefile":
            (root / "templates").mkdir(exist_ok=True)
            tpl = text.replace("${", "$${").replace("%{", "%%{").replace("cur-bucket", "${bucket}")
            (root / "templates" / f"{name}.json.tpl").write_text(tpl, encoding="utf-8")
            expr = f'templatefile("${{path.module}}/templates/{name}.json.tpl", {{ bucket = "cur-bucket" }})'
        elif form == "policy_document":
            blocks.append(policy_document(name, policy))
            expr = f"data.aws_iam_policy_document.{name}.json"
        else:
            raise ValueError(form)
        blocks.append(_resource(kind, name, expr))
    (root / "main.tf").write_text("\n".join(blocks), encoding="utf-8")
