"""The fast JSON writer gives exactly json.dumps(value, indent=2, ensure_ascii=False)."""

from __future__ import annotations

import json
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.reporters._jsonfmt import dumps

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.lists(st.text(), max_size=5) | st.tuples(inner, inner)
    | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_same_text_as_json_dumps(value: Any) -> None:
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 3


def test_unusual_values_keep_json_dumps_behaviour() -> None:
    for value in [{1: "a", None: 2}, {"k": Colour.RED, Colour.RED: Size.BIG}, [Colour.RED, "x"],
                  {"deep": [[[]]], "e": {}}, "\u2028<&>\x00é", [1.5, -0.0, 1e300]]:
        assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
    for bad in [{"s": {1, 2}}, [object()]]:
        try:
            json.dumps(bad, indent=2)
        except TypeError as exc:
            expected = str(exc)
        else:  # pragma: no cover
            raise AssertionError
        try:
            dumps(bad)
        except TypeError as exc:
            assert str(exc) == expected
        else:  # pragma: no cover
            raise AssertionError("dumps accepted a value json refuses")


def test_verbatim_text_is_written_as_is_and_never_handed_to_json_dumps() -> None:
    from checker.reporters._jsonfmt import Unusual, Verbatim

    assert dumps({"a": Verbatim("[\n    1\n  ]"), "b": 2}) == json.dumps({"a": [1], "b": 2}, indent=2)
    with pytest.raises(Unusual):  # json.dumps would write the verbatim text as a string
        dumps({"a": Verbatim("[]"), "b": float("nan")})
    assert dumps({"a": "[]", "b": float("nan")}) == json.dumps({"a": "[]", "b": float("nan")}, indent=2)
