"""The pure core: everyday CLV formulas and segmentation. Never imports xlwings."""

from clv_xl.core.everyday import (
    TIMINGS,
    headroom,
    lifespan,
    payback,
    profit,
    ratio,
    retention_value,
    value,
)
from clv_xl.core.segment import segment, tier_numbers

__all__ = [
    "TIMINGS",
    "headroom",
    "lifespan",
    "payback",
    "profit",
    "ratio",
    "retention_value",
    "segment",
    "tier_numbers",
    "value",
]
