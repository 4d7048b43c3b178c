"""What the command line tells its user while it works: one progress bar on standard error, drawn
only when standard error is a terminal (never into a pipe or a log file), and result lines on
standard output; ``-q/--quiet`` silences both (errors are still one line on standard error)."""

from __future__ import annotations

import sys

_open = False  # a bar is drawn and its line not yet finished
_quiet = False


def configure(quiet: bool) -> None:
    """Set once by the command line: ``quiet`` silences the bar and the result lines."""
    global _quiet
    _quiet = quiet


def stderr_is_terminal() -> bool:
    return sys.stderr is not None and sys.stderr.isatty()  # closed (2>&-): None, no terminal


def drawing() -> bool:
    """Whether a bar would be drawn now (not quiet, standard error a terminal)."""
    return not _quiet and stderr_is_terminal()


def bar(text: str, share: float) -> None:
    """Draw ``share`` (0 to 1) of a bar with ``text``; at 1 the line is finished."""
    global _open
    if not drawing():
        return
    width = 30
    filled = int(width * min(max(share, 0.0), 1.0))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text:<34}")
    _open = share < 1.0
    if not _open:
        sys.stderr.write("\n")
    sys.stderr.flush()


def say(text: str) -> None:
    """A result line on standard output, unless quiet. When the reader has gone (``| head
    -1``) the lines are dropped without a word, as a Unix tool's are: the work goes on, and the
    exit status is the work's."""
    if _quiet or sys.stdout is None:
        return
    end_line()
    try:
        print(text, flush=True)
    except BrokenPipeError:
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing more, not even Python's last flush
        os.close(devnull)


def error_line(text: str) -> None:
    """One line on standard error, if there is one to write to (``2>&-`` closes it)."""
    end_line()
    if sys.stderr is not None:
        try:
            print(text, file=sys.stderr, flush=True)
        except (BrokenPipeError, ValueError):
            pass


def end_line() -> None:
    """Finish a bar's line, so an error message starts on a line of its own."""
    global _open
    if _open and sys.stderr is not None:
        sys.stderr.write("\n")
        sys.stderr.flush()
    _open = False
