"""The fast path of ``check`` (checker/entry.py) parses exactly as the typer command does."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer.main

from checker import cli
from checker.commands import check_command, precommit_command
from checker.engine.findings import Severity
from checker.entry import _FLAGS, _PRECOMMIT_FLAGS, _PRECOMMIT_VALUED, _VALUED, parse_check, parse_precommit

REPO = Path(__file__).resolve().parents[1]


def typer_kwargs(argv: list[str], monkeypatch: pytest.MonkeyPatch,
                 target: Callable[..., int] = check_command) -> dict[str, Any]:
    """What the typer command hands to ``target`` (a checker.commands function) for ``argv``."""
    seen: dict[str, Any] = {}

    def record(*args: Any, **kwargs: Any) -> int:
        seen.update(inspect.signature(target).bind(*args, **kwargs).arguments)
        return 0

    monkeypatch.setattr(cli, target.__name__, record)
    with pytest.raises(SystemExit) as exc:
        cli.app(argv, prog_name="check-permissions")
    assert exc.value.code == 0
    return seen


AGREE = [
    ["check", "a.json"],
    ["check", "a.json", "b/", "-"],
    ["check", "--format", "json", "a.json"],
    ["check", "a.json", "-f", "sarif", "--format=json", "-fjunit", "-o", "r.sarif", "--output=r.json"],
    ["check", "a.json", "--profile", "audit", "--fail-on", "warning"],
    ["check", "-p", "my.toml", "--fail-on=note", "a.json", "-paudit"],
    ["check", "a.json", "--exclude", "*.tf.json", "--exclude=tests/*"],
    ["check", "a.json", "--strict-wildcards"],
    ["check", "a.json", "--strict-wildcards", "--no-strict-wildcards"],
    ["check", "a.json", "--config", "c.toml", "--baseline", "b.json"],
    ["check", "a.json", "--no-config", "--no-baseline", "--allow-outside"],
    ["check", "infra", "--var-file", "x.tfvars", "--var-file=y.tfvars", "--var", "a=1", "--var=b=[1, 2]"],
    ["check", "infra", "--jobs", "2"],
    ["check", "infra", "-j3", "--jobs=4"],
    ["check", "infra", "--jobs", "0"],
    ["check", "infra", "--workspace", "prod", "--workspace=dev"],
    ["check", "--", "-odd-name.json", "--format"],
    ["check", "a.json", "--profile", "", "--var", ""],
    ["check", "a.json", "--format", "text", "--format", "text"],
]


@pytest.mark.parametrize("argv", AGREE, ids=lambda a: " ".join(a) or "empty")
def test_fast_parser_agrees_with_typer(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = parse_check(argv)
    assert fast is not None, "the fast path should take this invocation"
    assert fast == typer_kwargs(argv, monkeypatch)


def test_typed_values() -> None:
    parsed = parse_check(["check", "a.json", "--fail-on", "warning", "-j", "2", "-o", "out.json"])
    assert parsed is not None
    assert parsed["fail_on"] is Severity.WARNING
    assert parsed["jobs"] == 2
    assert parsed["output"] == [Path("out.json")]
    assert parsed["paths"] == [Path("a.json")]


DEFER = [
    [],
    ["check"],  # no path: typer's usage error
    ["check", "--help"],
    ["check", "a.json", "-h"],
    ["check", "a.json", "--unknown"],
    ["check", "a.json", "--fail-on", "fatal"],
    ["check", "a.json", "--fail-on", "ERROR"],
    ["check", "a.json", "--jobs", "-1"],
    ["check", "a.json", "--jobs", "two"],
    ["check", "a.json", "--jobs", " 2"],
    ["check", "a.json", "--format"],
    ["check", "a.json", "--format", "--profile"],
    ["check", "a.json", "--no-config=1"],
    ["check", "a.json", "--form", "json"],  # click does not take abbreviations either
    ["explain", "a.json"],
    ["rules"],
    ["pre-commit", "a.json"],
]


@pytest.mark.parametrize("argv", DEFER, ids=lambda a: " ".join(a) or "empty")
def test_fast_parser_defers_to_typer(argv: list[str]) -> None:
    assert parse_check(argv) is None


@pytest.mark.parametrize(("name", "valued", "flags"), [("check", _VALUED, _FLAGS),
                                                       ("pre-commit", _PRECOMMIT_VALUED, _PRECOMMIT_FLAGS)])
def test_option_table_matches_the_typer_command(name: str, valued: dict[str, tuple[str, str]],
                                                flags: dict[str, tuple[str, bool]]) -> None:
    command = typer.main.get_command(cli.app)
    assert isinstance(command, typer.core.TyperGroup)
    declared = {opt: str(p.name) for p in command.commands[name].params if p.param_type_name == "option"
                for opt in [*p.opts, *p.secondary_opts]}
    ours = {opt: key for opt, (key, _) in valued.items()} | {opt: key for opt, (key, _) in flags.items()}
    assert ours == declared


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker.entry", *args], cwd=cwd, capture_output=True,
                          text=True, check=False)


def test_fast_path_does_not_import_typer() -> None:
    code = ("import sys; from checker.entry import main; sys.argv = ['check-permissions', 'check', "
            "'examples/read-only-policy.json']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    print(e.code, 'typer' in sys.modules, 'click' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert r.stdout.splitlines()[-1] == "0 False False", r.stdout + r.stderr


def test_fast_path_exit_codes_and_errors(tmp_path: Path) -> None:
    assert run("check", "examples/read-only-policy.json").returncode == 0
    bad = run("check", "examples/write-policy.json")
    assert bad.returncode == 1
    assert "IAM101 write-action-allowed" in bad.stdout
    missing = run("check", str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert missing.stderr == f"check-permissions: error: {tmp_path / 'nope.json'}: no such file or directory\n"
    fmt = run("check", "examples/read-only-policy.json", "--format", "yaml")
    assert fmt.returncode == 2
    assert fmt.stderr.startswith("check-permissions: error: unknown format 'yaml': choose from text, json")
    usage = run("check", "examples/read-only-policy.json", "--fail-on", "fatal")
    assert usage.returncode == 2
    assert "Invalid value for '--fail-on'" in usage.stderr
    assert "Traceback" not in usage.stderr + missing.stderr + fmt.stderr


def test_closed_pipe_is_quiet() -> None:
    # The reader closes its end at once: no traceback and no "Exception ignored" noise.
    proc = subprocess.Popen([sys.executable, "-m", "checker.entry", "check", "examples/write-policy.json"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 1
    assert err == ""


def test_console_entry_flushes_everything_before_it_exits(tmp_path: Path) -> None:
    # run() ends the process without interpreter teardown: every output must be complete first.
    out = tmp_path / "report.json"
    r = run("check", "examples/write-policy.json", "-f", "json", "-o", str(out), "-f", "text")
    assert r.returncode == 1
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["passed"] is False
    assert r.stdout.rstrip().splitlines()[-1].startswith("FAILED: 1 policies in 1 files")
    big = subprocess.run([sys.executable, "-m", "checker.entry", "check", "examples/write-policy.json", "-f", "json"],
                         cwd=REPO, capture_output=True, text=True, check=False)
    assert json.loads(big.stdout)["findings"]


PRECOMMIT_AGREE = [
    ["pre-commit"],
    ["pre-commit", "a.json", "main.tf"],
    ["pre-commit", "--root", "repo", "-f", "json", "-o", "r.json", "a.json"],
    ["pre-commit", "--profile=audit", "--fail-on", "warning", "--no-config", "x.tf"],
    ["pre-commit", "--config", "c.toml", "--baseline=b.json", "-paudit", "--", "-odd.json"],
]


@pytest.mark.parametrize("argv", PRECOMMIT_AGREE, ids=" ".join)
def test_precommit_fast_parser_agrees_with_typer(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = parse_precommit(argv)
    assert fast is not None
    assert fast == typer_kwargs(argv, monkeypatch, precommit_command)


@pytest.mark.parametrize("argv", [["pre-commit", "--help"], ["pre-commit", "--exclude", "x"],
                                  ["pre-commit", "--jobs", "2"], ["pre-commit", "--fail-on", "x"], ["check"]])
def test_precommit_fast_parser_defers_to_typer(argv: list[str]) -> None:
    assert parse_precommit(argv) is None


def test_precommit_fast_path_does_not_import_typer(tmp_path: Path) -> None:
    code = ("import sys; from checker.entry import main; sys.argv = ['check-permissions', 'pre-commit', 'README.md']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    print(e.code, 'typer' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert r.stdout.splitlines()[-1] == "0 False", r.stdout + r.stderr
