"""Suppressions: ``check-permissions:ignore`` comments in source files and exceptions in the config.

A comment ``# check-permissions:ignore IAM101[,IAM003] reason: <text>`` (also ``//`` and a one-line
``/* ... */``) written at the end of a line applies to findings on that line; written on a line of
its own, to findings on the next line that holds code (and on its own line). The reason is
mandatory: a suppression without one does not apply and is reported (IAM011), as is one naming an
unknown rule or a rule that cannot be suppressed (``ignorable = False``). A suppression (or a rule
id in it) that silenced nothing is reported as unused (IAM010, a warning).

Exceptions in the configuration (rule, path glob, address glob, Sid, actions, reason, expires)
apply to findings anywhere, JSON files included. An expired exception stops applying and says so
(IAM012, a warning).

Suppressed findings are kept in :class:`Suppressed` records with their reason; they never count
toward failing. A finding whose actions are only partly covered (an exception listing ``actions``)
stays reported with the uncovered actions only.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from checker.engine.findings import Finding, listed

if TYPE_CHECKING:
    from checker.engine.profiles import Profile
    from checker.engine.rule import Rule
    from checker.model import LoadResult, PolicyDocument
    from checker.settings import ConfigException

UNUSED_ID = "IAM010"
INVALID_ID = "IAM011"
EXPIRED_ID = "IAM012"
DIRECTIVE = "check-permissions:ignore"
# Files whose syntax is HCL: comments are taken from python-hcl2's parse tree.
HCL_SUFFIXES = (".tf", ".tfvars", ".hcl")
# Files that cannot hold comments (JSON): never scanned.
NO_COMMENT_SUFFIXES = (".json",)
# A CloudFormation resource's Metadata key holding suppressions (YAML and JSON templates).
METADATA_KEY = "check-permissions"

_IDS = re.compile(r"\s*(?P<ids>[A-Za-z][A-Za-z0-9_-]*(?:\s*,\s*[A-Za-z][A-Za-z0-9_-]*)*)")
_REASON = re.compile(r"\s*reason\s*:\s*(?P<reason>.*)$", re.IGNORECASE | re.DOTALL)
_LINE_COMMENT = re.compile(r"(#|//|/\*)\s*" + re.escape(DIRECTIVE) + r"(?![\w-])")


class Suppressed(NamedTuple):
    """A finding that was not reported, and why."""

    finding: Finding
    kind: str  # "comment", "exception" or "baseline"
    reason: str
    file: str  # where the suppression is written (source file, config file, baseline file)
    line: int

    def to_dict(self) -> dict[str, Any]:
        out = self.finding.to_dict()
        out["suppressed_by"] = {"kind": self.kind, "reason": self.reason, "file": self.file, "line": self.line}
        return out


@dataclass(slots=True)
class Directive:
    """One ``check-permissions:ignore`` comment."""

    file: str
    line: int
    targets: frozenset[int]
    rules: tuple[str, ...]
    reason: str
    index: int  # n-th directive in its file
    problem: str | None = None  # why it does not apply at all (no reason, bad syntax)
    used: set[str] = field(default_factory=set)


# --- reading comments ----------------------------------------------------------------------------


def _hcl_comments(text: str, file: str) -> tuple[list[tuple[int, str, bool]], set[int]]:
    """Comments of an HCL file as (line, text, trailing) and the set of lines that hold code, from
    python-hcl2's parse tree (:func:`checker.terraform.parser.comments_of`): a directive inside a
    string or a heredoc is not a comment. A file that does not parse holds no directives (its
    syntax error is a finding of its own)."""
    from checker.terraform.errors import TerraformError
    from checker.terraform.parser import comments_of

    try:
        return comments_of(text, file)
    except TerraformError:
        return [], set()


def _plain_comments(text: str) -> tuple[list[tuple[int, str, bool]], set[int]]:
    """Comments of any other text file (templates, tfvars in other syntaxes): found line by line."""
    comments: list[tuple[int, str, bool]] = []
    code: set[int] = set()
    for no, raw in enumerate(text.splitlines(), 1):
        m = _LINE_COMMENT.search(raw)
        before = raw[: m.start()] if m else raw
        if before.strip():
            code.add(no)
        if m:
            comments.append((no, raw[m.start():], bool(before.strip())))
        elif raw.strip() and not raw.lstrip().startswith(("#", "//")):
            code.add(no)
    return comments, code


def _parse_directive(comment: str) -> tuple[tuple[str, ...], str, str | None] | None:
    """(rule ids, reason, problem) of a comment, or None when it holds no directive."""
    body = comment.strip()
    for opener in ("#", "//", "/*"):
        if body.startswith(opener):
            body = body[len(opener):]
            break
    if body.endswith("*/"):
        body = body[:-2]
    body = body.strip()
    if not body.startswith(DIRECTIVE):
        return None
    rest = body[len(DIRECTIVE):]
    if rest and not rest[0].isspace():
        return None  # check-permissions:ignored, check-permissions:ignore-foo ...
    m = _IDS.match(rest)
    if not m or m.group("ids").lower().startswith("reason"):
        return (), "", "names no rule id (write: check-permissions:ignore IAM101 reason: <why>)"
    ids = tuple(x.strip() for x in m.group("ids").split(","))
    tail = rest[m.end():]
    r = _REASON.match(tail)
    if r is None:
        if tail.strip():
            return ids, "", f"expected 'reason: <text>' after the rule ids, found {tail.strip()!r}"
        return ids, "", "has no reason (write: reason: <why>); a suppression without a reason does not apply"
    reason = r.group("reason").strip()
    if not reason:
        return ids, "", "has an empty reason; a suppression without a reason does not apply"
    return ids, reason, None


def scan_directives(text: str, file: str) -> list[Directive]:
    """Every ``check-permissions:ignore`` comment in one file's text, and the ``ignore`` entries of a
    CloudFormation template's resource ``Metadata`` (:mod:`checker.sources.cloudformation.metadata`)."""
    out = _comment_directives(text, file) if not file.endswith(NO_COMMENT_SUFFIXES) else []
    if METADATA_KEY in text:
        from checker.sources.detect import is_template

        if is_template(text):
            from checker.sources.cloudformation.metadata import metadata_ignores

            for m in metadata_ignores(text, file):
                out.append(Directive(file=file, line=m.line, targets=m.targets, rules=m.rules, reason=m.reason,
                                     index=len(out), problem=m.problem))
    return out


def _comment_directives(text: str, file: str) -> list[Directive]:
    if DIRECTIVE not in text:
        return []
    hcl = file.endswith(HCL_SUFFIXES)
    comments, code = _hcl_comments(text, file) if hcl else _plain_comments(text)
    last = text.count("\n") + 1
    out: list[Directive] = []
    for line, comment, trailing in comments:
        parsed = _parse_directive(comment)
        if parsed is None:
            continue
        ids, reason, problem = parsed
        targets = {line}
        if not trailing:
            nxt = line + 1
            while nxt <= last and nxt not in code:
                nxt += 1
            if nxt <= last:
                targets.add(nxt)
        out.append(Directive(file=file, line=line, targets=frozenset(targets), rules=ids, reason=reason,
                             index=len(out), problem=problem))
    return out


@lru_cache(maxsize=512)
def _file_directives(abspath: str, shown: str, mtime_ns: int) -> tuple[Directive, ...]:
    try:
        text = Path(abspath).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    return tuple(scan_directives(text, shown))


def directives_in(file: str) -> list[Directive]:
    """Directives of a file as reports name it (fresh copies: ``used`` is per run)."""
    abspath = os.path.abspath(file)
    try:
        st = os.stat(abspath)
    except OSError:
        return []
    if not stat.S_ISREG(st.st_mode):  # a pipe named like a .tf file: opening it would block
        return []
    return [replace(d, used=set()) for d in _file_directives(abspath, file, st.st_mtime_ns)]


# --- applying ------------------------------------------------------------------------------------


def _rule_lookup() -> Callable[[str], type[Rule] | None]:
    from checker.engine.registry import find_rule

    return find_rule


class _Emitter:
    """Builds the engine's own findings (IAM010-IAM012) with the profile's switches and severities."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.out: list[Finding] = []

    def emit(self, rule_id: str, file: str, line: int, path: str, message: str,
             actions: tuple[str, ...] = ()) -> None:
        cls = _rule_lookup()(rule_id)
        if cls is None or not self.profile.rule_enabled(cls.id):
            return
        severity = self.profile.rule_severity(cls.id, cls.severity)
        self.out.append(Finding(rule_id=cls.id, rule_name=cls.name, severity=severity, title=cls.title(),
                                message=message, file=file, line=line, end_line=line, address=file, path=path,
                                actions=actions, help_url=cls.help_url()))


def _resolve_rule(key: str) -> tuple[str | None, str | None]:
    """(rule id, problem) for a rule named in a suppression."""
    cls = _rule_lookup()(key)
    if cls is None:
        return None, f"names unknown rule {key!r} (see `check-permissions rules`)"
    if not cls.ignorable:
        return None, f"cannot silence {cls.id} {cls.name}: that rule cannot be suppressed (ignorable = False)"
    return cls.id, None


def _statement_sid(docs: dict[tuple[str, str], PolicyDocument], f: Finding) -> str | None:
    doc = docs.get((f.file, f.address))
    if doc is None:  # a finding in another file than its document's (a Terraform local, a template)
        same = [d for (_, address), d in docs.items() if address == f.address]
        doc = same[0] if len(same) == 1 else None
    m = re.match(r"Statement/(\d+)", f.path)
    if doc is None or m is None:
        return None
    idx = int(m.group(1))
    for s in doc.statements:
        if s.index == idx:
            return s.sid
    return None


def _glob_matches(pattern: str, file: str) -> bool:
    """A finding's file against an anchored glob (see :func:`checker.settings.anchor_glob`)."""
    if "/" not in pattern:
        return fnmatch.fnmatchcase(Path(file).name, pattern)
    return fnmatch.fnmatchcase(Path(os.path.abspath(file)).as_posix(), pattern)


def _covered(patterns: Sequence[str], actions: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    from checker.catalog import iam_pattern_matches

    yes = tuple(a for a in actions if any(iam_pattern_matches(p, a) for p in patterns))
    no = tuple(a for a in actions if a not in yes)
    return yes, no


def split_finding(f: Finding, accepted: tuple[str, ...], remaining: tuple[str, ...], note: str) -> tuple[Finding, Finding]:
    """(accepted part, reported part) of a finding whose actions are only partly accepted.

    The reported part keeps the fingerprint and lists only the actions not accepted; its message
    says how many were accepted and why.
    """
    kept = with_actions(f, accepted)
    new = with_actions(f, remaining)
    new = replace(new, message=f"{f.message} (not {note}: {listed(remaining)}; {len(accepted)} other action(s) were)")
    return kept, new


def with_actions(f: Finding, actions: tuple[str, ...]) -> Finding:
    """``f`` reporting only ``actions`` (some of its own), each keeping its source line; when these
    come from one line (of a finding that grouped several), the finding is on that line."""
    if not f.action_lines:
        return replace(f, actions=actions)
    lines = f.lines_of(actions)
    if len(set(lines)) == 1:
        return replace(f, actions=actions, action_lines=(), line=lines[0], end_line=lines[0])
    return replace(f, actions=actions, action_lines=lines)


def _suppress_lines(f: Finding, by_target: dict[tuple[str, int], list[tuple[Directive, dict[str, str]]]],
                     full: str) -> tuple[Finding | None, list[Suppressed]]:
    """The part of ``f`` no comment on its actions' lines covers (None: none is left), and the
    parts those comments suppressed, one per comment."""
    covered: dict[int, list[str]] = {}  # id of the directive -> the actions it covers
    hits: dict[int, Directive] = {}
    for action, line in zip(f.actions, f.action_lines, strict=True):
        for d, ok in by_target.get((full, line), ()):
            if f.rule_id in ok:
                covered.setdefault(id(d), []).append(action)
                hits[id(d)] = d
                break
    if not covered:
        return f, []
    parts: list[Suppressed] = []
    for key, actions in covered.items():
        d = hits[key]
        d.used.add(f.rule_id)
        parts.append(Suppressed(with_actions(f, tuple(actions)), "comment", d.reason, d.file, d.line))
    done = {a for actions in covered.values() for a in actions}
    remaining = tuple(a for a in f.actions if a not in done)
    if not remaining:
        return None, parts
    left = with_actions(f, remaining)
    return replace(left, message=f"{f.message} (not suppressed: {listed(remaining)}; {len(done)} other "
                                 "action(s) were)"), parts


def _lines_text(targets: frozenset[int]) -> str:
    """``line 4 or 5``; a resource's range (CloudFormation Metadata) as ``lines 3-19``."""
    ordered = sorted(targets)
    if len(ordered) > 2 and ordered[-1] - ordered[0] + 1 == len(ordered):
        return f"lines {ordered[0]}-{ordered[-1]}"
    return "line " + " or ".join(str(t) for t in ordered)


def apply_suppressions(findings: Sequence[Finding], load: LoadResult, profile: Profile,
                       exceptions: Sequence[ConfigException] = (), *, today: date | None = None,
                       ) -> tuple[list[Finding], list[Suppressed]]:
    """Apply comment suppressions and config exceptions.

    Returns the findings still reported (including IAM010-IAM012 findings about the suppressions
    themselves) and the suppressed ones.
    """
    from checker.settings import anchor_glob

    today = today or date.today()
    emitter = _Emitter(profile)
    docs = {(d.file, d.address): d for d in load.documents}

    # Comment directives: every scanned file that can hold comments, and every file a finding names.
    files = list(dict.fromkeys([*load.files, *(f.file for f in findings)]))
    directives: dict[str, list[Directive]] = {}
    for file in files:
        ds = directives_in(file)
        if ds:
            directives[os.path.abspath(file)] = ds
    by_target: dict[tuple[str, int], list[tuple[Directive, dict[str, str]]]] = {}
    for ds in directives.values():
        for d in ds:
            if d.problem is not None:
                emitter.emit(INVALID_ID, d.file, d.line, f"comments/{d.index}", f"suppression {d.problem}")
                continue
            ok: dict[str, str] = {}  # rule id -> id as written
            for key in d.rules:
                rid, problem = _resolve_rule(key)
                if rid is None:
                    emitter.emit(INVALID_ID, d.file, d.line, f"comments/{d.index}", f"suppression {problem}")
                else:
                    ok[rid] = key
            if ok:
                for t in d.targets:
                    by_target.setdefault((os.path.abspath(d.file), t), []).append((d, ok))

    # Config exceptions: valid, current ones only.
    active: list[tuple[ConfigException, str, str | None]] = []  # (exception, rule id, anchored path glob)
    exc_used: dict[int, bool] = {}
    for e in exceptions:
        rid, problem = _resolve_rule(e.rule)
        where = f"exceptions/{e.index}"
        if not e.reason:
            problem = "has no reason (add reason = \"...\"); an exception without a reason does not apply"
        elif rid is not None and e.path is None and e.address is None and e.sid is None and e.actions is None:
            problem = ("selects nothing: give path, address, sid or actions (to switch a rule off everywhere, "
                       "set rules.<ID>.enabled = false in a profile)")
        if problem is not None or rid is None:
            emitter.emit(INVALID_ID, e.file, e.line, where, f"exception for {e.rule!r} {problem}")
            continue
        if e.expires is not None and e.expires < today:
            emitter.emit(EXPIRED_ID, e.file, e.line, where,
                         f"exception for {rid} ({e.selectors()}) expired on {e.expires.isoformat()} and no longer "
                         f"applies; renew or remove it (reason was: {e.reason})")
            continue
        active.append((e, rid, anchor_glob(e.path, e.base_dir) if e.path is not None else None))
        exc_used[id(e)] = False

    reported: list[Finding] = []
    suppressed: list[Suppressed] = []
    absolute: dict[str, str] = {}  # file as reported -> absolute path (per call: the cwd may change)
    for f in findings:
        # 1. a comment on (or above) the finding's line; for a finding that groups actions of several
        # lines, on the statement's line (all of them) or on one action's line (that line's actions)
        hit = None
        if by_target:
            full = absolute.get(f.file)
            if full is None:
                full = absolute[f.file] = os.path.abspath(f.file)
            grouped_on_action_line = bool(f.action_lines) and f.line in f.action_lines
            targeted = () if grouped_on_action_line else by_target.get((full, f.line), ())
        else:
            targeted = ()
        for d, ok in targeted:
            if f.rule_id in ok:
                hit = d
                break
        if hit is not None:
            hit.used.add(f.rule_id)
            suppressed.append(Suppressed(f, "comment", hit.reason, hit.file, hit.line))
            continue
        current = f
        if f.action_lines and by_target:
            # a finding grouping actions of several lines: a comment on one of them covers its actions
            left, parts = _suppress_lines(f, by_target, absolute[f.file])
            suppressed.extend(parts)
            if left is None:
                continue
            current = left
        # 2. config exceptions
        done = False
        for e, rid, glob in active:
            if rid != current.rule_id:
                continue
            if glob is not None and not _glob_matches(glob, current.file):
                continue
            if e.address is not None and not fnmatch.fnmatchcase(current.address, e.address):
                continue
            if e.sid is not None:
                sid = _statement_sid(docs, current)
                if sid is None or not fnmatch.fnmatchcase(sid, e.sid):
                    continue
            if e.actions is not None:
                yes, no = _covered(e.actions, current.actions)
                if not yes:
                    continue
                exc_used[id(e)] = True
                if no:
                    kept, current = split_finding(current, yes, no, f"excepted by {e.file}:{e.line}")
                    suppressed.append(Suppressed(kept, "exception", e.reason, e.file, e.line))
                    continue
            exc_used[id(e)] = True
            suppressed.append(Suppressed(current, "exception", e.reason, e.file, e.line))
            done = True
            break
        if not done:
            reported.append(current)

    # Unused comment suppressions (per rule id) and unused exceptions.
    for ds in directives.values():
        for d in ds:
            if d.problem is not None:
                continue
            for key in d.rules:
                rid, _ = _resolve_rule(key)
                if rid is not None and rid not in d.used:
                    emitter.emit(UNUSED_ID, d.file, d.line, f"comments/{d.index}",
                                 f"suppression of {rid} matches no {rid} finding on {_lines_text(d.targets)}; "
                                 "remove it")
    for e, rid, glob in active:
        if exc_used[id(e)]:
            continue
        if glob is not None and not any(_glob_matches(glob, f) for f in files):
            continue  # its files were not part of this run (a partial scan): no verdict
        emitter.emit(UNUSED_ID, e.file, e.line, f"exceptions/{e.index}",
                     f"exception for {rid} ({e.selectors()}) matches no finding; remove it")
    reported.extend(emitter.out)
    return sorted(reported, key=Finding.sort_key), sorted(suppressed, key=lambda s: s.finding.sort_key())

