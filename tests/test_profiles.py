"""Gate profiles: built-in ones are read without validation, so they must equal their validated form."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from checker.engine.findings import Severity
from checker.engine.profiles import (
    Profile,
    ProfileError,
    _parse,
    _trusted,
    builtin_profile_names,
    load_profile,
)


def test_there_are_builtin_profiles() -> None:
    assert builtin_profile_names() == ["audit", "read-only"]


@pytest.mark.parametrize("name", builtin_profile_names())
def test_builtin_profile_equals_its_validated_form(name: str) -> None:
    text = resources.files("checker.policies").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    validated = _parse(text, f"policies/{name}.toml")  # every validator runs: rule ids, patterns, levels
    fast = load_profile(name)
    assert fast == validated
    assert fast.model_dump() == validated.model_dump()
    assert fast.model_fields_set == validated.model_fields_set
    for rule_id, setting in fast.rules.items():
        assert type(setting.severity) is type(validated.rules[rule_id].severity)


def test_trusted_converts_every_field_type() -> None:
    data = tomllib.loads("""
name = "x"
allowed_levels = ["List"]
fail_on = "warning"
trusted_accounts = ["123456789012"]
forbidden_categories = ["cost"]
unscoped_data_reads = ["logs:GetLogEvents"]
allowed_services = ["CE", "s3"]
[category_exceptions]
cost = ["ce:*"]
[rules.IAM101]
enabled = false
[rules.IAM103]
severity = "error"
""")
    fast = _trusted(data)
    assert fast == Profile.model_validate(data)
    assert fast.fail_on is Severity.WARNING
    assert fast.allowed_services == ("ce", "s3")
    assert fast.rules["IAM103"].severity is Severity.ERROR


def test_a_profile_file_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[rules.IAM999]\nenabled = true\n', encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(str(path))
    assert str(exc.value) == f"{path}: invalid profile: rules: Value error, no rule 'IAM999' (see `check-permissions rules`)"
    path.write_text('name = "mine"\n[rules.write-action-allowed]\nenabled = true\n', encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(str(path))
    assert "no rule 'write-action-allowed' (write its id, IAM101)" in str(exc.value)


@pytest.mark.parametrize("name", ["read-only", "audit", "Read-Only "])
def test_a_profile_file_cannot_take_a_built_in_name(tmp_path: Path, name: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(f'name = "{name}"\nallowed_levels = ["List", "Read", "Write"]\n', encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(str(path))
    assert str(exc.value) == (f"{path}: invalid profile: name {name!r} is a built-in profile's name; "
                              "a profile file must have a name of its own")


def test_a_profile_file_is_named_by_its_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nallowed_levels = ["List"]\n', encoding="utf-8")
    profile = load_profile(str(path))
    assert (profile.name, profile.allowed_levels) == (str(path), ("List",))
