"""The draws of an interval spread over the cores: the same answers as on one, in order."""

import threading

import numpy as np
import pytest

from clv_xl.models import threads
from clv_xl.models.bgnbd import BGNBD
from clv_xl.models.intervals import _cache, bootstrap_interval


@pytest.mark.parametrize("items", [0, 1, 2, 3, 7, 500])
def test_on_cores_returns_every_item_in_order_each_run_on_one_thread(monkeypatch, items):
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 3)
    thread_of = {}

    def square(i):
        thread_of[i] = threading.get_ident()
        return i * i

    assert threads.on_cores(square, range(items)) == [i * i for i in range(items)]
    workers = min(3, items)
    runs = [range(items * k // workers, items * (k + 1) // workers) for k in range(workers)]
    assert all(len({thread_of[i] for i in run}) == 1 for run in runs)


def test_interval_is_the_same_on_one_core_and_on_several(monkeypatch):
    model = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    cov = np.diag([0.01, 0.02, 0.03, 0.04])
    x, tx, t = np.array([0.0, 2, 5]), np.array([0.0, 20, 30]), np.array([38.0, 38, 38])

    def predict(m):
        return m.expected_purchases(39, x, tx, t)

    answers = []
    for cores in (1, 2, 4):
        monkeypatch.setattr(threads.os, "cpu_count", lambda c=cores: c)
        _cache.clear()
        answers.append(bootstrap_interval(model, cov, predict, draws=200))
    for other in answers[1:]:
        for a, b in zip(answers[0], other, strict=True):
            assert np.array_equal(a, b)
