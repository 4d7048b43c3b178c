"""A cell's XML as the refresh writes it: a value in a cell, style and formula kept.

Numbers as Excel writes them (``2`` for 2.0), text inline (or as a formula's string result),
Excel's errors as errors, a blank as no value. Whole columns of new cells, most of a result,
are formatted at C speed: one join and a few replaces per column.
"""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache
from itertools import starmap
from typing import Any

import numpy as np

from clv_xl.excel.error_texts import EXCEL_ERRORS
from clv_xl.workbooks.addresses import cell_ref
from clv_xl.workbooks.xml_reader import attributes, escape_attribute, escape_text, start_tag

CELL_TAG = start_tag("c")
FORMULA_TAG = start_tag("f")
_F_END = "</f>"


def formula_element(cell_xml: str) -> tuple[int, int] | None:
    """Where the ``<f>`` element of a cell's XML (in the plain form) starts and ends."""
    m = FORMULA_TAG.search(cell_xml)
    if m is None:
        return None
    if m.group(2):
        return m.start(), m.end()
    end = cell_xml.find(_F_END, m.end())
    if end < 0:
        end = cell_xml.index("</f", m.end())
    return m.start(), cell_xml.index(">", end) + 1


def head_attributes(cell_xml: str) -> dict[str, str]:
    m = CELL_TAG.match(cell_xml)
    if m is None:
        raise ValueError(f"not a cell: {cell_xml[:40]}")
    return attributes(m.group(1))


def _element(attrs: dict[str, str], inner: str) -> str:
    text = "".join(f' {k}="{escape_attribute(v)}"' for k, v in attrs.items())
    return f"<c{text}>{inner}</c>" if inner else f"<c{text}/>"


_AS_WRITTEN = re.compile(r'<c r="[A-Z]{1,3}[0-9]{1,7}"( s="[0-9]+")?(?: t="[a-zA-Z]+")?/?>')
"""A cell's head as Excel writes a value cell's: its reference, maybe a style and a type."""


def as_written(cell_xml: str) -> tuple[str, str] | None:
    """(its start tag up to its reference, its style attribute) for a cell written so,
    without a formula; None otherwise (the attributes are then read one by one)."""
    m = _AS_WRITTEN.match(cell_xml)
    if m is None or "<f" in cell_xml:
        return None
    end = cell_xml.find('"', 6) + 1  # after r="..."
    return cell_xml[:end], m.group(1) or ""


@lru_cache(maxsize=256)
def written_cells(letters: tuple[str, ...], styles: tuple[str, ...]) -> re.Pattern[str]:
    """A run of value cells as this writer writes them in these columns and styles (each
    column's cell there or not): the cells a block's columns held from the last refresh.
    (Compiled once for blocks of the same columns: a filled-down column is 20,000 blocks.)"""
    value = r'(?:/>|>(?:<v>[^<]*</v>|<is><t(?: xml:space="preserve")?>[^<]*</t></is>)?</c>)'
    return re.compile(
        "".join(
            f'(?:<c r="{col}[0-9]+"{re.escape(style)}(?: t="[a-zA-Z]+")?{value})?'
            for col, style in zip(letters, styles, strict=True)
        )
    )


def value_xml(cell_xml: str | None, row: int, col: int, value: Any) -> str:
    """The ``<c>`` element with ``value`` as its cached value; style and formula kept."""
    written = as_written(cell_xml) if cell_xml is not None else None
    if written is not None:  # the common case, a value cell: as the general path makes it
        head, style = written
        kind, body = encode(value, False)
        t = f' t="{kind}"' if kind else ""
        return f"{head}{style}{t}>{body}</c>" if body else f"{head}{style}{t}/>"
    if cell_xml is None:
        cell_xml = f'<c r="{cell_ref(row, col)}"/>'
    attrs = head_attributes(cell_xml)
    attrs.pop("t", None)
    attrs.setdefault("r", cell_ref(row, col))
    where = formula_element(cell_xml)
    formula = cell_xml[where[0] : where[1]] if where else ""
    kind, body = encode(value, bool(formula))
    if kind:
        attrs["t"] = kind
    return _element(attrs, formula + body)


def blank_xml(cell_xml: str) -> str:
    """The cell emptied: no formula, no value, its style kept."""
    written = as_written(cell_xml)
    if written is not None:
        return f"{written[0]}{written[1]}/>"
    attrs = {k: v for k, v in head_attributes(cell_xml).items() if k not in ("t", "cm", "vm")}
    return _element(attrs, "")


def with_array_ref(cell_xml: str, ref: str) -> str:
    """The cell with its array formula's range set to ``ref``."""
    where = formula_element(cell_xml)
    assert where is not None
    m = FORMULA_TAG.match(cell_xml, where[0])
    assert m is not None
    attrs = attributes(m.group(1))
    attrs["ref"] = ref
    head = "<f" + "".join(f' {k}="{escape_attribute(v)}"' for k, v in attrs.items())
    return cell_xml[: where[0]] + head + cell_xml[m.end() - (2 if m.group(2) else 1) :]


def encode(value: Any, is_formula: bool) -> tuple[str, str]:
    """(the cell's type attribute, its value element) for ``value``."""
    if value is None or (isinstance(value, str) and value == ""):
        return ("str", "<v></v>") if is_formula else ("", "")
    if isinstance(value, bool):
        return "b", f"<v>{int(value)}</v>"
    if isinstance(value, int | float):
        x = float(value)
        if not math.isfinite(x):
            return "e", "<v>#NUM!</v>"
        return "", f"<v>{number_text(x)}</v>"
    text = str(value)
    if text in EXCEL_ERRORS:
        return "e", f"<v>{text}</v>"
    if is_formula:
        return "str", f"<v>{escape_text(text)}</v>"
    return "inlineStr", f"<is><t>{escape_text(text)}</t></is>"


_SAFE_INT = 2**53  # an int below this in size is written as its float would be
SHORT = 16
"""A column of at most this many values is made value by value: NumPy's and orjson's set-up
costs more than they save (a filled-down formula's block is one cell)."""
_NUMBER, _TEXT, _OTHER = "number", "text", "other"


def _classified(values: list[Any]) -> tuple[list[str], list[str], list[str]] | None:
    """Each value's kind (a number, a text, other), and the XML texts of the numbers and of the
    texts, in order, each made for the whole column at once. None when a text holds a NUL."""
    if (
        len(values) > SHORT
        and set(map(type, values)) == {float}
        and np.isfinite(np.array(values)).all()
    ):
        kinds = [_NUMBER] * len(values)  # a column of numbers: one check, not one a cell
    else:
        kinds = [
            _NUMBER
            if (v.__class__ is float and v - v == 0.0)
            or (v.__class__ is int and -_SAFE_INT < v < _SAFE_INT)
            else _TEXT
            if v.__class__ is str and v and v[0] != "#"
            else _OTHER
            for v in values
        ]
    numbers = _only(values, kinds, _NUMBER)
    texts = _only(values, kinds, _TEXT)
    numerals = number_texts(numbers)
    escaped = "\0".join(texts).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace("\r", "&#13;")
    pieces = escaped.split("\0") if texts else []
    if len(pieces) != len(texts):
        return None
    return kinds, numerals, pieces


def number_texts(numbers: list[Any]) -> list[str]:
    """Each number's text as Excel writes it: ``repr``'s (the shortest text that reads back
    as the same double), a whole number without ".0" (``2`` for 2.0). Finite floats and ints
    below 2**53 in size only. orjson (Rust) formats a column about 15 times faster than
    ``repr``, with the same digits; its exponent form differs (``0.00001`` for 1e-05), so a
    number below 1e-4 or from 1e16 in size takes ``repr``'s text."""
    if len(numbers) <= SHORT:
        return [number_text(float(x)) for x in numbers]
    fast = _orjson()
    if fast is None:
        joined = "\0".join(map(repr, numbers)) + "\0"
        return joined.replace(".0\0", "\0").split("\0")[:-1]
    texts = (fast.dumps(numbers)[1:-1].decode() + ",").replace(".0,", ",").split(",")[:-1]
    size = np.abs(np.asarray(numbers, dtype=float))
    for i in np.flatnonzero(((size < 1e-4) & (size != 0)) | (size >= 1e16)).tolist():
        texts[i] = number_text(float(numbers[i]))
    return texts


def number_text(x: float) -> str:
    """A finite float's text as Excel writes it: ``repr``'s, a whole number without ".0"."""
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


@cache
def _orjson() -> Any:
    """orjson where it is installed (the desktop) and writes numbers as this module expects,
    else None (Pyodide, or another orjson: ``repr``)."""
    try:
        import orjson
    except ImportError:
        return None
    sample = [0.1, 1e-4, 2.0, 1 / 3, -123456789.125, 9999999999999998.0, 7]
    expected = b"[0.1,0.0001,2.0,0.3333333333333333,-123456789.125,9999999999999998.0,7]"
    return orjson if orjson.dumps(sample) == expected else None


FEW = 16
"""Values of another kind in a column at most that are found one by one (``list.index``, at C
speed) rather than by a pass over the column in Python: a result's header, a total's label."""


def positions(items: list[Any], item: Any) -> list[int]:
    """Where ``item`` is in ``items``, in order, found by ``list.index`` (at C speed: for an
    item a column holds a few of)."""
    found, at = [], -1
    for _ in range(items.count(item)):
        at = items.index(item, at + 1)
        found.append(at)
    return found


def _only(values: list[Any], kinds: list[str], kind: str) -> list[Any]:
    """The values of one kind, in order (a column of that kind but a few: those few taken
    out, found by ``list.index``, not a pass in Python)."""
    count = kinds.count(kind)
    if count == len(values):
        return values
    if not count:
        return []
    if len(values) - count > FEW:
        return [v for v, k in zip(values, kinds, strict=True) if k is kind]
    kept = list(values)
    for at in reversed(_not_of(kinds, kind)):
        del kept[at]
    return kept


def _not_of(kinds: list[str], kind: str) -> list[int]:
    """Where ``kinds`` holds another kind than ``kind``, in order."""
    return sorted(
        at for other in {_NUMBER, _TEXT, _OTHER} - {kind} for at in positions(kinds, other)
    )


def new_cells(values: list[Any], letters: str, top: int, style: str) -> list[str | None]:
    """The ``<c>`` element of each value of a column as a new cell (None for a blank)."""
    found = _classified(values)
    if found is None:  # a NUL inside a text: cell by cell
        return [new_cell(v, f"{letters}{top + i}", style) for i, v in enumerate(values)]
    kinds, numbers, texts = found
    next_number, next_text = iter(numbers), iter(texts)
    head, number_middle = f'<c r="{letters}', f'"{style}><v>'
    text_middle = f'"{style} t="inlineStr"><is><t>'
    return [
        f"{head}{top + i}{number_middle}{next(next_number)}</v></c>"
        if k is _NUMBER
        else f"{head}{top + i}{text_middle}{next(next_text)}</t></is></c>"
        if k is _TEXT
        else new_cell(v, f"{letters}{top + i}", style)
        for i, (v, k) in enumerate(zip(values, kinds, strict=True))
    ]


def new_rows(
    columns: list[list[Any]], letters: list[str], top: int, styles: list[str]
) -> list[str]:
    """A block's new cells, row by row (columns of values side by side from row ``top``): each
    row's cells of :func:`new_cells` joined, made by one format call a row. Each column gives a
    row template its numbers or its texts, whichever it mostly holds; a row where a cell is of
    another kind (a header, a blank, a message) is joined from its cells one by one."""
    n = len(columns[0]) if columns else 0
    pieces: list[str] = []
    fills: list[list[str]] = []
    odd: set[int] = set()
    for j, (values, col, style) in enumerate(zip(columns, letters, styles, strict=True)):
        found = _classified(values)
        if found is None:  # a NUL inside a text: every row of the block cell by cell
            odd = set(range(n))
            break
        kinds, numbers, texts = found
        kind, given = (_NUMBER, numbers) if len(numbers) >= len(texts) else (_TEXT, texts)
        slot = "{" + str(j + 1) + "}"
        if kind is _NUMBER:
            pieces.append(f'<c r="{col}{{0}}"{style}><v>{slot}</v></c>')
        else:
            pieces.append(f'<c r="{col}{{0}}"{style} t="inlineStr"><is><t>{slot}</t></is></c>')
        if len(given) == n:
            fills.append(given)
            continue
        elsewhere = _not_of(kinds, kind)
        if len(elsewhere) > FEW:
            taken = iter(given)
            fills.append([next(taken) if k is kind else "" for k in kinds])
        else:
            fill = list(given)
            for at in elsewhere:  # in order: each lands where its row is
                fill.insert(at, "")
            fills.append(fill)
        odd.update(elsewhere)
    if len(odd) == n:  # every row cell by cell (no template needed)
        out = [""] * n
    else:
        out = list(starmap("".join(pieces).format, zip(range(top, top + n), *fills, strict=True)))
    for i in sorted(odd):  # rows with a cell of another kind: cell by cell
        cells = zip(columns, letters, styles, strict=True)
        out[i] = "".join(filter(None, (new_cell(v[i], f"{c}{top + i}", st) for v, c, st in cells)))
    return out


def new_cell(value: Any, ref: str, style: str) -> str | None:
    if value is None or value == "":
        return None
    kind, body = encode(value, False)
    t = f' t="{kind}"' if kind else ""
    return f'<c r="{ref}"{style}{t}>{body}</c>'
