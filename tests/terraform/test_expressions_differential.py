"""The gate's evaluator against terraform's, on thousands of generated expressions (recorded).

tests/terraform/data/expressions.json holds what ``terraform console`` (1.11) computed for each expression
drawn by scripts/record_tf_expressions.py (a seeded generator over the expression grammar, plus hand-written
cases of known differences), in a module declaring the record's typed variables. Every expression is
evaluated here by the gate in a module declaring the same variables, and:

- where terraform computed a value, the gate computes the same value (numbers as exact decimals, strings
  code point for code point, sets in terraform's order, keys and nesting as terraform's JSON shows them), and
  the same sensitivity; or the gate says Unknown (or rejects the expression): never a different known value;
- where terraform rejected the expression, the gate says Unknown or rejects it too: never a known value.

Re-record with ``python scripts/record_tf_expressions.py`` (needs terraform). When terraform is installed,
:func:`test_recording_matches_terraform_now` re-runs it on a sample of the records.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from checker.terraform import load_module
from checker.terraform.blocks import Expr
from checker.terraform.errors import TerraformError
from checker.terraform.loader import Module
from checker.terraform.parser import parse_expression
from checker.terraform.values import TfSet, Unknown, first_unknown, has_marks

DATA = Path(__file__).parent / "data" / "expressions.json"
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@cache
def _recording() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


@cache
def _module(tmp: str) -> Module:
    folder = Path(tmp)
    (folder / "vars.tf").write_text(_recording()["vars_tf"], encoding="utf-8")
    return load_module(folder)


class Rejected(Exception):
    pass


def gate_value(module: Module, text: str) -> Any:
    """The gate's value of ``text``; Rejected when the gate rejects it."""
    try:
        node = parse_expression(text, "expr.tf", 1)
        return module.evaluate(Expr(node, "expr.tf", 1, 1))
    except TerraformError as exc:
        raise Rejected(str(exc)) from None


def plain(value: Any) -> Any:
    """A gate value as terraform's JSON shows it, numbers as exact decimals."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (list, tuple, TfSet)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    raise AssertionError(f"not a value: {value!r}")


def expected(value: Any) -> Any:
    """A recorded terraform value with numbers as exact decimals."""
    return json.loads(json.dumps(value), parse_float=Decimal, parse_int=Decimal)


def judge(module: Module, record: dict[str, Any]) -> str | None:
    """None when the gate agrees with terraform (or fails closed); else what differs."""
    text = record["expr"]
    try:
        value = gate_value(module, text)
    except Rejected:
        return None  # the gate rejects it: a finding, never a pass
    if first_unknown(value) is not None:
        return None
    if not record["ok"]:
        # the recording wraps each expression in jsonencode(): that may be what terraform rejected
        try:
            encoded = gate_value(module, f"jsonencode({text})")
        except Rejected:
            return None
        if first_unknown(encoded) is not None:
            return None
        return f"terraform rejects it, the gate computes {plain(value)!r}"
    got, want = plain(value), expected(record["value"])
    if got != want:
        return f"terraform computes {want!r}, the gate {got!r}"
    # only strings carry the sensitive mark here (see checker.terraform.values)
    if _has_string(record["value"]) and has_marks(value) != record["sensitive"]:
        return f"terraform says sensitive={record['sensitive']}, the gate {has_marks(value)}"
    return None


def _has_string(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, dict):
        return bool(value)  # its keys are strings
    if isinstance(value, list):
        return any(_has_string(v) for v in value)
    return False


def test_recording_is_large_and_varied() -> None:
    records = _recording()["records"]
    assert len(records) >= 5000
    assert len({r["expr"] for r in records}) == len(records)
    assert sum(1 for r in records if r["ok"]) >= 3000
    for needle in ("%{for", "%{if", "[*]", "[for ", "{for ", " ? ", "tolist(", "toset(", "tomap("):
        assert sum(needle in r["expr"] for r in records) >= 20, needle


def test_gate_agrees_with_terraform(tmp_path_factory: pytest.TempPathFactory) -> None:
    module = _module(str(tmp_path_factory.mktemp("exprs")))
    disagreements = []
    for record in _recording()["records"]:
        why = judge(module, record)
        if why is not None:
            disagreements.append(f"{record['expr']}: {why}")
    assert disagreements == []


def test_gate_computes_most_of_what_terraform_computes(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Failing closed is allowed, not a way out: most expressions terraform computes, the gate computes."""
    module = _module(str(tmp_path_factory.mktemp("exprs")))
    known = 0
    ok = [r for r in _recording()["records"] if r["ok"]]
    for record in ok:
        try:
            value = gate_value(module, record["expr"])
        except Rejected:
            continue
        known += first_unknown(value) is None
    assert known >= 0.85 * len(ok)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("0.1 + 0.2 == 0.3", True),
        ("1 / 3 * 3 == 1", True),
        ("tostring(1 / 3)", "0." + "3" * 154 + "5"),
        ("floor(1.5 * 123456789012345678901234567890)", 185185183518518518351851851835),
        ('"e\\u0301" == "\\u00e9"', True),
        ('md5("e\\u0301")', "66ddcd97cfdeabb2f6fb8a999b4bc76f"),
        ('regex("(?i)abc", "xABCx")', "ABC"),
        ('regex("\\\\pL+", "éa1")', "éa"),
        ('true ? 1 : "a"', "1"),
        ("5 % 0", 5),
        ('var.l != []', True),
        ("(true ? var.o.ids : var.ls)", ["1", "2"]),  # list(number) and list(string) unify to list(string)
        ('(false ? 1 : "a")', "a"),
    ],
)
def test_known_differences_now_agree(tmp_path_factory: pytest.TempPathFactory, text: str, want: Any) -> None:
    module = _module(str(tmp_path_factory.mktemp("exprs")))
    record = next((r for r in _recording()["records"] if r["expr"] == text), None)
    if record is not None:
        assert record["ok"] and record["value"] == want
    value = gate_value(module, text)
    assert first_unknown(value) is None and plain(value) == expected(want)


@pytest.mark.parametrize(
    "text",
    [
        "var.ls == []",  # false in Terraform: a list(string) is not the empty tuple
        '["a"] == tolist(["a"])',  # false in Terraform: a tuple is not a list
        "tomap({}) == {}",  # false in Terraform: a map is not an object
    ],
)
def test_type_dependent_forms_are_unknown(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    module = _module(str(tmp_path_factory.mktemp("exprs")))
    assert first_unknown(gate_value(module, text)) is not None


def test_rejected_forms(tmp_path_factory: pytest.TempPathFactory) -> None:
    """``!!true`` is valid Terraform that python-hcl2's grammar cannot parse: the gate rejects it (a
    finding), never a pass. ``true ? 1 : true`` is rejected by both; inside ``can()`` the gate says
    Unknown (a result of a dynamic type, ``jsondecode("true")``, would unify), never false. A function
    call that fails in the result not selected is no error (terraform 1.11: ``can(true ? "ab" :
    flatten(var.m))`` is true)."""
    module = _module(str(tmp_path_factory.mktemp("exprs")))
    for text in ("!!true", "true ? 1 : true"):
        with pytest.raises(Rejected):
            gate_value(module, text)
    assert first_unknown(gate_value(module, "can(true ? 1 : true)")) is not None
    assert gate_value(module, 'can(true ? "ab" : flatten(var.m))') is True
    assert first_unknown(gate_value(module, 'can(true ? "ab" : 1 - flatten(var.m))')) is not None


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_recording_matches_terraform_now() -> None:
    sys.path.insert(0, str(SCRIPTS))
    try:
        import record_tf_expressions as rec
    finally:
        sys.path.remove(str(SCRIPTS))
    records = _recording()["records"][::50]
    assert rec.record([r["expr"] for r in records]) == records


def test_every_terraform_function_is_evaluated_or_unknown_by_name() -> None:
    """Each of Terraform 1.11's built-in functions (and its ``core::`` form) is implemented, or evaluates
    to an Unknown that names it: never a crash, never a wrong value."""
    from pathlib import Path as _Path

    from checker.terraform.functions import FUNCTIONS, TERRAFORM_FUNCTIONS, call_function

    class Ctx:
        base_dir = _Path(".")
        scan_root = _Path(".")
        allow_outside = False

        def note_outside(self, path: _Path) -> None:  # pragma: no cover - no file is read here
            pass

    assert len(TERRAFORM_FUNCTIONS) == 118
    in_evaluator = {"can", "try", "templatefile"}  # evaluated by the evaluator (they see expressions)
    missing = sorted(n for n in TERRAFORM_FUNCTIONS - in_evaluator if n not in FUNCTIONS)
    for name in missing:
        for spelled in (name, f"core::{name}"):
            out = call_function(Ctx(), spelled, [], None)
            assert isinstance(out, Unknown) and name in out.reason, out
    for name in TERRAFORM_FUNCTIONS & set(FUNCTIONS):
        assert FUNCTIONS[f"core::{name}"] is FUNCTIONS[name]
    assert missing == sorted({"abspath", "base64gzip", "csvdecode", "fileset", "formatdate", "pathexpand",
                              "rsadecrypt", "templatestring", "timeadd", "timestamp", "plantimestamp", "uuid",
                              "bcrypt"} - set(FUNCTIONS))


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_function_list_is_terraforms() -> None:
    sys.path.insert(0, str(SCRIPTS))
    try:
        import record_tf_expressions as rec
    finally:
        sys.path.remove(str(SCRIPTS))
    from checker.terraform.functions import TERRAFORM_FUNCTIONS

    names = set(json.loads(subprocess.run(["terraform", "metadata", "functions", "-json"], capture_output=True,
                                          text=True, check=True, env=rec._env()).stdout)["function_signatures"])
    assert names == TERRAFORM_FUNCTIONS | {f"core::{n}" for n in TERRAFORM_FUNCTIONS}
