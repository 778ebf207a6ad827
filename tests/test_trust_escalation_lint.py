"""Trust, escalation, size and lint rules beyond the YAML cases: the escalation data, exact size limits, and the parliament
adapter (lazy import, one run per document, nothing written, lines mapped back to the model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checker.analysis.escalation import escalations, matches
from checker.api import check
from checker.catalog import get_catalog
from checker.settings import Settings
from checker.sources.json_policy import load_json_text

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "checker" / "data" / "privilege_escalation.json"


# --- privilege_escalation.json ---------------------------------------------------------------------


def test_every_escalation_entry_names_catalog_actions_and_a_source() -> None:
    cat = get_catalog()
    entries = escalations()
    assert len(entries) >= 60
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    for e in entries:
        for a in e.actions:
            info = cat.get(a)
            assert info is not None, f"{e.id}: {a} is not in the catalog"
            assert info.name == a, f"{e.id}: spell {a} as the catalog does ({info.name})"
        assert e.sources and all(s.startswith("https://") for s in e.sources), e.id
        assert e.description, e.id


def test_escalation_data_covers_policy_sentry_list() -> None:
    import policy_sentry

    listed = Path(policy_sentry.__file__).parent / "shared" / "data" / "audit" / "privilege-escalation.txt"
    covered = {a.lower() for e in escalations() for a in e.actions}
    missing = [a for a in listed.read_text().split() if a.lower() not in covered]
    # CodeStar's CreateProjectFromTemplate no longer exists in AWS (the file's "about" says so).
    assert missing == ["codestar:CreateProjectFromTemplate"]
    assert "CreateProjectFromTemplate" in json.loads(DATA.read_text())["about"]


def test_matches_keeps_only_minimal_combinations() -> None:
    found = {e.id for e in matches({"iam:passrole", "lambda:createfunction", "lambda:invokefunction"}, set())}
    assert found == {"PassExistingRoleToNewLambda"}
    assert {e.id for e in matches({"sts:assumerole"}, set())} == set()
    assert {e.id for e in matches({"sts:assumerole"}, {"sts:assumerole"})} == {"AssumeAnyRole"}


# --- policy size at the exact limits ---------------------------------------------------------------


def _padded(size: int, *, trust: bool = False) -> dict[str, Any]:
    """A policy of exactly ``size`` characters without whitespace (a padded Sid carries the rest)."""
    stmt: dict[str, Any] = (
        {"Sid": "", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        if trust else {"Sid": "", "Effect": "Allow", "Action": "ce:GetCostAndUsage", "Resource": "*"})
    doc = {"Version": "2012-10-17", "Statement": [stmt]}
    base = len(json.dumps(doc, separators=(",", ":")))
    stmt["Sid"] = "A" * (size - base)
    assert len(json.dumps(doc, separators=(",", ":"))) == size
    return doc


@pytest.mark.parametrize(("size", "trust", "fails"), [
    (6144, False, False), (6145, False, True), (2048, True, False), (2049, True, True),
])
def test_size_limits_are_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, trust: bool,
                               fails: bool) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.json").write_text(json.dumps(_padded(size, trust=trust), indent=4))  # whitespace is not counted
    got = [f for f in check(["p.json"], Settings()).findings if f.rule_id == "IAM501"]
    assert [(f.line, f.severity.value) for f in got] == ([(1, "error")] if fails else [])
    if fails:
        assert f"{size:,} characters" in got[0].message


# --- the parliament adapter ------------------------------------------------------------------------


def _run(code: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env,
                         timeout=120, check=True)
    return out.stdout + out.stderr


def test_read_only_gate_never_imports_parliament(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    out = _run("import sys; from checker.api import check; from checker.settings import Settings; check(['p.json'], Settings()); "
               "print('parliament' in sys.modules, 'pkg_resources' in sys.modules)", tmp_path)
    assert out.strip().splitlines()[-1] == "False False"


def test_parliament_import_is_quiet_leaves_no_shim_and_writes_nothing(tmp_path: Path) -> None:
    log = Path("/tmp/parliament.log")
    before = log.stat().st_mtime_ns if log.exists() else None
    (tmp_path / "p.json").write_text(json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    out = _run("import sys; from checker.api import check; from checker.settings import Settings; "
               "r = check(['p.json'], Settings(profile='audit')); "
               "print(sorted({f.rule_id for f in r.findings if f.rule_id.startswith('IAM5')})); "
               "print('parliament' in sys.modules, 'pkg_resources' in sys.modules)", tmp_path)
    lines = out.strip().splitlines()
    assert lines[-2:] == ["['IAM519']", "True False"], out  # no warnings printed either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]
    after = log.stat().st_mtime_ns if log.exists() else None
    assert after == before


def test_parliament_runs_once_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.analysis import lint as parliament_lint

    parliament = parliament_lint.parliament_module()
    calls: list[str] = []
    real = parliament.analyze_policy_string

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(parliament, "analyze_policy_string", counting)
    monkeypatch.setattr(parliament_lint, "_CACHE", type(parliament_lint._CACHE)())
    doc = load_json_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b", "bad-arn"]}]}), "p.json").documents[0]
    first = parliament_lint.lint(doc, get_catalog())
    second = parliament_lint.lint(doc, get_catalog())
    assert first is second
    assert len(calls) == 1
    assert {i.issue for i in first} == {"INVALID_ARN"}


def test_not_action_never_produces_a_parliament_finding() -> None:
    from checker.analysis.lint import lint

    doc = load_json_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": ["s3:*", "ec2:RunInstances", "iam:*"],
         "Resource": "arn:aws:s3:::bucket",
         "Condition": {"StringEquals": {"s3:prefix": "x", "ec2:InstanceType": "t3.micro"}}}]}), "p.json").documents[0]
    assert lint(doc, get_catalog()) == ()


def test_emitted_lines_map_to_model_paths() -> None:
    from checker.analysis.lint import _document_node, _emit, parliament_module

    doc = load_json_text(json.dumps({"Version": "2012-10-17", "Statement": {
        "Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/*", "*"],
        "Condition": {"Bool": {"aws:SecureTransport": ["true"]}, "StringLike": {"s3:prefix": ["a", "b"]}}}}),
        "p.json").documents[0]
    emitted = _emit(_document_node(doc, parliament_module()))
    json.loads(emitted.text)  # valid JSON
    by_line = dict(zip(emitted.text.splitlines(), emitted.paths, strict=True))
    assert by_line['      "Effect": "Allow",'] == "Statement/0/Effect"
    assert by_line['        "arn:aws:s3:::b/*",'] == "Statement/0/Resource/0"
    assert by_line['        "*"'] == "Statement/0/Resource/1"
    assert by_line['          "aws:SecureTransport": "true"'] == "Statement/0/Condition/Bool/aws:SecureTransport"
    assert '"Sid"' not in emitted.text  # Sids are checked by the adapter, not parliament


# --- trust policies: properties (hypothesis) ----------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

GH = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
TRUST_STATEMENTS: list[dict[str, Any]] = [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"sts:ExternalId": "tenant-1"}}},
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
    {"Effect": "Allow", "Principal": {"Federated": GH}, "Action": "sts:AssumeRoleWithWebIdentity",
     "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                    "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}},
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/x"}, "Action": "sts:AssumeRole"},
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"sts:ExternalId": "x"}}},
    {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"},
    {"Effect": "Allow", "Principal": {"Federated": GH}, "Action": "sts:AssumeRoleWithWebIdentity",
     "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}},
    {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
     "Action": "sts:AssumeRoleWithSAML"},
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::*:root"}, "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"sts:ExternalId": "x"}}},
]
PROPS = settings(max_examples=20, deadline=None, derandomize=True, database=None)


def _trust_verdict(statements: list[dict[str, Any]], where: Path) -> tuple[bool, frozenset[str]]:
    (where / "trust.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    report = check([where / "trust.json"], Settings())
    failing = frozenset(f.rule_id for f in report.findings if f.severity.value == "error")
    return bool(failing), failing


@PROPS
@given(statements=st.lists(st.sampled_from(TRUST_STATEMENTS), min_size=1, max_size=4),
       added=st.sampled_from(TRUST_STATEMENTS), rnd=st.randoms(use_true_random=False))
def test_trust_verdict_is_monotonic_and_order_free(statements: list[dict[str, Any]], added: dict[str, Any],
                                                  rnd: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    where = tmp_path_factory.mktemp("trust")
    fails, rules = _trust_verdict(statements, where)
    shuffled = list(statements)
    rnd.shuffle(shuffled)
    assert _trust_verdict(shuffled, where) == (fails, rules)
    if fails:
        for position in (0, len(statements)):
            grown = [*statements[:position], added, *statements[position:]]
            more_fails, more_rules = _trust_verdict(grown, where)
            assert more_fails and rules <= more_rules


def test_trust_pool_good_statements_pass_and_each_bad_one_fails(tmp_path: Path) -> None:
    assert _trust_verdict(TRUST_STATEMENTS[:3], tmp_path) == (False, frozenset())
    expected = {3: {"IAM401"}, 4: {"IAM402"}, 5: {"IAM403"}, 6: {"IAM404"}, 7: {"IAM405"}, 8: {"IAM402"}}
    for i, rules in expected.items():
        assert _trust_verdict([*TRUST_STATEMENTS[:3], TRUST_STATEMENTS[i]], tmp_path) == (True, frozenset(rules)), i
