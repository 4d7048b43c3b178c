"""Formulas as text: Excel's tokens, the CLV_ call a formula is, its references, rewritten.

The tokens are formualizer's tokenizer's (Excel's grammar: strings, sheet names with
apostrophes, structured references, spill ``#``, array constants). On them:

- :func:`clv_call`: whether a formula is one CLV_ call (``=CLV_FIT("BG/NBD", Summary!A1#)``),
  and its arguments, each the text between the commas at the call's own level; an argument of
  only whitespace (spaces, tabs, line breaks) is omitted, as Excel passes it;
- :func:`calls`: every function call, its name and arguments (the one reading of a formula's
  structure: :func:`clv_call`, :func:`mark_omitted`, :func:`fold` and the refresh's list of
  functions it cannot compute all read it);
- :func:`reference_texts`: every reference a formula names, a spill ``#`` kept;
- :func:`rewrite_references`: the formula with some references replaced (a spill reference by
  the range the refresh wrote; a shared formula's references moved to another cell).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from clv_xl.errors import CLVError
from clv_xl.excel import udfs
from clv_xl.runtime import require

CLV_PREFIX = "CLV_"


class Token(NamedTuple):
    """One token of a formula. (A named tuple: a filled-down column of 20,000 formulas makes
    320,000 of them, at 0.27 us each against a frozen dataclass's 1 us.)"""

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
        Token(
            t.value,
            str(t.token_type).rsplit(".", 1)[-1],
            str(t.subtype).rsplit(".", 1)[-1],
            t.start,
            t.end,
        )
        for t in fz.Tokenizer(text).tokens()
    )


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
        if (
            len(parts) == 2
            and parts[0].subtype == "Range"
            and parts[1].kind == "OpPostfix"
            and parts[1].text == "#"
        ):
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


@dataclass(frozen=True)
class Call:
    """One function call in a formula: its name as typed (prefixes removed, upper case), where
    it starts (its name) and ends (after ")"), and its arguments; ``spans`` are the text
    positions of each argument, between "(" or "," and "," or ")"."""

    name: str
    start: int
    end: int
    arguments: tuple[Argument, ...]
    spans: tuple[tuple[int, int], ...]


@lru_cache(maxsize=4096)
def calls(formula: str) -> tuple[Call, ...]:
    """Every function call of ``formula`` (with its "="), inner calls before the calls they
    are in. An argument of only white space is omitted (None), as Excel passes it; the one
    empty argument of ``CLV_X()`` is none at all."""
    text = formula if formula.startswith("=") else "=" + formula
    toks = tokens(text)
    found: list[Call] = []
    frames: list[list] = []  # [name, start, argument start, spans] or None for ( and {
    for tok in toks:
        if tok.subtype == "Open":
            frames.append(
                [function_name(tok.text[:-1]), tok.start, tok.end, []]
                if tok.kind == "Func"
                else [None]
            )
        elif tok.subtype == "Close" and frames:
            frame = frames.pop()
            if frame[0] is None:
                continue
            name, start, arg_start, spans = frame
            spans.append((arg_start, tok.start))
            if len(spans) == 1 and not text[spans[0][0] : spans[0][1]].strip():
                spans = []
            arguments = tuple(_argument(text, toks, a, b) for a, b in spans)
            found.append(Call(name, start, tok.end, arguments, tuple(spans)))
        elif tok.kind == "Sep" and tok.subtype == "Arg" and frames and frames[-1][0] is not None:
            frames[-1][3].append((frames[-1][2], tok.start))
            frames[-1][2] = tok.end
    return tuple(found)


def _argument(text: str, toks: tuple[Token, ...], start: int, end: int) -> Argument:
    kept = tuple(t for t in toks if start <= t.start and t.end <= end and t.kind != "Whitespace")
    if not kept:
        return Argument(None, ())
    return Argument(text[start:end].strip(), kept)


def whole_call(formula: str) -> Call | None:
    """The call that is the whole formula (``IF(...)`` in ``=IF(...)``), else None."""
    text = formula if formula.startswith("=") else "=" + formula
    first = len(text) - len(text[1:].lstrip())
    for call in calls(text):
        if call.start == first and call.end == len(text.rstrip()):
            return call
    return None


def clv_call(formula: str) -> tuple[str, list[Argument]] | None:
    """(NAME, arguments) when the whole formula is one CLV_ call, else None."""
    call = whole_call(formula)
    if call is None or not call.name.startswith(CLV_PREFIX):
        return None
    return call.name, list(call.arguments)


OMITTED_CALL = "CLV_OMITTED()"
"""Excel hands a function an omitted argument (``=CLV_RETENTION(100,0.8,0.1,,"end")``) as
"missing", which xlwings turns into None and the function into its default. The engine reads
an empty argument as 0, so before it sees a formula, every omitted argument of a CLV_ call
becomes a call of CLV_OMITTED(), whose value the engine's adapter turns back into None."""


def mark_omitted(formula: str) -> str:
    """``formula`` with each omitted argument of a CLV_ call replaced by CLV_OMITTED()."""
    if "," not in formula or CLV_PREFIX not in formula.upper():
        return formula
    text = formula if formula.startswith("=") else "=" + formula
    at = sorted(
        start
        for call in calls(text)
        if call.name.startswith(CLV_PREFIX)
        for (start, _), arg in zip(call.spans, call.arguments, strict=True)
        if arg.text is None
    )
    for start in reversed(at):
        text = text[:start] + OMITTED_CALL + text[start:]
    return text if formula.startswith("=") else text[1:]


FOLDED = ("CHOOSECOLS", "DROP", "ROWS", "INDEX")


def fold(formula: str, resolve_area: Callable[[str], Any]) -> str:
    """Array shaping of a range folded into the range itself, as Excel would compute it:
    ``CHOOSECOLS(S!$A$1:$K$9, 11)`` is ``S!$K$1:$K$9``, ``DROP(..., 1)`` drops the first rows,
    ``INDEX(..., r, c)`` is one cell, ``ROWS(...)`` a number. Only a sheet-qualified range
    with whole-number arguments is folded (``resolve_area`` gives its Area); what would be an
    error in Excel is left to the engine."""
    text = formula if formula.startswith("=") else "=" + formula
    for _ in range(16):
        for call in calls(text):
            new = _folded(call, resolve_area) if call.name in FOLDED else None
            if new is not None:
                text = text[: call.start] + new + text[call.end :]
                break
        else:
            break
    return text if formula.startswith("=") else text[1:]


def _folded(call: Call, resolve_area: Callable[[str], Any]) -> str | None:
    args = call.arguments
    if not args or args[0].reference is None or "!" not in (args[0].reference or ""):
        return None
    numbers = [
        a.tokens[0].text
        for a in args[1:]
        if len(a.tokens) == 1 and a.tokens[0].subtype == "Number" and a.tokens[0].text.isdigit()
    ]
    want = {"ROWS": 0, "CHOOSECOLS": 1, "DROP": 1, "INDEX": 2}[call.name]
    if len(args) != want + 1 or len(numbers) != want or args[0].reference.endswith("#"):
        return None
    try:
        area = resolve_area(args[0].reference)
    except CLVError:
        return None
    k = [int(n) for n in numbers]
    if call.name == "ROWS":
        return str(area.rows)
    if call.name == "INDEX":
        if not (1 <= k[0] <= area.rows and 1 <= k[1] <= area.cols):
            return None  # Excel's #REF!: left to the engine
        return area.part(k[0] - 1, k[1] - 1, k[0] - 1, k[1] - 1).a1()
    if call.name == "CHOOSECOLS":
        if not 1 <= k[0] <= area.cols:
            return None  # Excel's #VALUE!: left to the engine
        return area.part(0, k[0] - 1, area.rows - 1, k[0] - 1).a1()
    if k[0] >= area.rows:
        return None  # nothing left: Excel's #CALC!, left to the engine
    return area.part(k[0], 0, area.rows - 1, area.cols - 1).a1()


def functions_in(formula: str) -> set[str]:
    """The names of the functions a formula calls, as typed."""
    return {call.name for call in calls(formula)}


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
    from clv_xl.workbooks.addresses import col_letters, col_number

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
