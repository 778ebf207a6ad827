"""Fail closed: nothing the analyzer cannot prove read-only passes.

Hypothesis generates policies (statements over real catalog actions, wildcards derived from real
names, NotAction, NotResource, Deny with and without conditions and resources, conditions,
principals) and renders them as JSON files and as Terraform (``jsonencode`` in a module, and
``data "aws_iam_policy_document"``). The real gate (``checker.api.check``) judges them; a slow,
obviously correct REFERENCE written here judges them too:

- patterns are expanded by brute force (a regular expression over every catalog name);
- a Deny removes actions only when it is unconditional, on Resource ``"*"`` and without
  NotResource (the gate may remove more: the generator never narrows a Deny to a resource an
  Allow uses, so both must agree);
- the verdict: any write (level not List/Read after ``checker/data/level_corrections.json``), any
  action in a category the read-only profile forbids (``policies/read-only.toml``) or an unsafe
  trust policy must FAIL; a policy proven read-only (only List/Read actions, none in any
  sensitive category, no Allow with NotAction, a safe trust) must PASS: exit 0, no finding at or
  above ``fail_on``.

Policies that are neither (customer-data reads, whose scoping IAM302 judges; an Allow with
NotAction whose grants a Deny removes today, which IAM102 still reports because the construct
also grants the actions AWS adds later) are only run. A disagreement is a bug on one side; the
message shows both verdicts.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
import arn_oracle
import policy_forms

from checker.api import check
from checker.catalog import get_catalog
from checker.settings import Settings

REPO = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"
JSON_EXAMPLES = 60
TERRAFORM_EXAMPLES = 25

# --- the reference: data read straight from the files, no gate code --------------------------------

PROFILE = tomllib.loads((REPO / "policies" / "read-only.toml").read_text(encoding="utf-8"))
FORBIDDEN = set(PROFILE["forbidden_categories"])
EXCEPTIONS: dict[str, list[str]] = PROFILE.get("category_exceptions", {})
CORRECTIONS = {k.lower(): v["level"] for k, v in json.loads(
    (REPO / "checker" / "data" / "level_corrections.json").read_text(encoding="utf-8"))["actions"].items()}
CATEGORIES = {k.lower(): set(v["categories"]) for k, v in json.loads(
    (REPO / "checker" / "data" / "sensitive_actions.json").read_text(encoding="utf-8"))["actions"].items()}
CATALOG = get_catalog()
NAMES: tuple[str, ...] = tuple(sorted(CATALOG.actions()))
LEVEL = {n.lower(): CORRECTIONS.get(n.lower(), CATALOG.get(n).level) for n in NAMES}  # type: ignore[union-attr]
READS = {"List", "Read"}
SAFE_NAMES = tuple(n for n in NAMES if LEVEL[n.lower()] in READS and not CATEGORIES.get(n.lower()))
WRITE_NAMES = tuple(n for n in NAMES if LEVEL[n.lower()] not in READS)
FORBIDDEN_READS = tuple(n for n in NAMES if LEVEL[n.lower()] in READS and CATEGORIES.get(n.lower(), set()) & FORBIDDEN)


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
                      re.IGNORECASE | re.DOTALL)


@functools.lru_cache(maxsize=4096)
def expand(pattern: str) -> frozenset[str]:
    rx = _regex(pattern)
    return frozenset(n.lower() for n in NAMES if rx.fullmatch(n))


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def statement_actions(stmt: dict[str, Any]) -> frozenset[str]:
    if "NotAction" in stmt:
        excluded: set[str] = set()
        for p in _list(stmt["NotAction"]):
            excluded |= expand(p)
        return frozenset(n.lower() for n in NAMES) - excluded
    out: set[str] = set()
    for p in _list(stmt["Action"]):
        out |= expand(p)
    return frozenset(out)


def reference_grants(policy: dict[str, Any]) -> frozenset[str]:
    denied: set[str] = set()
    for s in policy["Statement"]:
        if s["Effect"] == "Deny" and "Condition" not in s and "NotResource" not in s \
                and "*" in _list(s.get("Resource", [])):
            denied |= statement_actions(s)
    granted: set[str] = set()
    for s in policy["Statement"]:
        if s["Effect"] == "Allow":
            acts = statement_actions(s)
            resources = _list(s["Resource"]) if "Resource" in s and "NotResource" not in s else ["*"]
            if "NotAction" not in s and "*" not in resources:
                # an action counts where a Resource can name one of its resources (tests/arn_oracle.py);
                # a NotAction Allow stays resource-blind here (IAM102 fails it whatever it grants)
                acts = frozenset(a for a in acts if _on_resources(a, tuple(sorted(resources))))
            granted |= acts
    return frozenset(granted - denied)


@functools.lru_cache(maxsize=65536)
def _on_resources(action: str, resources: tuple[str, ...]) -> bool:
    info = CATALOG.get(action)
    return info is None or arn_oracle.action_on(CATALOG, info.name, resources)


def _exempt(action: str, category: str) -> bool:
    return any(_regex(p).fullmatch(action) for p in EXCEPTIONS.get(category, ()))


def trust_verdict(policy: dict[str, Any]) -> str:
    """Unsafe: an Allow for everyone, a NotPrincipal Allow, or an account without a concrete
    StringEquals sts:ExternalId. Safe: every Allow names accounts and requires an external id."""
    for s in policy["Statement"]:
        if s["Effect"] != "Allow":
            continue
        if "NotPrincipal" in s:
            return "fail"
        principal = s["Principal"]
        ids = ["*"] if principal == "*" else _list(principal.get("AWS", []))
        if any(i == "*" for i in ids):
            return "fail"
        ext = s.get("Condition", {}).get("StringEquals", {}).get("sts:ExternalId")
        if not ext or any("*" in v or "?" in v or not v.strip() for v in _list(ext)):
            return "fail"
    return "pass"


def reference_verdict(kind: str, policy: dict[str, Any]) -> str:
    """"fail", "pass" or "either" (not decided by the reference)."""
    if kind == "trust":
        return trust_verdict(policy)
    granted = reference_grants(policy)
    if any(LEVEL[a] not in READS for a in granted):
        return "fail"
    if any(not _exempt(a, c) for a in granted for c in CATEGORIES.get(a, set()) & FORBIDDEN):
        return "fail"
    if any(s["Effect"] == "Allow" and "NotAction" in s for s in policy["Statement"]):
        return "either"  # NotAction also grants what AWS adds later: IAM102 judges the construct
    if all(all(_exempt(a, c) for c in CATEGORIES.get(a, set())) for a in granted):
        return "pass"  # no sensitive category left after the profile's exceptions (ce:* for cost)
    return "either"  # customer-data reads: scoping is IAM302's business


# --- the generator -----------------------------------------------------------------------------

ALLOW_RESOURCES = ["*", "arn:aws:s3:::cur-bucket", "arn:aws:s3:::cur-bucket/reports/*",
                   "arn:aws:logs:us-east-1:111122223333:log-group:/aws/bedrock:*",
                   "arn:aws:ce:us-east-1:111122223333:anomalymonitor/*"]
# a narrowed Deny names resources no Allow uses: neither side may remove anything with it
DENY_RESOURCES = ["arn:aws:s3:::other-bucket/*", "arn:aws:dynamodb:us-east-1:999999999999:table/other"]
CONDITIONS = [
    {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringLike": {"s3:prefix": ["reports/*"]}},
    {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
]


@st.composite
def action_pattern(draw: st.DrawFn) -> str:
    pool = draw(st.sampled_from(["safe", "safe", "safe", "write", "forbidden", "any"]))
    names = {"safe": SAFE_NAMES, "write": WRITE_NAMES, "forbidden": FORBIDDEN_READS, "any": NAMES}[pool]
    name = draw(st.sampled_from(names))
    service, op = name.split(":", 1)
    shape = draw(st.sampled_from(["name", "name", "name", "prefix", "suffix", "qmark", "service", "star", "case"]))
    if shape == "prefix":
        return f"{service}:{op[:draw(st.integers(1, max(1, len(op) - 1)))]}*"
    if shape == "suffix":
        return f"{service}:*{op[-draw(st.integers(2, max(2, len(op)))):]}"
    if shape == "qmark":
        i = draw(st.integers(0, len(op) - 1))
        return f"{service}:{op[:i]}?{op[i + 1:]}"
    if shape == "service":
        return f"{service}:*"
    if shape == "star":
        return draw(st.sampled_from(["*", "*:*"]))
    if shape == "case":
        return draw(st.sampled_from([name.lower(), name.upper(), service + ":" + op.swapcase()]))
    return name


@st.composite
def identity_statement(draw: st.DrawFn, index: int) -> dict[str, Any]:
    effect = draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))
    stmt: dict[str, Any] = {"Sid": f"S{index}", "Effect": effect}
    actions = draw(st.lists(action_pattern(), min_size=1, max_size=4, unique=True))
    stmt["NotAction" if draw(st.integers(0, 9)) == 0 else "Action"] = actions if len(actions) > 1 else actions[0]
    if effect == "Deny":
        narrowed = draw(st.booleans())
        stmt["Resource"] = draw(st.sampled_from(DENY_RESOURCES)) if narrowed else "*"
        if draw(st.integers(0, 2)) == 0:
            stmt["Condition"] = draw(st.sampled_from(CONDITIONS))
        return stmt
    if draw(st.integers(0, 7)) == 0:
        stmt["NotResource"] = draw(st.sampled_from(ALLOW_RESOURCES[1:]))
    else:
        stmt["Resource"] = draw(st.lists(st.sampled_from(ALLOW_RESOURCES), min_size=1, max_size=2, unique=True))
    if draw(st.integers(0, 3)) == 0:
        stmt["Condition"] = draw(st.sampled_from(CONDITIONS))
    return stmt


@st.composite
def trust_statement(draw: st.DrawFn, index: int) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Sid": f"T{index}", "Effect": "Allow", "Action": "sts:AssumeRole"}
    who = draw(st.sampled_from(["account", "account", "root-arn", "star", "aws-star", "not-principal"]))
    principal: Any = {"account": {"AWS": "111122223333"},
                      "root-arn": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
                      "star": "*", "aws-star": {"AWS": "*"}, "not-principal": {"AWS": "arn:aws:iam::111122223333:root"}}[who]
    stmt["NotPrincipal" if who == "not-principal" else "Principal"] = principal
    condition = draw(st.sampled_from(["external-id", "external-id", "none", "wildcard-id", "other"]))
    if condition == "external-id":
        stmt["Condition"] = {"StringEquals": {"sts:ExternalId": "c0ffee-tenant-42"}}
    elif condition == "wildcard-id":
        stmt["Condition"] = {"StringLike": {"sts:ExternalId": "*"}}
    elif condition == "other":
        stmt["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return stmt


@st.composite
def policy(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(["identity", "identity", "identity", "trust"]))
    n = draw(st.integers(1, 4))
    make = trust_statement if kind == "trust" else identity_statement
    statements = [draw(make(i)) for i in range(n)]
    return kind, {"Version": "2012-10-17", "Statement": statements}


# --- running the gate --------------------------------------------------------------------------


def gate(form: str, kind: str, doc: dict[str, Any]) -> tuple[bool, list[tuple[str, str]]]:
    with tempfile.TemporaryDirectory(prefix="cp-fail-closed-") as d:
        policy_forms.render(form, [("p", kind, doc)], Path(d))
        report = check([d], Settings())
        assert report.load.documents, "the gate found no policy"
        return report.passed, sorted((f.rule_id, f.message[:300]) for f in report.failing)


def judge(form: str, kind: str, doc: dict[str, Any]) -> None:
    expected = reference_verdict(kind, doc)
    passed, failing = gate(form, kind, doc)
    shown = json.dumps(doc, indent=1)
    if expected == "fail":
        assert not passed, f"FALSE PASS ({form}): the reference finds a write, forbidden read or unsafe trust\n{shown}"
    elif expected == "pass":
        assert passed, f"the reference proves this read-only but the gate fails it ({form}): {failing}\n{shown}"


def _settings(examples: int) -> Any:
    return settings(max_examples=examples, deadline=None, derandomize=IN_CI, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_settings(JSON_EXAMPLES)
@given(policy())
def test_json_policies_fail_closed(case: tuple[str, dict[str, Any]]) -> None:
    kind, doc = case
    judge("json", kind, doc)


@_settings(TERRAFORM_EXAMPLES)
@given(policy(), st.sampled_from(["jsonencode", "policy_document"]))
def test_terraform_policies_fail_closed(case: tuple[str, dict[str, Any]], form: str) -> None:
    kind, doc = case
    judge(form, kind, doc)


# --- the reference itself must be able to fail -------------------------------------------------


@pytest.mark.parametrize(("kind", "doc", "expected"), [
    ("identity", {"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}, "pass"),
    ("identity", {"Statement": [{"Effect": "Allow", "Action": "s3:Put*", "Resource": "*"}]}, "fail"),
    ("identity", {"Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]}, "fail"),
    ("identity", {"Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]},
     "fail"),
    ("identity", {"Statement": [{"Effect": "Allow", "Action": "ce:GetCostAndUsage", "Resource": "*"}]}, "pass"),
    ("identity", {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}, "either"),
    ("identity", {"Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:ListBucket"], "Resource": "*"},
                                {"Effect": "Deny", "Action": "s3:Put*", "Resource": "*"}]}, "pass"),
    ("identity", {"Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"},
                                {"Effect": "Deny", "Action": "s3:Put*", "Resource": "*",
                                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}, "fail"),
    ("identity", {"Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"},
                                {"Effect": "Deny", "Action": "s3:Put*", "NotResource": "arn:aws:s3:::x/*"}]}, "fail"),
    ("trust", {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "111122223333"},
                              "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]}, "pass"),
    ("trust", {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "111122223333"}}]},
     "fail"),
    ("trust", {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*",
                              "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]}, "fail"),
])
def test_reference_decides_known_cases(kind: str, doc: dict[str, Any], expected: str) -> None:
    assert reference_verdict(kind, doc) == expected
    if expected != "either":
        judge("json", kind, {"Version": "2012-10-17", **doc})
