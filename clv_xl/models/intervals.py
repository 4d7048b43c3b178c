"""How sure the predictions are: intervals from the uncertainty of the fitted parameters.

A parametric bootstrap (the usual "simulation from the sampling distribution" of a maximum
likelihood estimate): the log-parameters are drawn from the normal distribution centred on the
fit with the covariance from the fit's Hessian (``cov_log_``, or rebuilt from the table's
standard errors and correlations), each draw gives every customer's prediction, and the
interval is the middle ``level`` share of those predictions; the total over customers is done
per draw, so its interval accounts for customers sharing the same parameters.

What the bounds include: the uncertainty of the parameters from fitting a finite customer base.
What they do not: the randomness of one customer's own future purchases (a customer expected to
buy 1.2 times will buy 0, 1, 2 or 3 times), nor a wrong model or a changing market.

Draws are seeded, so a cell shows the same bounds on every recalculation; results are cached by
content.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from clv_xl.models.base import BaseModel
from clv_xl.models.threads import on_cores

Array = np.ndarray
MAX_VALUES = 4_000_000
"""Draws x customers held at once (32 MB; a block's sort and masks take a few times that), give
or take a quarter (:func:`block_width`): more customers are taken in blocks, their predictions
called with ``part``, the block's customers."""
_cache: OrderedDict[str, tuple[Array, ...]] = OrderedDict()


def parameter_draws(model: BaseModel, cov_log: Array, draws: int, seed: int = 0) -> Array:
    """``draws`` parameter vectors (rows), drawn on the scale of the fit's covariance: logs of
    the positive parameters, covariate coefficients as they are."""
    centre = model.to_point(np.array([model.params_[k] for k in model.param_names]))
    rng = np.random.default_rng(seed)
    # eigh, not cholesky: a nearly singular covariance (a flat direction) still draws
    values, vectors = np.linalg.eigh((cov_log + cov_log.T) / 2)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    z = rng.standard_normal((draws, centre.size))
    return model.from_point(centre + z @ root.T)  # finite even for wild covariances


def bootstrap_interval(
    model: BaseModel,
    cov_log: Array,
    predict: Callable[..., Array],
    level: float = 0.9,
    draws: int = 500,
    seed: int = 0,
    key: str = "",
    spend: tuple[BaseModel, Array] | None = None,
    weights: Array | None = None,
    order: Array | None = None,
    stacked: bool = False,
) -> tuple[Array, Array, Array, float, float, float]:
    """Per customer (estimate, lower, upper), and the same for the total over customers (each
    row counted ``weights`` times when given: a row standing for many customers).

    With ``spend`` (a second fitted model and its covariance, e.g. Gamma-Gamma), its parameters
    are drawn too, independently of the first model's: the Gamma-Gamma model assumes spend is
    independent of the purchase process, and the two are fitted separately. ``predict`` then
    takes both models. Past ``MAX_VALUES`` draws x customers, the customers are taken in blocks
    and ``predict`` is called with ``part``, the block's customers (their indices, in
    ``order`` when given: customers alike next to each other, so that a block's predictions
    share their special functions as the whole's do). ``stacked``: ``predict`` takes a model
    holding a run of :data:`RUN` draws at once (:func:`stacked_draws`) and gives a row per
    draw (no ``spend``).
    """
    drawn_from = [(model, cov_log), *([spend] if spend else [])]
    cache_key = _key(key, drawn_from, level, draws, seed)
    w = None if weights is None else np.asarray(weights, dtype=float)
    if cache_key and cache_key in _cache:
        _cache.move_to_end(cache_key)
        found = _cache[cache_key]
        return found[0], found[1], found[2], *(float(v) for v in found[3])  # type: ignore[return-value]
    estimate = np.asarray(predict(model, spend[0]) if spend else predict(model), dtype=float)
    n = max(estimate.size, 1)
    points = parameter_draws(model, cov_log, draws, seed)
    drawn = [] if stacked else _models(model, points)
    drawn_spend = (
        _models(spend[0], parameter_draws(spend[0], spend[1], draws, seed + 1)) if spend else None
    )
    tail = (1 - level) / 2
    lower, upper = np.empty(estimate.shape), np.empty(estimate.shape)
    totals = np.zeros(draws)
    width = block_width(n, draws)  # customers a block: draws x width values at once
    ranked = np.arange(n) if order is None else np.asarray(order)
    for start in range(0, n, width):
        part = ranked[start : start + width] if n > width else None  # one block: as it is
        extra = {} if part is None else {"part": part}
        samples = np.empty((draws, min(width, n - start)))

        def fill(d: int, samples: Array = samples, extra: dict = extra) -> None:
            with np.errstate(all="ignore"):
                one = drawn[d]
                got = (
                    predict(one, drawn_spend[d], **extra) if drawn_spend else predict(one, **extra)
                )
            samples[d] = got

        def fill_run(run: slice, samples: Array = samples, extra: dict = extra) -> None:
            with np.errstate(all="ignore"):
                samples[run] = predict(stacked_draws(model, points[run]), **extra)

        if stacked:
            on_cores(fill_run, [slice(s, s + RUN) for s in range(0, draws, RUN)])
        else:
            on_cores(fill, range(draws))
        samples = np.where(np.isfinite(samples), samples, np.nan)
        at = slice(None) if part is None else part
        with np.errstate(invalid="ignore", over="ignore"):  # extreme draws: inf, as callers say
            lower[at], upper[at] = column_quantiles(samples, (tail, 1 - tail))
            totals += samples.sum(axis=1) if w is None else samples @ w[at]
    with np.errstate(invalid="ignore", over="ignore"):
        total_lo, total_hi = np.nanquantile(totals, [tail, 1 - tail])
    total = float(estimate.sum() if w is None else estimate @ w)
    result = (estimate, lower, upper, total, float(total_lo), float(total_hi))
    if cache_key:
        _cache[cache_key] = (estimate, lower, upper, np.array(result[3:]))
        while len(_cache) > 16:
            _cache.popitem(last=False)
    return result


def block_width(customers: int, draws: int) -> int:
    """Customers a block: blocks of equal size, each at most a quarter over ``MAX_VALUES /
    draws``. A draw's predictions cost a fixed 0.2-0.3 ms a block besides their customers, so
    a short last block costs nearly what a whole one does (8,804 customers x 500 draws, the
    100,000-row book: one block of 8,804 instead of 8,000 and 804, its interval 0.55 -> 0.4 s)."""
    most = max(1, MAX_VALUES // draws)
    blocks = max(1, math.ceil(customers / (most + most // 4)))
    return max(1, math.ceil(customers / blocks))


def column_quantiles(samples: Array, levels: tuple[float, ...]) -> Array:
    """``np.nanquantile(samples, levels, axis=0)`` to the bit (linear interpolation between the
    order statistics of each column's finite values; NaN for a column with none), in one sort
    instead of numpy's column-by-column loop (20,000 customers x 500 draws: 0.4 s, not 2.1 s);
    blocks of columns sorted over the cores (8,804 customers x 500 draws: 52 -> 28 ms on two)."""
    blocks = [slice(at, at + QUANTILE_BLOCK) for at in range(0, samples.shape[1], QUANTILE_BLOCK)]
    if len(blocks) < 2:
        return _quantiles(samples, levels)
    return np.hstack(on_cores(lambda block: _quantiles(samples[:, block], levels), blocks))


RUN = 10
"""Draws a stacked prediction takes at once: 500 draws of the 100,000-row book's 8,804 customers
on two cores 0.12-0.13 s (6 and 16: about the same; 25: 0.14-0.19 s, its arrays of 1.8 MB past
the cache, and 21 MB more memory at the peak; one at a time: 0.32 s)."""
QUANTILE_BLOCK = 1024
"""Columns (customers) sorted together for their quantiles, a block a task."""


def _quantiles(samples: Array, levels: tuple[float, ...]) -> Array:
    ordered = np.sort(samples, axis=0)  # NaN sort last
    finite = samples.shape[0] - np.isnan(samples).sum(axis=0)
    columns = np.arange(samples.shape[1])
    out = np.full((len(levels), samples.shape[1]), np.nan)
    for i, level in enumerate(levels):
        at = level * (finite - 1)
        below = np.clip(np.floor(at), 0, None).astype(np.intp)
        above = np.minimum(below + 1, np.maximum(finite - 1, 0))
        share = at - np.floor(at)
        low, high = ordered[below, columns], ordered[above, columns]
        step = high - low
        # numpy's own lerp: from the nearer end, so a share of 1 gives the upper value exactly
        value = np.where(share >= 0.5, high - step * (1 - share), low + step * share)
        out[i] = np.where(finite > 0, value, np.nan)
    return out


def stacked_draws(model: BaseModel, points: Array) -> BaseModel:
    """A model like ``model`` holding many draws of its parameters at once (``points``: a row
    per draw, a column per parameter), each parameter a column of values: a prediction whose
    formulas broadcast (BG/NBD's and MBG/NBD's expected purchases on a bootstrap's pairs)
    gives a row per draw, in a few large NumPy calls instead of many small ones."""
    columns = {k: points[:, i : i + 1] for i, k in enumerate(model.param_names)}
    return type(model)()._given(columns)


def _models(model: BaseModel, points: Array) -> list[BaseModel]:
    """A model per draw (a row of ``points``)."""
    return [
        model.with_params(dict(zip(model.param_names, params.tolist(), strict=True)))
        for params in points
    ]


def _key(
    key: str, drawn_from: list[tuple[BaseModel, Array]], level: float, draws: int, seed: int
) -> str:
    """The cache key: the caller's data key, and every model drawn from with its covariance."""
    if not key:
        return ""
    digest = hashlib.sha256(key.encode())
    digest.update(repr((level, draws, seed)).encode())
    for model, cov_log in drawn_from:
        digest.update(repr((model.name, sorted(model.params_.items()))).encode())
        digest.update(np.ascontiguousarray(cov_log).tobytes())
    return digest.hexdigest()
