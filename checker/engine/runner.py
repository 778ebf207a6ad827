"""Runs every enabled rule over every document and turns violations into findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from checker.engine.findings import Finding, Severity
from checker.engine.registry import find_rule, load_rule, rule_ids
from checker.engine.rule import EngineRule, Rule, RuleContext, Violation
from checker.model import LoadResult, PolicyDocument, Statement

if TYPE_CHECKING:
    from checker.catalog import Catalog
    from checker.engine.profiles import Profile

PARSE_RULE_ID = "IAM001"


def enabled_rules(profile: Profile) -> list[Rule]:
    """The profile's rules that judge documents, in id order; only their modules are imported.
    An EngineRule is left out: the engine makes its findings after the rules have run."""
    classes = [load_rule(rule_id) for rule_id in rule_ids() if profile.rule_enabled(rule_id)]
    return [cls() for cls in classes if not issubclass(cls, EngineRule)]


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
    assert parse_rule is not None and parse_rule.emitted_by_engine
    # Files that could not be read at all: the parse rule cannot be switched off for them.
    for err in load.errors:
        findings.append(_finding(parse_rule, Severity.ERROR, err.file, err.line, err.line, err.file, "",
                                 err.message, ()))
    for done, doc in enumerate(load.documents):
        if progress is not None:
            progress("check", done, len(load.documents))
        findings.extend(_check_document(doc, active, ctx, profile))
    return one_per_statement(sorted_unique(findings))


def one_per_statement(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and written statement: a statement written once and rendered in several
    documents (a Terraform policy document used by two resources, or by each instance of a
    ``count``/``for_each``, a module called twice) gives the same finding (rule, file, lines,
    actions, message) at several addresses. The first address is kept (its fingerprint), and the
    message names the others (three, then how many more). ``findings`` are sorted
    (:func:`sorted_unique`); so is the result."""
    out: list[Finding] = []
    groups: dict[tuple[Any, ...], list[int]] = {}
    for f in findings:
        key = (f.rule_id, f.file, f.line, f.end_line, f.actions, f.action_lines, f.message, f.severity)
        at = groups.setdefault(key, [])
        at.append(len(out))
        out.append(f)
    keep: list[Finding | None] = list(out)
    for indexes in groups.values():
        addresses = sorted({out[i].address for i in indexes})
        if len(addresses) < 2:
            continue
        first = out[indexes[0]]
        for i in indexes[1:]:
            keep[i] = None
        more = addresses[1:]
        also = ", ".join(more[:3]) + (f" and {len(more) - 3} more" if len(more) > 3 else "")
        keep[indexes[0]] = dataclasses.replace(
            first, message=f"{first.message} (also used by {also})")
    return [f for f in keep if f is not None]


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
        # Violations with actions: one finding per file and statement, listing all their actions.
        groups: dict[tuple[str, str], list[_Placed]] = {}
        for v in violations:
            if v.line is not None:
                line, end = v.line, v.line
            else:
                line, end = doc.locate(v.path)
            severity = v.severity if v.severity is not None else default
            file = v.file or doc.file_of(v.path)
            if v.actions:
                groups.setdefault((file, statement_path(v.path)), []).append((v, severity, line, end))
            else:
                out.append(_finding(cls, severity, file, line, end, doc.address, v.path, v.message, ()))
        for (file, path), placed in groups.items():
            out.append(_grouped(rule, doc, ctx, file, path, placed))
    return out


# A violation with its severity and source lines.
_Placed = tuple[Violation, Severity, int, int]


def statement_path(path: str) -> str:
    """The statement a model path lies in (``Statement/3/Action/0`` -> ``Statement/3``); a path
    outside the statements is its own group."""
    if path.startswith("Statement/"):
        head = path[len("Statement/"):].partition("/")[0]
        if head.isdigit():
            return f"Statement/{head}"
    return path


def _grouped(rule: Rule, doc: PolicyDocument, ctx: RuleContext, file: str, path: str,
             placed: list[_Placed]) -> Finding:
    """One finding of ``rule`` for the violations ``placed`` in one statement: every action of
    theirs (sorted when there are several violations), the highest severity, the statement's path (the fingerprint stays when the
    statement grants more or less). Its line is the violations' line when they share one, else
    the statement's, with each action's line kept for suppressions."""
    cls = type(rule)
    severity = max((s for _, s, _, _ in placed), key=lambda s: s.rank)
    placed.sort(key=lambda p: (p[2], _path_key(p[0].path)))  # as written in the policy, whatever the rule's order
    if len(placed) == 1:
        v, _, line, end = placed[0]
        actions = tuple(dict.fromkeys(v.actions))  # the rule's order (a privilege escalation's is meaningful)
        return _finding(cls, severity, file, line, end, doc.address, path, v.message, actions)
    line_of: dict[str, int] = {}
    for v, _, line, _ in placed:
        for a in v.actions:
            if line_of.get(a, line) >= line:
                line_of[a] = line
    actions = tuple(sorted(line_of))
    lines = {line for _, _, line, _ in placed}
    action_lines: tuple[int, ...] = ()
    if len(lines) == 1:
        line, end = placed[0][2], max(e for _, _, _, e in placed)
    else:
        if file == doc.file_of(path):
            line, end = doc.locate(path)
        else:  # the values came from another file than the statement's: their own lines
            line, end = min(lines), max(e for _, _, _, e in placed)
        action_lines = tuple(line_of[a] for a in actions)
    stmt = _statement(doc, path)
    message = rule.group_message(stmt, [v for v, _, _, _ in placed], actions, ctx)
    return Finding(cls.id, cls.name, severity, cls.title(), message, file, line, max(end, line), doc.address,
                   path, actions, cls.help_url(), action_lines=action_lines)


def _path_key(path: str) -> tuple[tuple[int, str], ...]:
    """``Statement/0/Action/10`` after ``Statement/0/Action/9``."""
    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in path.split("/"))


def _statement(doc: PolicyDocument, path: str) -> Statement | None:
    head, _, index = path.partition("/")
    if head == "Statement" and index.isdigit():
        for stmt in doc.statements:
            if stmt.index == int(index):
                return stmt
    return None
