"""The second thread of a workbook's writing: the same result as one thread, errors raised."""

import threading

import pytest

from clv_xl.workbooks import pipeline


@pytest.fixture(params=[False, True], ids=["threads", "no threads"])
def threads(request, monkeypatch):
    """Both ways: with a second thread, and as in Pyodide, without."""
    monkeypatch.setattr(pipeline, "in_pyodide", lambda: request.param)
    return not request.param


def test_items_are_consumed_in_order_on_another_thread(threads):
    seen, where = [], set()

    def consume(item):
        seen.append(item)
        where.add(threading.get_ident())

    pipeline.pipelined(consume, (i * i for i in range(1000)))
    assert seen == [i * i for i in range(1000)]
    assert (threading.get_ident() not in where) == threads


def test_an_error_while_consuming_stops_making_and_is_raised_here(threads):
    made = []

    def items():
        for i in range(1000):
            made.append(i)
            yield i

    def consume(item):
        if item == 3:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        pipeline.pipelined(consume, items())
    assert len(made) < 1000  # at most DEPTH or so made past the failure


def test_an_error_while_making_stops_consuming_and_is_raised_here(threads):
    seen = []

    def items():
        yield 1
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pipeline.pipelined(seen.append, items())
    assert seen in ([], [1])


def test_later_gives_the_result_or_the_error(threads):
    assert pipeline.later(lambda: 6 * 7)() == 42
    wait = pipeline.later(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        wait()


def test_a_workbook_saved_with_and_without_the_second_thread_is_the_same_file(
    tmp_path, monkeypatch
):
    """Sheets streamed (past a small threshold, so the template's sheets are) and the copied
    parts checked meanwhile: the bytes are those of the one-thread save."""
    import shutil

    from clv_xl.workbooks import xlsx
    from clv_xl.workbooks.refresh import refresh
    from tests.helpers import TEMPLATES

    monkeypatch.setattr(xlsx, "FAST_DEFLATE_BYTES", 2_000)
    written = []
    for threads in (True, False):
        monkeypatch.setattr(pipeline, "in_pyodide", lambda threads=threads: not threads)
        book = tmp_path / f"{threads}.xlsx"
        shutil.copy(TEMPLATES / "dry_cleaner.xlsx", book)
        refresh(book)
        written.append(book.read_bytes())
    assert written[0] == written[1]
