"""The order file: what ``export`` writes and ``import`` reads, as JSON Lines or CSV.

JSON Lines: one order per line, an object whose keys are ``place_order``'s arguments
plus ``external_reference`` and, optionally, what an export carries::

    {"external_reference": "X-1", "customer_email": "a@example.com",
     "items": [{"sku": "A", "qty": 1, "price": "3.00"}]}

Export adds ``uuid``, ``order_number``, ``created_at``, ``updated_at``, the three
statuses, ``sub_total`` and ``grand_total`` (checked on import), ``qty_restocked`` per
item and ``shipments`` (each ``{"uuid", "carrier", "tracking_number", "status",
"created_at", "shipped_at", "delivered_at", "canceled_at", "items": [{"line", "qty"}]}``,
``line`` being the 1-based position of the item in ``items``) and ``payments``, its
ledger oldest first (keys and rules in ``transfer.payments``). Money is written as
strings; JSON numbers are read as exact decimals.

CSV: one row per item, ``ORDER_COLUMNS`` then ``ITEM_COLUMNS`` (``CSV_COLUMNS``). Rows of
one order are consecutive and share its ``external_reference`` (or, without one, its
``uuid``). The order's columns are read from its first row; later rows repeat them or
leave them empty. Addresses are the ``shipping_*`` and ``billing_*`` columns (an address
with every cell empty is absent); ``shipments`` and ``payments`` are the lists above as
JSON. A file may have any subset of the columns, in any order; ``customer_email``,
``item_sku``, ``item_qty``, ``item_price`` and ``external_reference`` or ``uuid`` are
required.

Opening a file (``.gz``, the bytes read so far) is ``transfer.streams``'s.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

import msgspec

from ordermill.domain.errors import InvalidImport
from ordermill.domain.order_file import (
    ADDRESS_FIELDS,
    CSV_COLUMNS,
    ITEM_COLUMNS,
    ORDER_COLUMNS,
    FileFormat,
    datetime_text,
    money_text,
)
from ordermill.transfer.streams import (
    COMPRESSION_ERRORS,
    open_for_reading,
    open_for_writing,
    unreadable,
)

__all__ = [
    "ADDRESS_FIELDS",
    "CSV_COLUMNS",
    "ITEM_COLUMNS",
    "ORDER_COLUMNS",
    "FileFormat",
    "ParsedRecord",
    "datetime_text",
    "detect_format",
    "money_text",
    "open_for_reading",
    "open_for_writing",
    "parse_json_line",
    "read_records",
    "record_to_csv_rows",
]

_REQUIRED_CSV = ("customer_email", "item_sku", "item_qty", "item_price")
_INT_COLUMNS = frozenset({"customer_id"})
_JSON_COLUMNS = frozenset({"shipments", "payments"})
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})


def detect_format(path: str | os.PathLike[str]) -> FileFormat:
    """The format a file name implies (``.jsonl``, ``.ndjson``, ``.csv``, optionally ``.gz``)."""
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    raise InvalidImport(
        f"{Path(path).name}: cannot tell the format from the file name;"
        " name it .jsonl or .csv (optionally .gz) or pass the format",
        file=str(path),
    )


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One order read from the file: its data, or why it could not be read."""

    line: int
    data: dict[str, Any] | None
    error: str | None = None

    @property
    def key(self) -> str | None:
        if self.data is None:
            return None
        key = self.data.get("external_reference") or self.data.get("uuid")
        return key if isinstance(key, str) else None


def read_records(
    stream: IO[bytes], file_format: FileFormat, *, name: str = "the file"
) -> Iterator[ParsedRecord]:
    """The file's orders, in order; ``InvalidImport`` naming ``name`` and the line when a
    compressed file ends early or is corrupt (the rows before it were read as usual)."""
    if file_format == "jsonl":
        return _read_jsonl(stream, name)
    return _read_csv(stream, name)


def _read_jsonl(stream: IO[bytes], name: str) -> Iterator[ParsedRecord]:
    number = 0
    try:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                data = parse_json_line(raw)
            except UnicodeDecodeError as exc:
                yield ParsedRecord(number, None, f"not valid UTF-8 ({exc.reason})")
                continue
            except json.JSONDecodeError as exc:
                yield ParsedRecord(number, None, f"not valid JSON: {exc.msg} (column {exc.colno})")
                continue
            if not isinstance(data, dict):
                yield ParsedRecord(
                    number, None, f"expected a JSON object, got {type(data).__name__}"
                )
                continue
            yield ParsedRecord(number, data)
    except COMPRESSION_ERRORS as exc:
        raise unreadable(name, number + 1, exc) from None


# msgspec parses a line in about half json's time. It is only trusted when it succeeds:
# on any input it refuses (NaN, lone surrogates, bad UTF-8, malformed JSON...) the line
# goes through json, so what is accepted, the values and the error messages stay json's
# (pinned by tests/services/test_orderfile_json.py).
_fast_decode = msgspec.json.Decoder(float_hook=Decimal).decode


def parse_json_line(raw: bytes) -> Any:
    """One JSON value, numbers with a fraction or exponent as exact ``Decimal``s: exactly
    ``json.loads(raw, parse_float=Decimal)``, faster."""
    try:
        return _fast_decode(raw)
    except (msgspec.DecodeError, ValueError, RecursionError):
        return json.loads(raw, parse_float=Decimal)


def _read_csv(stream: IO[bytes], name: str) -> Iterator[ParsedRecord]:
    """The orders of a CSV file, in two steps (a compressed file cut short or damaged is
    ``InvalidImport`` naming ``name`` and the line):

    1. The header: every column known, the required ones present, none repeated; a bad
       header refuses the whole file (``InvalidImport``).
    2. The rows (``_csv_rows``), grouped into orders (``_csv_orders``): consecutive rows
       with the same key are one order; a row that cannot be read is its own error record.
    """
    reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
    try:
        columns = _csv_header(reader)
        if columns is None:
            return
        yield from _csv_orders(_csv_rows(reader, columns))
    except COMPRESSION_ERRORS as exc:
        raise unreadable(name, reader.line_num + 1, exc) from None


def _csv_header(reader: _CsvReader) -> list[str] | None:
    """Step 1: the header's columns (``None`` for an empty file)."""
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidImport(f"line 1: cannot read the CSV header ({exc})") from None
    if header is None:
        return None
    columns = [c.strip() for c in header]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    missing = [c for c in _REQUIRED_CSV if c not in columns]
    if "external_reference" not in columns and "uuid" not in columns:
        missing.append("external_reference")
    repeated = len(set(columns)) != len(columns)
    if unknown or missing or repeated:
        reasons = [
            *([f"unknown columns {unknown}"] if unknown else []),
            *([f"missing columns {missing}"] if missing else []),
            *(["a column is repeated"] if repeated else []),
        ]
        raise InvalidImport(
            f"line 1: bad CSV header: {'; '.join(reasons)}; the columns are documented"
            " in ordermill.transfer.orderfile",
            unknown=unknown,
            missing=missing,
        )
    return columns


class _CsvReader(Protocol):
    """What ``csv.reader`` returns, as used here: rows, and the line the last one ended on."""

    @property
    def line_num(self) -> int: ...
    def __next__(self) -> list[str]: ...


# (line, cells by column) for a row, or (line, why it cannot be read).
_CsvRow = tuple[int, dict[str, str] | str]


def _csv_rows(reader: _CsvReader, columns: list[str]) -> Iterator[_CsvRow]:
    """Step 2a: the non-blank rows after the header. A row with the wrong number of cells
    is an error and reading goes on; an unreadable one (bad UTF-8, broken quoting) is an
    error and ends the file, since where the next row starts is unknown."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error) as exc:
            yield reader.line_num, f"unreadable CSV row ({exc})"
            return
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            yield reader.line_num, f"{len(row)} cells where the header has {len(columns)} columns"
            continue
        yield reader.line_num, {c: v.strip() for c, v in zip(columns, row, strict=True)}


def _csv_orders(rows: Iterator[_CsvRow]) -> Iterator[ParsedRecord]:
    """Step 2b: one record per run of rows sharing a key; an error row ends the run."""
    group: _CsvGroup | None = None
    for line, cells in rows:
        if isinstance(cells, str):
            if group is not None:
                yield group.record()
                group = None
            yield ParsedRecord(line, None, cells)
            continue
        key = _csv_key(cells)
        if group is not None and key and key == group.key:
            group.add(line, cells)
            continue
        if group is not None:
            yield group.record()
        group = _CsvGroup(line, key, cells)
    if group is not None:
        yield group.record()


def _csv_key(cells: Mapping[str, str]) -> str:
    return cells.get("external_reference") or cells.get("uuid") or ""


class _CsvGroup:
    """The rows of one order in a CSV file."""

    def __init__(self, line: int, key: str, cells: dict[str, str]) -> None:
        self.line = line
        self.key = key
        self.first = cells
        self.items: list[dict[str, Any]] = []
        self.error: str | None = None if key else "external_reference (or uuid) is empty"
        # The line the error is on (the problem is reported as "line N: error").
        self.error_line = line
        self.add(line, cells)

    def add(self, line: int, cells: Mapping[str, str]) -> None:
        if self.error is not None:
            return
        if line != self.line:
            for column in ORDER_COLUMNS:
                value = cells.get(column, "")
                if value and value != self.first.get(column, ""):
                    self.error_line, self.error = (
                        line,
                        (
                            f"{column} is {value!r} but {self.first.get(column)!r} on"
                            f" line {self.line}, the first row of order {self.key!r}"
                        ),
                    )
                    return
        try:
            self.items.append(_csv_item(cells))
        except ValueError as exc:
            self.error_line, self.error = line, str(exc)

    def record(self) -> ParsedRecord:
        if self.error is not None:
            return ParsedRecord(self.error_line, None, self.error)
        try:
            data = _csv_order(self.first)
        except ValueError as exc:
            return ParsedRecord(self.line, None, str(exc))
        data["items"] = self.items
        return ParsedRecord(self.line, data)


def _csv_int(value: str, column: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{column}: {value!r} is not a whole number") from None


def _csv_item(cells: Mapping[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for column in ITEM_COLUMNS:
        value = cells.get(column, "")
        if not value:
            continue
        key = column.removeprefix("item_")
        if key in ("qty", "qty_restocked"):
            item[key] = _csv_int(value, column)
        elif key == "requires_shipping":
            lowered = value.lower()
            if lowered not in _TRUE | _FALSE:
                raise ValueError(f"{column}: {value!r} is not true or false")
            item[key] = lowered in _TRUE
        else:
            item[key] = value
    return item


def _csv_order(cells: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    addresses: dict[str, dict[str, str | None]] = {"shipping": {}, "billing": {}}
    for column in ORDER_COLUMNS:
        value = cells.get(column, "")
        kind, _, field = column.partition("_")
        if kind in addresses and field in ADDRESS_FIELDS:
            addresses[kind][field] = value or None
            continue
        if not value:
            continue
        if column in _INT_COLUMNS:
            data[column] = _csv_int(value, column)
        elif column in _JSON_COLUMNS:
            try:
                data[column] = json.loads(value, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{column}: not valid JSON ({exc.msg})") from None
        else:
            data[column] = value
    for kind, values in addresses.items():
        if any(values.values()):
            data[f"{kind}_address"] = {f: values.get(f) for f in ADDRESS_FIELDS}
    return data


def record_to_csv_rows(record: Mapping[str, Any]) -> Iterator[list[str]]:
    """The CSV rows of one exported order record (one per item)."""
    head: list[str] = []
    for column in ORDER_COLUMNS:
        kind, _, field = column.partition("_")
        if kind in ("shipping", "billing") and field in ADDRESS_FIELDS:
            address = record.get(f"{kind}_address")
            head.append(_cell(address.get(field) if address else None))
        elif column in _JSON_COLUMNS:
            listed = record.get(column)
            head.append(
                json.dumps(listed, ensure_ascii=False, separators=(",", ":")) if listed else ""
            )
        else:
            head.append(_cell(record.get(column)))
    for item in record["items"]:
        yield [
            *head,
            _cell(item.get("sku")),
            _cell(item.get("name")),
            _cell(item.get("product_id")),
            _cell(item.get("qty")),
            _cell(item.get("price")),
            "true" if item.get("requires_shipping", True) else "false",
            _cell(item.get("qty_restocked")),
        ]


def _cell(value: object) -> str:
    if value is None:
        return ""
    return str(value)
