"""Every rule's YAML cases (tests/rules/<ID>.yaml), and the rule catalogue's metadata."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.api import check
from checker.engine.registry import all_rules, find_rule
from checker.engine.rule import DOC_SECTIONS
from checker.settings import load_settings

CASES_DIR = Path(__file__).parent / "rules"


def _cases() -> list[Any]:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, case in data["cases"].items():
            out.append(pytest.param(data["rule"], name, case, id=f"{path.stem}::{name}"))
    return out


def _write_case(tmp_path: Path, case: dict[str, Any]) -> Path:
    files = case.get("files")
    if files:
        for rel, content in files.items():
            p = tmp_path / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8")
        return tmp_path
    p = tmp_path / case.get("file", "policy.json")
    if "json" in case:
        p.write_text(case["json"], encoding="utf-8")
    else:
        p.write_text(json.dumps(case["policy"], indent=2), encoding="utf-8")
    return p


@pytest.mark.parametrize(("rule_id", "name", "case"), _cases())
def test_rule_case(rule_id: str, name: str, case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = _write_case(tmp_path, case)
    scanned = [target.relative_to(tmp_path) if target != tmp_path else Path(".")]
    # A case's own .check-permissions.toml (in `files:`) is its configuration; no other is read.
    cfg = tmp_path / ".check-permissions.toml"
    settings = load_settings(scanned, config=cfg if cfg.is_file() else None, no_config=not cfg.is_file(),
                             profile=case.get("profile", "read-only"))
    report = check(scanned, settings)
    got = [f for f in report.findings if f.rule_id == rule_id]
    if name.startswith("pass_"):
        assert got == [], f"{rule_id} fired on a pass case: {[f.message for f in got]}"
        return
    assert name.startswith("fail_"), f"case names start with pass_ or fail_: {name}"
    expected = case["expect"]
    rule = find_rule(rule_id)
    assert rule is not None
    assert len(got) == len(expected), f"expected {expected}, got {[(f.path, f.line, f.message) for f in got]}"
    for exp, f in zip(expected, sorted(got, key=lambda f: (f.line, f.path)), strict=True):
        assert f.path == exp["path"], (f.path, f.message)
        if "line" in exp:
            assert f.line == exp["line"], (f.line, f.message)
        if "file" in exp:
            assert f.file == exp["file"]
        assert f.severity.value == exp.get("severity", rule.severity.value), f.message
        if "actions" in exp:
            assert list(f.actions) == exp["actions"]
        if "action_lines" in exp:  # a finding grouping actions of several lines: each action's line
            assert dict(zip(f.actions, f.lines_of(f.actions), strict=True)) == exp["action_lines"]
        for a in exp.get("actions_include", []):
            assert a in f.actions, (a, f.actions[:20])
        for a in exp.get("actions_exclude", []):
            assert a not in f.actions, a
        if "message" in exp:
            assert re.search(exp["message"], f.message), f.message


def test_every_rule_has_metadata_docs_and_cases() -> None:
    rules = all_rules()
    assert rules, "no rules found"
    for cls in rules:
        assert re.fullmatch(r"IAM\d{3}", cls.id), cls.id
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", cls.name), cls.name
        doc = cls.doc()
        assert doc.splitlines()[0].strip() == cls.title() and cls.title(), cls.id
        for section in DOC_SECTIONS:
            assert section in doc, f"{cls.id} doc lacks {section!r}"
        assert "Use instead" in doc, cls.id
        path = CASES_DIR / f"{cls.id}.yaml"
        assert path.is_file(), f"{cls.id} has no YAML cases at {path}"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["rule"] == cls.id
        names = list(data["cases"])
        assert any(n.startswith("pass_") for n in names), f"{cls.id} has no pass_ case"
        assert any(n.startswith("fail_") for n in names), f"{cls.id} has no fail_ case"


def test_rule_files_are_named_after_their_rule() -> None:
    from checker.engine.registry import rules_dir

    for cls in all_rules():
        module_file = Path(__import__(cls.__module__, fromlist=["_"]).__file__ or "")
        assert module_file.parent == rules_dir()
        assert module_file.stem == f"{cls.id.lower()}_{cls.name.replace('-', '_')}", module_file.name


def test_engine_emitted_rules_are_marked_and_only_those() -> None:
    """The rules the engine reports itself are the ids the engine uses, and say so; an EngineRule is
    never run on a document (a check() call would raise NotImplementedError: the internal-error finding)."""
    from checker.engine import suppressions
    from checker.engine.profiles import load_profile
    from checker.engine.rule import EngineRule
    from checker.engine.runner import PARSE_RULE_ID, enabled_rules

    marked = {cls.id for cls in all_rules() if cls.emitted_by_engine}
    assert marked == {PARSE_RULE_ID, suppressions.UNUSED_ID, suppressions.INVALID_ID, suppressions.EXPIRED_ID}
    engine_only = {cls.id for cls in all_rules() if issubclass(cls, EngineRule)}
    assert engine_only == {"IAM010", "IAM011", "IAM012"}
    run = {type(r).id for r in enabled_rules(load_profile("audit"))}
    assert PARSE_RULE_ID in run and not run & engine_only
    for rule_id in engine_only:
        cls = find_rule(rule_id)
        assert cls is not None and cls.check is EngineRule.check and not cls.kinds


def test_each_parliament_issue_belongs_to_one_lint_rule() -> None:
    """IAM510-IAM520 hold only metadata: each owns a disjoint set of parliament's issue codes."""
    from checker.rules._parliament import ParliamentRule

    lint = [cls for cls in all_rules() if issubclass(cls, ParliamentRule)]
    assert [cls.id for cls in lint] == [f"IAM5{n}" for n in range(10, 21) if n != 15]
    owner: dict[str, str] = {}
    for cls in lint:
        assert cls.issues and cls.check is ParliamentRule.check, cls.id
        for issue in cls.issues:
            assert issue not in owner, f"{issue} owned by {owner[issue]} and {cls.id}"
            owner[issue] = cls.id
