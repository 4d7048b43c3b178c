"""The time unit of recency and T: one definition for summaries, fits and lifetime value.

A unit is typed as "W" (weeks, the default), "D" (days), "M" (30 days), "H" (hours) or a
positive number of days. It carries two lengths under distinct names:

- ``days``: days per unit, what a summary divides day counts by ("M" is 30 days, as
  CLV_SUMMARY documents);
- ``per_month``: units per month, what lifetime value steps by, as lifetimes computes it (4.345
  weeks, 30 days, 1 "M", 720 hours, or 30 / days for a number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clv_xl.core.numbers import is_number
from clv_xl.errors import InputError

DEFAULT = "W"
_NAMED = {"W": (7.0, 4.345), "D": (1.0, 30.0), "M": (30.0, 1.0), "H": (1.0 / 24, 30.0 * 24)}
ALLOWED = '"W" (weeks), "D" (days), "M" (30 days), "H" (hours) or a number of days > 0'


@dataclass(frozen=True)
class TimeUnit:
    """A time unit: its label ("W", "D", "M", "H" or days as text), ``days`` and
    ``per_month``."""

    label: str
    days: float
    per_month: float

    @classmethod
    def parse(cls, value: Any, argument: str = "period") -> TimeUnit:
        """The unit a user typed; blank is weeks; anything else one InputError line."""
        if value is None or (isinstance(value, str) and not value.strip()):
            value = DEFAULT
        if isinstance(value, TimeUnit):
            return value
        if isinstance(value, str):
            key = value.strip().upper()[:1]
            if key in _NAMED:
                return cls(key, *_NAMED[key])
            try:
                value = float(value)
            except ValueError:
                raise InputError(argument, value, ALLOWED) from None
        if is_number(value) and 0 < value < 1e9:
            days = float(value)
            return cls(f"{days:g}", days, 30.0 / days)
        raise InputError(argument, value, ALLOWED)

    def __str__(self) -> str:
        return self.label
