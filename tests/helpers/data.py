"""The bundled reference data (see clv_xl/datasets/README.md for provenance)."""

from importlib import resources

import pandas as pd


def _path(name: str):
    return resources.files("clv_xl.datasets") / name


def cdnow_summary() -> pd.DataFrame:
    """Published CDNOW calibration summary, weeks 1-39 (Fader, Hardie & Lee 2005)."""
    return pd.read_csv(_path("cdnow_customers_summary_with_transactions.csv"))


def cdnow_transactions() -> pd.DataFrame:
    return pd.read_csv(
        _path("CDNOW_sample.txt"),
        sep=r"\s+",
        header=None,
        names=["original_id", "id", "date", "cds", "amount"],
    )


def donations() -> pd.DataFrame:
    """Fader, Hardie & Shang (2010) donations: frequency, recency, periods (6), weights."""
    return pd.read_csv(_path("donations.csv"))


REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007), Table 1
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
