"""Cohorts by first purchase: the month, quarter or year a customer joined, as text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from clv_xl.errors import InputError

COHORT_FORMS = {"M": "month", "Q": "quarter", "Y": "year"}


def cohort_labels(first_purchase: pd.Series, cohorts: Any) -> list[str]:
    """Each customer's cohort: the month, quarter or year of the first purchase, as text that
    sorts in time order (2024-03, 2024-Q1, 2024)."""
    key = cohorts.strip().upper()[:1] if isinstance(cohorts, str) else ""
    if key not in COHORT_FORMS:
        raise InputError("cohorts", cohorts, '"M" (month), "Q" (quarter) or "Y" (year)')
    stamps = pd.to_datetime(first_purchase)
    codes, days = pd.factorize(stamps)  # each distinct day labelled once (a few hundred)
    if codes.size and codes.min() >= 0:
        return np.asarray(_labels(pd.Series(days), key), dtype=object)[codes].tolist()
    return _labels(stamps, key)


def _labels(stamps: pd.Series, key: str) -> list[str]:
    if key == "M":
        return stamps.dt.strftime("%Y-%m").tolist()
    if key == "Q":
        return (stamps.dt.year.astype(str) + "-Q" + stamps.dt.quarter.astype(str)).tolist()
    return stamps.dt.year.astype(str).tolist()
