"""``explain``: what each principal (or, without one, each policy) may do, as an audit artefact.

For every principal (``document.principal``: a role, user or group, when the front end knows it)
or every policy without one, each granted action is listed grouped by service and access level,
marked when it is sensitive (``credentials``, ``data``, ``side-effect``, ``cost``: see
``docs/sensitive-actions.md``), with the statement that grants it (file, line, Sid or index, the
pattern). Trust policies say who may assume the role; permissions boundaries and SCPs are listed
as ceilings; a value the analyzer could not resolve or an action pattern it does not know is
listed as "not proven", never dropped.

Formats: ``text`` (terminal), ``json`` (``policies[]`` keeps the keys ``document`` and ``grants``
of earlier versions and adds ``actions`` and ``not_proven``; ``principals[]`` summarises), and
``markdown`` (the report a customer keeps for audit). No timestamps: the same input gives the
same bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checker.model import DocumentKind, Located, PolicyDocument, Statement

if TYPE_CHECKING:
    from checker.analysis.grants import DocumentGrants
    from checker.model import LoadResult
    from checker.report import ExplainEntry

FORMATS = ("text", "json", "markdown")
GRANTING_KINDS = frozenset({DocumentKind.IDENTITY, DocumentKind.RESOURCE})
CEILING_KINDS = frozenset({DocumentKind.BOUNDARY, DocumentKind.SCP})
_KIND_LABEL = {
    DocumentKind.IDENTITY: "identity policy",
    DocumentKind.TRUST: "trust policy",
    DocumentKind.RESOURCE: "resource policy",
    DocumentKind.BOUNDARY: "permissions boundary",
    DocumentKind.SCP: "service control policy",
}


def sensitive_categories(action: str) -> tuple[str, ...]:
    """The sensitive categories of an action (``checker.analysis.sensitivity``), sorted; empty when not sensitive."""
    from checker.analysis.sensitivity import categories

    return tuple(sorted(categories(action)))


def gate_level(action: str) -> tuple[str, str | None]:
    """The access level the gate uses, and AWS's own label when a correction changed it."""
    from checker.analysis.sensitivity import corrected_level
    from checker.catalog import get_catalog

    level = corrected_level(action)
    info = get_catalog().get(action)
    aws = info.level if info is not None else None
    return level, (aws if aws is not None and aws != level else None)


# --- the view: built once from the explain entries, rendered three ways ----------------------------


@dataclass(frozen=True)
class Source:
    """A statement that grants an action."""

    policy: str  # the document's address
    file: str
    line: int
    statement: int
    sid: str | None
    via: str  # the Action pattern, or "NotAction"
    conditional: bool

    @property
    def label(self) -> str:
        return f"Sid {self.sid!r}" if self.sid else f"statement {self.statement}"

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "file": self.file, "line": self.line, "statement": self.statement,
                "sid": self.sid, "via": self.via, "conditional": self.conditional}


@dataclass
class ActionView:
    action: str
    level: str
    aws_level: str | None
    sensitive: tuple[str, ...]
    sources: list[Source] = field(default_factory=list)

    @property
    def service(self) -> str:
        return self.action.partition(":")[0]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action, "service": self.service, "level": self.level}
        if self.aws_level:
            out["aws_level"] = self.aws_level
        out["sensitive"] = list(self.sensitive)
        out["granted_by"] = [s.to_dict() for s in self.sources]
        return out


@dataclass(frozen=True)
class NotProven:
    """A value in an Allow that could not be proven: unresolved, or matching no known action."""

    policy: str
    file: str
    line: int
    statement: str
    value: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "file": self.file, "line": self.line, "statement": self.statement,
                "value": self.value, "reason": self.reason}


@dataclass
class PolicyView:
    entry: ExplainEntry
    actions: dict[str, ActionView]
    not_proven: list[NotProven]

    @property
    def doc(self) -> PolicyDocument:
        return self.entry.document

    def to_dict(self) -> dict[str, Any]:
        out = self.entry.to_dict()  # file, address, kind, principal, line, document, grants (stable)
        out["end_line"] = self.doc.end_line
        out["actions"] = [a.to_dict() for a in self.actions.values()]
        out["not_proven"] = [n.to_dict() for n in self.not_proven]
        return out


@dataclass
class GroupView:
    """A principal with its policies, or one policy that belongs to no known principal."""

    name: str
    is_principal: bool
    policies: list[PolicyView] = field(default_factory=list)

    def granting(self) -> list[PolicyView]:
        return [p for p in self.policies if p.doc.kind in GRANTING_KINDS]

    def actions(self) -> dict[str, ActionView]:
        """Every action the group's identity and resource policies grant, with every source."""
        merged: dict[str, ActionView] = {}
        for p in self.granting():
            for name, a in p.actions.items():
                m = merged.get(name)
                if m is None:
                    merged[name] = ActionView(a.action, a.level, a.aws_level, a.sensitive, list(a.sources))
                else:
                    m.sources.extend(a.sources)
        return dict(sorted(merged.items(), key=lambda kv: kv[0].lower()))

    def not_proven(self) -> list[NotProven]:
        return [n for p in self.granting() for n in p.not_proven]

    def summary(self) -> dict[str, Any]:
        acts = self.actions()
        return {
            "name": self.name,
            "type": "principal" if self.is_principal else "policy",
            "policies": [p.doc.address for p in self.policies],
            "levels": dict(Counter(a.level for a in acts.values())),
            "sensitive": dict(sorted(Counter(c for a in acts.values() for c in a.sensitive).items())),
            "actions": len(acts),
            "not_proven": len(self.not_proven()),
        }


def _statement_label(stmt: Statement) -> str:
    return stmt.label


def build_policy(entry: ExplainEntry) -> PolicyView:
    doc = entry.document
    detail: DocumentGrants | None = entry.detail
    if detail is None:
        from checker.analysis.grants import compute_grants
        from checker.catalog import get_catalog

        detail = compute_grants(doc, get_catalog())
    actions: dict[str, ActionView] = {}
    not_proven: list[NotProven] = []
    levels: dict[str, tuple[str, str | None]] = {}
    for sg in detail.allows:
        stmt = sg.statement
        for name, loc in sg.actions.items():
            av = actions.get(name)
            if av is None:
                if name not in levels:
                    levels[name] = gate_level(name)
                level, aws = levels[name]
                av = actions[name] = ActionView(name, level, aws, sensitive_categories(name))
            av.sources.append(Source(doc.address, loc.origin or doc.file, loc.line or stmt.line, stmt.index,
                                     stmt.sid, loc.value, stmt.has_condition))
        for loc in sg.unresolved:
            not_proven.append(_not_proven(doc, stmt, loc, f"unresolved: {loc.unknown}"))
        for loc in sg.unmatched:
            not_proven.append(_not_proven(doc, stmt, loc, "matches no action in the AWS service catalog"))
        if stmt.unknown is not None:
            not_proven.append(NotProven(doc.address, doc.file, stmt.line, _statement_label(stmt), "",
                                        f"statement not resolved: {stmt.unknown}"))
    return PolicyView(entry, dict(sorted(actions.items(), key=lambda kv: kv[0].lower())), not_proven)


def _not_proven(doc: PolicyDocument, stmt: Statement, loc: Located, reason: str) -> NotProven:
    return NotProven(doc.address, loc.origin or doc.file, loc.line or stmt.line, _statement_label(stmt),
                     loc.value, reason)


def build_groups(entries: Sequence[ExplainEntry]) -> list[GroupView]:
    """Policies grouped by principal (in the order first seen); a policy without one is its own group."""
    groups: dict[tuple[bool, str], GroupView] = {}
    for entry in entries:
        doc = entry.document
        key = (True, doc.principal) if doc.principal else (False, f"{doc.file}\x00{doc.address}")
        group = groups.get(key)
        if group is None:
            group = groups[key] = GroupView(doc.principal or doc.address, bool(doc.principal))
        group.policies.append(build_policy(entry))
    return list(groups.values())


def by_service_and_level(actions: Iterable[ActionView]) -> dict[str, dict[str, list[ActionView]]]:
    from checker.catalog import LEVELS

    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    out: dict[str, dict[str, list[ActionView]]] = {}
    for a in actions:
        out.setdefault(a.service.lower(), {}).setdefault(a.level, []).append(a)
    return {svc: dict(sorted(levels.items(), key=lambda kv: order.get(kv[0], len(order))))
            for svc, levels in sorted(out.items())}


def _values(locs: Iterable[Located]) -> list[str]:
    return [loc.value if loc.unknown is None else f"{loc.value} (unresolved: {loc.unknown})" for loc in locs]


def trust_rows(doc: PolicyDocument) -> list[dict[str, Any]]:
    """Who may assume a role: one row per statement of its trust policy."""
    rows = []
    for stmt in doc.statements:
        principals: list[str] = []
        for key, element in (("Principal", stmt.principal), ("NotPrincipal", stmt.not_principal)):
            for ptype, locs in (element or {}).items():
                prefix = "NOT " if key == "NotPrincipal" else ""
                principals += [f"{prefix}{ptype}: {v}" for v in _values(locs)]
        conditions = [f"{op} {ckey} = {', '.join(_values(vals))}"
                      for op, keys in stmt.condition.items() for ckey, vals in keys.items()]
        actions = _values(stmt.action or ()) or [f"NOT {v}" for v in _values(stmt.not_action or ())]
        rows.append({"statement": stmt.label, "effect": stmt.effect, "line": stmt.line,
                     "principals": principals, "actions": actions, "conditions": conditions})
    return rows


def statement_rows(doc: PolicyDocument) -> list[dict[str, Any]]:
    """Each statement's scope: effect, resources and conditions (what a grant is limited to)."""
    rows = []
    for stmt in doc.statements:
        resources = (_values(stmt.resource) if stmt.resource is not None
                     else [f"NOT {v}" for v in _values(stmt.not_resource or ())])
        conditions = [f"{op} {ckey} = {', '.join(_values(vals))}"
                      for op, keys in stmt.condition.items() for ckey, vals in keys.items()]
        rows.append({"statement": stmt.label, "effect": stmt.effect, "line": stmt.line,
                     "end_line": stmt.end_line, "resources": resources, "conditions": conditions})
    return rows


# --- rendering -------------------------------------------------------------------------------------


def render_explain(entries: Sequence[ExplainEntry], load: LoadResult, fmt: str = "text") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose from {', '.join(FORMATS)}")
    from checker.reporters._redact import redact, sensitive_strings

    groups = build_groups(entries)
    if fmt == "json":
        text = _json(groups, load)
    elif fmt == "markdown":
        text = _markdown(groups, load)
    else:
        text = _text(groups, load)
    return redact(text, sensitive_strings(load, (e.document for e in entries)))


def _json(groups: list[GroupView], load: LoadResult) -> str:
    data = {
        "policies": [p.to_dict() for g in groups for p in g.policies],
        "principals": [g.summary() for g in groups],
        "errors": [e.model_dump() for e in load.errors],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _source_text(s: Source, with_policy: bool) -> str:
    where = f"{s.policy} " if with_policy else ""
    return f"{where}{s.file}:{s.line} {s.label} via {s.via!r}" + (" if its Condition holds" if s.conditional else "")


def _mark(a: ActionView) -> str:
    out = ""
    if a.sensitive:
        out += f"  [sensitive: {', '.join(a.sensitive)}]"
    if a.aws_level:
        out += f"  [AWS labels it {a.aws_level}]"
    return out


def _text(groups: list[GroupView], load: LoadResult) -> str:
    lines: list[str] = []
    for g in groups:
        if g.is_principal:
            lines.append(f"{g.name} ({len(g.policies)} policies)")
        else:
            d = g.policies[0].doc
            lines.append(f"{d.address} ({_KIND_LABEL[d.kind]}, {d.file}:{d.line})")
        for p in g.policies:
            d = p.doc
            if g.is_principal:
                lines.append(f"  {_KIND_LABEL[d.kind]} {d.address} ({d.file}:{d.line})")
            if d.kind is DocumentKind.TRUST:
                for row in trust_rows(d):
                    lines.append(f"    may assume ({row['statement']}, {row['effect']}, line {row['line']}): "
                                 + "; ".join(row["principals"] or ["no principal"]))
                    lines.extend(f"      if {c}" for c in row["conditions"])
            elif d.kind in CEILING_KINDS:
                lines.append(f"    caps permissions at {len(p.actions)} actions (grants nothing by itself)")
        acts = g.actions()
        with_policy = len(g.granting()) > 1
        for svc, levels in by_service_and_level(acts.values()).items():
            lines.append(f"  {svc}")
            for level, items in levels.items():
                lines.append(f"    {level} ({len(items)}):")
                for a in items:
                    lines.append(f"      {a.action}{_mark(a)}")
                    lines.extend(f"        granted by {_source_text(s, with_policy)}" for s in a.sources)
        for n in g.not_proven():
            lines.append(f"  NOT PROVEN {n.file}:{n.line} {n.statement}: {n.value!r} {n.reason}")
        if not acts and g.granting() and not g.not_proven():
            lines.append("  grants nothing")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n" if lines else ""


def _md_cell(text: str) -> str:
    from checker.reporters.markdown import cell

    return cell(text)


def _md_code(text: str) -> str:
    from checker.reporters.markdown import code

    return code(text)


def _markdown(groups: list[GroupView], load: LoadResult) -> str:
    from checker import __version__
    from checker.catalog import LEVELS, get_catalog

    info = get_catalog().info()
    sources = ", ".join(f"{s.name} {s.version} ({s.date})" for s in info.sources)
    out = [
        "# Permissions audit",
        "",
        f"Generated by check-permissions {__version__} from {len(load.files)} files "
        f"({sum(len(g.policies) for g in groups)} policies). AWS service catalog: {sources}.",
        "",
        "Every action is listed as the catalog spells it, expanded from wildcards and `NotAction`; an",
        "unconditional `Deny` on the same resources is subtracted, a conditional one is not (so this",
        "list may over-state, never under-state, what is allowed). Access levels are AWS's, corrected",
        "where AWS labels a read as a write. **Sensitive** actions return credentials or customer data,",
        "change state or cost money even when AWS calls them reads.",
        "",
        "## Summary",
        "",
        "| principal or policy | policies | " + " | ".join(LEVELS) + " | sensitive | not proven |",
        "|---|---:|" + "---:|" * len(LEVELS) + "---|---:|",
    ]
    for g in groups:
        s = g.summary()
        sens = ", ".join(f"{k} {v}" for k, v in s["sensitive"].items()) or "none"
        out.append(f"| {_md_cell(g.name)} | {len(g.policies)} | "
                   + " | ".join(str(s["levels"].get(lvl, 0)) for lvl in LEVELS)
                   + f" | {sens} | {s['not_proven']} |")
    if load.errors:
        out += ["", "## Files that could not be read", ""]
        out += [f"- {_md_code(f'{e.file}:{e.line}')}: {_md_cell(e.message)}" for e in load.errors]
    for g in groups:
        out += _markdown_group(g)
    return "\n".join(out).rstrip("\n") + "\n"


def _markdown_group(g: GroupView) -> list[str]:
    out = ["", f"## {_md_cell(g.name)}", ""]
    out += ["| policy | kind | file | lines |", "|---|---|---|---|"]
    for p in g.policies:
        d = p.doc
        out.append(f"| {_md_code(d.address)} | {_KIND_LABEL[d.kind]} | {_md_code(d.file)} | {d.line}-{d.end_line} |")
    for p in g.policies:
        d = p.doc
        if d.kind is DocumentKind.TRUST:
            out += ["", f"### Who may assume it ({_md_code(d.address)})", "",
                    "| statement | effect | principals | actions | conditions |", "|---|---|---|---|---|"]
            for row in trust_rows(d):
                out.append(f"| {_md_cell(row['statement'])} (line {row['line']}) | {row['effect']} | "
                           + " | ".join("<br>".join(_md_cell(v) for v in row[k]) or "none"
                                        for k in ("principals", "actions", "conditions")) + " |")
        elif d.kind in CEILING_KINDS:
            out += ["", f"### Ceiling: {_md_code(d.address)}", "",
                    f"This {_KIND_LABEL[d.kind]} grants nothing by itself; it caps the principal's permissions "
                    f"at {len(p.actions)} actions."]
    granting = g.granting()
    if granting:
        out += ["", "### Statements", "", "| policy | statement | effect | lines | resources | conditions |",
                "|---|---|---|---|---|---|"]
        for p in granting:
            for row in statement_rows(p.doc):
                out.append(f"| {_md_code(p.doc.address)} | {_md_cell(row['statement'])} | {row['effect']} | "
                           f"{row['line']}-{row['end_line']} | "
                           + " | ".join("<br>".join(_md_cell(v) for v in row[k]) or "none"
                                        for k in ("resources", "conditions")) + " |")
    acts = g.actions()
    with_policy = len(granting) > 1
    if granting:
        out += ["", f"### Granted actions ({len(acts)})"]
        if not acts:
            out += ["", "None."]
    for svc, levels in by_service_and_level(acts.values()).items():
        n = sum(len(v) for v in levels.values())
        out += ["", f"#### {svc} ({n})", "", "| action | access level | sensitive | granted by |", "|---|---|---|---|"]
        for level, items in levels.items():
            for a in items:
                lvl = level + (f" (AWS: {a.aws_level})" if a.aws_level else "")
                sens = ("⚠️ " + ", ".join(a.sensitive)) if a.sensitive else ""
                by = "<br>".join(_md_cell(_source_text(s, with_policy)) for s in a.sources)
                out.append(f"| {_md_code(a.action)} | {lvl} | {sens} | {by} |")
    missing = g.not_proven()
    if missing:
        out += ["", "### Not proven", "",
                "Values the analyzer could not resolve or actions it does not know: what they grant is unknown.",
                "", "| file | statement | value | reason |", "|---|---|---|---|"]
        out += [f"| {_md_code(f'{n.file}:{n.line}')} | {_md_cell(n.statement)} | {_md_code(n.value)} | "
                f"{_md_cell(n.reason)} |" for n in missing]
    return out
