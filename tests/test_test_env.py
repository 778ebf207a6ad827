"""The test environment is the same on every machine: the README's test command and ``.ci/run`` are one
line, and it installs the ``test`` extra with ``constraints/test.txt``, which pins every distribution
the tests run on (scripts/lock_test_env.py regenerates it)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "constraints" / "test.txt"
COMMAND = "python3 -m venv .venv && .venv/bin/pip install -q -c constraints/test.txt -e '.[test]' && .venv/bin/pytest"


def _test_command_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if ".venv/bin/pytest" in line and not line.lstrip().startswith("#")]


def test_readme_and_ci_run_one_test_command_with_the_lock() -> None:
    assert _test_command_lines((REPO / "README.md").read_text(encoding="utf-8")) == [COMMAND]
    assert _test_command_lines((REPO / ".ci" / "run").read_text(encoding="utf-8")) == [COMMAND]


def test_the_lock_pins_every_requirement_of_the_tests_exactly() -> None:
    pins: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)", line)
        assert m, f"constraints/test.txt: not an exact pin: {line!r}"
        name = canonicalize_name(m.group(1))
        assert name not in pins, f"constraints/test.txt pins {name} twice"
        pins[name] = m.group(2)
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert canonicalize_name(project["name"]) not in pins, "the lock must not pin the project itself"
    extras = project["optional-dependencies"]
    own = canonicalize_name(project["name"])
    wanted = [Requirement(r) for r in (*project["dependencies"], *extras["test"])]
    # The test extra names the project's own extras (check-permissions[build,verify]): pin what they hold.
    for req in [r for r in wanted if canonicalize_name(r.name) == own]:
        wanted += [Requirement(r) for extra in sorted(req.extras) for r in extras[extra]]
    for req in (r for r in wanted if canonicalize_name(r.name) != own):
        name = canonicalize_name(req.name)
        assert name in pins, f"constraints/test.txt does not pin {req.name}: run python3 scripts/lock_test_env.py"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints/test.txt pins {name}=={pins[name]}, outside {req}: run python3 scripts/lock_test_env.py")
