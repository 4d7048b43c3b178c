"""Work that releases the GIL (deflating, checking CRCs) done on a second thread while Python
makes what comes next: writing a refreshed workbook keeps both cores busy.

zlib deflates and inflates, and computes CRCs, without holding the GIL, so a thread doing that
runs beside the main thread as it builds a sheet's next piece of XML. Where there are no
threads (Pyodide) each runs here and now, in the same order, with the same result.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from clv_xl.runtime import in_pyodide

T = TypeVar("T")
R = TypeVar("R")

DEPTH = 2
"""Pieces made ahead of the one being written at most (a sheet's pieces are about 4 MB)."""


def later(func: Callable[[], R]) -> Callable[[], R]:
    """Start ``func()`` on another thread; the function returned waits for it and gives its
    result, or raises what it raised."""
    if in_pyodide():
        return _done(func)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = func()
        except BaseException as exc:  # handed to the caller, who waits for it
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="clv_xl-later", daemon=True)
    thread.start()

    def result() -> R:
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        value: R = outcome["value"]
        return value

    return result


def _done(func: Callable[[], R]) -> Callable[[], R]:
    try:
        value = func()
    except Exception as exc:
        error = exc

        def fail() -> R:
            raise error

        return fail
    return lambda: value


def pipelined(consume: Callable[[T], Any], items: Iterable[T]) -> None:
    """``for item in items: consume(item)``, with ``consume`` on another thread: the next items
    are made here meanwhile (at most DEPTH ahead). The items are consumed in order; an error on
    either side stops both and is raised here."""
    if in_pyodide():
        for item in items:
            consume(item)
        return
    waiting: queue.Queue[tuple[bool, Any]] = queue.Queue(DEPTH)
    failed: list[BaseException] = []
    stop = threading.Event()  # either side failed: nothing more is consumed

    def run() -> None:
        while True:
            more, item = waiting.get()
            if not more:
                return
            if stop.is_set():
                continue  # drained until the end is put, so the maker never blocks
            try:
                consume(item)
            except BaseException as exc:
                failed.append(exc)
                stop.set()

    worker = threading.Thread(target=run, name="clv_xl-pipeline", daemon=True)
    worker.start()
    try:
        for item in items:
            if stop.is_set():
                break
            waiting.put((True, item))
    except BaseException:
        stop.set()
        raise
    finally:
        waiting.put((False, None))
        worker.join()
    if failed:
        raise failed[0]


__all__ = ["later", "pipelined"]
