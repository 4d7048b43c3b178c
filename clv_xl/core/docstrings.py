"""Docstrings completed from declarations: a numpydoc section placed where numpydoc wants it."""

from __future__ import annotations

import inspect
import re

_HEADER = re.compile(r"^(\w[\w ]*)\n-{3,}$", re.MULTILINE)


def with_section(doc: str | None, title: str, lines: list[str]) -> str:
    """``doc`` (cleaned) with a numpydoc section of ``lines`` under ``title``, before the first
    section it has (Returns, Examples...) or at its end; unchanged when it has that section."""
    text = inspect.cleandoc(doc or "")
    if f"\n{title}\n" in text or not lines:
        return text
    section = "\n".join([title, "-" * len(title), *lines])
    first = _HEADER.search(text)
    if first is None:
        return f"{text}\n\n{section}\n"
    return f"{text[: first.start()].rstrip()}\n\n{section}\n\n{text[first.start() :]}"
