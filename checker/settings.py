"""Configuration: ``[tool.check-permissions]`` in ``pyproject.toml`` or ``.check-permissions.toml``.

The file is found upward from the working directory, never from a scanned path: the input never
steers the gate, so a module that ships its own ``.check-permissions.toml`` (allowing writes, naming
a permissive profile, excepting its findings) is not judged by it when someone else scans it. In each
folder ``.check-permissions.toml`` wins over ``pyproject.toml`` (a ``pyproject.toml`` without a
``[tool.check-permissions]`` table is passed over); the search stops after the folder that holds
``.git`` (the repository root) or at the filesystem root, as ruff's search from the working directory
does. ``--config FILE`` names a file instead, ``--no-config`` reads none. Command-line options override the file's values. Paths in the file are
relative to the file's folder. Unknown keys are errors (exit 2), never ignored.

Documented in docs/configuration.md.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checker.engine.findings import Severity

CONFIG_NAME = ".check-permissions.toml"
PYPROJECT = "pyproject.toml"
TOOL_TABLE = "check-permissions"


class ConfigError(Exception):
    """A configuration file that cannot be read or is not valid; the message names the file and key."""


class ExceptionEntry(BaseModel):
    """One ``[[exceptions]]`` entry as written; problems of meaning are reported as IAM011 findings."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    rule: str
    path: str | None = None
    address: str | None = None
    sid: str | None = None
    actions: tuple[str, ...] | None = None
    reason: str = ""
    expires: date | None = None


class ConfigModel(BaseModel):
    """The keys of ``[tool.check-permissions]`` (kebab-case, as on the command line)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False, defer_build=True)

    profile: str | None = None
    fail_on: Severity | None = Field(default=None, alias="fail-on")
    exclude: tuple[str, ...] | None = None
    var_files: tuple[str, ...] | None = Field(default=None, alias="var-files")
    strict_wildcards: bool | None = Field(default=None, alias="strict-wildcards")
    allow_outside: bool | None = Field(default=None, alias="allow-outside")
    baseline: str | None = None
    exceptions: tuple[ExceptionEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class ConfigException:
    """An exception from a configuration file, resolved: globs anchored, source line known."""

    rule: str  # as written (an id, name or alias)
    reason: str
    file: str  # the configuration file, as reports show it
    line: int
    index: int  # position in the file's exceptions list
    base_dir: str  # absolute folder of the configuration file: ``path`` globs are relative to it
    path: str | None = None
    address: str | None = None
    sid: str | None = None
    actions: tuple[str, ...] | None = None
    expires: date | None = None

    def selectors(self) -> str:
        parts = [f"{k} {v!r}" for k, v in (("path", self.path), ("address", self.address), ("sid", self.sid))
                 if v is not None]
        if self.actions is not None:
            parts.append("actions " + ", ".join(self.actions))
        return "; ".join(parts)


class Config(NamedTuple):
    file: Path
    values: ConfigModel
    exceptions: tuple[ConfigException, ...]

    @property
    def base_dir(self) -> Path:
        return self.file.parent


# --- discovery -----------------------------------------------------------------------------------


def _read_toml(file: Path) -> dict[str, Any]:
    path = _display(file)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text") from None
    import tomllib  # only where a configuration file or a pyproject.toml is found

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _tool_table(data: Mapping[str, Any]) -> Any:
    tool = data.get("tool")
    return tool.get(TOOL_TABLE) if isinstance(tool, dict) else None


def find_config(start: str | Path) -> Path | None:
    """The configuration file found from the folder ``start`` (the working directory), searching
    upward (see the module doc). Never call it with a scanned path."""
    p = Path(os.path.abspath(start))
    folder = p if p.is_dir() else p.parent
    while True:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _tool_table(_read_toml(pyproject)) is not None:
            return pyproject
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


# --- loading -------------------------------------------------------------------------------------


def _display(path: Path) -> str:
    from checker.paths import display_path

    return display_path(path)


def _exception_lines(text: str, pyproject: bool, count: int) -> list[int]:
    """Source lines of the exceptions, in order (TOML parsers give no positions)."""
    lines = text.splitlines()
    if pyproject:
        header = re.compile(r'^\s*\[\[\s*tool\s*\.\s*"?check-permissions"?\s*\.\s*"?exceptions"?\s*\]\]')
    else:
        header = re.compile(r'^\s*\[\[\s*"?exceptions"?\s*\]\]')
    found = [i + 1 for i, ln in enumerate(lines) if header.match(ln)]
    if len(found) == count:
        return found
    key = re.compile(r'(^|[{,\s])"?rule"?\s*=')
    start = next((i for i, ln in enumerate(lines) if re.match(r'^\s*"?exceptions"?\s*=', ln)), None)
    if start is not None:
        found = [i + 1 for i, ln in enumerate(lines) if i >= start and key.search(ln)]
        if len(found) == count:
            return found
        return [start + 1] * count
    return [1] * count


def _validation_message(path: str, exc: ValidationError, prefix: str) -> str:
    parts = []
    for err in exc.errors():
        loc = list(err["loc"])
        key = prefix
        for x in loc:
            key += f"[{x}]" if isinstance(x, int) else (f".{x}" if key else str(x))
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown key {key!r}")
        else:
            parts.append(f"{key}: {err['msg']}")
    return f"{path}: invalid configuration: " + "; ".join(parts)


def load_config(path: str | Path) -> Config:
    """Read and validate one configuration file (``pyproject.toml`` reads its tool table)."""
    file = Path(os.path.abspath(path))
    shown = _display(file)
    if not file.is_file():
        raise ConfigError(f"{shown}: configuration file not found")
    data = _read_toml(file)
    pyproject = file.name == PYPROJECT
    if pyproject:
        table = _tool_table(data)
        if table is None:
            raise ConfigError(f"{shown}: has no [tool.{TOOL_TABLE}] table")
        prefix = f"tool.{TOOL_TABLE}"
    else:
        table, prefix = data, ""
    if not isinstance(table, dict):
        raise ConfigError(f"{shown}: [tool.{TOOL_TABLE}] must be a table")
    try:
        values = ConfigModel.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(_validation_message(shown, exc, prefix)) from None
    text = file.read_text(encoding="utf-8")
    lines = _exception_lines(text, pyproject, len(values.exceptions))
    base = str(file.parent)
    excs = tuple(
        ConfigException(rule=e.rule, reason=e.reason.strip(), file=shown, line=lines[i], index=i, base_dir=base,
                        path=e.path, address=e.address, sid=e.sid, actions=e.actions, expires=e.expires)
        for i, e in enumerate(values.exceptions)
    )
    return Config(file=file, values=values, exceptions=excs)


# --- settings ------------------------------------------------------------------------------------


def anchor_glob(pattern: str, base_dir: str | Path) -> str:
    """A glob written relative to a folder, as an absolute glob; one without ``/`` matches names anywhere."""
    pattern = pattern.strip()
    if "/" not in pattern:
        return pattern
    base = glob.escape(Path(os.path.abspath(base_dir)).as_posix())
    return f"{base.rstrip('/')}/{pattern.removeprefix('./').lstrip('/')}"


def _relative_to(base: Path, value: str) -> str:
    """A path written in the config (relative to its folder), as the working directory reaches it.

    Relative to the working directory where possible, so that reports show ``../env/prod.tfvars``
    as they show the scanned paths, never an absolute path of the machine that ran them.
    """
    if os.path.isabs(value):
        return value
    full = Path(os.path.abspath(base / value))
    cwd = Path.cwd()
    if cwd.is_relative_to(base) or base.is_relative_to(cwd):  # the usual case: within one repository
        return os.path.relpath(full, cwd)
    return str(full)


# Config key (attribute of ConfigModel) -> Settings field; a key whose field Settings lacks is refused.
_FIELDS = {
    "profile": "profile",
    "fail_on": "fail_on",
    "exclude": "exclude",
    "var_files": "var_files",
    "strict_wildcards": "strict_wildcards",
    "allow_outside": "allow_outside",
    "baseline": "baseline",
}
_KEY_NAMES = {"fail_on": "fail-on", "var_files": "var-files", "strict_wildcards": "strict-wildcards",
              "allow_outside": "allow-outside"}


def _config_values(config: Config) -> dict[str, Any]:
    v = config.values
    base = config.base_dir
    out: dict[str, Any] = {}
    if v.profile is not None:
        prof = v.profile
        if prof.endswith(".toml") or "/" in prof:
            prof = _relative_to(base, prof)
        out["profile"] = prof
    if v.fail_on is not None:
        out["fail_on"] = v.fail_on
    if v.exclude is not None:
        out["exclude"] = tuple(anchor_glob(p, base) for p in v.exclude)
    if v.var_files is not None:
        out["var_files"] = tuple(_relative_to(base, f) for f in v.var_files)
    if v.strict_wildcards is not None:
        out["strict_wildcards"] = v.strict_wildcards
    if v.allow_outside is not None:
        out["allow_outside"] = v.allow_outside
    if v.baseline is not None:
        out["baseline"] = _relative_to(base, v.baseline)
    return out


def load_settings(paths: Sequence[str | Path], *, config: str | Path | None = None, no_config: bool = False,
                  cwd: str | Path | None = None, **given: Any) -> Settings:
    """Settings for a run: the configuration file's values, overridden by ``given`` (``None`` = not given).

    The file is ``config``, else the one found upward from ``cwd`` (default: the working directory);
    ``paths``, the scanned paths, never decide which file applies. ``given`` takes Settings field
    names (``profile``, ``fail_on``, ``exclude``, ``baseline`` ...).
    """
    if config is not None and no_config:
        raise InputError("--config and --no-config cannot be used together")
    names = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(k for k in given if k not in names)
    if unknown:
        raise InputError(f"unknown settings: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    cfg: Config | None = None
    try:
        if config is not None:
            cfg = load_config(config)
        elif not no_config:
            found = find_config(Path.cwd() if cwd is None else cwd)
            cfg = load_config(found) if found is not None else None
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    if cfg is not None:
        for key, value in _config_values(cfg).items():
            field = _FIELDS[key]
            if field not in names:
                raise InputError(f"{_display(cfg.file)}: key {_KEY_NAMES.get(key, key)!r} is not supported by this version")
            values[field] = value
        values["exceptions"] = cfg.exceptions
        values["config_file"] = _display(cfg.file)
    values.update({k: v for k, v in given.items() if v is not None})
    return Settings(**values)


class InputError(Exception):
    """A usage or input error: missing path, unreadable file or folder, bad profile. Exit code 2."""


@dataclass(frozen=True)
class Settings:
    profile: str = "read-only"
    fail_on: Severity | None = None  # None: the profile's fail_on
    exclude: tuple[str, ...] = ()
    # Configuration (checker/settings.py): exceptions from the config file, a baseline file, and the
    # config file that was read (None: none). Build these with checker.settings.load_settings.
    exceptions: tuple[ConfigException, ...] = ()
    baseline: str | None = None
    config_file: str | None = None
    # --strict-wildcards: a wildcard that could match actions AWS adds later (IAM103) is an error.
    strict_wildcards: bool = False
    # --no-suppressions: judge as if no suppression comment and no config exception existed (an
    # audit of someone else's module); the baseline still applies unless --no-baseline.
    no_suppressions: bool = False
    # Terraform (docs/terraform.md): --var-file and --var values for root modules, whether
    # file()/templatefile() may read outside the scanned tree (--allow-outside), and --jobs N
    # (root modules are loaded in N processes; check() judges PARALLEL_MIN_FILES or more JSON files
    # in N processes, and report.load.documents then holds summaries of the workers' documents).
    # jobs=0 (checker.parallel.AUTO_JOBS, the command line's default): one process per usable CPU
    # when the work is large enough; the library's default stays one process.
    var_files: tuple[str, ...] = ()
    vars: tuple[str, ...] = ()
    allow_outside: bool = False
    jobs: int = 1
    # --workspace NAME: the value of terraform.workspace; None: the TF_WORKSPACE environment
    # variable's, else not known (what depends on it is judged both ways).
    workspace: str | None = None
    # CloudFormation (docs/usage.md, "CloudFormation templates"): --parameters FILE (the AWS CLI's JSON) or Key=Value,
    # in order (later ones win), for every template; a parameter without a value is not known.
    parameters: tuple[str, ...] = ()
    # The tree file()/templatefile() may read in without --allow-outside (the pre-commit hook: the
    # repository); None: each path given (a named .tf file: its folder).
    scan_root: str | None = None
