"""Generated documentation is never stale: the README's rules table and rules/README.md come from the
rules' own docstrings (scripts/gen_rules_table.py), read from the registry at test time."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from checker.engine.registry import all_rules
from checker.reporters import REPORTERS

REPO = Path(__file__).resolve().parents[1]
FIX = "run `python scripts/gen_rules_table.py` and commit README.md and rules/README.md"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_rules_table", REPO / "scripts" / "gen_rules_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_rules_table_is_up_to_date(gen: ModuleType) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme == gen.update_readme(readme), f"the rules table in README.md is stale: {FIX}"


def test_rules_readme_is_up_to_date(gen: ModuleType) -> None:
    path = REPO / "rules" / "README.md"
    assert path.is_file(), f"rules/README.md is missing: {FIX}"
    assert path.read_text(encoding="utf-8") == gen.rules_readme(), f"rules/README.md is stale: {FIX}"


def test_generated_docs_cover_every_rule_with_its_metadata(gen: ModuleType) -> None:
    table = gen.rules_table("rules/README.md").splitlines()
    reference = gen.rules_readme()
    rules = all_rules()
    assert len(table) == 2 + len(rules)
    for row, cls in zip(table[2:], rules, strict=True):
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
        assert cells == [f"[{cls.id}](rules/README.md#{cls.id.lower()}-{cls.name})", cls.name, cls.severity.value,
                         "yes" if cls.ignorable else "no", cls.title().replace("|", "\\|")]
        # The heading's GitHub anchor is what Rule.help_url (and SARIF helpUri) points at.
        assert f"\n## {cls.id} {cls.name}\n" in reference
        assert cls.help_url().endswith(f"#{cls.id.lower()}-{cls.name}")
        assert "\n### Why is this bad?\n" in reference


def test_update_readme_needs_its_markers(gen: ModuleType) -> None:
    with pytest.raises(ValueError, match="rules-table:start"):
        gen.update_readme("# no markers here\n")
    text = "before\n<!-- rules-table:start -->\nold table\n<!-- rules-table:end -->\nafter\n"
    out = gen.update_readme(text)
    assert out.startswith("before\n<!-- rules-table:start -->\n| id | name |")
    assert out.endswith("<!-- rules-table:end -->\nafter\n") and "old table" not in out


def test_check_mode_names_stale_files_and_writes_nothing(gen: ModuleType, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "rules").mkdir()
    readme = "# x\n<!-- rules-table:start -->\nold\n<!-- rules-table:end -->\n"
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    assert gen.main(["--check"], root=tmp_path) == 1
    assert capsys.readouterr().err.splitlines() == [
        "README.md is stale: run python scripts/gen_rules_table.py",
        "rules/README.md is stale: run python scripts/gen_rules_table.py"]
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == readme
    assert not (tmp_path / "rules" / "README.md").exists()
    assert gen.main([], root=tmp_path) == 0
    assert gen.main(["--check"], root=tmp_path) == 0
    assert (tmp_path / "rules" / "README.md").read_text(encoding="utf-8") == gen.rules_readme()


def test_readme_documents_every_output_format() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- section: reporters (issue 6: reporters) -->")
    section = readme[start: readme.index("\n## ", start)]
    for name in REPORTERS:
        assert f"`{name}`" in section, f"README's output formats section does not document {name!r}"
    assert "explain" in section and "markdown" in section
