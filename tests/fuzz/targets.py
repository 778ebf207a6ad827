"""Fuzz targets: one function per front end that must never fail in an unplanned way.

Each takes raw bytes. The JSON target feeds them to the JSON front end and the rule engine; the
Terraform target writes them as a module's ``main.tf`` and runs the whole gate on it. Either may
report findings or an input error; what it must never do is raise anything else, hang, or report
an internal error (a rule crashing), because a pipeline could read a crash as success.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def check_json(data: bytes) -> None:
    from checker.catalog import get_catalog
    from checker.engine.profiles import load_profile
    from checker.engine.runner import run_rules
    from checker.model import LoadResult
    from checker.sources.json_policy import load_json_text

    loaded = load_json_text(data, "fuzz.json")
    result = LoadResult(documents=tuple(loaded.documents), errors=tuple(loaded.errors),
                        skipped=tuple(loaded.skipped), files=("fuzz.json",))
    findings = run_rules(result, load_profile("read-only"), get_catalog())
    for f in findings:
        assert "internal error" not in f.message, f.message
        assert f.line >= 1, f
    if loaded.errors:
        assert any(f.rule_id == "IAM001" for f in findings), "a parse error must be a finding"


def check_terraform(data: bytes) -> None:
    from checker.api import check
    from checker.settings import InputError, Settings

    with tempfile.TemporaryDirectory(prefix="cp-fuzz-") as tmp:
        module = Path(tmp) / "module"
        module.mkdir()
        (module / "main.tf").write_bytes(data)
        try:
            report = check([module], Settings())
        except InputError:
            return
        for f in report.findings:
            assert "internal error" not in f.message, f.message
