"""AWS managed policies, offline: ``arn:aws:iam::aws:policy/...`` to its default version's document.

The copy lives in ``checker/data/aws_managed_policies.json.gz`` (built by
``scripts/vendor_managed_policies.py`` from iann0036/iam-dataset, MIT licence; its ``source`` says
which commit and date). It is read only when an ARN needs it, once per process. An ARN that is not
in the copy is unknown: the caller reports it, never treats it as harmless.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from typing import Any, NamedTuple

from checker import data_file

_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::aws:policy/(.+)$")


class ManagedPolicy(NamedTuple):
    arn: str
    name: str
    version: str | None
    deprecated: bool
    document: Any


def is_aws_managed_arn(arn: str) -> bool:
    return _ARN.match(arn) is not None


@cache
def _data() -> dict[str, Any]:
    blob = data_file("aws_managed_policies.json.gz").read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(blob))
    return data


def source_info() -> dict[str, Any]:
    """Provenance of the copy: repository, commit, date, licence."""
    info: dict[str, Any] = _data()["source"]
    return info


def find_managed_policy(arn: str) -> ManagedPolicy | None:
    """The managed policy an ARN names (any partition, any path), or None when unknown."""
    m = _ARN.match(arn.strip())
    if m is None:
        return None
    policies: dict[str, Any] = _data()["policies"]
    canonical = f"arn:aws:iam::aws:policy/{m.group(1)}"
    entry = policies.get(canonical)
    if entry is None:
        return None
    return ManagedPolicy(arn=canonical, name=canonical.rsplit("/", 1)[-1], version=entry.get("version"),
                         deprecated=bool(entry.get("deprecated")), document=entry["document"])


@cache
def _arns_by_name() -> dict[str, str]:
    index: dict[str, str] = {}
    for arn in sorted(_data()["policies"]):
        index.setdefault(arn.rsplit("/", 1)[-1], arn)
    return index


def managed_policy_arn(name: str) -> str | None:
    """The ARN (path included) of the AWS managed policy called ``name``, or None when unknown.
    Policy names are unique in an account whatever their path, so the name alone is enough."""
    return _arns_by_name().get(name)
