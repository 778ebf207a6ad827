"""Terraform as an oracle: evaluate HCL expressions with the real ``terraform`` CLI, recorded.

``terraform_eval({"a": 'upper("x")'}, fixture=path)`` returns ``{"a": "X"}``. Each expression becomes
``output "<name>" { value = <expr> }`` in a temporary root module (with the extra ``files``, e.g.
templates or ``.tf`` files holding locals and variables); ``terraform apply`` needs no ``init`` for a
configuration without providers. An expression Terraform rejects yields an :class:`OracleError`
(a ``dict`` equal to ``{"error": "<summary>: <first line of detail>"}``), obtained by evaluating that
expression alone.

Answers are recorded in the JSON ``fixture`` file, keyed by a hash of expression and files, so the
tests run without terraform. Terraform is run when it is on PATH and either the environment variable
``CHECK_PERMISSIONS_TF_ORACLE=refresh`` is set (or ``refresh=True``) or a key is missing from the
recording; ``refresh=False`` never runs it. A missing key without terraform skips the test.

One batch run evaluates all expressions; when it fails, the expressions named by the diagnostics
are evaluated one by one (and, when a diagnostic cannot be attributed, all of them).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ENV_VAR = "CHECK_PERMISSIONS_TF_ORACLE"
_TIMEOUT = 300
_LOCK = threading.Lock()

__all__ = [
    "ENV_VAR",
    "OracleError",
    "OracleResult",
    "oracle_key",
    "terraform_available",
    "terraform_eval",
    "terraform_eval_full",
]


class OracleError(dict):  # type: ignore[type-arg]
    """Terraform rejected the expression: equal to ``{"error": message}``."""

    def __init__(self, message: str) -> None:
        super().__init__(error=message)

    @property
    def message(self) -> str:
        return str(self["error"])


@dataclass(frozen=True)
class OracleResult:
    """One recorded answer: the JSON ``value`` and Terraform ``type`` of an output, or an ``error``."""

    value: Any = None
    type: Any = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.error is not None:
            return {"error": self.error}
        return {"value": self.value, "type": self.type}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OracleResult:
        if "error" in data:
            return cls(error=str(data["error"]))
        return cls(value=data.get("value"), type=data.get("type"))

    def plain(self) -> Any:
        """The value as :func:`terraform_eval` returns it."""
        return OracleError(self.error) if self.error is not None else self.value


def terraform_available() -> bool:
    return shutil.which("terraform") is not None


def oracle_key(expr: str, files: dict[str, str] | None = None) -> str:
    payload = json.dumps({"expr": expr, "files": dict(sorted((files or {}).items()))}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def terraform_eval(
    exprs: dict[str, str],
    *,
    files: dict[str, str] | None = None,
    fixture: Path,
    refresh: bool | None = None,
) -> dict[str, Any]:
    """name -> JSON value of each expression as Terraform computes it (or an :class:`OracleError`)."""
    full = terraform_eval_full(exprs, files=files, fixture=fixture, refresh=refresh)
    return {name: res.plain() for name, res in full.items()}


def terraform_eval_full(
    exprs: dict[str, str],
    *,
    files: dict[str, str] | None = None,
    fixture: Path,
    refresh: bool | None = None,
) -> dict[str, OracleResult]:
    """Like :func:`terraform_eval`, with Terraform's type of each value (``output -json``'s ``type``)."""
    for name in exprs:
        if not name.replace("_", "a").isalnum() or not (name[0].isalpha() or name[0] == "_"):
            raise ValueError(f"output name must be an identifier: {name!r}")
    with _LOCK:
        recording = _load(fixture)
        keys = {name: oracle_key(expr, files) for name, expr in exprs.items()}
        force = os.environ.get(ENV_VAR, "").strip().lower() == "refresh" if refresh is None else refresh
        have_tf = terraform_available() and refresh is not False
        wanted = {n: e for n, e in exprs.items() if (force and have_tf) or keys[n] not in recording}
        if wanted:
            if not have_tf:
                missing = sorted(n for n in exprs if keys[n] not in recording)
                pytest.skip(
                    f"terraform is not available and {fixture.name} has no recording for "
                    f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}; run the tests where "
                    f"terraform is on PATH to record"
                )
            fresh = _run_all(wanted, files or {})
            changed = False
            for name, res in fresh.items():
                entry = {"expr": exprs[name], **({"files": files} if files else {}), **res.to_json()}
                if recording.get(keys[name]) != entry:
                    recording[keys[name]] = entry
                    changed = True
            if changed:
                _save(fixture, recording)
        return {name: OracleResult.from_json(recording[keys[name]]) for name in exprs}


# -- recording -------------------------------------------------------------------------------------


def _load(fixture: Path) -> dict[str, Any]:
    if not fixture.exists():
        return {}
    data = json.loads(fixture.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{fixture}: expected a JSON object")
    return data


def _save(fixture: Path, recording: dict[str, Any]) -> None:
    # Merge with what is on disk now (another process may have recorded meanwhile), then replace.
    merged = {**_load(fixture), **recording}
    fixture.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=fixture.name, suffix=".tmp", dir=fixture.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(dict(sorted(merged.items())), fh, indent=1, ensure_ascii=False, sort_keys=False)
        fh.write("\n")
    os.replace(tmp, fixture)


# -- running terraform -----------------------------------------------------------------------------


def _run_all(exprs: dict[str, str], files: dict[str, str]) -> dict[str, OracleResult]:
    results: dict[str, OracleResult] = {}
    pending = dict(exprs)
    while pending:
        ok, outputs, failing = _run(pending, files)
        if ok:
            for name in pending:
                results[name] = outputs[name]
            break
        if not failing:  # errors we cannot attribute: evaluate every expression alone
            failing = set(pending)
        for name in sorted(failing):
            _, out1, _ = _run({name: pending[name]}, files)
            results[name] = out1.get(name) or OracleResult(error="terraform failed")
            del pending[name]
    return results


def _run(exprs: dict[str, str], files: dict[str, str]) -> tuple[bool, dict[str, OracleResult], set[str]]:
    """One terraform run. (ok, results, names of failing outputs); on a failure of a single
    expression its result holds the error message."""
    with tempfile.TemporaryDirectory(prefix="tforacle-") as tmp:
        root = Path(tmp) / "mod"
        root.mkdir()
        for rel, content in files.items():
            target = (root / rel).resolve()
            if root.resolve() not in target.parents:
                raise ValueError(f"file outside the module directory: {rel}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        lines: dict[int, str] = {}
        body: list[str] = []
        for name, expr in exprs.items():
            first = len(body) + 1
            text = f'output "{name}" {{\n  value = {expr}\n}}\n'
            for i in range(text.count("\n")):
                lines[first + i] = name
            body.extend(text.splitlines())
        (root / "main.tf").write_text("\n".join(body) + "\n", encoding="utf-8")
        cli_config = Path(tmp) / "terraformrc"
        cli_config.write_text("", encoding="utf-8")
        env = {
            **os.environ,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "TF_DATA_DIR": str(Path(tmp) / "data"),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "CHECKPOINT_DISABLE": "1",
        }
        for var in ("TF_CLI_ARGS", "TF_CLI_ARGS_apply", "TF_CLI_ARGS_output", "TF_WORKSPACE", "TF_LOG"):
            env.pop(var, None)
        apply = subprocess.run(
            ["terraform", "apply", "-auto-approve", "-input=false", "-no-color", "-json"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
        if apply.returncode != 0:
            failing: set[str] = set()
            messages: list[str] = []
            for raw in apply.stdout.splitlines():
                try:
                    event = json.loads(raw)
                except json.JSONDecodeError:
                    continue
                diag = event.get("diagnostic") if isinstance(event, dict) else None
                if not isinstance(diag, dict) or diag.get("severity") != "error":
                    continue
                detail = str(diag.get("detail") or "").strip().splitlines()
                summary = str(diag.get("summary") or "").strip()
                messages.append(f"{summary}: {detail[0]}" if detail else summary)
                rng = diag.get("range") or {}
                start = (rng.get("start") or {}).get("line")
                if rng.get("filename") == "main.tf" and start in lines:
                    failing.add(lines[start])
                else:  # an error elsewhere (an extra file) cannot be pinned on one output
                    failing = set()
                    break
            if not messages:
                text = (apply.stderr or apply.stdout).strip()
                messages.append(text.splitlines()[0] if text else "terraform failed")
            out: dict[str, OracleResult] = {}
            if len(exprs) == 1:
                (only,) = exprs
                out[only] = OracleResult(error=messages[0])
            return False, out, failing
        shown = subprocess.run(
            ["terraform", "output", "-json", "-no-color"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=True,
        )
        data = json.loads(shown.stdout)
        results = {
            name: OracleResult(value=data[name].get("value"), type=data[name].get("type"))
            for name in exprs
            if name in data
        }
        for name in exprs:  # a null output is not stored in the state
            results.setdefault(name, OracleResult(value=None, type=None))
        return True, results, set()
