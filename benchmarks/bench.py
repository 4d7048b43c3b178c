"""clv_xl against lifetimes 0.11.3, side by side, same data, same run: speed and agreement.

    python -m benchmarks.bench [--repeats 3] [--transactions 1000000] [--customers 100000]

Prints a table and saves it as benchmarks/results.json. Each case is timed ``repeats`` times
(median) through both of clv_xl's doors, next to lifetimes:

- "core": the Python API on NumPy arrays;
- "Excel": the CLV_ function a user types, called with what xlwings hands it (columns as lists
  of one-element lists, dates as datetime objects, parameter tables as rows); building those
  lists is xlwings' work and is not timed, and the fit cache is emptied before every call.

The answers of lifetimes and of both doors are compared. Case 4 is the element-wise functions
over a million cells; case 5 the peak memory (tracemalloc) of the core's cases 1-3.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

from benchmarks.synthetic import transaction_log  # noqa: E402
from clv_xl.data import summarize  # noqa: E402
from clv_xl.excel import udfs  # noqa: E402
from clv_xl.models import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD, lifetime_value  # noqa: E402
from clv_xl.models.cache import clear_cache  # noqa: E402

AS_OF = "2025-12-31"


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def rel_diff(a: Any, b: Any) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def cells(values: Any) -> list[list[Any]]:
    """A column as xlwings hands it to a function declared with ndim=2: numbers as floats
    (Excel holds every number as a double; xlwings passes ints only when asked to)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        arr = arr.astype(float)
    return [[v] for v in arr.tolist()]


def uncached(fn: Callable[[], Any]) -> Callable[[], Any]:
    """The Excel door refits on every call only if the cache is emptied first."""

    def call() -> Any:
        clear_cache()
        return fn()

    return call


def optimum(
    cls: Any, names: tuple[str, ...], data: list[Any], weights: Any = None, peer_names: Any = None
) -> Callable[[Any, Any], tuple[float, float]]:
    """clv_xl's maximised log-likelihood and, under the same likelihood, the peer's optimum's."""

    def both(ours: Any, peer: Any) -> tuple[float, float]:
        params = np.array([peer.params_[k] for k in peer_names or names], dtype=float)
        rows = cls()._log_likelihood(params, *(np.asarray(d, dtype=float) for d in data))
        w = np.ones(np.size(rows)) if weights is None else np.asarray(weights, dtype=float)
        return float(ours.log_likelihood_), float(w @ rows)

    return both


def table_values(table: Any, names: tuple[str, ...]) -> list[float]:
    found = {row[0]: row[1] for row in table}
    return [float(found[k]) for k in names]


def column_values(out: Any) -> np.ndarray:
    return np.asarray([row[0] if isinstance(row, list) else row for row in out], dtype=float)


def donations() -> pd.DataFrame:
    from importlib import resources

    return pd.read_csv(str(resources.files("clv_xl.datasets") / "donations.csv"))


def cdnow() -> pd.DataFrame:
    from importlib import resources

    path = resources.files("clv_xl.datasets") / "cdnow_customers_summary_with_transactions.csv"
    return pd.read_csv(str(path))


def run(
    repeats: int, transactions: int, customers: int, calls: int = 100_000
) -> list[dict[str, Any]]:
    import lifetimes
    from lifetimes.utils import summary_data_from_transaction_data

    # lifetimes draws its starting points from NumPy's global generator (normal(1, 0.05)), so
    # its reference fits depend on whatever ran before; seeded, every run compares the same ones.
    np.random.seed(0)  # noqa: NPY002

    log = transaction_log(transactions, customers)
    ids, dates, amounts = (
        log["customer"].to_numpy(),
        log["date"].to_numpy(),
        log["amount"].to_numpy(),
    )
    rows: list[dict[str, Any]] = []

    def case(
        name: str,
        ours: Callable[[], Any],
        theirs: Callable[[], Any],
        agree: Callable[[Any, Any], float],
        excel: Callable[[], Any] | None = None,
        excel_agree: Callable[[Any, Any], float] | None = None,
        optimum: Callable[[Any, Any], tuple[float, float]] | None = None,
    ) -> Any:
        t_ours, r_ours = median_time(ours, repeats)
        t_theirs, r_theirs = median_time(theirs, repeats)
        diff = agree(r_ours, r_theirs)
        row = {"case": name, "clv_xl_s": t_ours, "lifetimes_s": t_theirs,
               "speedup": t_theirs / t_ours, "max_rel_diff": diff}  # fmt: skip
        if optimum is not None:  # both optima under one likelihood: clv_xl's at least as high
            ll_ours, ll_peer = optimum(r_ours, r_theirs)
            row.update({"ll_gap": ll_ours - ll_peer, "ll_allowed": 1e-9 * abs(ll_peer)})
        excel_text = ""
        if excel is not None and excel_agree is not None:
            t_excel, r_excel = median_time(excel, repeats)
            row.update({"excel_s": t_excel, "excel_speedup": t_theirs / t_excel,
                        "excel_rel_diff": excel_agree(r_excel, r_ours)})  # fmt: skip
            excel_text = (f"   Excel {t_excel:7.3f} s x{t_theirs / t_excel:5.1f}"
                          f" (vs core {row['excel_rel_diff']:.0e})")  # fmt: skip
        rows.append(row)
        gap = f"   lnL - peer's {row['ll_gap']:+.1e}" if "ll_gap" in row else ""
        print(
            f"{name:<44} core {t_ours:7.3f} s x{t_theirs / t_ours:5.1f}{excel_text}"
            f"   lifetimes {t_theirs:7.3f} s   diff {diff:.1e}{gap}",
            flush=True,
        )
        return r_ours, r_theirs

    # what xlwings would hand the functions (not timed: xlwings builds these)
    id_cells = cells(ids)
    date_cells = cells(pd.to_datetime(dates).to_pydatetime())
    amount_cells = cells(amounts.astype(float))
    as_of = pd.Timestamp(AS_OF).to_pydatetime()

    # 1. transaction log -> summary
    summary, _ = case(
        f"1 summary: {transactions:,} transactions",
        lambda: summarize(ids, dates, amounts, AS_OF),
        lambda: summary_data_from_transaction_data(
            log,
            "customer",
            "date",
            "amount",
            observation_period_end=AS_OF,
            freq="D",
            freq_multiplier=7,
        ),
        lambda ours, ref: max(
            rel_diff(ours.set_index("customer").loc[ref.index, c], ref[c])
            for c in ("frequency", "recency", "T", "monetary_value")
        ),
        lambda: udfs.CLV_SUMMARY(id_cells, date_cells, amount_cells, as_of),
        lambda out, core: rel_diff(
            [row[1:5] for row in out[1:]],
            core[["frequency", "recency", "T", "monetary_value"]].to_numpy(),
        ),
    )
    x, tx, big_t, m = (
        summary[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value")
    )
    xc, txc, tc, mc = (cells(v) for v in (x, tx, big_t, m))

    # 2. fits
    names = ("r", "alpha", "a", "b")
    _, ref_bg = case(
        f"2 BG/NBD fit: {customers:,} customers",
        lambda: BGNBD().fit(x, tx, big_t),
        lambda: lifetimes.BetaGeoFitter().fit(x, tx, big_t),
        lambda ours, ref: rel_diff(
            [ours.params_[k] for k in names], [ref.params_[k] for k in names]
        ),
        uncached(lambda: udfs.CLV_FIT("BG/NBD", xc, txc, tc)),
        lambda out, core: rel_diff(table_values(out, names), [core.params_[k] for k in names]),
        optimum(BGNBD, names, [x, tx, big_t]),
    )
    c = cdnow()
    cx, ctx, ct = (cells(c[k]) for k in ("x", "t_x", "T"))
    pnames = ("r", "alpha", "s", "beta")
    for label, ours_cls, peer, params in (
        ("Pareto/NBD", ParetoNBD, lifetimes.ParetoNBDFitter, pnames),
        ("MBG/NBD", MBGNBD, lifetimes.ModifiedBetaGeoFitter, names),
    ):  # CDNOW's published fits, each model against its peer
        case(
            f"2 {label} fit: CDNOW 2,357 customers",
            lambda cls=ours_cls: cls().fit(c["x"], c["t_x"], c["T"]),
            lambda peer=peer: peer().fit(c["x"], c["t_x"], c["T"]),
            lambda ours, ref, p=params: rel_diff(
                [ours.params_[k] for k in p], [ref.params_[k] for k in p]
            ),
            uncached(lambda label=label: udfs.CLV_FIT(label, cx, ctx, ct)),
            lambda out, core, p=params: rel_diff(
                table_values(out, p), [core.params_[k] for k in p]
            ),
            optimum(ours_cls, params, [c["x"], c["t_x"], c["T"]]),
        )
    gifts = donations()
    bb = [gifts[k].to_numpy(float) for k in ("frequency", "recency", "periods", "weights")]
    bnames = ("alpha", "beta", "gamma", "delta")
    bb_cells = [cells(v) for v in bb]  # built by xlwings: not timed
    case(
        f"2 BG/BB fit: donations {int(bb[3].sum()):,} donors",
        lambda: BGBB().fit(*bb),
        lambda: lifetimes.BetaGeoBetaBinomFitter().fit(*bb[:3], weights=bb[3]),
        lambda ours, ref: rel_diff(
            [ours.params_[k] for k in bnames], [ref.params_[k] for k in bnames]
        ),
        uncached(lambda: udfs.CLV_FIT("BG/BB", *bb_cells)),
        lambda out, core: rel_diff(table_values(out, bnames), [core.params_[k] for k in bnames]),
        optimum(BGBB, bnames, bb[:3], weights=bb[3]),
    )
    rep = x > 0
    xr_cells, mr_cells = cells(x[rep]), cells(m[rep])  # built by xlwings: not timed
    _, ref_gg = case(
        f"2 Gamma-Gamma fit: {int(rep.sum()):,} repeat customers",
        lambda: GammaGamma().fit(x[rep], m[rep]),
        lambda: lifetimes.GammaGammaFitter().fit(x[rep], m[rep]),
        lambda ours, ref: rel_diff(
            [ours.params_[k] for k in ("p", "q", "gamma")],
            [ref.params_[k] for k in ("p", "q", "v")],
        ),
        uncached(lambda: udfs.CLV_FIT_SPEND(xr_cells, mr_cells)),
        lambda out, core: rel_diff(
            table_values(out, ("p", "q", "gamma")), [core.params_[k] for k in ("p", "q", "gamma")]
        ),
        optimum(GammaGamma, ("p", "q", "gamma"), [x[rep], m[rep]], peer_names=("p", "q", "v")),
    )

    # 3. predictions, from identical parameters
    same_bg = BGNBD.from_params({k: ref_bg.params_[k] for k in names})
    same_gg = GammaGamma.from_params([ref_gg.params_[k] for k in ("p", "q", "v")])
    bg_table = [["model", "BG/NBD"], *([k, float(ref_bg.params_[k])] for k in names)]
    gg_table = [["model", "Gamma-Gamma"], ["p", float(ref_gg.params_["p"])],
                ["q", float(ref_gg.params_["q"])], ["gamma", float(ref_gg.params_["v"])]]  # fmt: skip
    core_agree = lambda out, core: rel_diff(column_values(out), core)  # noqa: E731
    case(
        f"3 P(alive): {customers:,} customers",
        lambda: same_bg.p_alive(x, tx, big_t),
        lambda: ref_bg.conditional_probability_alive(x, tx, big_t),
        rel_diff,
        lambda: udfs.CLV_P_ALIVE(bg_table, xc, txc, tc),
        core_agree,
    )
    # the physical floor of the door: NumPy alone turning the same three columns into arrays
    floor, _ = median_time(lambda: [np.asarray(c, dtype=float) for c in (xc, txc, tc)], repeats)
    rows.append({"case": "3 numpy.asarray of the same 3 columns (reference)", "seconds": floor})
    print(f"{'3 numpy.asarray of those 3 columns':<44} {floor:8.3f} s (reference)", flush=True)
    case(
        f"3 expected purchases, 52 weeks: {customers:,}",
        lambda: same_bg.expected_purchases(52, x, tx, big_t),
        lambda: ref_bg.conditional_expected_number_of_purchases_up_to_time(52, x, tx, big_t),
        rel_diff,
        lambda: udfs.CLV_EXPECTED_PURCHASES(bg_table, 52.0, xc, txc, tc),
        core_agree,
    )
    frame = pd.DataFrame({"x": x, "tx": tx, "T": big_t, "m": m})
    case(
        f"3 12-month lifetime value: {customers:,}",
        lambda: lifetime_value(same_bg, same_gg.expected_spend(x, m), x, tx, big_t, 12, 0.01),
        lambda: ref_gg.customer_lifetime_value(
            ref_bg,
            frame["x"],
            frame["tx"],
            frame["T"],
            frame["m"],
            time=12,
            discount_rate=0.01,
            freq="W",
        ),
        lambda ours, ref: float(
            np.max(
                np.abs(np.asarray(ours) - np.asarray(ref))
                / np.maximum(np.abs(np.asarray(ref)), 1.0)
            )
        ),
        lambda: udfs.CLV_LIFETIME_VALUE(bg_table, gg_table, xc, txc, tc, mc, 12.0, 0.01),
        core_agree,
    )

    # 3b. beyond the peers: P(n purchases), where lifetimes has it
    from clv_xl.models.counts import purchase_probability

    case(
        "3 P(n = 0..20 purchases), new customer, 39 weeks",
        lambda: purchase_probability(same_bg, np.arange(21.0), 39.0),
        lambda: np.array([ref_bg.probability_of_n_purchases_up_to_time(39, n) for n in range(21)]),
        rel_diff,
        lambda: np.array(
            [udfs.CLV_PURCHASE_PROBABILITY(bg_table, float(n), 39.0) for n in range(21)]
        ),
        core_agree,
    )
    ref_pareto = lifetimes.ParetoNBDFitter().fit(c["x"], c["t_x"], c["T"])
    same_pareto = ParetoNBD.from_params([ref_pareto.params_[k] for k in pnames])
    pareto_table = [["model", "Pareto/NBD"], *([k, ref_pareto.params_[k]] for k in pnames)]
    case(
        "3 Pareto/NBD P(1 purchase), given a history: CDNOW",
        lambda: purchase_probability(same_pareto, 1, 39.0, c["x"], c["t_x"], c["T"]),
        lambda: np.asarray(
            ref_pareto.conditional_probability_of_n_purchases_up_to_time(
                1, 39, c["x"], c["t_x"], c["T"]
            )
        ),
        rel_diff,
        lambda: udfs.CLV_PURCHASE_PROBABILITY(pareto_table, 1.0, 39.0, cx, ctx, ct),
        core_agree,
    )

    # 4. the Excel path: one scalar call, and element-wise functions over a million cells
    start = time.perf_counter()
    for i in range(calls):
        udfs.CLV_HEADROOM(10000.0 + i, 199.0)
    per_call = (time.perf_counter() - start) / calls * 1e6
    rows.append({"case": "4 CLV_HEADROOM scalar call via the Excel layer", "us_per_call": per_call})
    print(f"{'4 scalar call via the Excel layer':<44} {per_call:8.1f} us per call")
    million = 1_000_000
    profit = cells(np.arange(million, dtype=float))
    half_zero = cells((np.arange(million) % 2).astype(float))  # built by xlwings: not timed
    margins = cells((np.arange(million) % 50 - 40).astype(float))
    elementwise = {
        "CLV_HEADROOM, clean": lambda: udfs.CLV_HEADROOM(profit, [[199.0]]),
        "CLV_RATIO, half the costs 0": lambda: udfs.CLV_RATIO(profit, half_zero),
        "CLV_PAYBACK, most never": lambda: udfs.CLV_PAYBACK([[100.0]], margins),
    }
    for label, fn in elementwise.items():
        seconds, _ = median_time(fn, repeats)
        rows.append({"case": f"4 {label}, {million:,} cells", "seconds": seconds})
        print(f"{'4 ' + label + ', 1M cells':<44} {seconds:8.3f} s")

    # 5. peak memory of cases 1-3 (clv_xl)
    input_bytes = ids.nbytes + dates.nbytes + amounts.nbytes
    tracemalloc.start()
    s = summarize(ids, dates, amounts, AS_OF)
    _, peak_summary = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    xx, tt, TT, mm = (s[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value"))
    model = BGNBD().fit(xx, tt, TT)
    spend = GammaGamma().fit(xx[xx > 0], mm[xx > 0])
    lifetime_value(model, spend.expected_spend(xx, mm), xx, tt, TT, 12, 0.01)
    _, peak_models = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows.append({"case": "5 peak memory, case 1 (summary)", "peak_mb": peak_summary / 2**20,
                 "input_mb": input_bytes / 2**20, "ratio": peak_summary / input_bytes})  # fmt: skip
    rows.append({"case": "5 peak memory, cases 2-3 (fits, predictions)", "peak_mb": peak_models / 2**20,
                 "input_mb": input_bytes / 2**20, "ratio": peak_models / input_bytes})  # fmt: skip
    print(
        f"{'5 peak memory, summary':<46} {peak_summary / 2**20:8.1f} MB for {input_bytes / 2**20:.1f} MB of input (x{peak_summary / input_bytes:.2f})"
    )
    print(
        f"{'5 peak memory, fits and predictions':<46} {peak_models / 2**20:8.1f} MB (x{peak_models / input_bytes:.2f})"
    )
    return rows


def _t(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds >= 0.01 else f"{seconds * 1e3:.2f} ms"


def _x(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def markdown(rows: list[dict[str, Any]]) -> str:
    """The README's tables from a run's rows."""
    speed = ["| Case | core | Excel door | lifetimes | core speed-up | Excel speed-up | agreement with lifetimes | ln L above lifetimes' |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    other = ["| Excel door, element-wise over ranges, and references | time |", "|---|---|"]
    for row in rows:
        name = row["case"]
        if "excel_s" in row:
            speed.append(
                f"| {name[2:]} | {_t(row['clv_xl_s'])} | {_t(row['excel_s'])} | "
                f"{_t(row['lifetimes_s'])} | {_x(row['speedup'])} | {_x(row['excel_speedup'])} | "
                f"{row['max_rel_diff']:.1e} | "
                + (f"{row['ll_gap']:+.1e} |" if "ll_gap" in row else "|")
            )
        elif "us_per_call" in row:
            other.append(f"| {name[2:]} | {row['us_per_call']:.1f} us a call |")
        elif "seconds" in row:
            other.append(f"| {name[2:]} | {_t(row['seconds'])} |")
    return "\n".join(speed) + "\n\n" + "\n".join(other)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results.json")
    parser.add_argument("--markdown", type=Path, help="print the README tables of a saved run")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads(args.markdown.read_text())))
        return
    rows = run(args.repeats, args.transactions, args.customers)
    args.out.write_text(json.dumps(rows, indent=2))
    print(f"saved {args.out}\n")
    print(markdown(rows))


if __name__ == "__main__":
    main()
