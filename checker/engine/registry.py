"""Discovers the rules: every ``rules/iam*.py`` module holds exactly one Rule subclass."""

from __future__ import annotations

import importlib
import importlib.util
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


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, ordered by id; fails loudly on a duplicate id or alias."""
    pkg = _rules_package()
    found: list[type[Rule]] = []
    for path in sorted(rules_dir().glob("iam*.py")):
        module = importlib.import_module(f"{pkg.__name__}.{path.stem}")
        classes = [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__
        ]
        if len(classes) != 1:
            raise RuntimeError(f"{path.name}: expected exactly one Rule class, found {len(classes)}")
        found.append(classes[0])
    seen: dict[str, str] = {}
    for cls in found:
        for key in (cls.id, cls.name, *cls.aliases):
            if key in seen:
                raise RuntimeError(f"rule id/name {key!r} used by both {seen[key]} and {cls.__name__}")
            seen[key] = cls.__name__
    return tuple(sorted(found, key=lambda c: c.id))


def find_rule(key: str) -> type[Rule] | None:
    """A rule by id (``IAM101``), name (``write-action-allowed``) or alias, case-insensitive."""
    k = key.strip().lower()
    for cls in all_rules():
        if k in (cls.id.lower(), cls.name.lower(), *(a.lower() for a in cls.aliases)):
            return cls
    return None
