import sys
from pathlib import Path

import numpy as np
import pytest

# Helpers shared by the tests (xlwings_windows) live beside them.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _seeded_global_numpy():
    """lifetimes, the peer library the models are compared with, draws its fits' starting points
    from NumPy's global generator; seeded per test, a comparison never depends on what ran
    before it (one clean-clone run drew a start from which lifetimes' Pareto/NBD went astray)."""
    np.random.seed(0)  # noqa: NPY002
