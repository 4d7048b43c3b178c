"""Render a workbook to PNG pages as a person would see it (LibreOffice, then pdftoppm).

``python -m clv_xl.workbooks.render BOOK.xlsx OUT_DIR [--dpi 110]`` writes the pages into OUT_DIR
(created if missing) and nothing anywhere else. LibreOffice does not know the CLV_
functions and recomputes array formulas on load whatever its settings, so the picture is taken
of a temporary copy flattened to the values stored in the file (formulas removed, everything
else as it is): what the workbook shows in Excel before any recalculation. LibreOffice runs with a
throwaway profile set never to recalculate. Needs Debian's libreoffice-calc and poppler-utils.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from clv_xl.workbooks.xlsx import Package

PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>1</value></prop></item>
</oor:items>
"""


FORMULA = re.compile(r"<f\b[^>]*/>|<f\b[^>]*>.*?</f>", re.S)


def flatten(book: Path, target: Path) -> None:
    """A copy of ``book`` whose formula cells keep only their stored values."""
    package = Package(book)
    try:
        parts = {}
        for part in package.sheet_parts.values():
            xml = package.read(part).decode("utf-8")
            xml = re.sub(r'(<c\b[^>]*?) cm="\d+"', r"\1", FORMULA.sub("", xml))
            parts[part] = xml.encode("utf-8")
        package.save(target, parts)
    finally:
        package.close()


def render(book: Path, out_dir: Path, dpi: int = 70) -> list[Path]:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None or shutil.which("pdftoppm") is None:
        raise RuntimeError(
            "rendering needs libreoffice and pdftoppm (apt-get install libreoffice-calc poppler-utils)"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        profile = Path(scratch) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(PROFILE)
        flat = Path(scratch) / "flat" / book.name
        flat.parent.mkdir()
        flatten(book, flat)
        subprocess.run(
            [
                office,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(flat.parent),
                str(flat),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        pdf = Path(scratch) / "flat" / (book.stem + ".pdf")
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out_dir / book.stem)],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return sorted(out_dir.glob(f"{book.stem}*.png"))


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m clv_xl.workbooks.render",
        description="Render a workbook to PNG pages as a person sees it (LibreOffice, pdftoppm).",
    )
    parser.add_argument("book", type=Path, help="the .xlsx workbook")
    parser.add_argument("out_dir", type=Path, help="folder for the pages (created if missing)")
    parser.add_argument("--dpi", type=int, default=110, help="resolution (default 110)")
    args = parser.parse_args(argv)
    if not args.book.is_file():
        print(f"render: book got {args.book}; expected an existing .xlsx file", file=sys.stderr)
        return 2
    try:
        pages = render(args.book, args.out_dir, args.dpi)
    except (RuntimeError, subprocess.SubprocessError) as exc:
        print(f"render: {exc}", file=sys.stderr)
        return 2
    for page in pages:
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
