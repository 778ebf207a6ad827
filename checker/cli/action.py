"""The GitHub Action's gate step (``action.yml`` runs ``python -m checker.cli.action``).

Inputs arrive as environment variables, as ``action.yml`` maps them from ``${{ inputs.* }}``:

- ``INPUT_PATHS``: files or folders, separated by spaces or new lines (shell quoting for spaces);
- ``INPUT_VAR_FILES``: Terraform ``.tfvars`` files, split like ``INPUT_PATHS`` (``--var-file``);
- ``INPUT_VARS``: Terraform variables, one ``NAME=VALUE`` a line (``--var``; a value may hold spaces);
- ``INPUT_PARAMETERS``: CloudFormation parameters, one ``Key=Value`` or parameters file a line
  (``--parameters``);
- ``INPUT_PROFILE``, ``INPUT_FAIL_ON`` (``error``, ``warning``, ``note``, or ``none`` to report
  without failing), ``INPUT_CONFIG``, ``INPUT_BASELINE``: as the ``check`` options (empty: not given);
- ``INPUT_SARIF_FILE``: where to write SARIF 2.1.0 (empty: no SARIF);
- ``INPUT_FORMAT``, ``INPUT_OUTPUT``: the report's format (default ``text``) and the file it is written
  to; without ``INPUT_OUTPUT`` it is printed in the log, with it the log shows the text report;
- ``INPUT_ANNOTATIONS``, ``INPUT_SUMMARY``: ``true``/``false``: workflow-command annotations on
  standard output, and the Markdown summary appended to ``$GITHUB_STEP_SUMMARY``.

It prints the text report, writes the outputs ``findings``, ``failing``, ``passed``, ``sarif-file``
and ``exit-code`` to ``$GITHUB_OUTPUT``, and exits like ``check``: 0 pass, 1 failing findings,
2 usage or input error (which is also shown as an ``::error::`` annotation).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.report import Report

EXIT_INPUT = 2
TRUE = ("true", "True", "TRUE")
FALSE = ("false", "False", "FALSE")


class ActionError(Exception):
    """A bad input: reported as one line and an ``::error::`` annotation, exit 2."""


def _input(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get(f"INPUT_{name.upper().replace('-', '_')}", default).strip()


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """GitHub's boolean inputs (the toolkit's ``getBooleanInput``: YAML 1.2 true/false spellings)."""
    raw = _input(env, name)
    if not raw:
        return default
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise ActionError(f"input {name!r} must be true or false, not {raw!r}")


def _split(env: Mapping[str, str], name: str) -> list[str]:
    """A list input: items separated by spaces or new lines, shell quoting for an item with spaces."""
    try:
        return shlex.split(_input(env, name), comments=False)
    except ValueError as exc:
        raise ActionError(f"input {name!r}: {exc}") from None


def _paths(env: Mapping[str, str]) -> list[str]:
    return _split(env, "paths") or ["."]


def _vars(env: Mapping[str, str]) -> tuple[str, ...]:
    """``NAME=VALUE`` a line, as ``--var`` takes them (a malformed one is a finding of the run)."""
    return tuple(line.strip() for line in _input(env, "vars").splitlines() if line.strip())


def _format(env: Mapping[str, str]) -> str:
    from checker.reporters import REPORTERS

    name = _input(env, "format").lower() or "text"
    if name not in REPORTERS:
        raise ActionError(f"input 'format' must be one of {', '.join(REPORTERS)}, not {name!r}")
    return name


def _write_output(env: Mapping[str, str], values: Mapping[str, str]) -> None:
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            for name, value in values.items():
                if "\n" in value:  # GitHub's multi-line syntax; none of ours today
                    fh.write(f"{name}<<CHECK_PERMISSIONS_EOF\n{value}\nCHECK_PERMISSIONS_EOF\n")
                else:
                    fh.write(f"{name}={value}\n")
    except OSError as exc:
        raise ActionError(f"GITHUB_OUTPUT: cannot write {target}: {exc.strerror or exc}") from None


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _report(env: Mapping[str, str]) -> tuple[Report, bool]:
    """Run the gate; the report and whether findings may fail the step."""
    import dataclasses

    from checker.api import check
    from checker.engine.findings import Severity
    from checker.parallel import AUTO_JOBS
    from checker.settings import load_settings

    paths = _paths(env)
    fail_on_raw = _input(env, "fail-on").lower()
    enforce = fail_on_raw != "none"
    fail_on: Severity | None = None
    if fail_on_raw and enforce:
        try:
            fail_on = Severity(fail_on_raw)
        except ValueError:
            raise ActionError(f"input 'fail-on' must be error, warning, note or none, not {fail_on_raw!r}") from None
    config = _input(env, "config") or None
    baseline = _input(env, "baseline") or None
    var_files = tuple(_split(env, "var-files")) or None  # None: the configuration's var-files
    settings = load_settings(paths, config=config, profile=_input(env, "profile") or None, fail_on=fail_on,
                             baseline=baseline, var_files=var_files, vars=_vars(env) or None)
    # As the command line does: one process per CPU of the runner when there is enough to share.
    settings = dataclasses.replace(settings, jobs=AUTO_JOBS)
    parameters = tuple(line.strip() for line in _input(env, "parameters").splitlines() if line.strip())
    if parameters:
        settings = dataclasses.replace(settings, parameters=parameters)
    report = check(paths, settings)
    if not report.load.documents and not report.load.errors:
        skipped = "; ".join(f"{s.file}: {s.reason}" for s in report.load.skipped)
        from checker.settings import InputError

        raise InputError("no policies found in " + ", ".join(paths) + (f" ({skipped})" if skipped else ""))
    return report, enforce


def run(env: Mapping[str, str]) -> int:
    """The gate step; returns the exit code. ``env`` is the step's environment."""
    from checker.settings import InputError

    try:
        annotations = _bool(env, "annotations", True)
        summary = _bool(env, "summary", True)
        sarif_file = _input(env, "sarif-file")
        fmt, output = _format(env), _input(env, "output")
        report, enforce = _report(env)
        _emit(report, env, annotations=annotations, summary=summary, sarif_file=sarif_file, fmt=fmt, output=output)
        code = report.exit_code if enforce else 0
        _write_output(env, {
            "findings": str(len(report.findings)),
            "failing": str(len(report.failing)),
            "passed": "true" if report.passed else "false",
            "sarif-file": sarif_file,
            "exit-code": str(code),
        })
        return code
    except (ActionError, InputError) as exc:
        message = f"check-permissions: error: {exc}"
    except RecursionError:
        message = "check-permissions: internal error: input nested too deeply to analyse"
    except Exception as exc:
        if env.get("CHECK_PERMISSIONS_DEBUG"):
            raise
        message = (f"check-permissions: internal error: {type(exc).__name__}: {exc} "
                   "(nothing was judged; set CHECK_PERMISSIONS_DEBUG=1 for details)")
    print(message, file=sys.stderr)
    print(f"::error title=check-permissions::{_escape(message)}")
    with contextlib.suppress(ActionError):
        _write_output(env, {"exit-code": str(EXIT_INPUT)})
    return EXIT_INPUT


def _write_file(name: str, text: str, what: str) -> None:
    target = Path(name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ActionError(f"cannot write the {what} {name}: {exc.strerror or exc}") from None


def _emit(report: Report, env: Mapping[str, str], *, annotations: bool, summary: bool, sarif_file: str,
          fmt: str, output: str) -> None:
    from checker.reporters import get_reporter
    from checker.reporters.github import write_step_summary

    if sarif_file:
        _write_file(sarif_file, get_reporter("sarif")(report), "SARIF file")
    if output:
        _write_file(output, get_reporter(fmt)(report), "output file")
    out = [get_reporter("text" if output else fmt)(report)]
    if annotations:
        # The github reporter also appends the job summary when GITHUB_STEP_SUMMARY is set; the
        # 'summary' input decides that here, once.
        saved = os.environ.pop("GITHUB_STEP_SUMMARY", None)
        try:
            out.append(get_reporter("github")(report))
        finally:
            if saved is not None:
                os.environ["GITHUB_STEP_SUMMARY"] = saved
    if summary and env.get("GITHUB_STEP_SUMMARY"):
        saved = os.environ.get("GITHUB_STEP_SUMMARY")
        os.environ["GITHUB_STEP_SUMMARY"] = env["GITHUB_STEP_SUMMARY"]
        try:
            write_step_summary(report)
        finally:
            if saved is None:
                del os.environ["GITHUB_STEP_SUMMARY"]
            else:
                os.environ["GITHUB_STEP_SUMMARY"] = saved
    sys.stdout.write("\n".join(out))
    sys.stdout.flush()


def main() -> None:
    raise SystemExit(run(os.environ))


if __name__ == "__main__":
    main()
