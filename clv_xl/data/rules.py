"""The rules a transaction log's values are read by: ids, dates and amounts as written.

One definition for every path in: CLV_SUMMARY's text cells, and every engine reading a file
(:mod:`clv_xl.data.reading`). Each rule works on a whole column at NumPy/pandas speed and either
gives the values or raises :class:`ReadError`, one line naming the row and, where the column is
truly ambiguous, the option that settles it.

- **ids**: a column is numeric only when every id is a whole number written without a leading
  zero (``1``, ``-7``, ``9223372036854775807``); then it is int64, never through float64.
  Otherwise every id is text, exactly as written (``001`` and ``1`` are two customers).
- **dates**: ISO ``1997-01-31`` with an optional time of day (dropped: the date as written) and an
  optional zone (``Z``, ``+01:00``: then a point in time, whose UTC date counts); ``19970131``
  numbers (YYYYMMDD) and Excel serial numbers (1 to 109,574), told apart by range; ``31/01/1997``,
  ``01.31.1997``, ``31-01-1997``: day-first or month-first decided by the column as a whole (a
  value over 12 decides; a column that never decides asks for ``--date-order``); ``1997/01/31``.
  Every date must lie in 1900-01-01 to 2199-12-31.
- **amounts**: currency symbols and codes, spaces and apostrophes are dropped, ``(10.00)`` and
  ``10.00-`` are negative; the decimal separator is decided by the column (``10,50`` and
  ``1.250,00`` say comma, ``1,250.00`` and ``10.5`` say point); a column that never decides while
  some value could be either (``1,250``) asks for ``--decimal``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from clv_xl.errors import CLVError

FIRST_DAY = np.datetime64("1900-01-01", "D")
LAST_DAY = np.datetime64("2199-12-31", "D")
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
MAX_SERIAL = int((LAST_DAY - EXCEL_EPOCH).astype(np.int64))  # 109,574: 2199-12-31
DATE_WINDOW = "a date from 1900-01-01 to 2199-12-31"
"""The one window of dates, for files and cells alike (as an expectation's words)."""
DATE_ORDERS = ("DMY", "MDY", "YMD")
DECIMALS = (".", ",")
INT64_MAX = 2**63 - 1


class ReadError(CLVError, ValueError):
    """A value of a log cannot be read by the rules; the message names the row and what to do.

    ``value`` and ``index`` (0-based, in the column given) say which value; ``expected`` what
    would be read, and ``option`` the command-line option that settles an ambiguous column, so
    the Excel layer can say the same in its own words.
    """

    def __init__(
        self,
        message: str,
        value: Any = None,
        index: int | None = None,
        expected: str = "",
        option: str = "",
    ) -> None:
        super().__init__(message)
        self.value, self.index, self.expected, self.option = value, index, expected, option


def _row(rows: Any, i: int) -> str:
    """How a row is named: its line in the file (or cell row), given per value."""
    return f"row {int(rows[i]):,}" if rows is not None else f"value {i + 1:,}"


def _text(values: Any) -> pd.Series:
    series = (
        values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    )
    return series.astype(object).map(lambda v: v if isinstance(v, str) else str(v)).str.strip()


# ----- ids -------------------------------------------------------------------------------------
_WHOLE = re.compile(r"^(?:0|-?[1-9][0-9]{0,18})$")


@dataclass
class IdEvidence:
    """What a pass over an id column has seen: whether every id so far is a whole number."""

    numeric: bool = True

    def see(self, values: Any) -> None:
        if not self.numeric:
            return
        arr = np.asarray(values)
        if arr.dtype.kind in "iu":
            return
        if arr.dtype.kind == "f":
            finite = arr[~np.isnan(arr)]
            self.numeric = bool(
                np.all(np.floor(finite) == finite) and np.all(np.abs(finite) < 2**53)
            )
            return
        text = _text(pd.Series(arr, dtype=object))
        whole = text.str.fullmatch(_WHOLE)
        self.numeric = bool(whole.all()) and bool(
            (text.str.len() < 19).all()
            or all(abs(int(v)) <= INT64_MAX for v in text[text.str.len() >= 19])
        )


def parse_ids(values: Any, numeric: bool) -> np.ndarray:
    """The ids as int64 (``numeric``) or as text exactly as written (object array of str)."""
    arr = np.asarray(values)
    if numeric:
        if arr.dtype.kind in "iu":
            return arr.astype(np.int64)
        if arr.dtype.kind == "f":
            return arr.astype(np.int64)
        return np.fromiter(
            (int(v) for v in _text(pd.Series(arr, dtype=object))), np.int64, arr.size
        )
    if arr.dtype.kind in "iu":
        return arr.astype(str).astype(object)
    if arr.dtype.kind == "f":  # a float id column read as text: whole values without ".0"
        return np.array(
            [f"{v:.0f}" if float(v).is_integer() else repr(float(v)) for v in arr], dtype=object
        )
    return _text(pd.Series(arr, dtype=object)).to_numpy(dtype=object)


# ----- dates -----------------------------------------------------------------------------------
_TIME = r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp][Mm])?)?"
_ZONE = r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + _ZONE + "$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})" + _TIME + "$")
_PARTS = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})" + _TIME + "$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


class Seen(NamedTuple):
    """The first value of a kind a pass over a column has seen: as written, its index in the
    batch, and where it is in the user's words ("row 3")."""

    value: str
    position: int
    row: str


class _Evidence:
    """What one pass over a column's batches has seen: the first value of each kind."""

    @staticmethod
    def _texts(values: Any) -> tuple[np.ndarray, pd.Series] | None:
        arr = np.asarray(values)
        if arr.dtype.kind != "O" and arr.dtype.kind != "U":
            return None  # numbers or dates already: nothing written to judge
        return arr, _text(pd.Series(arr, dtype=object))

    def _first(self, kind: str, mask: np.ndarray, shown: Any, rows: Any) -> None:
        if getattr(self, kind) is None and mask.any():
            i = int(np.argmax(mask))
            setattr(self, kind, Seen(str(shown[i]), i, _row(rows, i)))


@dataclass
class DateEvidence(_Evidence):
    """What a pass over a date column has seen: values that only day-first or only month-first
    reads allow, and whether some value is ambiguous (both parts 12 or less)."""

    day_first: Seen | None = None
    month_first: Seen | None = None
    ambiguous: Seen | None = None

    def see(self, values: Any, rows: Any = None) -> None:
        read = self._texts(values)
        if read is None:
            return
        text = read[1]
        parts = text.str.extract(_PARTS)
        found = parts[0].notna().to_numpy()
        if not found.any():
            return
        a = pd.to_numeric(parts[0], errors="coerce").to_numpy()
        b = pd.to_numeric(parts[2], errors="coerce").to_numpy()
        shown = text.to_numpy()
        self._first("day_first", found & (a > 12), shown, rows)
        self._first("month_first", found & (b > 12), shown, rows)
        self._first("ambiguous", found & (a <= 12) & (b <= 12), shown, rows)

    def order(self, given: str | None) -> str | None:
        """The order the column's a/b/yyyy dates are read in (None: the column has none)."""
        if given:
            return given
        if self.day_first and self.month_first:
            (a, _, ra), (b, i, rb) = self.day_first, self.month_first
            raise ReadError(
                f"the dates mix day-first {a!r} ({ra}) and month-first {b!r} ({rb}); "
                "give every date in one order",
                b,
                i,
                f"dates in one order (the column also has the day-first {a})",
            )
        if self.day_first:
            return "DMY"
        if self.month_first:
            return "MDY"
        if self.ambiguous:
            v, i, row = self.ambiguous
            raise ReadError(
                f"the dates, such as {v!r} ({row}), could be day-first or month-first "
                "and no date in the column tells; give --date-order DMY or MDY",
                v,
                i,
                "a date no one can read the wrong way round: day-first or month-first "
                "is not told by any date in the column (use date cells, or write "
                "dates as 2024-04-05)",
                "--date-order",
            )
        return None


def _days_from_parts(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Calendar parts as datetime64[D]; NaT where they name no date or fall outside 1900-2199."""
    out = np.full(year.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = (year >= 1900) & (year <= 2199) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    if ok.any():
        y, m, d = year[ok].astype(np.int64), month[ok].astype(np.int64), day[ok].astype(np.int64)
        first = ((y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)).astype(
            "datetime64[D]"
        )
        days = first + (d - 1)
        same_month = days.astype("datetime64[M]") == first.astype("datetime64[M]")
        out[np.flatnonzero(ok)[same_month]] = days[same_month]
    return out


def _clock_minutes(parts: pd.DataFrame, hour: int, minute: int, ampm: int) -> np.ndarray:
    h = pd.to_numeric(parts[hour], errors="coerce").fillna(0).to_numpy()
    mi = pd.to_numeric(parts[minute], errors="coerce").fillna(0).to_numpy()
    marker = parts[ampm].fillna("").str.upper().to_numpy()
    h = np.where((marker == "PM") & (h < 12), h + 12, np.where((marker == "AM") & (h == 12), 0, h))
    return h * 60 + mi


def _zone_minutes(zone: pd.Series) -> np.ndarray:
    z = zone.fillna("").str.replace(":", "", regex=False)
    sign = np.where(z.str.startswith("-"), -1, 1)
    hours = pd.to_numeric(z.str[1:3], errors="coerce").fillna(0).to_numpy()
    minutes = pd.to_numeric(z.str[3:5], errors="coerce").fillna(0).to_numpy()
    return sign * (hours * 60 + minutes)


def parse_days(values: Any, order: str | None = None, rows: Any = None) -> np.ndarray:
    """The dates of a column as datetime64[D] by the module's rules; a value that is no date, or
    lies outside 1900-2199, is a ReadError naming its row."""
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if isinstance(arr.dtype, pd.DatetimeTZDtype) or (
        isinstance(values, pd.Series) and isinstance(values.dtype, pd.DatetimeTZDtype)
    ):
        utc = pd.Series(values).dt.tz_convert("UTC").dt.tz_localize(None)
        return _checked(utc.to_numpy().astype("datetime64[D]"), values, rows)
    if arr.dtype.kind == "M":
        return _checked(arr.astype("datetime64[D]"), values, rows)
    if arr.dtype.kind in "iuf":
        return _checked(_number_days(arr.astype(float)), values, rows)
    text = _text(pd.Series(arr, dtype=object))
    out = np.full(text.size, np.datetime64("NaT"), dtype="datetime64[D]")
    todo = np.ones(text.size, dtype=bool)

    iso = text.str.extract(_ISO)
    hit = iso[0].notna().to_numpy()
    if hit.any():
        sub = iso[hit]
        days = _days_from_parts(*(pd.to_numeric(sub[k]).to_numpy() for k in (0, 1, 2)))
        zoned = sub[7].notna().to_numpy()
        if zoned.any():  # a point in time: its UTC date
            utc = _clock_minutes(sub, 3, 4, 6) - _zone_minutes(sub[7])
            shift = np.floor_divide(utc, 1440).astype(np.int64)
            days = np.where(zoned, days + shift, days)
        out[hit], todo[hit] = days, False
    for pattern, y, m, d in ((_YMD_SLASH, 0, 1, 2),):
        found = todo & text.str.fullmatch(pattern).to_numpy()
        if found.any():
            sub = text[found].str.extract(pattern)
            out[found] = _days_from_parts(*(pd.to_numeric(sub[k]).to_numpy() for k in (y, m, d)))
            todo &= ~found
    parts = text[todo].str.extract(_PARTS) if todo.any() else None
    if parts is not None and parts[0].notna().any():
        where = np.flatnonzero(todo)[parts[0].notna().to_numpy()]
        sub = parts[parts[0].notna()]
        a, b, year = (pd.to_numeric(sub[k]).to_numpy() for k in (0, 2, 3))
        if order is None:  # the column is all here (cells, or a file read whole): it decides
            evidence = DateEvidence()
            evidence.see(text.to_numpy(dtype=object), rows)
            order = evidence.order(None)
        day, month = (a, b) if order == "DMY" else (b, a)
        out[where] = _days_from_parts(year, month, day)
        todo[where] = False
    numeric = todo & text.str.fullmatch(_NUMBER).to_numpy()
    if numeric.any():
        out[numeric] = _number_days(text[numeric].astype(float).to_numpy())
    return _checked(out, text, rows)


def _number_days(nums: np.ndarray) -> np.ndarray:
    """YYYYMMDD numbers (19000101 to 21991231) and Excel serial numbers (1 to 109,574; a time of
    day as a fraction is dropped), told apart by range."""
    out = np.full(nums.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    finite = np.isfinite(nums)
    ymd = finite & (nums >= 19000101) & (nums <= 21991231) & (np.floor(nums) == nums)
    if ymd.any():
        v = nums[ymd].astype(np.int64)
        out[ymd] = _days_from_parts(v // 10000, v // 100 % 100, v % 100)
    serial = finite & (nums >= 1) & (nums <= MAX_SERIAL)
    out[serial] = EXCEL_EPOCH + np.floor(nums[serial]).astype(np.int64)
    return out


def _checked(days: np.ndarray, values: Any, rows: Any) -> np.ndarray:
    bad = np.isnat(days) | (days < FIRST_DAY) | (days > LAST_DAY)
    if bad.any():
        i = int(np.argmax(bad))
        shown = pd.Series(values).iloc[i] if not isinstance(values, np.ndarray) else values[i]
        raise ReadError(
            f"{_row(rows, i)}: {str(shown)!r} is no date clv_xl reads; expected "
            f"{DATE_WINDOW} such as 1997-01-31, 19970131 or 31/01/1997",
            shown,
            i,
            f"{DATE_WINDOW} (a date cell, 1997-01-31 or 19970131)",
        )
    return days


# ----- amounts ---------------------------------------------------------------------------------
_CURRENCY = re.compile(r"[$€£¥₹₽₩¢]|\b[A-Z]{3}\b|[\s\u00a0\u202f']")
_COMMA_DECIMAL = re.compile(r"^-?\d*,\d{1,2}$|^-?\d{1,3}(?:\.\d{3})+,\d+$|^-?\d*,\d{4,}$")
_POINT_DECIMAL = re.compile(r"^-?\d*\.\d{1,2}$|^-?\d{1,3}(?:,\d{3})+\.\d+$|^-?\d*\.\d{4,}$")
_EITHER = re.compile(r"^-?\d{1,3}(?:[.,]\d{3})+$")


def _clean_amounts(text: pd.Series) -> pd.Series:
    t = text.str.replace(_CURRENCY, "", regex=True)
    negative = t.str.fullmatch(r"\(.*\)") | t.str.endswith("-")
    t = t.str.strip("()").str.rstrip("-")
    return t.where(~negative, "-" + t.str.lstrip("-"))


@dataclass
class DecimalEvidence(_Evidence):
    """What a pass over an amount column has seen of its decimal separator."""

    comma: Seen | None = None
    point: Seen | None = None
    either: Seen | None = None

    def see(self, values: Any, rows: Any = None) -> None:
        read = self._texts(values)
        if read is None:
            return
        arr, t = read[0], _clean_amounts(read[1])
        for kind, pattern in (
            ("comma", _COMMA_DECIMAL),
            ("point", _POINT_DECIMAL),
            ("either", _EITHER),
        ):
            if getattr(self, kind) is None:
                self._first(kind, t.str.fullmatch(pattern).to_numpy(), arr, rows)

    def decimal(self, given: str | None) -> str:
        if given:
            return given
        if self.comma and self.point:
            (a, _, ra), (b, i, rb) = self.comma, self.point
            raise ReadError(
                f"the amounts mix a decimal comma {a!r} ({ra}) and a decimal point "
                f"{b!r} ({rb}); give --decimal , or --decimal .",
                b,
                i,
                f"amounts with one decimal separator (the column also has {a})",
                "--decimal",
            )
        if self.comma:
            return ","
        if self.point or not self.either:
            return "."
        v, i, row = self.either
        raise ReadError(
            f"the amounts, such as {v!r} ({row}), could have a decimal comma or a "
            "thousands separator and no amount tells; give --decimal , or --decimal .",
            v,
            i,
            "an amount whose decimal separator is clear (no amount in the "
            "column tells whether , or . is the decimal)",
            "--decimal",
        )


MAX_AMOUNT = 1e15
AMOUNT_WINDOW = "an amount from -1e15 to 1e15"
"""The one window of amounts, for files and cells: larger, no sale is real, and sums over a log
would lose their cents or overflow to infinity (a 1e308 amount summed twice)."""


def amounts_in_window(out: np.ndarray, shown: Any, rows: Any = None) -> np.ndarray:
    """``out`` when every amount lies in :data:`AMOUNT_WINDOW`; else a ReadError naming the
    first row that does not (``shown``: the values as written, to quote)."""
    outside = np.abs(out) > MAX_AMOUNT
    if outside.any():
        i = int(np.argmax(outside))
        value = shown[i] if shown is not None else out[i]
        raise ReadError(
            f"{_row(rows, i)}: the amount {str(value)!r} is too large; expected {AMOUNT_WINDOW}",
            value,
            i,
            AMOUNT_WINDOW,
        )
    return out


def parse_amounts(values: Any, decimal: str | None = None, rows: Any = None) -> np.ndarray:
    """The amounts as float64 (blank: 0) by the module's rules; a value that is no amount, or
    lies outside :data:`AMOUNT_WINDOW`, is a ReadError naming its row."""
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if arr.dtype.kind in "iufb":
        out = arr.astype(float)
        return amounts_in_window(np.where(np.isnan(out), 0.0, out), None, rows)
    text = _text(pd.Series(arr, dtype=object))
    if decimal is None:
        evidence = DecimalEvidence()
        evidence.see(arr, rows)
        decimal = evidence.decimal(None)
    thousands = "," if decimal == "." else "."
    t = _clean_amounts(text).str.replace(thousands, "", regex=False)
    if decimal == ",":
        t = t.str.replace(",", ".", regex=False)
    blank = (t == "").to_numpy()
    out = pd.to_numeric(t.where(~blank, "0"), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(out)
    if bad.any():
        i = int(np.argmax(bad))
        raise ReadError(
            f"{_row(rows, i)}: the amount {text.iloc[i]!r} is not a number clv_xl "
            "reads (such as 12.50, $1,250.00 or 1.250,00)",
            text.iloc[i],
            i,
            "a number (12.50, $1,250.00 or 1.250,00)",
        )
    return amounts_in_window(out, text.to_numpy(), rows)


_PLAIN_NUMBER = re.compile(r"-?\d{1,15}(?:\.\d{1,15})?")


def reads_as_data(value: Any) -> bool:
    """Text that the rules read as a date or an amount (so not a column's name in a header)."""
    text = str(value).strip()
    if not text or not any(ch.isdigit() for ch in text):
        return False  # no date or amount is written without a digit (a header's names)
    if _PLAIN_NUMBER.fullmatch(text):
        return True  # an amount as the rules read it, without a trip through pandas
    try:
        parse_days([text], "DMY")
        return True
    except ReadError:
        pass
    try:
        parse_amounts([text], ".")
        return True
    except ReadError:
        return False
