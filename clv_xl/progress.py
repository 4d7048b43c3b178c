"""The one progress bar of the command line: a single line on standard error."""

from __future__ import annotations

import sys


def bar(text: str, share: float) -> None:
    """Draw ``share`` (0 to 1) of a bar with ``text``; at 1 the line is finished."""
    width = 30
    filled = int(width * min(max(share, 0.0), 1.0))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text:<34}")
    if share >= 1.0:
        sys.stderr.write("\n")
    sys.stderr.flush()
