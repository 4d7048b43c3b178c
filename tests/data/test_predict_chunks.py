"""`clv-xl predict` scores a summary in chunks (bounded memory): the same numbers as one pass,
and as the core called directly, for Parquet and CSV in and out."""

import json

import numpy as np
import pandas as pd
import pytest

from clv_xl.cli import main
from clv_xl.models import BGNBD, GammaGamma, lifetime_value
from tests.helpers.data import cdnow_transactions


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chunks")
    raw = cdnow_transactions()
    log = pd.DataFrame(
        {"customer": raw["id"], "date": raw["date"].astype(str), "amount": raw["amount"]}
    )
    log.to_csv(folder / "log.csv", index=False)
    for suffix in ("parquet", "csv"):
        assert main(["summarize", str(folder / "log.csv"), "-o", str(folder / f"s.{suffix}"),
                     "--engine", "pandas", "--as-of", "1997-09-30"]) == 0  # fmt: skip
    assert main(["fit", str(folder / "s.parquet"), "-o", str(folder / "p.json")]) == 0
    return folder


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
@pytest.mark.parametrize("source", ["s.parquet", "s.csv"])
@pytest.mark.parametrize("target", ["out.parquet", "out.csv"])
def test_chunks_give_the_numbers_of_one_pass_and_of_the_core(
    fitted, source, target, engine, capsys, terminal
):
    """DuckDB (the default) and pyarrow/pandas read the summary in batches; either way the
    numbers are those of one pass and of the core, and the bar counts customers of the total."""
    read = lambda p: pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p)  # noqa: E731
    one, many = fitted / f"one_{engine}_{target}", fitted / f"many_{engine}_{target}"
    base = ["predict", str(fitted / source), "--params", str(fitted / "p.json"), "--engine", engine]
    assert main([*base, "-o", str(one)]) == 0
    capsys.readouterr()
    assert main([*base, "-o", str(many), "--chunk-rows", "1000"]) == 0  # 3 chunks of CDNOW
    bars = capsys.readouterr().err
    for done in ("1,000", "2,000", "2,357"):
        assert f"scored {done} of 2,357 customers" in bars
    a, b = read(one), read(many)
    assert len(a) == len(b) == 2357
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    summary = read(fitted / source)
    stored = json.loads((fitted / "p.json").read_text())
    model = BGNBD.from_params({k: v for k, v in stored["model"] if k in BGNBD.param_names})
    spend = GammaGamma.from_params([dict(stored["spend"])[k] for k in ("p", "q", "gamma")])
    x, tx, t, m = (
        summary[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")
    )
    np.testing.assert_allclose(b["p_alive"], model.p_alive(x, tx, t), rtol=1e-9)
    value = lifetime_value(model, spend.expected_spend(x, m), x, tx, t, 12, 0.01, 1.0, "W")
    np.testing.assert_allclose(b["lifetime_value"], value, rtol=1e-9)


def test_a_bad_cell_in_a_later_chunk_is_named_by_its_row(fitted, capsys):
    summary = pd.read_csv(fitted / "s.csv")
    summary["recency"] = summary["recency"].astype(object)
    summary.loc[1500, "recency"] = "oops"
    summary.to_csv(fitted / "bad.csv", index=False)
    out = fitted / "bad_out.csv"
    assert main(["predict", str(fitted / "bad.csv"), "--params", str(fitted / "p.json"),
                 "-o", str(out), "--chunk-rows", "1000"]) == 2  # fmt: skip
    assert 'summary column recency at row 1502 got "oops"' in capsys.readouterr().err
    assert not out.exists() and not list(fitted.glob(".bad_out*"))


def test_spark_scores_partitions_with_the_same_numbers(fitted):
    """`--engine spark`: mapInPandas over Spark's partitions, the same code per chunk, so the
    same numbers as the in-memory path (to 1e-9)."""
    pytest.importorskip("pyspark")
    base = ["predict", str(fitted / "s.parquet"), "--params", str(fitted / "p.json")]
    assert main([*base, "-o", str(fitted / "local.parquet")]) == 0
    assert main([*base, "-o", str(fitted / "spark.parquet"), "--engine", "spark"]) == 0
    assert (fitted / "spark.parquet" / "_SUCCESS").exists()
    local = pd.read_parquet(fitted / "local.parquet").sort_values("customer", ignore_index=True)
    spark = pd.read_parquet(fitted / "spark.parquet").sort_values("customer", ignore_index=True)
    assert list(spark.columns) == list(local.columns) and len(spark) == 2357
    pd.testing.assert_frame_equal(spark, local, rtol=1e-9, check_dtype=False)
    # a second run replaces its own output folder; anything else in the way is refused
    assert main([*base, "-o", str(fitted / "spark.parquet"), "--engine", "spark"]) == 0
    assert main([*base, "-o", str(fitted / "log.csv"), "--engine", "spark"]) == 2
