"""Gate profiles: what a gate allows, as data (``policies/*.toml``) validated by Pydantic."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from checker.engine.findings import Severity

LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


class ProfileError(ValueError):
    """A profile that cannot be found or is not valid; the message names the file and the field."""


class RuleSetting(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    severity: Severity | None = None


class Profile(BaseModel):
    """A gate profile. Every field is documented in the README (section "Profiles")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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

    @field_validator("allowed_levels")
    @classmethod
    def _known_levels(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [x for x in v if x not in LEVELS]
        if bad:
            raise ValueError(f"unknown access level(s) {bad}; expected some of {list(LEVELS)}")
        return v

    def rule_enabled(self, rule_id: str, default: bool = True) -> bool:
        setting = self.rules.get(rule_id)
        if setting is None:
            return default and not self.only_listed_rules
        return setting.enabled

    def rule_severity(self, rule_id: str, default: Severity) -> Severity:
        setting = self.rules.get(rule_id)
        return setting.severity if setting is not None and setting.severity is not None else default


def builtin_profile_names() -> list[str]:
    root = resources.files("checker.policies")
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


@cache
def load_profile(name_or_path: str = "read-only") -> Profile:
    """A built-in profile by name (``read-only``, ``audit``) or a TOML file by path."""
    if name_or_path.endswith(".toml") or "/" in name_or_path or Path(name_or_path).is_file():
        path = Path(name_or_path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(f"cannot read profile {name_or_path}: {exc.strerror or exc}") from None
        return _parse(text, str(path))
    resource = resources.files("checker.policies").joinpath(f"{name_or_path}.toml")
    if not resource.is_file():
        names = ", ".join(builtin_profile_names())
        raise ProfileError(f"unknown profile {name_or_path!r}: built-in profiles are {names}, or give a .toml path")
    return _parse(resource.read_text(encoding="utf-8"), f"policies/{name_or_path}.toml")
