"""The console entry point: a fast path for ``check`` and ``pre-commit``, typer for everything else.

Importing typer and click is a large part of a run on one policy (benchmarks/README.md). The common
invocations of ``check`` and of the pre-commit hook (arguments and the documented options, in
every spelling click accepts) are parsed here and handed to :mod:`checker.commands`, the same
functions the typer commands call. Anything else, or anything this parser is not sure of (``--help``, an
unknown option, a bad value, a value that looks like an option), goes to typer, which produces
the help, the usage error or the result. ``tests/test_entry.py`` checks that both parsers give
the command the same arguments, and that this table names exactly the options typer declares.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

# Options as keyword, kind and spellings. Kinds: "list" / "list-path" repeatable (each occurrence
# appends), "str" / "path" / "severity" / "int" single-valued (the last wins). Flags set a boolean.
# The options ``check`` and ``pre-commit`` share:
_SHARED_VALUED: dict[str, tuple[str, str]] = {
    "--format": ("format", "list"), "-f": ("format", "list"),
    "--output": ("output", "list-path"), "-o": ("output", "list-path"),
    "--profile": ("profile", "str"), "-p": ("profile", "str"),
    "--fail-on": ("fail_on", "severity"),
    "--config": ("config", "path"),
    "--baseline": ("baseline", "path"),
}
_VALUED: dict[str, tuple[str, str]] = {
    **_SHARED_VALUED,
    "--exclude": ("exclude", "list"),
    "--var-file": ("var_file", "list-path"),
    "--var": ("var", "list"),
    "--jobs": ("jobs", "int"), "-j": ("jobs", "int"),
    "--workspace": ("workspace", "str"),
}
_FLAGS: dict[str, tuple[str, bool]] = {
    "--no-config": ("no_config", True),
    "--no-baseline": ("no_baseline", True),
    "--allow-outside": ("allow_outside", True),
    "--strict-wildcards": ("strict_wildcards", True),
    "--no-strict-wildcards": ("strict_wildcards", False),
}
_SEVERITIES = ("error", "warning", "note")

# ``pre-commit`` (the hook: milliseconds matter): FILES, the shared options and --root.
_PRECOMMIT_VALUED: dict[str, tuple[str, str]] = {**_SHARED_VALUED, "--root": ("root", "path")}
_PRECOMMIT_FLAGS: dict[str, tuple[str, bool]] = {"--no-config": _FLAGS["--no-config"]}


def _defaults() -> dict[str, Any]:
    return {"paths": [], "format": [], "output": [], "profile": None, "fail_on": None, "exclude": [],
            "strict_wildcards": None, "config": None, "no_config": False, "baseline": None,
            "no_baseline": False, "var_file": [], "var": [], "allow_outside": False, "jobs": 0,
            "workspace": None}


def _convert(kind: str, value: str) -> Any:
    """The option's value as typer would pass it; raises ValueError when typer would refuse it."""
    if kind in ("list", "str"):
        return value
    if kind in ("path", "list-path"):
        return Path(value)
    if kind == "severity":
        if value not in _SEVERITIES:
            raise ValueError(value)
        from checker.engine.findings import Severity

        return Severity(value)
    # int, min 0 (click's IntRange accepts surrounding blanks and a sign; leave those to typer)
    if not value.isascii() or not value.isdigit():
        raise ValueError(value)
    return int(value)


def _precommit_defaults() -> dict[str, Any]:
    return {"files": [], "format": [], "output": [], "profile": None, "fail_on": None, "root": None,
            "config": None, "no_config": False, "baseline": None}


def parse_check(argv: list[str]) -> dict[str, Any] | None:
    """The keyword arguments of ``check_command`` for ``argv`` (after the program name), or None
    when typer must handle it."""
    if not argv or argv[0] != "check":
        return None
    out = _parse(argv[1:], _defaults(), "paths", _VALUED, _FLAGS)
    if out is None or not out["paths"]:
        return None  # typer prints the usage error
    return out


def parse_precommit(argv: list[str]) -> dict[str, Any] | None:
    """The keyword arguments of ``precommit_command`` for ``argv``, or None when typer must handle it."""
    if not argv or argv[0] != "pre-commit":
        return None
    out = _parse(argv[1:], _precommit_defaults(), "files", _PRECOMMIT_VALUED, _PRECOMMIT_FLAGS)
    if out is not None and not out["files"]:
        out["files"] = None  # typer's value for no FILES
    return out


def _parse(args: list[str], out: dict[str, Any], positional: str, valued: dict[str, tuple[str, str]],
           flags: dict[str, tuple[str, bool]]) -> dict[str, Any] | None:
    """Options and arguments as click parses them, or None when unsure (typer then decides)."""
    i = 0
    only_paths = False
    while i < len(args):
        token = args[i]
        i += 1
        if only_paths or token == "-" or not token.startswith("-"):
            out[positional].append(Path(token))
            continue
        if token == "--":
            only_paths = True
            continue
        name, eq, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        if not token.startswith("--") and len(token) > 2:  # -fjson: a short option with its value
            name, eq, attached = token[:2], "=", token[2:]
        if name in flags and not eq:
            key, flag = flags[name]
            out[key] = flag
            continue
        if name not in valued:
            return None  # --help, an unknown option, a flag given a value: typer says what is wrong
        if eq:
            value = attached
        else:
            if i >= len(args) or args[i].startswith("-"):
                return None  # a missing value, or one that looks like an option: let click decide
            value = args[i]
            i += 1
        key, kind = valued[name]
        try:
            converted = _convert(kind, value)
        except ValueError:
            return None
        if kind.startswith("list"):
            out[key].append(converted)
        else:
            out[key] = converted
    if not out["format"]:
        out["format"] = ["text"]
    return out


def run() -> None:
    """The console script (``check-permissions``, ``python -m checker.entry``, ``check_permissions.py``).

    A run is one short process: it builds no garbage cycles worth collecting (the analysis already
    runs with the collector paused), so the collector is off from the start, and once the reports
    are written and flushed the process ends without tearing down its modules. Together that is
    about a tenth of a run on one policy.
    """
    import gc

    gc.disable()
    main(exit_process=True)


def main(exit_process: bool = False) -> None:
    """Run the command line in ``sys.argv``; ``exit_process`` ends the process without interpreter
    teardown once the fast path's output is flushed (:func:`run`; never for in-process callers)."""
    # This process uses no pydantic plugin; looking them up scans every installed distribution.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from checker import commands

    argv = sys.argv[1:]
    parsed = parse_check(argv)
    target: Any = commands.check_command
    if parsed is None:
        parsed = parse_precommit(argv)
        target = commands.precommit_command
    if parsed is None:
        if exit_process:
            import gc

            gc.enable()  # typer's commands run as any Python program does
        from checker.cli import typer_main

        typer_main()
        return
    kept: list[Any] = []

    def command() -> int:
        try:
            code: int = target(**parsed, keep=kept if exit_process else None)
            return code
        except BrokenPipeError:  # the reader went away (``| head``): as click does, exit 1 quietly
            _silence_stdout()
            return 1

    code = commands.run_guarded(command)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = code or 1
    if exit_process:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)
    sys.exit(code)


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's final flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


if __name__ == "__main__":
    run()
