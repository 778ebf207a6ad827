"""The write rule against all 1,645 AWS managed policies.

A policy whose every allowed action (expanded from the catalog, levels corrected by
checker/data/level_corrections.json) is List or Read must give no IAM101 finding; every other policy
must give at least one, naming exactly the actions beyond List/Read. AdministratorAccess and
PowerUserAccess fail; ReadOnlyAccess-style policies pass.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import arn_oracle
import pytest

from checker.analysis.sensitivity import corrected_level
from checker.api import check
from checker.catalog import get_catalog
from checker.settings import Settings

PROFILE = """
name = "write-rule-only"
allowed_levels = ["List", "Read"]
only_listed_rules = true

[rules.IAM101]
enabled = true
"""


@cache
def _on(action: str, resources: tuple[str, ...]) -> bool:
    return arn_oracle.action_on(get_catalog(), action, resources)


def _allowed_beyond_read(doc: dict[str, object]) -> set[str]:
    """A plain reference: expand Allow statements (Action or NotAction), keep the actions a Resource can
    name (tests/arn_oracle.py, from the catalog's details), ignore Denies only when none is
    unconditional on "*" (managed policies with such Denies are checked separately), or when the
    document is larger than AWS accepts for a policy of unknown use (6,144 characters without
    whitespace: as a lone file it would be refused, so its Denies are not in force)."""
    cat = get_catalog()
    oversized = len(json.dumps(doc, separators=(",", ":"), ensure_ascii=False)) > 6_144
    statements = doc["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    assert isinstance(statements, list)
    granted: set[str] = set()
    denied: set[str] = set()
    for st in statements:
        actions = st.get("Action", st.get("NotAction", []))
        actions = [actions] if isinstance(actions, str) else actions
        expanded = set(cat.expand_many(actions))
        if "NotAction" in st:
            expanded = set(cat.actions()) - expanded
        if st["Effect"] == "Allow":
            resources = st.get("Resource")
            resources = [resources] if isinstance(resources, str) else resources
            if "NotResource" not in st and resources is not None and "*" not in resources:
                expanded = {a for a in expanded if corrected_level(a) not in ("List", "Read")
                            and _on(a, tuple(sorted(resources)))}
            granted |= expanded
        elif "Condition" not in st and st.get("Resource") in ("*", ["*"]) and not oversized:
            denied |= expanded
    return {a for a in granted - denied if corrected_level(a) not in ("List", "Read")}


@pytest.fixture(scope="module")
def managed(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    data = json.loads((shared_data / "aws-managed-policies.json").read_text(encoding="utf-8"))
    root = tmp_path_factory.mktemp("managed")
    expected: dict[str, set[str]] = {}
    for pol in data["policies"]:
        (root / f"{pol['name']}.json").write_text(json.dumps(pol["document"], indent=1), encoding="utf-8")
        expected[f"{pol['name']}.json"] = _allowed_beyond_read(pol["document"])
    (root / "profile.toml").write_text(PROFILE, encoding="utf-8")
    report = check([root], Settings(profile=str(root / "profile.toml")))
    got: dict[str, set[str]] = {name: set() for name in expected}
    for f in report.findings:
        assert f.rule_id == "IAM101", f
        got[Path(f.file).name] |= set(f.actions)
    return expected, got


def test_every_managed_policy_matches_the_reference(managed: tuple[dict[str, set[str]], dict[str, set[str]]]) -> None:
    expected, got = managed
    wrong = {name: (sorted(expected[name] ^ got[name])[:5]) for name in expected if expected[name] != got[name]}
    assert not wrong, f"{len(wrong)} policies differ from the reference, e.g. {dict(list(wrong.items())[:5])}"
    assert sum(1 for v in expected.values() if not v) > 200  # plenty of read-only policies to pass


def test_known_policies(managed: tuple[dict[str, set[str]], dict[str, set[str]]]) -> None:
    _expected, got = managed
    for name in ("AWSBillingReadOnlyAccess", "AmazonS3ReadOnlyAccess", "IAMReadOnlyAccess",
                 "CloudWatchReadOnlyAccess", "AmazonEC2ReadOnlyAccess"):
        assert got[f"{name}.json"] == set(), name
    # AWS's own ReadOnlyAccess is not read-only by the catalog's levels: its wildcards reach actions
    # AWS labels Write (a refresh-token exchange, an S3 Express session).
    assert {"cognito-idp:GetTokensFromRefreshToken", "s3express:CreateSession"} <= got["ReadOnlyAccess.json"]
    assert {"iam:CreateUser", "s3:DeleteBucket", "ec2:RunInstances"} <= got["AdministratorAccess.json"]
    assert "ec2:RunInstances" in got["PowerUserAccess.json"]
    assert "iam:CreateUser" not in got["PowerUserAccess.json"]  # its NotAction excludes iam:*
