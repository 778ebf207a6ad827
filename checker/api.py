"""The library surface: ``check(paths, settings) -> Report`` and ``explain(paths, settings)``.

The CLI only parses options and calls these; tests use them directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker import __version__
from checker.engine.findings import Finding, Severity
from checker.model import LoadResult, PolicyDocument, SkippedItem, SourceError

if TYPE_CHECKING:
    from checker.catalog import Catalog
    from checker.profiles import Profile

TOOL_NAME = "check-permissions"
# Folders never searched when a directory is scanned (tool caches, dependencies, VCS data).
DEFAULT_EXCLUDED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".terraform", ".venv", "venv",
                                   "__pycache__", ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
POLICY_SUFFIXES = (".json",)


class InputError(Exception):
    """A usage or input error: missing path, unreadable file or folder, bad profile. Exit code 2."""


@dataclass(frozen=True)
class Settings:
    profile: str = "read-only"
    fail_on: Severity | None = None  # None: the profile's fail_on
    exclude: tuple[str, ...] = ()


@dataclass
class Report:
    profile: Profile
    catalog: dict[str, Any]
    findings: list[Finding]
    load: LoadResult
    fail_on: Severity

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.severity.at_least(self.fail_on)]

    @property
    def passed(self) -> bool:
        return not self.failing

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON report (README, "JSON report"); key order is stable."""
        return {
            "tool": {"name": TOOL_NAME, "version": __version__},
            "catalog": self.catalog,
            "profile": {"name": self.profile.name, "fail_on": self.fail_on.value},
            "summary": {
                "files": len(self.load.files),
                "policies": len(self.load.documents),
                "findings": self.counts(),
                "passed": self.passed,
            },
            "findings": [f.to_dict() for f in self.findings],
            "skipped": [{"file": s.file, "address": s.address, "reason": s.reason} for s in self.load.skipped],
        }


@dataclass
class ExplainEntry:
    document: PolicyDocument
    grants: dict[str, list[str]] = field(default_factory=dict)  # level -> actions

    def to_dict(self) -> dict[str, Any]:
        d = self.document
        return {
            "file": d.file,
            "address": d.address,
            "kind": d.kind.value,
            "principal": d.principal,
            "line": d.line,
            "document": d.raw,
            "grants": self.grants,
        }


def display_path(path: Path) -> str:
    """A path as reports show it: relative to the working directory when inside it, POSIX style."""
    try:
        rel = os.path.relpath(path.absolute(), Path.cwd())
    except ValueError:  # another drive on Windows
        return path.as_posix()
    if rel == "." or rel.startswith(".."):
        return path.as_posix()
    return Path(rel).as_posix()


def iter_files(paths: Sequence[str | Path], exclude: Sequence[str] = ()) -> Iterator[tuple[Path, bool]]:
    """Files to read, with whether the user named them explicitly; sorted, so runs are deterministic."""
    import fnmatch

    for raw in paths:
        p = Path(raw)
        if not p.exists():
            if p.is_symlink():
                raise InputError(f"{raw}: broken symbolic link (its target does not exist)")
            raise InputError(f"{raw}: no such file or directory")
        if p.is_file():
            yield p, True
            continue
        if not p.is_dir():
            raise InputError(f"{raw}: not a regular file or directory")
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(p, onerror=_walk_error):
            dirnames[:] = sorted(d for d in dirnames if d not in DEFAULT_EXCLUDED_DIRS)
            for name in filenames:
                if name.endswith(POLICY_SUFFIXES):
                    found.append(Path(dirpath) / name)
        for f in sorted(found):
            rel = display_path(f)
            if any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(f.name, pat) for pat in exclude):
                continue
            yield f, False


def _walk_error(exc: OSError) -> None:
    raise InputError(f"{exc.filename}: cannot read directory: {exc.strerror}")


def load_paths(paths: Sequence[str | Path], settings: Settings) -> LoadResult:
    from checker.sources.json_policy import load_json_text

    documents: list[PolicyDocument] = []
    errors: list[SourceError] = []
    skipped: list[SkippedItem] = []
    files: list[str] = []
    seen: set[Path] = set()
    for path, explicit in iter_files(paths, settings.exclude):
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        shown = display_path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{shown}: cannot read file: {exc.strerror or exc}") from None
        files.append(shown)
        result = load_json_text(data, shown)
        if not explicit and not result.documents and not result.errors:
            # Other JSON in a scanned folder (package.json, data files) is skipped quietly.
            skipped.extend(result.skipped)
            files.pop()
            continue
        documents.extend(result.documents)
        errors.extend(result.errors)
        skipped.extend(result.skipped)
    return LoadResult(documents=tuple(documents), errors=tuple(errors), skipped=tuple(skipped), files=tuple(files))


def catalog_summary(catalog: Catalog) -> dict[str, Any]:
    info = catalog.info()
    return {
        "sources": [
            {"name": s.name, "version": s.version, "date": s.date, "actions": s.action_count}
            for s in info.sources
        ],
        "actions": info.total_actions,
    }


def resolve_profile(settings: Settings) -> Profile:
    from checker.profiles import ProfileError, load_profile

    try:
        return load_profile(settings.profile)
    except ProfileError as exc:
        raise InputError(str(exc)) from None


def check(paths: Sequence[str | Path], settings: Settings | None = None) -> Report:
    """Judge every policy under ``paths`` with the settings' profile."""
    from checker.catalog import get_catalog
    from checker.engine.runner import run_rules

    settings = settings or Settings()
    profile = resolve_profile(settings)
    load = load_paths(paths, settings)
    catalog = get_catalog()
    findings = run_rules(load, profile, catalog)
    return Report(profile=profile, catalog=catalog_summary(catalog), findings=findings, load=load,
                  fail_on=settings.fail_on or profile.fail_on)


def explain(paths: Sequence[str | Path], settings: Settings | None = None) -> tuple[list[ExplainEntry], LoadResult]:
    """Every policy found, its evaluated document and its grants by access level."""
    from checker.catalog import LEVELS, get_catalog
    from checker.grants import compute_grants

    settings = settings or Settings()
    load = load_paths(paths, settings)
    catalog = get_catalog()
    entries: list[ExplainEntry] = []
    for doc in load.documents:
        grants = compute_grants(doc, catalog)
        by_level: dict[str, list[str]] = {level: [] for level in LEVELS}
        for action in grants.allowed_actions():
            info = catalog.get(action)
            by_level.setdefault(info.level if info else "Unknown", []).append(action)
        entries.append(ExplainEntry(doc, {k: v for k, v in by_level.items() if v}))
    return entries, load
