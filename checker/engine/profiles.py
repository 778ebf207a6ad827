"""Gate profiles: what a gate allows, as data (``policies/*.toml``) validated by Pydantic."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from checker.analysis.sensitivity import CATEGORIES
from checker.engine.findings import Severity

LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ACTION_PATTERN = re.compile(r"[A-Za-z0-9*?_.-]+:[A-Za-z0-9*?_.-]+")


class ProfileError(ValueError):
    """A profile that cannot be found or is not valid; the message names the file and the field."""


class RuleSetting(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    enabled: bool = True
    severity: Severity | None = None


class Profile(BaseModel):
    """A gate profile. Every field is documented in docs/profiles.md."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str
    description: str = ""
    # Access levels (as the catalog names them) that the gate accepts in an Allow.
    allowed_levels: tuple[str, ...] = ("List", "Read")
    # Severity at or above which the gate fails (exit 1); --fail-on overrides it.
    fail_on: Severity = Severity.ERROR
    # Per-rule switches, by rule id: enabled and severity.
    rules: dict[str, RuleSetting] = Field(default_factory=dict)
    # When set, only rules listed in `rules` with enabled = true run (audit profiles list all).
    only_listed_rules: bool = False
    # AWS account ids (12-digit strings) a trust policy may name; empty: no restriction (trust rules).
    trusted_accounts: tuple[str, ...] = ()
    # Sensitive categories (checker/data/sensitive_actions.json) an Allow may not grant (IAM301).
    forbidden_categories: tuple[str, ...] = ()
    # Per category, action patterns accepted although the category is forbidden (e.g. cost = ["ce:*"]).
    category_exceptions: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # Action patterns of `data` actions that may be granted on every resource (IAM302).
    unscoped_data_reads: tuple[str, ...] = ()
    # Service prefixes an Allow may grant; None: any service (IAM104).
    allowed_services: tuple[str, ...] | None = None

    @field_validator("allowed_levels")
    @classmethod
    def _known_levels(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [x for x in v if x not in LEVELS]
        if bad:
            raise ValueError(f"unknown access level(s) {bad}; expected some of {list(LEVELS)}")
        return v

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, v: dict[str, RuleSetting]) -> dict[str, RuleSetting]:
        # A misspelt id would be silently ignored: with only_listed_rules a rule would not run at all.
        from checker.engine.registry import find_rule, rule_ids

        ids = set(rule_ids())
        for key in v:
            if key not in ids:
                rule = find_rule(key)
                hint = f" (write its id, {rule.id})" if rule is not None else " (see `check-permissions rules`)"
                raise ValueError(f"no rule {key!r}{hint}")
        return v

    @field_validator("trusted_accounts", mode="before")
    @classmethod
    def _account_ids(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            for x in v:
                if not isinstance(x, str) or not _ACCOUNT_ID.fullmatch(x):
                    raise ValueError(f"{x!r} is not an AWS account id: write 12 digits as a quoted string")
        return v

    @field_validator("forbidden_categories")
    @classmethod
    def _known_categories(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _check_categories(v)

    @field_validator("category_exceptions")
    @classmethod
    def _known_exceptions(cls, v: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        _check_categories(tuple(v))
        for cat, patterns in v.items():
            _check_patterns(patterns, f"category_exceptions.{cat}")
        return v

    @field_validator("unscoped_data_reads")
    @classmethod
    def _known_unscoped(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _check_patterns(v, "")

    @field_validator("allowed_services")
    @classmethod
    def _known_services(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is None:
            return None
        if not v:
            raise ValueError("an empty list allows no service at all; omit the field to allow every service")
        from checker.catalog import get_catalog

        known = set(get_catalog().services())
        bad = [x for x in v if x.lower() not in known]
        if bad:
            raise ValueError(f"unknown service prefix(es) {bad}: use the prefix of the action names, "
                             "e.g. 'ce' for Cost Explorer (`check-permissions catalog 'ce:*'`)")
        return tuple(x.lower() for x in v)

    def category_exempt(self, action: str, category: str) -> bool:
        """True when ``category_exceptions`` accepts ``action`` in ``category``."""
        from checker.catalog import iam_pattern_matches

        return any(iam_pattern_matches(p, action) for p in self.category_exceptions.get(category, ()))

    def unscoped_read_allowed(self, action: str) -> bool:
        """True when ``unscoped_data_reads`` lets ``action`` be granted on every resource."""
        from checker.catalog import iam_pattern_matches

        return any(iam_pattern_matches(p, action) for p in self.unscoped_data_reads)

    def service_allowed(self, service: str) -> bool:
        return self.allowed_services is None or service.lower() in self.allowed_services

    def rule_enabled(self, rule_id: str, default: bool = True) -> bool:
        setting = self.rules.get(rule_id)
        if setting is None:
            return default and not self.only_listed_rules
        return setting.enabled

    def rule_severity(self, rule_id: str, default: Severity) -> Severity:
        setting = self.rules.get(rule_id)
        return setting.severity if setting is not None and setting.severity is not None else default


def _check_categories(v: tuple[str, ...]) -> tuple[str, ...]:
    bad = [x for x in v if x not in CATEGORIES]
    if bad:
        raise ValueError(f"unknown categor(ies) {bad}; expected some of {list(CATEGORIES)}")
    return v


def _check_patterns(v: tuple[str, ...], where: str) -> tuple[str, ...]:
    """Each entry an IAM action pattern (``service:Action``, wildcards allowed) matching a catalog action."""
    from checker.catalog import get_catalog

    catalog = get_catalog()
    at = f"{where}: " if where else ""
    for p in v:
        if not _ACTION_PATTERN.fullmatch(p):
            raise ValueError(f"{at}{p!r} is not an action pattern of the form service:Action")
        if not catalog.expand(p):
            raise ValueError(f"{at}{p!r} matches no action in the AWS service catalog")
    return v


def _policies_dir() -> Path:
    """The built-in profiles: ``checker.policies`` (the checkout's top-level ``policies/``)."""
    import importlib

    return Path(next(iter(importlib.import_module("checker.policies").__path__)))


def builtin_profile_names() -> list[str]:
    root = _policies_dir()
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def _parse(text: str, where: str) -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{where}: not valid TOML: {exc}") from None
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
            parts.append(f"{loc}: {err['msg']}")
        raise ProfileError(f"{where}: invalid profile: " + "; ".join(parts)) from None


def load_profile(name_or_path: str = "read-only") -> Profile:
    """A built-in profile by name (``read-only``, ``audit``) or a TOML file by path.

    A profile from a file is named by its path as given (reports say ``profile gates/strict.toml``),
    and its ``name`` may not be a built-in profile's: a file cannot pass itself off as ``read-only``.
    Built-in profiles are parsed once per process; a file is read at every call (it may change
    between two runs of a long-lived process, such as a test session).
    """
    if name_or_path.endswith(".toml") or "/" in name_or_path or Path(name_or_path).is_file():
        path = Path(name_or_path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(f"cannot read profile {name_or_path}: {exc.strerror or exc}") from None
        profile = _parse(text, str(path))
        if profile.name.strip().lower() in builtin_profile_names():
            raise ProfileError(f"{path}: invalid profile: name {profile.name!r} is a built-in profile's name; "
                               "a profile file must have a name of its own")
        return profile.model_copy(update={"name": name_or_path})
    return _load_builtin(name_or_path)


@cache
def _load_builtin(name_or_path: str) -> Profile:
    resource = _policies_dir() / f"{name_or_path}.toml"
    if not resource.is_file():
        names = ", ".join(builtin_profile_names())
        raise ProfileError(f"unknown profile {name_or_path!r}: built-in profiles are {names}, or give a .toml path")
    return _trusted(tomllib.loads(resource.read_text(encoding="utf-8")))


def _trusted(data: dict[str, Any]) -> Profile:
    """A built-in profile without validation: building the validator costs more than the rest of
    a run on one policy (benchmarks/README.md). ``tests/test_profiles.py`` checks that every built-in profile
    gives the same :class:`Profile` validated, so a mistake in one still fails the suite."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "fail_on":
            value = Severity(value)
        elif key == "rules":
            value = {rule_id: _trusted_rule(setting) for rule_id, setting in value.items()}
        elif key == "category_exceptions":
            value = {cat: tuple(patterns) for cat, patterns in value.items()}
        elif key == "allowed_services":
            value = tuple(x.lower() for x in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[key] = value
    return Profile.model_construct(**values)


def _trusted_rule(setting: dict[str, Any]) -> RuleSetting:
    fields: dict[str, Any] = {k: Severity(v) if k == "severity" else v for k, v in setting.items()}
    return RuleSetting.model_construct(**fields)
