"""Tests of checker.sources.jsonpos: positions, duplicates, strictness, encodings, depth."""

from __future__ import annotations

import codecs
import json
import pickle
import sys
from pathlib import Path
from typing import Any

import jsonpos_oracle
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonpos_oracle import parse_reference

from checker.sources import jsonpos
from checker.sources.jsonpos import (
    MAX_DEPTH,
    DuplicateKey,
    JsonNode,
    JsonSyntaxError,
    ParsedJson,
    decode_text,
    parse_json,
)

POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "s3:ListBucket",
        "iam:PassRole"
      ],
      "Resource": "*"
    },
    {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": ["arn:aws:s3:::b/*"]}
  ]
}
"""


def error_of(text: str | bytes) -> JsonSyntaxError:
    with pytest.raises(JsonSyntaxError) as info:
        parse_json(text)
    return info.value


# --- positions ---------------------------------------------------------------------------------


def test_policy_lines_of_each_action() -> None:
    root = parse_json(POLICY).root
    statements = root.get("Statement")
    assert statements is not None and statements.kind == "array"
    actions = statements.items[0].get("Action")
    assert actions is not None
    assert [(a.value, a.line, a.col, a.end_line) for a in actions.items] == [
        ("s3:GetObject", 8, 9, 8),
        ("s3:ListBucket", 9, 9, 9),
        ("iam:PassRole", 10, 9, 10),
    ]
    assert (actions.kind, actions.line, actions.col, actions.end_line) == ("array", 7, 17, 11)
    assert [(k, line) for k, line, _ in statements.items[0].members] == [
        ("Sid", 5),
        ("Effect", 6),
        ("Action", 7),
        ("Resource", 12),
    ]
    second = statements.items[1]
    assert (second.line, second.col, second.end_line) == (14, 5, 14)
    deny = second.get("Action")
    assert deny is not None
    assert (deny.kind, deny.value, deny.line, deny.col) == ("string", "s3:DeleteObject", 14, 34)
    assert (root.line, root.col, root.end_line) == (1, 1, 16)
    assert root.lookup(["Statement", 1, "Resource", 0]) == JsonNode("string", 14, 66, 14, "arn:aws:s3:::b/*")
    assert root.lookup(["Statement", 2]) is None
    assert root.lookup(["Statement", "x"]) is None
    assert root.lookup(["Version", 0]) is None
    assert root.to_python() == json.loads(POLICY)


def test_scalar_kinds_and_values() -> None:
    root = parse_json('[1, -0, 1.0, 2e3, 1e400, "x", true, false, null, {}, []]').root
    assert [(n.kind, n.value, n.col) for n in root.items] == [
        ("number", 1, 2),
        ("number", 0, 5),
        ("number", 1.0, 9),
        ("number", 2000.0, 14),
        ("number", float("inf"), 19),
        ("string", "x", 26),
        ("true", True, 31),
        ("false", False, 37),
        ("null", None, 44),
        ("object", None, 50),
        ("array", None, 54),
    ]
    assert [type(n.value) for n in root.items[:5]] == [int, int, float, float, float]


def test_crlf_tabs_and_escaped_strings() -> None:
    text = '{\r\n\t"a\\u00e9": "tab\\there",\r\n\t"b": "\\ud83d\\ude00"\r\n}'
    root = parse_json(text).root
    assert [(k, line, n.value, n.line, n.col) for k, line, n in root.members] == [
        ("a\u00e9", 2, "tab\there", 2, 13),
        ("b", 3, "\U0001f600", 3, 7),
    ]
    assert root.end_line == 4


def test_columns_count_characters_not_bytes() -> None:
    root = parse_json('["é€😀", 1]'.encode()).root
    assert [(n.value, n.col) for n in root.items] == [("é€😀", 2), (1, 9)]


def test_node_is_a_frozen_dataclass() -> None:
    node = parse_json('{"a": [1]}').root
    assert type(node) is JsonNode
    assert node == JsonNode(
        "object",
        1,
        1,
        1,
        None,
        (),
        (("a", 1, JsonNode("array", 1, 7, 1, None, (JsonNode("number", 1, 8, 1, 1),))),),
    )
    with pytest.raises(AttributeError):
        node.line = 2  # type: ignore[misc]


# --- duplicates --------------------------------------------------------------------------------

DUPLICATED = """{
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*",
      "Action": "iam:*",
      "Condition": {"Bool": {"aws:SecureTransport": "true", "aws:SecureTransport": "false"}}
    }
  ],
  "Statement": [],
  "Act\\u0069on": 1,
  "Action": 2
}"""


def test_duplicate_keys_keep_both_and_report_lines_and_path() -> None:
    parsed = parse_json(DUPLICATED)
    assert parsed.duplicates == (
        DuplicateKey("Action", 7, 5, ("Statement", 0)),
        DuplicateKey("aws:SecureTransport", 8, 8, ("Statement", 0, "Condition", "Bool")),
        DuplicateKey("Statement", 11, 2, ()),
        DuplicateKey("Action", 13, 12, ()),
    )
    root = parsed.root
    # The first Statement list is still there, with both Actions in source order.
    first = root.members[0][2]
    assert [(k, line, n.value) for k, line, n in first.items[0].members if k == "Action"] == [
        ("Action", 5, "s3:GetObject"),
        ("Action", 7, "iam:*"),
    ]
    statement = first.items[0]
    assert statement.get("Action") == JsonNode("string", 7, 17, 7, "iam:*")
    # get() and to_python() keep the last duplicate, like json.
    assert root.get("Statement") == JsonNode("array", 11, 16, 11, None)
    assert root.to_python() == json.loads(DUPLICATED)
    assert list(root.to_python()) == ["Statement", "Action"]


def test_three_duplicates_name_the_first() -> None:
    parsed = parse_json('[{"k": 1,\n"k": 2,\n"k": 3}]')
    assert parsed.duplicates == (DuplicateKey("k", 2, 1, (0,)), DuplicateKey("k", 3, 1, (0,)))


def test_keys_differing_only_after_unescaping_are_duplicates_but_not_case() -> None:
    parsed = parse_json('{"a": 1, "\\u0061": 2, "A": 3}')
    assert parsed.duplicates == (DuplicateKey("a", 1, 1, ()),)


# --- encodings ---------------------------------------------------------------------------------


def test_utf8_bom_is_accepted_and_reported() -> None:
    parsed = parse_json(codecs.BOM_UTF8 + b'{"a":\n "b"}')
    assert parsed.had_bom is True
    assert (parsed.root.line, parsed.root.col) == (1, 1)
    assert parsed.root.get("a") == JsonNode("string", 2, 2, 2, "b")
    assert parse_json("{}").had_bom is False
    assert parse_json("\ufeff[1]").root.items[0].col == 2


def test_bom_does_not_shift_error_columns() -> None:
    assert (
        str(error_of(codecs.BOM_UTF8 + b"[1,]"))
        == "Illegal trailing comma before end of array at line 1 column 3"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32(encoding: str) -> None:
    text = '{"Action":\n ["s3:GetObject", "é"]}'
    data = text.encode(encoding)
    bom = encoding in ("utf-16", "utf-32")
    assert decode_text(data) == ("\ufeff" + text if bom else text)
    parsed = parse_json(data)
    assert parsed.had_bom is bom
    assert parsed.root.to_python() == {"Action": ["s3:GetObject", "é"]}
    action = parsed.root.get("Action")
    assert action is not None
    assert [(n.line, n.col) for n in action.items] == [(2, 3), (2, 19)]


def test_invalid_utf8_names_line_and_byte_offset() -> None:
    error = error_of(b'{\n  "Action": "s3:\xffGet"\n}')
    assert (error.message, error.line, error.col) == ("Invalid UTF-8 (byte 0xff at byte offset 18)", 2, 17)
    assert str(error) == "Invalid UTF-8 (byte 0xff at byte offset 18) at line 2 column 17"


def test_truncated_utf16() -> None:
    error = error_of(codecs.BOM_UTF16_LE + "[1]".encode("utf-16-le") + b"\x00")
    assert error.message == "Invalid UTF-16LE (truncated data at byte offset 8)"
    assert (error.line, error.col) == (1, 4)


def test_binary_bytes() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert str(error_of(png)) == "Invalid UTF-8 (byte 0x89 at byte offset 0) at line 1 column 1"
    assert str(error_of(b"\x7fELF\x02\x01\x01")) == "Expecting value at line 1 column 1"


# --- errors ------------------------------------------------------------------------------------

ERRORS = [
    ("", "Empty file: expecting a JSON value at line 1 column 1"),
    (" \n\t\r\n  ", "Expecting value (the file holds only whitespace) at line 3 column 3"),
    (
        '{"a": [1,\n 2',
        "Unexpected end of file: '[' opened at line 1 column 7 is not closed at line 2 column 3",
    ),
    ('{"a": 1', "Unexpected end of file: '{' opened at line 1 column 1 is not closed at line 1 column 8"),
    ('{"a"', "Unexpected end of file: '{' opened at line 1 column 1 is not closed at line 1 column 5"),
    ('{"a": "b', "Unterminated string starting at line 1 column 7"),
    ('["a", "b",\n]', "Illegal trailing comma before end of array at line 1 column 10"),
    ('{"a": 1 ,  }', "Illegal trailing comma before end of object at line 1 column 9"),
    ('{\n  // allow reads\n  "a": 1}', "Comments are not allowed in JSON at line 2 column 3"),
    ('{"a": 1 /* x */}', "Comments are not allowed in JSON at line 1 column 9"),
    ("[NaN]", "NaN and Infinity are not valid JSON numbers at line 1 column 2"),
    ("[1, Infinity]", "NaN and Infinity are not valid JSON numbers at line 1 column 5"),
    ("[-Infinity]", "NaN and Infinity are not valid JSON numbers at line 1 column 2"),
    ("{'a': 1}", "Expecting property name enclosed in double quotes at line 1 column 2"),
    ("['a']", "Expecting value: strings must be enclosed in double quotes at line 1 column 2"),
    ('{"a" 1}', "Expecting ':' delimiter at line 1 column 6"),
    ('{"a": 1 "b": 2}', "Expecting ',' delimiter at line 1 column 9"),
    ("[1 2]", "Expecting ',' delimiter at line 1 column 4"),
    ('{"a": 1]', "Expecting ',' delimiter or '}', found ']' at line 1 column 8"),
    ("[1}", "Expecting ',' delimiter or ']', found '}' at line 1 column 3"),
    ("{1: 2}", "Expecting property name enclosed in double quotes at line 1 column 2"),
    ("[,1]", "Expecting value at line 1 column 2"),
    ("[1,,2]", "Expecting value at line 1 column 4"),
    ("{,}", "Expecting property name enclosed in double quotes at line 1 column 2"),
    ("[01]", "Expecting ',' delimiter at line 1 column 3"),
    ("[1.]", "Expecting ',' delimiter at line 1 column 3"),
    ("[.5]", "Expecting value at line 1 column 2"),
    ("[+1]", "Expecting value at line 1 column 2"),
    ("[-]", "Expecting value at line 1 column 2"),
    ("[True]", "Expecting value at line 1 column 2"),
    ("[nul]", "Expecting value at line 1 column 2"),
    ("[truex]", "Expecting value at line 1 column 2"),
    ('{"a": 1}}', "Extra data at line 1 column 9"),
    ('{"a": 1}\n{"b": 2}', "Extra data at line 2 column 1"),
    ("1 2", "Extra data at line 1 column 3"),
    ('"a\tb"', "Invalid control character U+0009 in string (it must be escaped) at line 1 column 3"),
    ('["a\nb"]', "Invalid control character U+000A in string (it must be escaped) at line 1 column 4"),
    ('["\\x"]', "Invalid \\escape at line 1 column 3"),
    ('["\\u12"]', "Invalid \\uXXXX escape at line 1 column 4"),
    ('"\\', "Unterminated string starting at line 1 column 1"),
    ('"\\"', "Unterminated string starting at line 1 column 1"),
    ("[\u00a01]", "Expecting value at line 1 column 2"),
    ("[\ufeff1]", "Expecting value at line 1 column 2"),
    ("[\u0661]", "Expecting value at line 1 column 2"),  # an Arabic-Indic digit is no JSON digit
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_syntax_errors(text: str, message: str) -> None:
    error = error_of(text)
    assert str(error) == message
    assert not json_accepts(text)  # json rejects them all too


def test_error_attributes_and_pickling() -> None:
    error = error_of('{\n  "a": [1,\n    2,\n  ]\n}')
    assert (error.message, error.line, error.col) == ("Illegal trailing comma before end of array", 3, 6)
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.message, copy.line, copy.col, str(copy)) == (
        JsonSyntaxError,
        error.message,
        3,
        6,
        str(error),
    )
    assert isinstance(error, ValueError)


def test_integer_too_long_is_a_syntax_error() -> None:
    error = error_of("[" + "9" * 5000 + "]")
    assert str(error) == "Integer with 5000 digits is too long at line 1 column 2"


def test_huge_exponent_is_kept_as_infinity() -> None:
    assert parse_json('{"a": -1e400}').root.to_python() == {"a": float("-inf")}


# --- depth -------------------------------------------------------------------------------------


def test_200000_nested_brackets() -> None:
    error = error_of("[" * 200_000)
    assert str(error) == f"Nesting deeper than {MAX_DEPTH} arrays and objects at line 1 column {MAX_DEPTH + 1}"
    error = error_of('{"a":' * 200_000)
    assert (error.message, error.line, error.col) == (f"Nesting deeper than {MAX_DEPTH} arrays and objects", 1,
                                                      5 * MAX_DEPTH + 1)


def test_maximum_depth_is_accepted_and_converts_without_recursion() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    root = parse_json(text).root
    value: Any = root.to_python()
    depth = 0
    while value:
        value = value[0]
        depth += 1
    assert depth == MAX_DEPTH - 1 and value == []
    path: list[str | int] = [0] * (MAX_DEPTH - 1)
    deepest = root.lookup(path)
    assert deepest is not None and (deepest.col, deepest.items) == (MAX_DEPTH, ())
    assert str(error_of("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))).endswith(f"column {MAX_DEPTH + 1}")


# --- chunk boundaries of the oracle's tokenizer --------------------------------------------------------------------------


@pytest.mark.parametrize("shift", range(12))
def test_tokens_cut_by_chunk_boundaries(shift: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonpos_oracle, "_CHUNK", 7)
    lines = [
        " " * shift + '["ab\\"c\\u00e9", 12345.5e-3, true,',
        '"' + "x" * 40 + '", null,',
        '-0, {"k":',
        "false}]",
    ]
    text = "\n".join(lines)
    root = parse_json(text).root
    assert jsonpos_oracle._parse_reference(text).root == root  # the chunked tokenizer is the reference's
    assert root.to_python() == json.loads(text)
    assert [(n.line, n.col) for n in root.items] == [
        (1, shift + 2),
        (1, shift + 17),
        (1, shift + 29),
        (2, 1),
        (2, 45),
        (3, 1),
        (3, 5),
    ]
    one_line = text.replace("\n", " ")
    assert parse_json(one_line).root.to_python() == json.loads(one_line)
    assert jsonpos_oracle._parse_reference(one_line) == parse_json(one_line)


def test_blank_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonpos_oracle, "_CHUNK", 3)
    text = "\n" * 20 + "[\n" + " \n" * 30 + '"a" ,\n\n\n\n\n\n 1]' + "\n" * 10
    root = parse_json(text).root
    assert jsonpos_oracle._parse_reference(text).root == root
    assert [(n.value, n.line, n.col) for n in root.items] == [("a", 52, 1), (1, 58, 2)]
    assert (root.line, root.end_line) == (21, 58)
    assert str(error_of(text[:-12])) == (
        "Unexpected end of file: '[' opened at line 21 column 1 is not closed at line 58 column 2"
    )


def test_huge_string_token_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonpos_oracle, "_CHUNK", 5)
    text = '\n["' + "y" * 100 + '"]'
    assert parse_json(text).root.items[0] == JsonNode("string", 2, 2, 2, "y" * 100)
    assert jsonpos_oracle._parse_reference(text) == parse_json(text)


# --- agreement with json (hypothesis) ----------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=30,
)
blank = st.text(alphabet=" \t\n\r", max_size=3)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A JSON text with random whitespace between all tokens and random string escaping."""
    value = draw(values)
    ascii_only = draw(st.booleans())
    parts: list[str] = []

    def emit(item: Any) -> None:
        parts.append(draw(blank))
        if isinstance(item, list):
            parts.append("[")
            for i, child in enumerate(item):
                if i:
                    parts.append(draw(blank) + ",")
                emit(child)
            parts.append(draw(blank) + "]")
        elif isinstance(item, dict):
            parts.append("{")
            for i, (key, child) in enumerate(item.items()):
                if i:
                    parts.append(draw(blank) + ",")
                parts.append(draw(blank) + json.dumps(key, ensure_ascii=ascii_only) + draw(blank) + ":")
                emit(child)
            parts.append(draw(blank) + "}")
        else:
            parts.append(json.dumps(item, ensure_ascii=ascii_only))

    emit(value)
    parts.append(draw(blank))
    return "".join(parts)


def offset_of(text: str, line: int, col: int) -> int:
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
    return starts[line - 1] + col - 1


def check_positions(text: str, node: JsonNode) -> None:
    """Each node's line and column are where json finds the same value; end_line holds its end."""
    decoder = json.JSONDecoder()
    todo = [node]
    while todo:
        current = todo.pop()
        start = offset_of(text, current.line, current.col)
        value, end = decoder.raw_decode(text, start)
        assert value == current.to_python()
        assert text.count("\n", 0, end - 1) + 1 == current.end_line
        todo.extend(current.items)
        for _key, key_line, child in current.members:
            assert key_line <= child.line
            todo.append(child)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_values_and_positions_agree_with_json(text: str) -> None:
    parsed = parse_json(text)
    assert parsed.root.to_python() == json.loads(text)
    check_positions(text, parsed.root)
    assert parse_json(text.encode("utf-8")).root == parsed.root


@settings(max_examples=100)
@given(values, st.sampled_from([None, 0, 1, 2, 4, "\t"]), st.booleans())
def test_json_dumps_round_trip(value: Any, indent: int | str | None, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    parsed = parse_json(text)
    assert parsed.root.to_python() == json.loads(text)
    check_positions(text, parsed.root)


def json_accepts(text: str) -> bool:
    def reject(name: str) -> Any:
        raise ValueError(name)

    try:
        json.loads(text, parse_constant=reject)
    except (ValueError, RecursionError):
        return False
    return True


def mutated(text: str, data: st.DataObject, characters: str) -> str:
    """``text`` with one to three characters inserted, deleted or replaced (from ``characters``)."""
    alphabet = st.sampled_from(list(characters))
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        char = data.draw(alphabet)
        if action == "insert":
            text = text[:where] + char + text[where:]
        elif action == "delete":
            text = text[:where] + text[where + 1 :]
        else:
            text = text[:where] + char + text[where + 1 :]
    return text


@settings(max_examples=500)
@given(documents(), st.data())
def test_mutated_documents_accepted_exactly_when_json_accepts(text: str, data: st.DataObject) -> None:
    text = mutated(text, data, '[]{}",:\\ \n0123456789-+.eEtrufalsn/\tu\x00\x1f\u00e9')
    if json_accepts(text):
        assert parse_json(text).root.to_python() == json.loads(text)
    else:
        with pytest.raises(JsonSyntaxError):
            parse_json(text)


# --- parse_json (json's C scanner and a walk) against the reference parser (tests/jsonpos_oracle.py)
#
# Both must give the same tree, positions and duplicates, and every rejected text the same error.

reference = parse_reference


def flatten(parsed: ParsedJson) -> list[Any]:
    """Every field of every node in document order, each value with its type and repr.

    (``==`` alone holds for 1, 1.0 and True, and for 0.0 and -0.0.)
    """
    out: list[Any] = [parsed.had_bom, parsed.duplicates]
    todo = [parsed.root]
    while todo:
        node = todo.pop()
        keys = [(key, key_line) for key, key_line, _ in node.members]
        out.append((node.kind, node.line, node.col, node.end_line, type(node.value), repr(node.value), keys))
        todo.extend(reversed(node.items))
        todo.extend(reversed([child for _, _, child in node.members]))
    return out


def outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        parsed = parse(text)
    except JsonSyntaxError as error:
        return ("error", (error.message, error.line, error.col, str(error)))
    return ("parsed", flatten(parsed))


def assert_fast_path_equals_reference(text: str) -> None:
    expected = reference(text)
    parsed = parse_json(text)
    assert parsed == expected
    assert flatten(parsed) == flatten(expected)


_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def write_string(draw: st.DrawFn, value: str) -> str:
    """``value`` as a JSON string, each character raw or escaped (short form or \\uXXXX) at random."""
    choices = draw(st.lists(st.integers(0, 3), min_size=len(value), max_size=len(value)))
    out = ['"']
    for char, choice in zip(value, choices, strict=True):
        must = char in '"\\' or char < " "
        if choice == 0 and not must:
            out.append(char)
        elif choice == 1 and (char in _SHORT_ESCAPES or char == "/"):
            out.append(_SHORT_ESCAPES.get(char, "\\/"))
        elif ord(char) > 0xFFFF:
            code = ord(char) - 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04X}")
        else:
            out.append(f"\\u{ord(char):04x}" if choice % 2 else f"\\u{ord(char):04X}")
    out.append('"')
    return "".join(out)


json_strings = st.text(max_size=8) | st.sampled_from(
    [
        "",
        "s3:GetObject",
        'say "hi"',
        "back\\slash",
        "tab\tnew\nline\r",
        "\x00\x1f\x7f",
        "é€😀",
        "\ud800",
        "a/b",
    ]
)
json_keys = st.sampled_from(["Action", "Effect", "a", "", "é", 'q"', "\\", "\u2028"]) | st.text(max_size=3)
json_numbers = st.from_regex(r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,8})?([eE][-+]?[0-9]{1,3})?", fullmatch=True)
json_leaves = (
    st.tuples(st.just("string"), json_strings)
    | st.tuples(st.just("number"), json_numbers)
    | st.tuples(st.just("word"), st.sampled_from(["true", "false", "null"]))
)
json_trees = st.recursive(
    json_leaves,
    lambda children: (
        st.tuples(st.just("array"), st.lists(children, max_size=4))
        # Keys from a few names: duplicates are frequent.
        | st.tuples(st.just("object"), st.lists(st.tuples(json_keys, children), max_size=5))
    ),
    max_leaves=25,
)
json_blanks = st.text(alphabet=" \t\n\r", max_size=4) | st.sampled_from(["", "\r\n  ", "\n    ", "\n\n\t"])


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    """A JSON text: strings escaped at random, blanks (``\\r\\n`` too) anywhere, sometimes a BOM."""
    parts: list[str] = [draw(st.sampled_from(["", "", "", "\ufeff"]))]

    def emit(tree: tuple[str, Any]) -> None:
        kind, payload = tree
        parts.append(draw(json_blanks))
        if kind == "string":
            parts.append(write_string(draw, payload))
        elif kind in ("number", "word"):
            parts.append(payload)
        elif kind == "array":
            parts.append("[")
            for i, child in enumerate(payload):
                if i:
                    parts.append(draw(json_blanks) + ",")
                emit(child)
            parts.append(draw(json_blanks) + "]")
        else:
            parts.append("{")
            for i, (key, child) in enumerate(payload):
                if i:
                    parts.append(draw(json_blanks) + ",")
                parts.append(draw(json_blanks) + write_string(draw, key) + draw(json_blanks) + ":")
                emit(child)
            parts.append(draw(json_blanks) + "}")

    emit(draw(json_trees))
    parts.append(draw(json_blanks))
    return "".join(parts)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_texts())
def test_parse_json_equals_the_reference_parser(text: str) -> None:
    assert_fast_path_equals_reference(text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_texts(), st.data())
def test_broken_texts_fail_as_in_the_reference_parser(text: str, data: st.DataObject) -> None:
    where = data.draw(st.integers(0, len(text)))
    how = data.draw(st.sampled_from(["cut", "insert"]))
    if how == "cut":
        broken = text[:where]
    else:
        extra = data.draw(
            st.sampled_from(
                [",", ",,", "NaN", "-Infinity", "Infinity", "// c\n", "/* c */", "'", "\\", '"', "1"]
            )
        )
        broken = text[:where] + extra + text[where:]
    assert outcome(parse_json, broken) == outcome(reference, broken)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_texts(), st.data())
def test_mutated_texts_give_what_the_reference_parser_gives(text: str, data: st.DataObject) -> None:
    text = mutated(text, data, '[]{}",:\\/ \n\r\t0123456789-+.eEtrufalsnNI\ufeff\x00\x1fu\u00e9')
    assert outcome(parse_json, text) == outcome(reference, text)


@pytest.mark.parametrize(
    "text",
    [
        POLICY,
        DUPLICATED,
        '{\r\n\t"a\\u00e9": "tab\\there",\r\n\t"b": "\\ud83d\\ude00"\r\n}',
        "\ufeff[1]",
        '\ufeff\n {"a":\n "b"}',
        '"top"',
        " -1.5e-3 ",
        "null",
        "[]",
        "{}",
        '[{}, [], [[]], {"": {}}]',
        '["é€😀", "\\u00e9", "\ud800", "x"]',
        '{"a": 1, "\\u0061": 2, "A": 3}',
        '[\r"lone CR is no line break",\r\n "b"]',
        "[1, -0, 0.5, 1E400, -1e-400, 12345678901234567890, true, false, null]",
        '\n\n\n{"a"\n:\n\n"b"\n,"c":[\n\n1\n\n]\n\n}\n\n',
        '{"k": 1,\n"k": 2,\n"k": [{"k": 3, "k": 4}]}',
    ],
)
def test_examples_equal_the_reference_parser(text: str) -> None:
    assert_fast_path_equals_reference(text)


def test_escaped_keys_positions_and_duplicate_order() -> None:
    parsed = parse_json('{"a":\n  ["x\\"y", "\\\\", "\\u00e9\\n"],\n "a": {"\\"": 1, "\\u0022": 2}}')
    assert parsed.root.lookup(["a"]) == JsonNode(
        "object",
        3,
        7,
        3,
        None,
        (),
        (('"', 3, JsonNode("number", 3, 14, 3, 1)), ('"', 3, JsonNode("number", 3, 27, 3, 2))),
    )
    assert [(n.value, n.col) for n in parsed.root.members[0][2].items] == [
        ('x"y', 4),
        ("\\", 12),
        ("é\n", 18),
    ]
    # Ordered by line, then as the objects close (the inner one first), as the reference does.
    assert parsed.duplicates == (DuplicateKey('"', 3, 3, ("a",)), DuplicateKey("a", 3, 1, ()))


@pytest.mark.parametrize("text", ["[NaN]", "[1, -Infinity]", "[" + "9" * 5000 + "]", "[1,]", "", "[1] x",
                                  "[" * 100_000, '{"a": [1, NaN, 2}', "[1, 2,\n  " + "9" * 5000 + "]"])
def test_what_the_scanner_rejects_fails_as_in_the_reference_parser(text: str) -> None:
    assert outcome(parse_json, text) == outcome(reference, text)


def test_raised_recursion_limit_checks_depth_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # Under a raised recursion limit the C scanner could overflow the C stack: the depth is checked first.
    monkeypatch.setattr(jsonpos, "getrecursionlimit", lambda: 1_000_000)
    assert parse_json("[1]").root.items[0] == JsonNode("number", 1, 2, 1, 1)
    assert str(error_of("[" * 100_000)) == (
        f"Nesting deeper than {MAX_DEPTH} arrays and objects at line 1 column {MAX_DEPTH + 1}")


def test_walk_to_maximum_depth() -> None:
    """The walk is iterative: MAX_DEPTH is walked where the scanner may recurse; one more is an error."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 3 * MAX_DEPTH))
    try:
        for depth in (MAX_DEPTH - 1, MAX_DEPTH):
            for text in ("[" * depth + "]" * depth, '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)):
                assert flatten(parse_json(text)) == flatten(reference(text))  # iterative, unlike ==
        assert str(error_of("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))).endswith(f"column {MAX_DEPTH + 1}")
    finally:
        sys.setrecursionlimit(limit)


def test_fast_path_frees_the_decoded_values() -> None:
    """The walk empties each decoded container once its nodes are built (peak memory)."""
    value, end = jsonpos._scan_once('{"a": [1, {"b": []}], "c": "d"}', 0)
    members = list(value)
    inner = members[0][1]
    parsed = jsonpos._walk('{"a": [1, {"b": []}], "c": "d"}', value, 0, end)
    assert parsed is not None and parsed.root.to_python() == {"a": [1, {"b": []}], "c": "d"}
    assert value == [] and inner == []


def test_managed_policies_as_the_reference_parser_reads_them(shared_data: Path) -> None:
    """Each of the AWS managed policies, indented and on one line, gives the reference's result."""
    path = shared_data / "aws-managed-policies.json"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    policies = json.loads(path.read_text(encoding="utf-8"))["policies"]
    assert len(policies) > 1000
    for policy in policies:
        for text in (json.dumps(policy["document"], indent=2), json.dumps(policy["document"])):
            assert flatten(parse_json(text)) == flatten(reference(text)), policy["name"]
