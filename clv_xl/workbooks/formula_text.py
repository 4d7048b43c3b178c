"""Formulas as text: Excel's tokens, the CLV_ call a formula is, its references, rewritten.

The tokens are formualizer's tokenizer's (Excel's grammar: strings, sheet names with
apostrophes, structured references, spill ``#``, array constants). On them:

- :func:`clv_call`: whether a formula is one CLV_ call (``=CLV_FIT("BG/NBD", Summary!A1#)``),
  and its arguments, each the text between the commas at the call's own level; an argument of
  only whitespace (spaces, tabs, line breaks) is omitted, as Excel passes it;
- :func:`reference_texts`: every reference a formula names, a spill ``#`` kept;
- :func:`rewrite_references`: the formula with some references replaced (a spill reference by
  the range the refresh wrote; a shared formula's references moved to another cell).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from clv_xl.excel import udfs
from clv_xl.runtime import require

CLV_PREFIX = "CLV_"


@dataclass(frozen=True)
class Token:
    text: str
    kind: str  # Operand, Func, Sep, Whitespace, OpPrefix, OpInfix, OpPostfix, Array, Paren
    subtype: str  # Range, Number, Text, Logical, Error, Open, Close, Arg, Row, None
    start: int
    end: int


@lru_cache(maxsize=4096)
def tokens(formula: str) -> tuple[Token, ...]:
    """The tokens of ``formula`` (with or without its leading "="); positions in the text
    with the "="."""
    text = formula if formula.startswith("=") else "=" + formula
    fz = require("formualizer", "reading formulas without Excel")
    return tuple(
        Token(t.value, str(t.token_type).rsplit(".", 1)[-1], str(t.subtype).rsplit(".", 1)[-1],
              t.start, t.end)
        for t in fz.Tokenizer(text).tokens()
    )  # fmt: skip


@dataclass(frozen=True)
class Argument:
    """One argument of a call: its text (None when omitted) and its tokens."""

    text: str | None
    tokens: tuple[Token, ...]

    @property
    def reference(self) -> str | None:
        """The argument's reference when it is only one (``A1``, ``Sales[Date]``, ``A1#``)."""
        parts = self.tokens
        if len(parts) == 1 and parts[0].kind == "Operand" and parts[0].subtype == "Range":
            return parts[0].text
        if (len(parts) == 2 and parts[0].subtype == "Range" and parts[1].kind == "OpPostfix"
                and parts[1].text == "#"):  # fmt: skip
            return parts[0].text + "#"
        return None


OFFICE_JS_PREFIX = "_XLDUDF_"
"""How a saved workbook stores a call of an Office.js custom function (xlwings Lite's): the
function's full name, its namespace's dot written as "_", after this prefix: ``=CLV_VALUE(14,2)``
typed in Lite is stored as ``_xldudf_CLV_VALUE(14,2)`` (Lite's functions have no namespace;
under one, ``_xldudf_NS_CLV_VALUE``). docs/lite.md gives the sources."""


def function_name(name: str) -> str:
    """A function's name as typed in Excel, from its name as a file stores it: Excel's own
    prefixes (``_xlfn.`` for newer functions, ``_xludf.`` for a user-defined one) and Office.js's
    (:data:`OFFICE_JS_PREFIX`, with any namespace before a CLV_ name) removed."""
    upper = name.upper().removeprefix("_XLFN.").removeprefix("_XLUDF.")
    if upper.startswith(OFFICE_JS_PREFIX):
        rest = upper[len(OFFICE_JS_PREFIX) :]
        for at in [0, *(i + 1 for i, ch in enumerate(rest) if ch == "_")]:
            if rest[at:] in udfs.__all__:
                return rest[at:]
    return upper


def clv_call(formula: str) -> tuple[str, list[Argument]] | None:
    """(NAME, arguments) when the whole formula is one CLV_ call, else None."""
    text = formula if formula.startswith("=") else "=" + formula
    toks = [t for t in tokens(text)]
    while toks and toks[-1].kind == "Whitespace":
        toks.pop()
    while toks and toks[0].kind == "Whitespace":
        toks.pop(0)
    if len(toks) < 2 or toks[0].kind != "Func" or toks[0].subtype != "Open":
        return None
    name = function_name(toks[0].text[:-1])
    if not name.startswith(CLV_PREFIX) or toks[-1].kind != "Func" or toks[-1].subtype != "Close":
        return None
    depth = 0
    args: list[list[Token]] = [[]]
    for tok in toks[1:-1]:
        opens = tok.subtype == "Open"
        closes = tok.subtype == "Close"
        if closes and depth == 0:
            return None  # the call closes before the formula ends: "=CLV_X(1)+1"
        if depth == 0 and tok.kind == "Sep" and tok.subtype == "Arg":
            args.append([])
            continue
        depth += opens - closes
        args[-1].append(tok)
    if depth:
        return None
    out: list[Argument] = []
    for group in args:
        kept = tuple(t for t in group if t.kind != "Whitespace")
        if not kept:
            out.append(Argument(None, ()))
            continue
        out.append(Argument(text[group[0].start : group[-1].end].strip(), kept))
    if len(out) == 1 and out[0].text is None:
        return name, []  # CLV_X(): no arguments
    return name, out


def reference_texts(formula: str) -> list[str]:
    """Every reference in ``formula``; a spill reference keeps its "#"."""
    toks = tokens(formula)
    out = []
    for i, tok in enumerate(toks):
        if tok.kind == "Operand" and tok.subtype == "Range":
            spill = (
                i + 1 < len(toks) and toks[i + 1].kind == "OpPostfix" and toks[i + 1].text == "#"
            )
            out.append(tok.text + ("#" if spill else ""))
    return out


def lone_reference(formula: str) -> str | None:
    """The reference a formula (``=Sheet!$A$2:$A$9``) consists of, when it is nothing else."""
    refs = reference_texts(formula)
    if len(refs) == 1 and formula.removeprefix("=").strip() == refs[0]:
        return refs[0]
    return None


def mentions_clv(formula: str) -> bool:
    return any(t.kind == "Func" and CLV_PREFIX in t.text.upper() for t in tokens(formula))


def rewrite_references(formula: str, replace: Callable[[str], str | None]) -> str:
    """``formula`` (with its "=") with each reference ``replace`` returns text for replaced,
    a spill reference ("A1#") as a whole."""
    text = formula if formula.startswith("=") else "=" + formula
    toks = tokens(text)
    out: list[str] = []
    last = 0
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "Operand" and tok.subtype == "Range":
            spill = (
                i + 1 < len(toks) and toks[i + 1].kind == "OpPostfix" and toks[i + 1].text == "#"
            )
            new = replace(tok.text + ("#" if spill else ""))
            if new is not None:
                end = toks[i + 1].end if spill else tok.end
                out.append(text[last : tok.start])
                out.append(new)
                last = end
                i += 2 if spill else 1
                continue
        i += 1
    out.append(text[last:])
    return "".join(out)


_A1 = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")
_COL = re.compile(r"^(\$?)([A-Za-z]{1,3})$")
_ROW = re.compile(r"^(\$?)(\d+)$")


def shift_reference(ref: str, rows: int, cols: int) -> str:
    """A reference moved by (rows, cols) as Excel moves a copied formula: relative parts move,
    $-anchored parts stay; names and structured references are left as they are."""
    from clv_xl.workbooks.xlsx import col_letters, col_number

    sheet, bang, body = ref.rpartition("!")
    spill = body.endswith("#")
    core = body[:-1] if spill else body

    def one(part: str) -> str | None:
        m = _A1.match(part)
        if m:
            c = m.group(2) if m.group(1) else col_letters(col_number(m.group(2).upper()) + cols)
            r = m.group(4) if m.group(3) else str(int(m.group(4)) + rows)
            return f"{m.group(1)}{c}{m.group(3)}{r}"
        m = _COL.match(part)
        if m:
            return part if m.group(1) else col_letters(col_number(m.group(2).upper()) + cols)
        m = _ROW.match(part)
        if m:
            return part if m.group(1) else str(int(m.group(2)) + rows)
        return None

    pieces = core.split(":")
    moved = [one(p) for p in pieces]
    if any(m is None for m in moved) or len(pieces) > 2:
        return ref
    return f"{sheet}{bang}{':'.join(m for m in moved if m)}{'#' if spill else ''}"


def shifted(formula: str, rows: int, cols: int) -> str:
    """A shared formula's text as its cell ``rows`` down and ``cols`` right of the first holds it."""
    if not rows and not cols:
        return formula
    return rewrite_references(formula, lambda ref: shift_reference(ref, rows, cols))[1:]
