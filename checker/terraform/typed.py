"""Typed unknowns: what is known about a value Terraform knows only after apply.

A reference such as ``aws_s3_bucket.cur.arn`` or ``data.aws_partition.current.partition`` is unknown
to the gate, but not arbitrary: the first is the ARN of the one bucket the module creates, the second
one of AWS's partitions. :func:`typed_unknown` makes the :class:`Unknown` of such a reference carry
its :class:`Hole` (kind and IAM glob) in ``extra``; a template with unknown parts
(``"arn:${data.aws_partition.current.partition}:iam::${var.account}:root"``) keeps its literal text and
the holes in order (:func:`partial`, :func:`parts_of`).

Only a value read straight from the reference is typed: every operation that makes a new value from
an unknown (a function, a conversion, an index) makes a new, untyped :class:`Unknown`, so a type
never outlives the value it describes. A reference whose type is not listed here stays untyped
(``HoleKind.ANY``), which every rule reads as "may be anything".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from checker.model import HoleKind
from checker.terraform.values import Origin, Unknown, direct_reference

_PARTITION = "aws*"
_ACCOUNT = "?" * 12
_REGION = "*-*-*"

# Attributes of data sources that are partitions, accounts, regions (the provider's schema).
_DATA_ATTRIBUTES: dict[tuple[str, str], tuple[HoleKind, str]] = {
    ("aws_partition", "partition"): (HoleKind.PARTITION, _PARTITION),
    ("aws_partition", "id"): (HoleKind.PARTITION, _PARTITION),
    ("aws_partition", "dns_suffix"): (HoleKind.DNS_SUFFIX, "amazonaws.com*"),
    ("aws_partition", "reverse_dns_prefix"): (HoleKind.DNS_SUFFIX, "*com.amazonaws"),
    ("aws_caller_identity", "account_id"): (HoleKind.ACCOUNT, _ACCOUNT),
    ("aws_caller_identity", "id"): (HoleKind.ACCOUNT, _ACCOUNT),
    ("aws_region", "name"): (HoleKind.REGION, _REGION),
    ("aws_region", "region"): (HoleKind.REGION, _REGION),
    ("aws_region", "id"): (HoleKind.REGION, _REGION),
}

# Managed resources whose id is an account id.
_ACCOUNT_IDS = frozenset({"aws_organizations_account"})

# The ARN of a resource (or data source) of each type, as the AWS service catalog writes the format of
# its resource type, with the partition, region and account as holes. Only types whose mapping to one
# catalog resource type is clear are listed; tests/terraform/test_typed_unknowns.py checks each pattern
# against the catalog's ARN formats.
ARN_PATTERNS: dict[str, str] = {
    "aws_s3_bucket": "arn:aws*:s3:::*",
    "aws_iam_role": f"arn:aws*:iam::{_ACCOUNT}:role/*",
    "aws_iam_user": f"arn:aws*:iam::{_ACCOUNT}:user/*",
    "aws_iam_group": f"arn:aws*:iam::{_ACCOUNT}:group/*",
    "aws_iam_policy": f"arn:aws*:iam::{_ACCOUNT}:policy/*",
    "aws_sns_topic": f"arn:aws*:sns:*:{_ACCOUNT}:*",
    "aws_sqs_queue": f"arn:aws*:sqs:*:{_ACCOUNT}:*",
    "aws_kms_key": f"arn:aws*:kms:*:{_ACCOUNT}:key/*",
    "aws_dynamodb_table": f"arn:aws*:dynamodb:*:{_ACCOUNT}:table/*",
    "aws_lambda_function": f"arn:aws*:lambda:*:{_ACCOUNT}:function:*",
    "aws_kinesis_stream": f"arn:aws*:kinesis:*:{_ACCOUNT}:stream/*",
    "aws_cloudtrail": f"arn:aws*:cloudtrail:*:{_ACCOUNT}:trail/*",
    "aws_secretsmanager_secret": f"arn:aws*:secretsmanager:*:{_ACCOUNT}:secret:*",
    "aws_ecr_repository": f"arn:aws*:ecr:*:{_ACCOUNT}:repository/*",
    "aws_athena_workgroup": f"arn:aws*:athena:*:{_ACCOUNT}:workgroup/*",
    "aws_glue_catalog_database": f"arn:aws*:glue:*:{_ACCOUNT}:database/*",
}

# Attributes that are the name of one resource (no wildcard can be in it): an S3 bucket's id is its name.
_NAME_ATTRIBUTES: dict[str, frozenset[str]] = {
    "aws_s3_bucket": frozenset({"id", "bucket"}),
}

_ADDRESS = re.compile(r"^(?:module\.[^.]+(?:\[[^\]]*\])?\.)*(?P<data>data\.)?(?P<type>[a-z0-9_]+)\.[^.]+$")


@dataclass(frozen=True, slots=True)
class Hole:
    """What an unknown value is known to be: a :class:`HoleKind` and the IAM glob it matches."""

    kind: HoleKind
    pattern: str


ANY = Hole(HoleKind.ANY, "*")


def hole_for(address: str, attribute: str | None) -> Hole | None:
    """The hole of ``address.attribute`` (``aws_s3_bucket.cur``, ``data.aws_partition.current``,
    ``module.m.aws_iam_role.r[0]``) when its type says what it is; None otherwise."""
    if not attribute:
        return None
    m = _ADDRESS.match(address)
    if m is None:
        return None
    rtype = m.group("type")
    if m.group("data"):
        found = _DATA_ATTRIBUTES.get((rtype, attribute))
        if found is not None:
            return Hole(*found)
    elif attribute == "id" and rtype in _ACCOUNT_IDS:
        return Hole(HoleKind.ACCOUNT, _ACCOUNT)
    if attribute == "arn" and rtype in ARN_PATTERNS:
        return Hole(HoleKind.ARN, ARN_PATTERNS[rtype])
    if attribute in _NAME_ATTRIBUTES.get(rtype, ()):
        return Hole(HoleKind.NAME, "*")
    return None


def typed_unknown(reason: str, origin: Origin | None, address: str, attribute: str) -> Unknown:
    """The Unknown of a reference to an attribute computed by the provider, typed when its type is
    known."""
    hole = hole_for(address, attribute)
    extra: tuple[tuple[str, Any], ...] = (("hole", hole),) if hole is not None else ()
    return Unknown(reason, origin, address, attribute, extra)


def _extra(u: Unknown, key: str) -> Any:
    for k, v in u.extra:
        if k == key:
            return v
    return None


def hole_of(u: Unknown) -> Hole:
    """The hole a (whole) unknown value is: its type, else :data:`ANY`."""
    found = _extra(u, "hole")
    return found if isinstance(found, Hole) else ANY


Piece = str | Unknown


def parts_of(value: Any) -> tuple[Piece, ...] | None:
    """The pieces of a string with unknown parts (literal text and unknown leaves, in order), or
    None when ``value`` is no such string."""
    if isinstance(value, Unknown):
        found = _extra(value, "parts")
        return found if isinstance(found, tuple) else None
    return None


def partial(pieces: list[Piece], first: Unknown, origin: Origin | None) -> Unknown:
    """The Unknown of a string made of ``pieces`` (literal text and Unknowns, nested partial strings
    flattened), for a template with unknown interpolations. Its reason and reference are those of the
    first untyped piece, else of ``first``; ``origin`` is the template's."""
    flat: list[Piece] = []
    for p in pieces:
        inner = parts_of(p) if isinstance(p, Unknown) else None
        for q in inner if inner is not None else (p,):
            if isinstance(q, str) and flat and isinstance(flat[-1], str):
                flat[-1] = flat[-1] + q
            elif not (isinstance(q, str) and not q):
                flat.append(q)
    # messages name the unknown that matters: the first whose type is not known, if any
    first = next((p for p in flat if isinstance(p, Unknown) and hole_of(p).kind is HoleKind.ANY), first)
    extra: tuple[tuple[str, Any], ...] = (("parts", tuple(flat)),)
    if origin is not None:
        extra += (("text_origin", origin),)
    return Unknown(first.reason, first.origin or origin, first.ref, first.attribute, extra)


def text_origin_of(u: Unknown) -> Origin | None:
    """Where the text of a partial string was written (the template's origin)."""
    found = _extra(u, "text_origin")
    return found if isinstance(found, Origin) else None


def with_text_origin(u: Unknown, origin: Origin, from_file: str | None) -> Unknown:
    """``u`` (a partial string) read from ``from_file`` (templatefile: line 1 of the file)."""
    extra = tuple((k, v) for k, v in u.extra if k not in ("text_origin", "from_file"))
    extra += (("text_origin", origin),)
    if from_file is not None:
        extra += (("from_file", from_file),)
    return Unknown(u.reason, u.origin, u.ref, u.attribute, extra)


def from_file_of(u: Unknown) -> str | None:
    found = _extra(u, "from_file")
    return found if isinstance(found, str) else None


_UNKNOWN_PLACEHOLDER = "${unknown}"


def placeholder(u: Unknown) -> str:
    """How an unknown value is shown: ``${aws_iam_role.x.arn}``; a string with unknown parts keeps
    its known text (``arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess``)."""
    pieces = parts_of(u)
    if pieces is not None:
        return "".join(p if isinstance(p, str) else _reference(p) for p in pieces)
    return _reference(u)


def _reference(u: Unknown) -> str:
    if u.ref:
        return "${" + u.ref + (f".{u.attribute}" if u.attribute else "") + "}"
    parameter = _extra(u, "parameter")  # a CloudFormation parameter without value
    if isinstance(parameter, str):
        return "${" + parameter + "}"
    return _UNKNOWN_PLACEHOLDER


def template_of(u: Unknown) -> str | None:
    """The value ``u`` stands for as a template of references (``arn:aws:iam::${data.x.account_id}:root``)
    when every unknown part of it is a direct reference (:func:`checker.terraform.values.direct_reference`:
    the attribute itself, not a function of it nor a conditional on it), else None."""
    pieces = parts_of(u)
    out: list[str] = []
    for p in pieces if pieces is not None else (u,):
        if isinstance(p, str):
            out.append(p)
            continue
        name = direct_reference(p)
        if name is None:
            return None
        out.append("${" + name + "}")
    return "".join(out)
