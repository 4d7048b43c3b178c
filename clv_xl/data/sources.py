"""Transaction sources and the rules every engine reads them by (:mod:`clv_xl.data.engines`
summarises them with DuckDB, Apache Spark or pandas).

All three engines follow ``clv_xl.data.summary``'s conventions exactly: same-day transactions are
one purchase; frequency = purchase days - 1; recency and T in ``period`` units from the first
purchase; monetary_value = mean of the repeat purchase days; a day netting below zero is a return,
not a purchase; transactions after ``as_of`` (default: the last date) are left out. Here customers
come out sorted by id (a file has no sheet order), and rows with no customer id are skipped.

How a file is read (dialect, ids, dates, amounts) is :mod:`clv_xl.data.reading` and
:mod:`clv_xl.data.rules`, one definition for every engine.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clv_xl.errors import CLVError
from clv_xl.files import CSV_SUFFIXES, PARQUET_SUFFIXES

GUESSES = {
    "customer": ("customer", "customer_id", "customerid", "cust_id", "client", "client_id", "id"),
    "date": (
        "date",
        "order_date",
        "transaction_date",
        "invoice_date",
        "purchase_date",
        "day",
        "timestamp",
    ),
    "amount": ("amount", "value", "sales", "revenue", "spend", "total", "dollar_value", "price"),
}


class SourceError(CLVError):
    """A transaction source cannot be read as asked; the message says why and what to do."""


class NoPurchasesError(SourceError):
    """No purchase by the end of the period asked for (``as_of``; None: none at all): the
    command line names ``--as-of``, the Excel function its ``as_of`` argument."""

    def __init__(self, message: str, as_of: Any = None) -> None:
        super().__init__(message)
        self.as_of = as_of


def missing(path: Path) -> SourceError:
    """The answer for a path that is not there (and, in a headless refresh, for one outside
    the folders allowed: the same words, so a workbook cannot probe for files)."""
    return SourceError(
        f"no such file or folder: {path} (give a CSV or Parquet file, a folder "
        "of them, or a SELECT query)"
    )


@dataclass(frozen=True)
class Source:
    """Where the transactions are: a file, a folder of files, or a SELECT query (DuckDB)."""

    location: str
    customer: str | None = None
    date: str | None = None
    amount: str | None = None
    encoding: str | None = None  # --encoding: otherwise sniffed (UTF-8, BOM or not; cp1252)
    decimal: str | None = None  # --decimal "," or ".": otherwise decided by the amounts
    date_order: str | None = None  # --date-order DMY, MDY or YMD: otherwise decided by the dates

    @property
    def is_query(self) -> bool:
        """SQL (``SELECT ...``, ``WITH ...``), never a file or folder that exists under that
        name (``select.csv``, ``with sales.csv``, ``with-2024/``)."""
        if Path(self.location).expanduser().exists():
            return False
        return bool(re.match(r"^\s*(select|with)\s", self.location, re.I))

    def files(self) -> tuple[str, list[Path]]:
        """("csv" or "parquet", the files), or a SourceError saying what is wrong."""
        path = Path(self.location).expanduser()
        if path.is_dir():
            # hidden files are not the folder's data (macOS's "._a.csv", a write in progress)
            files = sorted(
                p for p in path.iterdir() if p.is_file() and _kind(p) and not p.name.startswith(".")
            )
            if not files:
                raise SourceError(f"the folder {path} holds no CSV or Parquet files")
        elif path.is_file():
            files = [path]
        else:
            raise missing(path)
        kinds = {_kind(p) for p in files}
        if None in kinds:
            raise SourceError(f"{files[0].name}: not a CSV or Parquet file (by its name)")
        if len(kinds) > 1:
            raise SourceError(f"the folder {path} mixes CSV and Parquet files; keep one kind")
        for p in files:
            try:
                with open(p, "rb") as handle:
                    handle.read(1)
            except OSError as exc:
                raise SourceError(f"cannot read {p}: {exc.strerror or exc}") from None
        return str(kinds.pop()), files


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    return None


def pick_columns(available: list[str], source: Source) -> tuple[str, str, str | None]:
    """The customer, date and amount columns: as named, or guessed from common names."""
    lower = {c.lower(): c for c in available}

    def find(role: str, given: str | None, required: bool) -> str | None:
        if given:
            if given in available:
                return given
            if given.lower() in lower:
                return lower[given.lower()]
            raise SourceError(
                f"no column {given!r} for the {role}; the columns are {', '.join(available)}"
            )
        for guess in GUESSES[role]:
            if guess in lower:
                return lower[guess]
        if required:
            raise SourceError(
                f"cannot tell which column holds the {role} (columns: {', '.join(available)}); "
                f"name it with --{role} or the {role} argument"
            )
        return None

    customer = find("customer", source.customer, True)
    date = find("date", source.date, True)
    amount = find("amount", source.amount, False)
    assert customer is not None and date is not None
    return customer, date, amount


_AS_OF = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$|^(\d{4})(\d{2})(\d{2})$")


def as_of_date(value: Any) -> dt.date | None:
    """The end of the observation period (blank: the last date in the data). Typed, it must be
    unambiguous: YYYY-MM-DD or YYYYMMDD (``01/02/2024`` could be either day first or not)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    match = _AS_OF.match(str(value).strip())
    if match is None:
        raise SourceError(
            f"--as-of got {str(value)!r}; expected a date written YYYY-MM-DD "
            "(such as 1997-09-30), which no reader takes the wrong way round"
        )
    y, m, d = (int(g) for g in match.groups() if g is not None)
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise SourceError(f"--as-of got {str(value)!r}, which is no date") from None
