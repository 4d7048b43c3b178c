"""The one progress bar of the command line: a single line on standard error."""

from __future__ import annotations

import sys

_open = False  # a bar is drawn and its line not yet finished


def bar(text: str, share: float) -> None:
    """Draw ``share`` (0 to 1) of a bar with ``text``; at 1 the line is finished."""
    global _open
    width = 30
    filled = int(width * min(max(share, 0.0), 1.0))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text:<34}")
    _open = share < 1.0
    if not _open:
        sys.stderr.write("\n")
    sys.stderr.flush()


def end_line() -> None:
    """Finish a bar's line, so an error message starts on a line of its own."""
    global _open
    if _open:
        sys.stderr.write("\n")
        sys.stderr.flush()
        _open = False
