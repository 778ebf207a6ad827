"""Suppressions written in a template's resource ``Metadata`` (as cfn-lint's ``Metadata: cfn-lint``)::

    AuditRole:
      Type: AWS::IAM::Role
      Metadata:
        check-permissions:
          ignore:
            - id: IAM101
              reason: the deploy role writes its own log group

Each entry applies to findings on the lines of the resource that holds it; the reason is required.
``#`` comments (``# check-permissions:ignore IAM101 reason: ...``) work in YAML templates too.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.sources.cloudformation.decode import TemplateSyntaxError, line_of

KEY = "check-permissions"


@dataclass(frozen=True, slots=True)
class MetadataIgnore:
    """One ``ignore`` entry: where it is written, the lines it covers, its rule ids, reason and problem."""

    line: int
    targets: frozenset[int]
    rules: tuple[str, ...]
    reason: str
    problem: str | None


def metadata_ignores(text: str, file: str) -> list[MetadataIgnore]:
    """The ``ignore`` entries of every resource of a template (none when the text is no template)."""
    from checker.sources.cloudformation.reader import decode_template, is_template_value

    try:
        template = decode_template(text, file)
    except (TemplateSyntaxError, UnicodeDecodeError):
        return []
    if not is_template_value(template) or not isinstance(template.get("Resources"), dict):
        return []
    out: list[MetadataIgnore] = []
    resources = template["Resources"]
    for logical_id, body in resources.items():
        meta = body.get("Metadata") if isinstance(body, dict) else None
        ours = meta.get(KEY) if isinstance(meta, dict) else None
        if ours is None:
            continue
        origin = getattr(body, "origin", None)
        first = line_of(meta)
        start = origin.line if origin is not None else first
        end = (origin.end_line or start) if origin is not None else first
        start = min(start, getattr(resources, "key_lines", {}).get(logical_id, start))  # the logical id's line too
        targets = frozenset(range(start, end + 1))
        entries = ours.get("ignore") if isinstance(ours, dict) else None
        if not isinstance(entries, list):
            out.append(MetadataIgnore(line_of(ours, first), targets, (), "",
                                      f"Metadata {KEY} must be {{ignore: [{{id: RULE, reason: ...}}]}}"))
            continue
        for entry in entries:
            line = line_of(entry, line_of(ours, first))
            rule = entry.get("id") if isinstance(entry, dict) else None
            reason = entry.get("reason") if isinstance(entry, dict) else None
            if not isinstance(rule, str) or not rule.strip():
                out.append(MetadataIgnore(line, targets, (), "", "in Metadata has no rule id (write: id: IAM101)"))
                continue
            rules = tuple(r.strip() for r in str(rule).split(",") if r.strip())
            if not isinstance(reason, str) or not reason.strip():
                out.append(MetadataIgnore(line, targets, rules, "", "in Metadata has no reason (write: reason: <why>); "
                                          "a suppression without a reason does not apply"))
                continue
            out.append(MetadataIgnore(line, targets, rules, str(reason).strip(), None))
    return out
