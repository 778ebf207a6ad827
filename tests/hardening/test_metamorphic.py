"""Metamorphic tests: the form a policy is written in, and the order of what it lists, change nothing.

The same policies (generated as in ``test_fail_closed.py``: real actions, wildcards, NotAction,
NotResource, Deny, conditions, trust principals) are rendered as JSON files, ``jsonencode``,
heredoc, ``file()``, ``templatefile()``, ``data "aws_iam_policy_document"`` and a hand-written
``terraform show -json`` plan (``policy_forms.py``). For every form the gate must give the same
grants per policy (``checker.api.explain``) and the same verdict: pass or fail, and for each rule
the actions its findings name. Reordering statements, actions, resources, files and blocks must
not change either.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import policy_forms
from test_fail_closed import identity_statement, trust_statement

from checker.api import check, explain
from checker.settings import Settings

IN_CI = os.environ.get("CI") == "true"
Policies = list[tuple[str, str, dict[str, Any]]]


@st.composite
def policy_set(draw: st.DrawFn) -> Policies:
    out: Policies = []
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["identity", "identity", "trust"]))
        make = trust_statement if kind == "trust" else identity_statement
        statements = [draw(make(j)) for j in range(draw(st.integers(1, 3)))]
        out.append((f"p{i}", kind, {"Version": "2012-10-17", "Statement": statements}))
    return out


def _name(file: str, address: str) -> str:
    if address.endswith(".json"):
        return Path(address).stem
    return address.split(".")[1]  # aws_iam_policy.p0, aws_iam_role.p1.assume_role_policy


Observed = tuple[dict[tuple[str, str], dict[str, list[str]]], bool, dict[str, frozenset[str]]]


def observe(root: Path) -> Observed:
    """Grants per (policy name, kind), whether the gate passes, and each rule's actions."""
    entries, load = explain([root], Settings())
    assert not load.errors, load.errors
    grants: dict[tuple[str, str], dict[str, list[str]]] = {}
    for e in entries:
        key = (_name(e.document.file, e.document.address), e.document.kind.value)
        assert key not in grants, key
        grants[key] = {level: sorted(actions) for level, actions in e.grants.items()}
    report = check([root], Settings())
    by_rule: dict[str, set[str]] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule_id, set()).update(f.actions)
    return grants, report.passed, {k: frozenset(v) for k, v in by_rule.items()}


def observe_form(form: str, policies: Policies, split_files: list[str] | None = None) -> Observed:
    with tempfile.TemporaryDirectory(prefix=f"cp-meta-{form}-") as d:
        root = Path(d)
        policy_forms.render(form, policies, root)
        if split_files is not None:
            # one resource per file, in files whose lexical order is not the policies' order
            text = (root / "main.tf").read_text(encoding="utf-8")
            (root / "main.tf").unlink()
            chunks = ["resource" + c if i else c for i, c in enumerate(text.split("\nresource"))]
            chunks = [c for c in chunks if c.strip()]
            assert len(chunks) == len(split_files), (len(chunks), split_files)
            for name, chunk in zip(split_files, chunks, strict=True):
                (root / name).write_text(chunk + "\n", encoding="utf-8")
        return observe(root)


def _shuffled(policies: Policies, rng: random.Random) -> Policies:
    out: Policies = []
    for name, kind, doc in policies:
        statements = []
        for s in doc["Statement"]:
            s = dict(s)
            for key in ("Action", "NotAction", "Resource", "NotResource"):
                if isinstance(s.get(key), list):
                    s[key] = list(reversed(s[key]))
            items = list(s.items())
            rng.shuffle(items)  # key order inside a statement
            statements.append(dict(items))
        rng.shuffle(statements)
        out.append((name, kind, {"Statement": statements, "Version": doc["Version"]}))
    rng.shuffle(out)
    return out


def _settings(examples: int) -> Any:
    return settings(max_examples=examples, deadline=None, derandomize=IN_CI, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_settings(12)
@given(policy_set())
def test_every_form_gives_the_same_grants_and_verdict(policies: Policies) -> None:
    expected = observe_form("json", policies)
    assert expected[0], "nothing was explained"
    for form in policy_forms.FORMS[1:]:
        got = observe_form(form, policies)
        assert got[0] == expected[0], f"grants differ between json and {form}"
        assert got[1:] == expected[1:], f"verdict differs between json and {form}: {got[1:]} != {expected[1:]}"


@_settings(12)
@given(policy_set(), st.randoms(use_true_random=False))
def test_reordering_changes_nothing(policies: Policies, rng: random.Random) -> None:
    expected = observe_form("json", policies)
    shuffled = _shuffled(policies, rng)
    for form in ("json", "jsonencode", "policy_document", "plan"):
        assert observe_form(form, shuffled) == expected, f"reordered {form} differs"
    # files and blocks: one resource per file, named so that the files sort in another order
    names = [f"{chr(ord('z') - i)}_{i}.tf" for i in range(len(shuffled))]
    assert observe_form("jsonencode", shuffled, split_files=names) == expected, "split into files differs"
    assert observe_form("jsonencode", list(reversed(shuffled)), split_files=list(reversed(names))) == expected
