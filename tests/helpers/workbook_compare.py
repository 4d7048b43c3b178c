"""Compare two .xlsx files: identical but for floating-point noise in computed values."""

from __future__ import annotations

import math
import re
import zipfile

from clv_xl.workbooks.sheet import Sheet

VALUE = re.compile(r"<v>(.*?)</v>", re.S)


def _strip_value(xml: str) -> str:
    return VALUE.sub("<v/>", xml)


def differences(a: str, b: str, rel: float = 1e-6) -> list[str]:
    out = []
    za, zb = zipfile.ZipFile(a), zipfile.ZipFile(b)
    if sorted(za.namelist()) != sorted(zb.namelist()):
        return [f"parts differ: {sorted(set(za.namelist()) ^ set(zb.namelist()))}"]
    for name in za.namelist():
        da, db = za.read(name), zb.read(name)
        if da == db:
            continue
        if not name.startswith("xl/worksheets/sheet"):
            out.append(f"{name} differs")
            continue
        sa, sb = Sheet.parse("a", name, da.decode()), Sheet.parse("b", name, db.decode())
        ca = {c.ref: c.xml for c in sa.cells()}
        cb = {c.ref: c.xml for c in sb.cells()}
        if ca.keys() != cb.keys():
            out.append(f"{name}: cells differ: {sorted(ca.keys() ^ cb.keys())[:5]}")
            continue
        for ref, xa in ca.items():
            xb = cb[ref]
            if xa == xb:
                continue
            if _strip_value(xa) != _strip_value(xb):
                out.append(f"{name}!{ref}: {xa} != {xb}")
                continue
            va, vb = VALUE.search(xa), VALUE.search(xb)
            try:
                fa, fb = float(va.group(1)), float(vb.group(1))  # type: ignore[union-attr]
            except (AttributeError, ValueError):
                out.append(f"{name}!{ref}: {xa} != {xb}")
                continue
            if not math.isclose(fa, fb, rel_tol=rel, abs_tol=1e-9):
                out.append(f"{name}!{ref}: {fa} != {fb}")
    return out
