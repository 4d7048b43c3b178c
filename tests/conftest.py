import os

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seeded_global_numpy():
    """lifetimes, the peer library the models are compared with, draws its fits' starting points
    from NumPy's global generator; seeded per test, a comparison never depends on what ran
    before it (one clean-clone run drew a start from which lifetimes' Pareto/NBD went astray)."""
    np.random.seed(0)  # noqa: NPY002


@pytest.fixture(scope="session")
def cdnow():
    """The published CDNOW calibration summary (Fader, Hardie & Lee 2005), read once."""
    from tests.helpers.data import cdnow_summary

    return cdnow_summary()


@pytest.fixture
def terminal(monkeypatch):
    """Standard error taken for a terminal, where the progress bar is drawn (captured, it is
    not one: the tests without this fixture see what a pipe or a log file gets)."""
    monkeypatch.setattr("clv_xl.progress.stderr_is_terminal", lambda: True)


# Hypothesis draws the same examples on every run (a test run is reproducible and CI does not
# turn on the luck of the draw); HYPOTHESIS_PROFILE=explore draws new ones, to hunt locally.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("repeatable", derandomize=True)
_hypothesis_settings.register_profile("explore", derandomize=False)
_hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
