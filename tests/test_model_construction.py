"""The fast constructors of the model give the same objects as pydantic's validating constructor."""

from __future__ import annotations

import pickle

import pytest

from checker.model import Located, PolicyDocument, Problem, Statement


def test_located_at_equals_validated() -> None:
    for value, line in [("s3:GetObject", 3), ("", 0), ("é*", 10**6)]:
        fast, trusted, valid = Located.at(value, line), Located.trusted(value=value, line=line), Located(value=value, line=line)
        assert fast == trusted == valid
        assert fast.model_fields_set == valid.model_fields_set == {"value", "line"}
        assert hash(fast) == hash(valid) and repr(fast) == repr(valid)
        assert fast.model_dump() == valid.model_dump()
        assert pickle.loads(pickle.dumps(fast)) == valid


def test_trusted_defaults_factories_and_errors() -> None:
    s1, s2 = Statement.trusted(index=0), Statement.trusted(index=1, sid="A")
    assert s1 == Statement(index=0) and s2 == Statement(index=1, sid="A")
    assert s1.condition == {} and s1.condition is not Statement.trusted(index=0).condition
    assert s2.model_fields_set == {"index", "sid"}
    assert list(s2.__dict__) == list(Statement(index=1, sid="A").__dict__)  # field order kept
    doc = PolicyDocument.trusted(file="f", address="a", problems=(Problem.trusted(message="m"),))
    assert doc == PolicyDocument.model_validate({"file": "f", "address": "a", "problems": [{"message": "m"}]})
    with pytest.raises(TypeError, match="missing required field 'value'"):
        Located.trusted(line=1)
    with pytest.raises(TypeError, match=r"unknown field\(s\) \['bogus'\]"):
        Located.trusted(value="a", bogus=1)
