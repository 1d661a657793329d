"""The import's JSON parse (msgspec, with json as the fallback) is json.loads(parse_float=
Decimal) exactly: the same values of the same types, and the same error on bad input."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ordermill.transfer.orderfile import parse_json_line


def _outcome(parse: Any, raw: bytes) -> tuple[str, str]:
    """What a parse gives: the value's repr (exact digits of Decimals, types, key order) or
    the error's type and message."""
    try:
        return ("value", repr(parse(raw)))
    except (ValueError, RecursionError) as exc:
        return (type(exc).__name__, str(exc))


def _reference(raw: bytes) -> Any:
    return json.loads(raw, parse_float=Decimal)


def _same(raw: bytes) -> None:
    assert _outcome(parse_json_line, raw) == _outcome(_reference, raw)


_EDGES = [
    b'{"a":1.10}',
    b'{"a":-0.0,"b":-0,"c":1E5,"d":1e-7,"e":1e400,"f":0.1e+2}',
    b'{"a":12345678901234567890123,"b":-9223372036854775809,"c":18446744073709551616}',
    b'{"a":NaN,"b":Infinity,"c":-Infinity}',
    b'{"a":"\\ud800","b":"\\udc00\\ud800","c":"\\ud83d\\ude00"}',
    b'{"a":1,"a":2}',
    b'{"a":"x\x01"}',
    b'{"a":"\\u0000","b":"\\/","c":"\\b\\f\\n\\r\\t"}',
    b' {"a":1} \n',
    b'{"a":1}\r\n',
    b'{"a":"\xff"}',
    b'{"a":"\xc3"}',
    b'\xef\xbb\xbf{"a":1}',
    b'{"a":01}',
    b'{"a":1.}',
    b'{"a":.5}',
    b'{"a":+1}',
    b'{"a":1}\x00',
    b'{"a":1}\x0c',
    b'\xc2\xa0{"a":1}',
    b"{'a':1}",
    b'{"a":1,}',
    b"[1,2,]",
    b'{"a":tru}',
    b'"text"',
    b"42",
    b"",
    b"  ",
    b'{"\xc3\xa9t\xc3\xa9":"\xe2\x82\xac"}',
    b'{"a": [1, {"b": [true, false, null]}]}',
    b"[" * 5000 + b"]" * 5000,
    b'{"a":"x"}{"b":1}',
    b'{"a":1e}',
    b'{"a":-}',
    b'{"a":"\\x"}',
    b'{"a":"\\u12"}',
    '{"a":"\u2028\u2029"}'.encode(),
    "{}".encode("utf-16"),
]


def test_edge_cases_parse_as_json_does() -> None:
    for raw in _EDGES:
        _same(raw)


_NUMBER_TEXT = st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,12})?([eE][+-]?[0-9]{1,3})?\Z")
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.text(),
    _NUMBER_TEXT.map(lambda t: ("number", t)),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _to_json(value: Any, ensure_ascii: bool) -> str:
    """JSON text with numbers written as generated (json.dumps would normalize them)."""
    if isinstance(value, tuple):
        return str(value[1])
    if isinstance(value, list):
        return "[" + ",".join(_to_json(v, ensure_ascii) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(k, ensure_ascii=ensure_ascii)}: {_to_json(v, ensure_ascii)}"
                for k, v in value.items()
            )
            + "}"
        )
    return json.dumps(value, ensure_ascii=ensure_ascii)


@settings(max_examples=400, deadline=None)
@given(value=_values, ensure_ascii=st.booleans())
def test_valid_json_parses_to_the_same_values(value: Any, ensure_ascii: bool) -> None:
    raw = _to_json(value, ensure_ascii).encode("utf-8", "surrogatepass")
    _same(raw)


@settings(max_examples=400, deadline=None)
@given(value=_values, cut=st.integers(min_value=0), insert=st.binary(max_size=3))
def test_damaged_json_fails_or_parses_as_json_does(value: Any, cut: int, insert: bytes) -> None:
    raw = _to_json(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    at = cut % (len(raw) + 1)
    _same(raw[:at] + insert + raw[at + 1 :])


@settings(max_examples=400, deadline=None)
@given(raw=st.binary(max_size=40))
@example(raw=b'{"a":NaN}')
def test_arbitrary_bytes_fail_or_parse_as_json_does(raw: bytes) -> None:
    _same(raw)
