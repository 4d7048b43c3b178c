"""Transaction sources and the rules every engine reads them by (:mod:`clv_xl.data.engines`
summarises them with DuckDB, Apache Spark or pandas).

All three engines follow ``clv_xl.data.summary``'s conventions exactly: same-day transactions are
one purchase; frequency = purchase days - 1; recency and T in ``period`` units from the first
purchase; monetary_value = mean of the repeat purchase days; a day netting below zero is a return,
not a purchase; transactions after ``as_of`` (default: the last date) are left out. Here customers
come out sorted by id (a file has no sheet order), and rows with no customer id are skipped.

Dates: the first date in the column fixes its form (a date type, 19970101 numbers, or text such
as 1997-01-01, 01/31/1997, 31.01.1997); a row in another form is an error naming the row, so no
date is silently read the wrong way round.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clv_xl.errors import CLVError
from clv_xl.files import CSV_SUFFIXES, PARQUET_SUFFIXES

# (strptime form, Spark form, what a user would call it)
DATE_FORMS = [
    ("%Y-%m-%d", "yyyy-MM-dd", "1997-01-31"),
    ("%Y%m%d", "yyyyMMdd", "19970131"),
    ("%m/%d/%Y", "MM/dd/yyyy", "01/31/1997"),
    ("%d.%m.%Y", "dd.MM.yyyy", "31.01.1997"),
    ("%Y/%m/%d", "yyyy/MM/dd", "1997/01/31"),
]
GUESSES = {
    "customer": ("customer", "customer_id", "customerid", "cust_id", "client", "client_id", "id"),
    "date": ("date", "order_date", "transaction_date", "invoice_date", "purchase_date", "day", "timestamp"),
    "amount": ("amount", "value", "sales", "revenue", "spend", "total", "dollar_value", "price"),
}  # fmt: skip


class SourceError(CLVError):
    """A transaction source cannot be read as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Source:
    """Where the transactions are: a file, a folder of files, or a SELECT query (DuckDB)."""

    location: str
    customer: str | None = None
    date: str | None = None
    amount: str | None = None

    @property
    def is_query(self) -> bool:
        return bool(re.match(r"^\s*(select|with)\b", self.location, re.I))

    def files(self) -> tuple[str, list[Path]]:
        """("csv" or "parquet", the files), or a SourceError saying what is wrong."""
        path = Path(self.location).expanduser()
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and _kind(p))
            if not files:
                raise SourceError(f"the folder {path} holds no CSV or Parquet files")
        elif path.is_file():
            files = [path]
        else:
            raise SourceError(
                f"no such file or folder: {path} (give a CSV or Parquet file, a folder of them, "
                "or a SELECT query)"
            )
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


def date_form(first_value: Any) -> tuple[str, str, str] | None:
    """The DATE_FORMS entry the first date matches, None for a real date type."""
    if isinstance(first_value, dt.date | np.datetime64 | pd.Timestamp):
        return None
    text = str(first_value).strip()
    if re.fullmatch(r"\d{8}(\.0)?", text):
        return DATE_FORMS[1]
    for form in DATE_FORMS:
        try:
            dt.datetime.strptime(text, form[0])
            return form
        except ValueError:
            continue
    raise SourceError(f"the first date, {text!r}, is not a date clv_xl can read (e.g. 1997-01-31)")


def mixed_dates(row: int, value: Any, form: tuple[str, str, str]) -> SourceError:
    return SourceError(
        f"mixed date formats: row {row} has {value!r}, but the column's first date is in the form "
        f"{form[2]}; give every date in one form"
    )


def as_of_date(value: Any) -> dt.date | None:
    """The end of the observation period as typed (blank: the last date in the data)."""
    if value in (None, ""):
        return None
    from clv_xl.data.dates import to_dates

    return pd.Timestamp(to_dates([value], "as_of")[0]).date()
