"""What the commands of :mod:`checker.cli.app` do once typer has parsed their options.

A function here returns the exit code or raises :class:`CommandError` (exit 2).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checker.engine.findings import Severity
    from checker.report import Report
    from checker.settings import Settings

EXIT_INPUT = 2
PROG = "check-permissions"


class CommandError(Exception):
    """A usage or input error with the line users read (after ``check-permissions: ``); exit 2."""


def failure_message(exc: BaseException) -> str | None:
    """The one line an exception becomes (exit 2), or None when it must propagate.

    Input errors and unexpected failures become a clear line, never a traceback; exits propagate,
    and with CHECK_PERMISSIONS_DEBUG set an unexpected failure does too (with its traceback).
    """
    if isinstance(exc, (SystemExit, BrokenPipeError)):  # the reader went away: exit 1 quietly (click's way)
        return None
    if isinstance(exc, CommandError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, RecursionError):
        return "internal error: input nested too deeply to analyse"
    if not isinstance(exc, Exception):
        return None
    from checker.settings import InputError

    if isinstance(exc, InputError):
        return f"error: {exc}"
    if os.environ.get("CHECK_PERMISSIONS_DEBUG"):
        return None
    return (f"internal error: {type(exc).__name__}: {exc} "
            "(nothing was judged; set CHECK_PERMISSIONS_DEBUG=1 for details)")


def use_color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def text_width(stream: Any) -> int:
    """The width of text output: the terminal's when ``stream`` is one, else 120 columns."""
    from checker.reporters.text import WIDTH

    isatty = getattr(stream, "isatty", None)
    try:
        tty = bool(isatty and isatty())
    except ValueError:  # closed
        tty = False
    if not tty:
        return WIDTH
    import shutil

    return shutil.get_terminal_size((WIDTH, 24)).columns


def progress_bar() -> Any:
    """A progress bar on standard error when it is a terminal (drawn only if the run lasts > 1 s)."""
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stderr, or closed
        tty = False
    if not tty or os.environ.get("TERM") == "dumb":
        return None
    from checker.reporters.progress import ProgressBar

    return ProgressBar(sys.stderr)


def write_outputs(report: Report, formats: list[str], outputs: list[Path], *, quiet: bool = False,
                  show_suppressed: bool = False) -> None:
    """Each ``--format``: to its ``--output`` file when one is paired with it, else to standard output.

    ``quiet`` and ``show_suppressed`` shape the text format (only the summary; the suppressed
    findings listed with their reasons); the machine formats always carry everything."""
    from checker.reporters import REPORTERS, get_reporter

    if len(outputs) > len(formats):
        raise CommandError("error: more --output files than --format options (pair each --output with a --format)")
    for name in formats:
        if name not in REPORTERS:
            raise CommandError(f"error: unknown format {name!r}: choose from {', '.join(REPORTERS)}")
    for i, name in enumerate(formats):
        render = get_reporter(name)
        if name == "text":
            from functools import partial

            from checker.reporters import text as text_reporter

            stream_width = text_width(sys.stdout) if i >= len(outputs) else text_reporter.WIDTH
            render = partial(render, width=stream_width, quiet=quiet, show_suppressed=show_suppressed)
        if i < len(outputs):
            text = render(report, color=False)
            try:
                outputs[i].write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"error: cannot write {outputs[i]}: {exc.strerror or exc}") from None
        else:
            sys.stdout.write(render(report, color=use_color(sys.stdout)))
    sys.stdout.flush()


def terraform_settings(settings: Settings, var_file: list[Path], var: list[str], allow_outside: bool,
                       jobs: int, workspace: str | None = None, parameters: list[str] | None = None) -> Settings:
    # --var-file and --allow-outside override the config file's var-files / allow-outside only when given.
    changes: dict[str, Any] = {"vars": tuple(var), "jobs": jobs}
    if parameters:
        changes["parameters"] = tuple(parameters)  # CloudFormation: --parameters FILE or Key=Value
    if workspace is not None:
        changes["workspace"] = workspace
    if var_file:
        changes["var_files"] = tuple(str(f) for f in var_file)
    if allow_outside:
        changes["allow_outside"] = True
    return dataclasses.replace(settings, **changes)


def check_command(
    paths: list[Path],
    format: list[str],
    output: list[Path],
    profile: str | None,
    fail_on: Severity | None,
    exclude: list[str],
    strict_wildcards: bool | None,
    config: Path | None,
    no_config: bool,
    baseline: Path | None,
    no_baseline: bool,
    var_file: list[Path],
    var: list[str],
    allow_outside: bool,
    jobs: int,
    quiet: bool = False,
    show_suppressed: bool = False,
    no_suppressions: bool = False,
    workspace: str | None = None,
    parameters: list[str] | None = None,
) -> int:
    """``check-permissions check``: judge the paths, print or write the reports, return the exit code."""
    from checker.api import check as run_check
    from checker.settings import load_settings

    settings = load_settings(paths, config=config, no_config=no_config, profile=profile, fail_on=fail_on,
                             exclude=tuple(exclude) or None, strict_wildcards=strict_wildcards,
                             baseline=str(baseline) if baseline is not None else None)
    if no_baseline:
        if baseline is not None:
            raise CommandError("error: --baseline and --no-baseline cannot be used together")
        settings = dataclasses.replace(settings, baseline=None)
    settings = terraform_settings(settings, var_file, var, allow_outside, jobs, workspace, parameters)
    if no_suppressions:
        settings = dataclasses.replace(settings, no_suppressions=True)
    bar = progress_bar()
    try:
        report = run_check(paths, settings, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    if not report.load.documents and not report.load.errors:
        skipped = "; ".join(f"{s.file}: {s.reason}" for s in report.load.skipped)
        raise CommandError("error: no policies found in " + ", ".join(str(p) for p in paths)
                           + (f" ({skipped})" if skipped else ""))
    write_outputs(report, format, output, quiet=quiet, show_suppressed=show_suppressed)
    return report.exit_code


def precommit_command(
    files: list[Path] | None,
    format: list[str],
    output: list[Path],
    profile: str | None,
    fail_on: Severity | None,
    root: Path | None,
    config: Path | None,
    no_config: bool,
    baseline: Path | None,
) -> int:
    """``check-permissions pre-commit``: judge what the changed files belong to; return the exit code."""
    from checker.cli.precommit import Result, describe, plan, run

    first = plan(files or [], root=root)
    if first.empty:  # the common case, answered without loading the analyser
        result = Result(first, None)
    else:
        from checker.settings import load_settings

        # the hook's configuration is the repository's: found from --root (else the working directory)
        settings = load_settings([root or Path.cwd()], config=config, no_config=no_config, cwd=root, profile=profile,
                                 fail_on=fail_on, baseline=str(baseline) if baseline is not None else None)
        result = run(files or [], settings, root=root)
    for line in describe(result):
        sys.stdout.write(line + "\n")
    if result.report is not None:
        write_outputs(result.report, format, output)
    sys.stdout.flush()
    return result.exit_code
