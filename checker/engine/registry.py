"""Discovers the rules: every ``rules/iam*.py`` module holds exactly one Rule subclass."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from checker.engine.rule import Rule


def _rules_package() -> ModuleType:
    """``checker.rules``: installed from the wheel, or mapped from the checkout's top-level ``rules/``."""
    try:
        return importlib.import_module("checker.rules")
    except ModuleNotFoundError:
        pass
    # Running from a source checkout without installing (``python check_permissions.py``):
    # rules/ sits beside checker/ and becomes checker.rules here, never a top-level ``rules``.
    root = Path(__file__).resolve().parents[2] / "rules"
    spec = importlib.util.spec_from_file_location(
        "checker.rules", root / "__init__.py", submodule_search_locations=[str(root)]
    )
    if spec is None or spec.loader is None:  # pragma: no cover - broken checkout
        raise ModuleNotFoundError("checker.rules: the rules folder is missing")
    module = importlib.util.module_from_spec(spec)
    sys.modules["checker.rules"] = module
    spec.loader.exec_module(module)
    return module


def rules_dir() -> Path:
    return Path(next(iter(_rules_package().__path__)))


_RULE_FILE = re.compile(r"(iam[0-9]{3})_[a-z0-9_]+")


@cache
def _rule_files() -> dict[str, str]:
    """Rule id -> module name, from the file names alone (``iam101_write_action_allowed.py``)."""
    out: dict[str, str] = {}
    for path in sorted(rules_dir().glob("iam*.py")):
        m = _RULE_FILE.fullmatch(path.stem)
        if m is None:
            raise RuntimeError(f"{path.name}: a rule file is named iam<NNN>_<name>.py")
        out[m.group(1).upper()] = path.stem
    return out


def rule_ids() -> tuple[str, ...]:
    """Every rule id, in order, without importing a rule (a run imports only the rules it uses)."""
    return tuple(_rule_files())


@cache
def load_rule(rule_id: str) -> type[Rule]:
    """The rule class of one id; imports its module only."""
    stem = _rule_files().get(rule_id)
    if stem is None:
        raise KeyError(rule_id)
    module = importlib.import_module(f"{_rules_package().__name__}.{stem}")
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__
    ]
    if len(classes) != 1:
        raise RuntimeError(f"{stem}.py: expected exactly one Rule class, found {len(classes)}")
    if classes[0].id != rule_id:
        raise RuntimeError(f"{stem}.py: the file says {rule_id}, its class says {classes[0].id}")
    return classes[0]


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, ordered by id; fails loudly on a duplicate id or alias."""
    found = [load_rule(rule_id) for rule_id in rule_ids()]
    seen: dict[str, str] = {}
    for cls in found:
        for key in (cls.id, cls.name, *cls.aliases):
            if key in seen:
                raise RuntimeError(f"rule id/name {key!r} used by both {seen[key]} and {cls.__name__}")
            seen[key] = cls.__name__
    return tuple(found)


def find_rule(key: str) -> type[Rule] | None:
    """A rule by id (``IAM101``), name (``write-action-allowed``) or alias, case-insensitive."""
    k = key.strip().lower()
    if k.upper() in _rule_files():  # an id: only its module is imported
        return load_rule(k.upper())
    for cls in all_rules():
        if k in (cls.id.lower(), cls.name.lower(), *(a.lower() for a in cls.aliases)):
            return cls
    return None
