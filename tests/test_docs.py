"""The documentation holds together: the rules table of docs/rules.md and rules/README.md are generated
from the rules' own docstrings (scripts/gen_rules_table.py) and never stale; the README stays a short
front page whose links resolve; no section is labelled by a tracker number."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from repo_snapshot import load_script

from checker.engine.registry import all_rules
from checker.reporters import REPORTERS

REPO = Path(__file__).resolve().parents[1]
FIX = "run `python scripts/gen_rules_table.py` and commit docs/rules.md and rules/README.md"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return load_script("gen_rules_table")


def test_rules_page_table_is_up_to_date(gen: ModuleType) -> None:
    page = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == gen.update_rules_page(page), f"the rules table in docs/rules.md is stale: {FIX}"


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


def test_update_rules_page_needs_its_markers(gen: ModuleType) -> None:
    with pytest.raises(ValueError, match="rules-table:start"):
        gen.update_rules_page("# no markers here\n")
    text = "before\n<!-- rules-table:start -->\nold table\n<!-- rules-table:end -->\nafter\n"
    out = gen.update_rules_page(text)
    assert out.startswith("before\n<!-- rules-table:start -->\n| id | name |")
    # docs/rules.md links each rule to rules/README.md from one folder down.
    assert "| [IAM101](../rules/README.md#iam101-write-action-allowed) |" in out
    assert out.endswith("<!-- rules-table:end -->\nafter\n") and "old table" not in out


def test_check_mode_names_stale_files_and_writes_nothing(gen: ModuleType, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "docs").mkdir()
    page = "# x\n<!-- rules-table:start -->\nold\n<!-- rules-table:end -->\n"
    (tmp_path / "docs" / "rules.md").write_text(page, encoding="utf-8")
    assert gen.main(["--check"], root=tmp_path) == 1
    assert capsys.readouterr().err.splitlines() == [
        "docs/rules.md is stale: run python scripts/gen_rules_table.py",
        "rules/README.md is stale: run python scripts/gen_rules_table.py"]
    assert (tmp_path / "docs" / "rules.md").read_text(encoding="utf-8") == page
    assert not (tmp_path / "rules" / "README.md").exists()
    assert gen.main([], root=tmp_path) == 0
    assert gen.main(["--check"], root=tmp_path) == 0
    assert (tmp_path / "rules" / "README.md").read_text(encoding="utf-8") == gen.rules_readme()


def test_output_page_documents_every_output_format() -> None:
    page = (REPO / "docs" / "output.md").read_text(encoding="utf-8")
    table = page[page.index("| format | for | what it holds |"): page.index("\n\n", page.index("| format |"))]
    documented = {m.group(1) for m in re.finditer(r"^\| `(\w+)` \|", table, re.M)}
    assert documented == set(REPORTERS), "docs/output.md's table of formats differs from checker.reporters"
    for name in set(REPORTERS) - {"json"}:
        assert f"**`{name}`**" in page, f"docs/output.md has no paragraph on {name!r}"
    assert "\n## JSON report\n" in page
    assert "\n## explain: what a role may do, for audit\n" in page


# --- the README and the reference pages --------------------------------------------------------------

README_MAX_LINES = 400
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
TRACKER_LABEL = re.compile(r"\bissues?[ -]?#?\d+|\(#\d+\)|\bissue \"[^\"]+\"", re.I)


def markdown_files() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def outside_fences(text: str) -> str:
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            out.append(line)
    return "\n".join(out)


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown file: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for line in outside_fences(path.read_text(encoding="utf-8")).splitlines():
        m = re.match(r"^#{1,6} (.+)$", line)
        if m:
            found.add(re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-"))
    return found


def test_readme_is_a_short_front_page() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    lines = readme.count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move reference material to docs/"
    # The command list names every command, verify included.
    commands = readme[readme.index("\n## Commands\n"): readme.index("\n## Exit codes\n")]
    for command in ("check", "explain", "baseline", "pre-commit", "verify", "rules", "catalog"):
        assert f"| `{command}" in commands, command
    # examples/ is introduced: every file in it is named, with the command that runs it.
    for example in sorted((REPO / "examples").iterdir()):
        assert f"check-permissions check examples/{example.name}" in readme, example.name


@pytest.mark.parametrize("doc", markdown_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(doc: Path) -> None:
    for target in LINK.findall(outside_fences(doc.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        assert path.exists(), f"{doc.relative_to(REPO)} links to {target}, which does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in anchors(path), f"{doc.relative_to(REPO)} links to {target}: no such heading"


def test_readme_links_every_reference_page() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = {t.partition("#")[0] for t in LINK.findall(readme)}
    for page in sorted((REPO / "docs").glob("*.md")):
        if page.name != "README.md":
            assert f"docs/{page.name}" in linked, f"README.md does not link docs/{page.name}"


def source_texts() -> list[Path]:
    files = [*markdown_files(), *sorted((REPO / "policies").glob("*.toml"))]
    for folder in ("checker", "rules", "tests", "benchmarks", "scripts"):
        files += sorted(p for p in (REPO / folder).rglob("*.py") if "fuzz/regressions" not in p.as_posix())
    return files


def test_no_section_is_labelled_by_a_tracker_number() -> None:
    labelled = []
    for path in source_texts():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TRACKER_LABEL.search(line):
                labelled.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert not labelled, "say what the section is about, not which issue asked for it:\n" + "\n".join(labelled)


def test_readme_example_runs_are_what_the_gate_prints() -> None:
    """Each `$ check-permissions ...` of the README's console blocks, run here: same output, same exit code."""
    import shlex
    import subprocess
    import sys

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    runs = 0
    for block in re.findall(r"^```console\n(.*?)^```", readme, re.S | re.M):
        for m in re.finditer(r"^\$ check-permissions ([^\n]*)\n(.*?)(?=^\$ (?!echo)|\Z)", block, re.S | re.M):
            args, shown = shlex.split(m.group(1)), m.group(2)
            code = re.search(r"^\$ echo \$\?\n(\d+)\n", shown, re.M)
            printed = shown[: code.start()] if code else shown
            r = subprocess.run([sys.executable, "check_permissions.py", *args], cwd=REPO, capture_output=True,
                               text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
            assert r.stdout == printed, f"README's output of `check-permissions {m.group(1)}` is stale"
            assert r.returncode == (int(code.group(1)) if code else 0)
            runs += 1
    assert runs >= 2
