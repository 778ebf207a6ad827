"""Runs every enabled rule over every document and turns violations into findings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from checker.engine.findings import Finding, Severity
from checker.engine.registry import find_rule, load_rule, rule_ids
from checker.engine.rule import Rule, RuleContext
from checker.model import LoadResult, PolicyDocument

if TYPE_CHECKING:
    from checker.catalog import Catalog
    from checker.profiles import Profile

PARSE_RULE_ID = "IAM001"


def enabled_rules(profile: Profile) -> list[Rule]:
    """The profile's rules, in id order; only their modules are imported."""
    return [load_rule(rule_id)() for rule_id in rule_ids() if profile.rule_enabled(rule_id)]


def _finding(rule: type[Rule], severity: Severity, doc_file: str, line: int, end_line: int,
             address: str, path: str, message: str, actions: tuple[str, ...]) -> Finding:
    return Finding(rule.id, rule.name, severity, rule.title(), message, doc_file, line, max(end_line, line),
                   address, path, actions, rule.help_url())


def run_rules(load: LoadResult, profile: Profile, catalog: Catalog,
              rules: Sequence[Rule] | None = None, *,
              progress: Callable[[str, int, int], None] | None = None) -> list[Finding]:
    """Findings for everything loaded, sorted by file, line and rule."""
    active = list(rules) if rules is not None else enabled_rules(profile)
    ctx = RuleContext(catalog=catalog, profile=profile, load=load)
    findings: list[Finding] = []
    parse_rule = find_rule(PARSE_RULE_ID)
    assert parse_rule is not None
    # Files that could not be read at all: the parse rule cannot be switched off for them.
    for err in load.errors:
        findings.append(_finding(parse_rule, Severity.ERROR, err.file, err.line, err.line, err.file, "",
                                 err.message, ()))
    for done, doc in enumerate(load.documents):
        if progress is not None:
            progress("check", done, len(load.documents))
        findings.extend(_check_document(doc, active, ctx, profile))
    return sorted_unique(findings)


def sorted_unique(findings: list[Finding]) -> list[Finding]:
    """``sorted(set(findings), key=Finding.sort_key)`` without hashing every finding: equal
    findings have equal keys, so duplicates are looked for only among neighbours with the same
    key. Findings with the same key keep the order they were made in."""
    keys = [f.sort_key() for f in findings]
    out: list[Finding] = []
    last: Any = None
    same_key: list[Finding] = []
    for i in sorted(range(len(findings)), key=keys.__getitem__):
        f, key = findings[i], keys[i]
        if key != last:
            last, same_key = key, [f]
        elif f in same_key:
            continue
        else:
            same_key.append(f)
        out.append(f)
    return out


def _check_document(doc: PolicyDocument, active: Sequence[Rule], ctx: RuleContext,
                    profile: Profile) -> list[Finding]:
    out: list[Finding] = []
    for rule in active:
        if doc.kind not in rule.kinds:
            continue
        cls = type(rule)
        default = profile.rule_severity(cls.id, cls.severity)
        try:
            violations = list(rule.check(doc, ctx))
        except Exception as exc:  # a rule bug must block, never pass silently
            out.append(_finding(cls, Severity.ERROR, doc.file, doc.line, doc.end_line, doc.address, "",
                                f"internal error in rule {cls.id} ({type(exc).__name__}: {exc}); "
                                "the document could not be judged", ()))
            continue
        for v in violations:
            if v.line is not None:
                line, end = v.line, v.line
            else:
                line, end = doc.locate(v.path)
            severity = v.severity if v.severity is not None else default
            out.append(_finding(cls, severity, v.file or doc.file_of(v.path), line, end, doc.address, v.path,
                                v.message, v.actions))
    return out
