"""Adding a model is one module: a small model registered in one place is found everywhere a list
of models is used (issue 32). It runs in its own process so the registration stays there; the
committed template files are not touched (the template is built into a temporary folder)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    '''
    import datetime as dt
    import sys
    import zipfile

    import numpy as np
    from scipy.special import gammaln

    import clv_xl.models  # the built-in models first, as in any session
    from clv_xl.models import catalog
    from clv_xl.models.base import prediction
    from clv_xl.models.count_distributions import nbd_pmf
    from clv_xl.models.repeat_buying import RepeatBuyingModel, check_customers


    @catalog.register
    class NBD(RepeatBuyingModel):
        """Ehrenberg's NBD: gamma-mixed Poisson purchases, nobody drops out. No gradient given."""

        name = "NBD"
        param_names = ("r", "alpha")
        continuous_time = True
        covariate_links = (("alpha", "purchase", -1.0),)
        purchase_counts = True

        def _log_likelihood(self, params, x, tx, T):
            r, alpha = params
            return gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)

        @prediction
        def p_alive(self, frequency, recency, T):
            return np.ones(np.shape(check_customers(frequency, recency, T)[0]))

        @prediction
        def expected_purchases(self, t, frequency, recency, T):
            x, _, big_t = check_customers(frequency, recency, T)
            p = self.params_
            return (p["r"] + x) / (p["alpha"] + big_t) * np.asarray(t, dtype=float)

        @prediction
        def expected_purchases_new(self, t):
            return self.params_["r"] / self.params_["alpha"] * np.asarray(t, dtype=float)

        def count_pmf(self, n, t, x, big_t, history):
            return nbd_pmf(n, self.params_["r"] + x, self.params_["alpha"] + big_t, t)


    from clv_xl.cli import parser
    from clv_xl.data.stored import cli_models
    from clv_xl.excel import udfs
    from clv_xl.workbooks.templates import customer_base
    from tests.helpers.data import cdnow_summary, cdnow_transactions

    found = {}
    s = cdnow_summary().head(800)
    col = lambda v: [[float(a)] for a in v]
    x, tx, T = col(s["x"]), col(s["t_x"]), col(s["T"])
    table = udfs.CLV_FIT("nbd", x, tx, T)
    rows = dict((r[0], r[1]) for r in table)
    found["CLV_FIT fits it (finite-difference gradient)"] = rows.get("model") == "NBD" and rows["converged"] is True
    from tests.helpers.xlwings_windows import load_with_windows_decorators

    declared = load_with_windows_decorators("clv_xl.excel.udfs")  # as xlwings records them
    doc = {a["name"]: a["doc"] for a in declared.CLV_FIT.__xlfunc__["args"]}["model"]
    found["CLV_FIT's help names it"] = '"NBD"' in doc
    compare_doc = {a["name"]: a["doc"] for a in declared.CLV_COMPARE.__xlfunc__["args"]}["models"]
    found["CLV_COMPARE's help names it"] = "NBD" in compare_doc.replace("BG/NBD", "").replace("MBG/NBD", "").replace("Pareto/NBD", "")
    found["CLV_COMPARE compares it"] = udfs.CLV_COMPARE(x, tx, T)[0][-1] == "NBD"
    p0 = udfs.CLV_PURCHASE_PROBABILITY(table, 0, 52)
    found["purchase counts"] = isinstance(p0, float) and 0 < p0 < 1
    raw = cdnow_transactions().head(3000)
    ids = [[float(v)] for v in raw["id"]]
    days = [[dt.datetime.strptime(str(d), "%Y%m%d")] for d in raw["date"]]
    hold = udfs.CLV_HOLDOUT(ids, days, dt.datetime(1997, 9, 30), dt.datetime(1998, 6, 30), "NBD")
    found["holdout"] = isinstance(hold, list) and hold[0][0] == "frequency"
    track = udfs.CLV_TRACKING(table, ids, days, dt.datetime(1997, 9, 30))
    found["tracking"] = isinstance(track, list) and track[0][0] == "period"
    groups = [["web"], ["store"]] * 400
    fitted = udfs.CLV_FIT("NBD", x, tx, T, None, [["channel"], *groups])
    found["covariates"] = any(str(r[0]) == "alpha:channel=web" for r in fitted)
    found["the CLI's --model"] = "NBD" in cli_models()
    help_text = parser().format_help() + parser()._subparsers._group_actions[0].choices["fit"].format_help()
    found["the CLI's help"] = "Pareto/NBD, NBD" in help_text
    book = sys.argv[1]
    customer_base.build(book)
    with zipfile.ZipFile(book) as z:
        settings = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    found["the template's drop-down"] = '"BG/NBD,MBG/NBD,Pareto/NBD,NBD"' in settings
    for place, ok in found.items():
        print(("yes " if ok else "NO  ") + place)
    '''
)


def test_a_model_registered_in_one_module_is_found_everywhere(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "customer_base.xlsx")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert len(lines) == 11 and all(line.startswith("yes") for line in lines), out.stdout


STATISTIC_SCRIPT = textwrap.dedent(
    '''
    import datetime as dt

    import numpy as np
    from scipy.special import gammaln

    import clv_xl.models  # the built-in models first
    from clv_xl.data.summary import statistic
    from clv_xl.excel import udfs
    from clv_xl.models import catalog
    from clv_xl.models.grouped import distinct_rows
    from clv_xl.models.repeat_buying import RepeatBuyingModel
    from clv_xl.models.validation import as_column


    @statistic("mean_gap")
    def mean_gap(days):
        """Mean time between a customer's purchases, in periods (0 for one purchase)."""
        k = days.starts.size
        last = np.r_[days.starts[1:], days.customer.size] - 1
        repeats = last - days.starts
        span = (days.day[last] - days.day[days.starts]) / days.step
        return np.divide(span, repeats, out=np.zeros(k), where=repeats > 0)


    @catalog.register
    class NBDGaps(RepeatBuyingModel):
        """NBD purchases and exponential gaps between them (rate k): a model of four statistics."""

        name = "NBD+gaps"
        param_names = ("r", "alpha", "k")
        data_names = ("frequency", "recency", "T", "mean_gap")
        continuous_time = True

        def fit(self, frequency, recency, T, mean_gap, weights=None):
            columns = [as_column(n, v) for n, v in zip(self.data_names, (frequency, recency, T, mean_gap))]
            w = np.ones_like(columns[0]) if weights is None else as_column("weights", weights)
            rows, counts = distinct_rows(*columns, weights=w)
            return self._maximise(rows, counts)

        def _log_likelihood(self, params, x, tx, T, gap):
            r, alpha, k = params
            nbd = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)
            return nbd + x * np.log(k) - k * x * gap


    d = dt.datetime
    ids = [[1], [1], [1], [2], [2], [3], [4], [4], [5], [5], [5], [5]]
    dates = [[d(2024, 1, 1)], [d(2024, 1, 15)], [d(2024, 1, 29)], [d(2024, 1, 3)], [d(2024, 2, 14)],
             [d(2024, 1, 9)], [d(2024, 1, 2)], [d(2024, 1, 23)], [d(2024, 1, 5)], [d(2024, 1, 12)],
             [d(2024, 1, 26)], [d(2024, 2, 9)]]
    summary = udfs.CLV_SUMMARY(ids, dates, None, d(2024, 3, 1))
    header = summary[0]
    print("column", "mean_gap" in header)
    gaps = [row[header.index("mean_gap")] for row in summary[1:]]
    print("values", [round(g, 3) for g in gaps] == [2.0, 6.0, 0.0, 3.0, 1.667])
    table = dict(udfs.CLV_FIT("NBD+gaps", summary))
    repeats = [row[header.index("frequency")] for row in summary[1:]]
    expected_k = sum(repeats) / sum(f * g for f, g in zip(repeats, gaps))  # the gaps' MLE
    print("fitted", table["model"] == "NBD+gaps" and abs(table["k"] - expected_k) < 1e-4)
    print("named", "mean_gap" in udfs.CLV_FIT("NBD+gaps", [[1], [2]], [[1], [3]], [[5], [5]]))
    '''
)


def test_a_statistic_of_its_own_reaches_the_model_that_names_it():
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", STATISTIC_SCRIPT],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == [
        "column",
        "True",
        "values",
        "True",
        "fitted",
        "True",
        "named",
        "True",
    ], out.stdout
