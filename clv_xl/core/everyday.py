"""The everyday customer-lifetime-value formulas.

Each function is element-wise: scalars give a float, arrays give an array of the broadcast shape.
Rates are fractions (80% is 0.8). Sources are named in each docstring; "seed 000" etc. refer to
the source articles the product started from (see the README).
"""

from __future__ import annotations

import numpy as np

from clv_xl.core.domains import (
    CHURN,
    COUNT,
    FRACTION,
    MONEY,
    MONEY_NONNEG,
    POSITIVE,
    RATE_NONNEG,
    WHOLE,
    Num,
    elementwise,
)

TIMINGS = ("retained", "end", "start")


@elementwise(avg_purchase=MONEY, expected_purchases=COUNT)
def value(avg_purchase: Num, expected_purchases: Num) -> Num:
    """Lifetime value = average purchase x expected number of purchases.

    Seed 000: "Estimated Lifetime Value = Average Sale x Expected Number of Times the Customer
    Buys". Mary spends $8 then $20: average $14 x 2 purchases = $28.

    Returns
    -------
    float or array

    Examples
    --------
    >>> value(14, 2)  # Mary: $8 then $20
    28.0
    """
    return avg_purchase * expected_purchases


@elementwise(
    avg_purchase=MONEY,
    expected_purchases=COUNT,
    margin=FRACTION,
    cost_per_purchase=MONEY_NONNEG.optional(0.0),
    fixed_costs=MONEY_NONNEG.optional(0.0),
)
def profit(avg_purchase: Num, expected_purchases: Num, margin: Num, cost_per_purchase: Num = None,
           fixed_costs: Num = None) -> Num:  # fmt: skip
    """Lifetime profit = purchases x (avg_purchase x margin - cost_per_purchase) - fixed_costs.

    Seed 000's "Estimated Lifetime Profit = Average Profit per Sale x Expected Purchases", with
    seed 003's costs to serve (per purchase) and to acquire and retain (fixed, per customer).
    Blank costs are 0.

    Returns
    -------
    float or array

    Examples
    --------
    >>> profit(50, 10, 0.4, 5, 30)
    120.0
    """
    return expected_purchases * (avg_purchase * margin - cost_per_purchase) - fixed_costs


@elementwise(
    lifetime_profit=MONEY,
    acquisition_cost=MONEY_NONNEG.optional(0.0),
    target_ratio=POSITIVE.optional(1.0),
)
def headroom(lifetime_profit: Num, acquisition_cost: Num = None, target_ratio: Num = None) -> Num:
    """How much more could be spent to win such a customer: profit / target_ratio - cost.

    ``target_ratio`` 1 (the default) is break-even; 3 is the common 3:1 LTV:CAC rule. Seeds 001
    and 002: a $10,000-profit customer leaves 10000 - 199 = 9801 after a $199 free installation;
    $50 to win a $500 customer leaves 450, to win a $20 one -30.

    Returns
    -------
    float or array

    Examples
    --------
    >>> headroom(10000, 199), headroom(500, 50), headroom(20, 50)
    (9801.0, 450.0, -30.0)
    """
    return lifetime_profit / target_ratio - acquisition_cost


@elementwise(
    infinite="no acquisition cost, so the ratio is unbounded",
    lifetime_value=MONEY,
    acquisition_cost=MONEY_NONNEG,
)
def ratio(lifetime_value: Num, acquisition_cost: Num) -> Num:
    """LTV:CAC, lifetime value per unit of acquisition cost (3 or more is the usual target).

    Returns
    -------
    float or array
        ``inf`` for a cost of 0.

    Examples
    --------
    >>> ratio(500, 50)
    10.0
    """
    return np.where(
        acquisition_cost > 0, lifetime_value / acquisition_cost, np.copysign(np.inf, lifetime_value)
    )


def _geometric_sum(q: Num, n: Num) -> Num:
    """sum_{t=0}^{n-1} q^t, with n = NaN meaning an infinite horizon (needs q < 1)."""
    finite = np.where(q == 1.0, n, (1.0 - q**n) / (1.0 - q))
    infinite = np.where(q < 1.0, 1.0 / (1.0 - q), np.inf)
    return np.where(np.isnan(n), infinite, finite)


@elementwise(
    infinite="no end: with retention 100% and no discount the value grows for ever; give periods",
    others={"timing": '"retained" (blank), "end" or "start": the conventions above.'},
    margin=MONEY,
    retention_rate=FRACTION,
    discount_rate=RATE_NONNEG,
    periods=WHOLE.optional(np.nan),
)
def retention_value(margin: Num, retention_rate: Num, discount_rate: Num, periods: Num = None,
                    timing: str = "retained") -> Num:  # fmt: skip
    """Retention-based CLV with a constant margin, retention rate and discount rate.

    With q = r / (1 + d), the three timing conventions of Fader & Hardie's note 024 ("What's
    wrong with this CLV formula?") are, for an infinite horizon:

    - ``"retained"``: margin at the end of each period the customer is retained, m r / (1 + d - r);
    - ``"end"``: margin at the end of every active period, the first included, m / (1 + d - r);
    - ``"start"``: margin at the start of every active period, the first now, m (1 + d) / (1 + d - r).

    With ``periods`` = n the same series is summed over its first n terms: m q (1-q^n)/(1-q),
    m/(1+d) (1-q^n)/(1-q) and m (1-q^n)/(1-q) respectively. Blank ``periods`` is infinite.
    Example: m=100, r=0.8, d=0.1 gives 266.67, 333.33 and 366.67.

    Returns
    -------
    float or array
        ``inf`` where the value has no end.

    Examples
    --------
    >>> [round(retention_value(100, 0.8, 0.1, timing=t), 2) for t in ("retained", "end", "start")]
    [266.67, 333.33, 366.67]
    """
    timing_key = check_timing(timing)
    q = retention_rate / (1.0 + discount_rate)
    total = _geometric_sum(q, periods)
    first = {"retained": q, "end": 1.0 / (1.0 + discount_rate), "start": np.ones_like(q)}[
        timing_key
    ]
    return margin * first * total


def check_timing(timing: object) -> str:
    """Normalise a timing name ("Retained", " end ") or raise InputError."""
    from clv_xl.errors import InputError

    key = str(timing).strip().lower() if isinstance(timing, str) else None
    if key not in TIMINGS:
        raise InputError("timing", timing, 'one of "retained", "end", "start"')
    return key


@elementwise(churn_rate=CHURN)
def lifespan(churn_rate: Num) -> Num:
    """Expected number of periods a customer stays, counting the first: 1 / churn_rate.

    Under a constant churn rate c the number of periods is geometric with mean 1/c (20% churn a
    year: 5 years).

    Returns
    -------
    float or array

    Examples
    --------
    >>> lifespan(0.2)
    5.0
    """
    return 1.0 / churn_rate


@elementwise(
    infinite="never: the expected margin never covers the acquisition cost",
    acquisition_cost=MONEY_NONNEG,
    margin_per_period=MONEY,
    retention_rate=FRACTION.optional(1.0),
    discount_rate=RATE_NONNEG.optional(0.0),
)
def payback(acquisition_cost: Num, margin_per_period: Num, retention_rate: Num = None,
            discount_rate: Num = None) -> Num:  # fmt: skip
    """Periods until the cumulative expected, discounted margin covers the acquisition cost.

    Margin arrives at the end of each active period, the first included (the "end" convention),
    so after n periods the customer has returned C(n) = m/(1+d) (1-q^n)/(1-q) with
    q = r/(1+d). The answer is fractional by linear interpolation inside the period where C
    crosses the cost, as a finance payback period is; with r = 1 and d = 0 it is cost / margin.
    Returns ``inf`` when the cost is never recovered (C(infinity) <= cost).

    Examples
    --------
    >>> payback(100, 25)
    4.0
    """
    m, r, d, cost = margin_per_period, retention_rate, discount_rate, acquisition_cost
    q = r / (1.0 + d)
    per = m / (1.0 + d)
    # Closed-form continuous crossing point, then refine to the period boundary it falls in.
    with np.errstate(divide="ignore", invalid="ignore"):
        need = cost / per
        cont = np.where(
            q == 1.0,
            need,
            np.log1p(-need * (1.0 - q)) / np.log(q),
        )
    reachable = (per > 0) & ((q >= 1.0) | (need * (1.0 - q) < 1.0))
    k = np.ceil(np.where(reachable, cont, 1.0) - 1e-12)
    k = np.maximum(k, 1.0)
    before = per * _geometric_sum(q, k - 1.0)
    step = per * q ** (k - 1.0)
    frac = np.clip((cost - before) / step, 0.0, 1.0)
    result = np.where(reachable, k - 1.0 + frac, np.inf)
    return np.where(cost == 0, 0.0, result)
