"""Cheap content checks that decide which front end reads a file, without importing any of them."""

from __future__ import annotations

import re
from pathlib import Path

# Terraform's own files (configuration and variable values): never read as JSON policies.
TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
TERRAFORM_CONFIG_SUFFIXES = (".tf", ".tf.json")

_PLAN_HINT = re.compile(rb'"(planned_values|resource_changes)"\s*:')
# CloudFormation templates: JSON ones are found among the JSON files by content, YAML ones by suffix.
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template")
_TEMPLATE_VERSION = re.compile(rb'(?m)(?:^|[{,])\s*"?AWSTemplateFormatVersion"?\s*:')
_TEMPLATE_RESOURCES = re.compile(rb'(?m)(?:^|[{,])\s*"?Resources"?\s*:')
_TEMPLATE_TYPE = re.compile(rb'"?Type"?[ \t]*:[ \t]*["\']?(AWS|Custom)::')


def is_terraform_file(path: Path) -> bool:
    """Terraform's own files (configuration and variable values) are never read as JSON policies."""
    return path.name.endswith(TERRAFORM_SUFFIXES)


def is_plan(data: bytes | str) -> bool:
    """True for the JSON of ``terraform show -json`` (a plan), by content."""
    head = data if isinstance(data, bytes) else data.encode("utf-8", "replace")
    return b'"format_version"' in head and _PLAN_HINT.search(head) is not None


def is_template(data: bytes | str) -> bool:
    """True for what looks like a CloudFormation template (``AWSTemplateFormatVersion``, or
    ``Resources`` with a ``Type: AWS::...``), by content; the front end decides for sure."""
    head = data if isinstance(data, bytes) else data.encode("utf-8", "replace")
    if _TEMPLATE_VERSION.search(head) is not None:
        return True
    return _TEMPLATE_RESOURCES.search(head) is not None and _TEMPLATE_TYPE.search(head) is not None
