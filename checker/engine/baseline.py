"""Baselines: accepted findings recorded in a file, so that a later run reports only what is new.

Each entry records a finding by fingerprint (rule id, file, address and model path, with the file
relative to the baseline file's folder) AND by the actions it reported. A later finding with the
same fingerprint is accepted when its actions are a subset of the recorded ones; when it reports
more (the policy now grants more than its baselined version: a wider pattern, a newer catalog), it
is reported again listing only the new actions, and its accepted part is kept as suppressed.
Findings of rules that cannot be suppressed (``ignorable = False``) are never recorded nor accepted.

The file is JSON, written deterministically (sorted, no timestamps); documented in
docs/configuration.md, section "Baseline".
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.engine.findings import Finding, fingerprint
from checker.engine.runner import statement_path
from checker.engine.suppressions import Suppressed, split_finding

FORMAT = 1
TOOL = "check-permissions"


class BaselineError(ValueError):
    """A baseline file that cannot be read or is not a baseline; the message names the file."""


@dataclass(frozen=True, slots=True)
class Entry:
    rule_id: str
    rule_name: str
    file: str  # relative to the baseline file's folder, POSIX style
    address: str
    path: str
    actions: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule_id, self.file, self.address, self.path)

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "rule_name": self.rule_name, "file": self.file,
                "address": self.address, "path": self.path, "fingerprint": self.fingerprint,
                "actions": list(self.actions)}


def _rebase(file: str, base_dir: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(file), base_dir)).as_posix()


def entry_for(f: Finding, base_dir: Path) -> Entry:
    """A finding as a baseline entry, with its file (and a file-named address) relative to ``base_dir``."""
    rel = _rebase(f.file, base_dir)
    address = rel if f.address == f.file else f.address
    return Entry(f.rule_id, f.rule_name, rel, address, _entry_path(f.path, f.actions), tuple(sorted(set(f.actions))))


def _entry_path(path: str, actions: Sequence[str]) -> str:
    """Findings with actions are one per statement (checker.engine.runner): a baseline written when
    they were one per pattern (``Statement/0/Action/3``) names their statement."""
    return statement_path(path) if actions else path


def _ignorable(rule_id: str) -> bool:
    from checker.engine.registry import find_rule

    cls = find_rule(rule_id)
    return cls is not None and cls.ignorable


@dataclass(frozen=True, slots=True)
class Baseline:
    file: str  # as reports show it
    base_dir: Path  # absolute folder of the baseline file
    entries: dict[str, Entry]  # fingerprint -> entry (actions merged)

    @classmethod
    def from_findings(cls, findings: Sequence[Finding], output: str | Path) -> tuple[Baseline, list[Finding]]:
        """A baseline of ``findings`` to be written at ``output``, and the findings it cannot record."""
        base_dir = Path(os.path.abspath(output)).parent
        entries: dict[str, Entry] = {}
        refused: list[Finding] = []
        for f in findings:
            if not _ignorable(f.rule_id):
                refused.append(f)
                continue
            e = entry_for(f, base_dir)
            old = entries.get(e.fingerprint)
            if old is not None:
                e = Entry(e.rule_id, e.rule_name, e.file, e.address, e.path,
                          tuple(sorted(set(old.actions) | set(e.actions))))
            entries[e.fingerprint] = e
        return cls(str(output), base_dir, entries), refused

    def to_dict(self) -> dict[str, Any]:
        ordered = sorted(self.entries.values(), key=lambda e: (e.file, e.address, e.rule_id, e.path))
        return {"tool": TOOL, "format": FORMAT, "findings": [e.to_dict() for e in ordered]}

    def dumps(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def load(cls, path: str | Path) -> Baseline:
        from checker.paths import display_path

        p = Path(path)
        shown = display_path(p)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{shown}: baseline file not found (create it with `check-permissions baseline "
                                f"PATH -o {shown}`)") from None
        except OSError as exc:
            raise BaselineError(f"{shown}: cannot read baseline: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BaselineError(f"{shown}: not a baseline file: not valid JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("tool") != TOOL or not isinstance(data.get("findings"), list):
            raise BaselineError(f"{shown}: not a baseline file (expected an object with \"tool\": \"{TOOL}\" "
                                "and a \"findings\" list)")
        if data.get("format") != FORMAT:
            raise BaselineError(f"{shown}: baseline format {data.get('format')!r} is not supported "
                                f"(this version reads format {FORMAT}); re-create it")
        entries: dict[str, Entry] = {}
        for i, item in enumerate(data["findings"]):
            try:
                actions = tuple(_str_list(item.get("actions", [])))
                e = Entry(_str(item, "rule_id"), _str(item, "rule_name", ""), _str(item, "file"),
                          _str(item, "address"), _entry_path(_str(item, "path", ""), actions), actions)
            except (TypeError, AttributeError) as exc:
                raise BaselineError(f"{shown}: findings[{i}]: {exc}") from None
            old = entries.get(e.fingerprint)
            if old is not None:
                e = Entry(e.rule_id, e.rule_name, e.file, e.address, e.path,
                          tuple(sorted(set(old.actions) | set(e.actions))))
            entries[e.fingerprint] = e
        return cls(shown, Path(os.path.abspath(p)).parent, entries)

    def apply(self, findings: Sequence[Finding]) -> tuple[list[Finding], list[Suppressed]]:
        """(findings still reported, findings accepted by the baseline)."""
        reported: list[Finding] = []
        accepted: list[Suppressed] = []
        reason = f"accepted in baseline {self.file}"
        for f in findings:
            if not _ignorable(f.rule_id):
                reported.append(f)
                continue
            e = self.entries.get(entry_for(f, self.base_dir).fingerprint)
            if e is None:
                reported.append(f)
                continue
            known = set(e.actions)
            new = tuple(a for a in f.actions if a not in known)
            if not new:
                accepted.append(Suppressed(f, "baseline", reason, self.file, 0))
                continue
            old = tuple(a for a in f.actions if a in known)
            if not old:
                reported.append(f)
                continue
            kept, grown = split_finding(f, old, new, f"accepted in baseline {self.file}")
            accepted.append(Suppressed(kept, "baseline", reason, self.file, 0))
            reported.append(grown)
        return reported, accepted


def _str(item: Any, key: str, default: str | None = None) -> str:
    if not isinstance(item, dict):
        raise TypeError("must be an object")
    value = item.get(key, default)
    if not isinstance(value, str):
        raise TypeError(f"{key!r} must be a string")
    return value


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise TypeError("'actions' must be a list of strings")
    return value
