"""Results handed to the engine where Excel formulas read them.

A placed formula's result is put into the engine's cells that Excel formulas read (only those
parts, once each), and an Excel formula's spill reference to it (``SUM(Customers!G5#)``) is
rewritten to the range the result filled, with array shaping of that range folded into it, so
the engine reads the one column it needs. Omitted arguments of CLV_ calls inside Excel
formulas are marked for the engine (:func:`clv_xl.workbooks.formula_text.mark_omitted`).
"""

from __future__ import annotations

import numpy as np

from clv_xl.workbooks.area_index import AreaIndex
from clv_xl.workbooks.engine_book import EngineBook
from clv_xl.workbooks.formula_text import (
    fold,
    mark_omitted,
    mentions_clv,
    reference_texts,
    rewrite_references,
)
from clv_xl.workbooks.inventory import Formula, Key
from clv_xl.workbooks.placing import Outputs, intersection, outermost, paste
from clv_xl.workbooks.references import Area, Names, resolve
from clv_xl.workbooks.xml_reader import WorkbookError


class Handover:
    """What the engine has been handed of the results in ``outputs``."""

    def __init__(
        self, book: EngineBook, formulas: list[Formula], names: Names, outputs: Outputs
    ) -> None:
        self.book, self.formulas, self.names, self.outputs = book, formulas, names, outputs
        excel = [g for g in formulas if not g.placed]
        # the ranges Excel formulas read (found by where they lie), and who reads each spill
        self._excel_reads: AreaIndex[int] = AreaIndex(
            enumerate(a for g in excel for a in g.reads if not a.spill)
        )
        self._spill_readers: dict[Key, list[Formula]] = {}
        for g in excel:
            for key in dict.fromkeys((a.sheet, a.top, a.left) for a in g.reads if a.spill):
                self._spill_readers.setdefault(key, []).append(g)
        self._handed: dict[Key, list[Area]] = {}

    def prepare(self) -> None:
        """Before the first calculation: CLV_ calls inside Excel formulas marked."""
        for f in self.formulas:
            if not f.placed and mentions_clv(f.text):
                self.book.set_formula(f, self.engine_text(f))

    def result(self, key: Key) -> None:
        """Put a result where the engine's own formulas read it, and rewrite their spill
        references. (An array formula placed by the refresh is handed what it reads when it is
        computed, and not at all when it only takes part of a result.)"""
        for part in self._handed.pop(key, []):  # an earlier pass's result: gone
            self.book.put(part)
        readers = self._spill_readers.get(key, [])
        wanted = [
            self._excel_reads.area(i) for i in self._excel_reads.meeting(self.outputs[key].area)
        ]
        for g in readers:  # a spill reference: what the formula reads once folded
            wanted += self.reads_of(self.engine_text(g), g)
        self._hand(key, wanted)
        for g in readers:  # the engine computes it: give it the ranges for the spill
            self.book.set_formula(g, self.engine_text(g))

    def reads(self, areas: list[Area]) -> None:
        """Give the engine the parts of results an expression it evaluates reads."""
        for key in dict.fromkeys(k for a in areas for k in self.outputs.meeting(a)):
            self._hand(key, areas)

    def _hand(self, key: Key, areas: list[Area]) -> None:
        """The parts of result ``key`` that ``areas`` cover, into the engine (once each)."""
        out = self.outputs[key]
        done = self._handed.setdefault(key, [])
        for part in outermost([p for p in (intersection(a, out.area) for a in areas) if p]):
            if any(part.within(d) for d in done):
                continue
            values = np.empty((part.rows, part.cols), dtype=object)
            paste(values, part, out.area, out.grid)
            self.book.put(part, values.tolist())
            done.append(part)

    def reads_of(self, text: str, g: Formula) -> list[Area]:
        """The areas ``text`` (a formula in ``g``'s cell) reads, spills as the areas they
        filled."""
        out = []
        for ref in reference_texts(text):
            try:
                area = resolve(ref, g.sheet, self.names, g.row)
            except WorkbookError:
                continue
            key = (area.sheet, area.top, area.left)
            out.append(self.outputs[key].area if area.spill and key in self.outputs else area)
        return out

    def engine_text(self, g: Formula) -> str:
        """An Excel formula as the engine is given it: spill references to results as the
        ranges they filled, omitted CLV_ arguments marked."""

        def spill(ref: str) -> str | None:
            if not ref.endswith("#"):
                return None
            try:
                area = resolve(ref, g.sheet, self.names, g.row)
            except WorkbookError:
                return None
            out = self.outputs.get((area.sheet, area.top, area.left))
            return out.area.a1() if out is not None else None

        text = self.fold(rewrite_references("=" + g.text, spill))
        return mark_omitted(text) if mentions_clv(text) else text

    def fold(self, text: str) -> str:
        """Array shaping of a written range folded into it (:func:`formula_text.fold`)."""
        return fold(text, lambda ref: resolve(ref, "", self.names))


__all__ = ["Handover"]
