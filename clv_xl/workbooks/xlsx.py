"""The .xlsx package: its zip, its parts, and a copy written with some parts replaced.

An .xlsx is a zip of XML parts. The refresh never round-trips a workbook through a library that
rewrites it (openpyxl would drop charts): it replaces the sheet parts it wrote into
(:mod:`clv_xl.workbooks.sheet`) and copies every other part byte for byte, as stored. Every part
is read by the one XML reader (:mod:`clv_xl.workbooks.xml_reader`). Saving writes a temporary
file beside the target and renames it over, so a failure leaves the original untouched.
"""

from __future__ import annotations

import copy
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from pathlib import Path
from typing import Any

from clv_xl.files import FileIdentity, write_atomically
from clv_xl.workbooks.pipeline import later, pipelined
from clv_xl.workbooks.sheet import Sheet
from clv_xl.workbooks.xml_reader import WorkbookError, tree

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
# What Excel can hold, let through: one sheet of 1,048,576 rows with a few columns of text is
# about 300 MB of XML. Refused: a part over 1 GiB, 2 GiB in all, or a part that unpacks to more
# than 1,000 times its packed size (deflate itself cannot pass about 1,030: only a crafted
# archive does).
MAX_PART_BYTES = 1024 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 1000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook is an OLE file
FAST_DEFLATE_BYTES = 1024 * 1024  # a larger part is deflated at level 1: 3x faster, 8% larger
EXTERNAL_REFERENCE = re.compile(r"\[[^\]]+\.xl\w*\]", re.I)


def _join(folder: str, target: str) -> str:
    """A relationship's target relative to its part's folder ("../tables/table1.xml")."""
    parts = folder.split("/")
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


class Package:
    """An .xlsx opened for reading sheets and writing a copy with some parts replaced."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise WorkbookError(f"no such workbook: {self.path}")
        try:
            self.zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile:
            with open(self.path, "rb") as handle:
                encrypted = handle.read(8) == OLE_MAGIC  # Excel's password-protected form
            raise WorkbookError(
                f"{self.path.name} is protected by a password (encrypted): remove it in Excel "
                "(File > Info > Protect Workbook > Encrypt with Password) and try again"
                if encrypted
                else f"{self.path.name} is not an .xlsx workbook (not a zip file)"
            ) from None
        infos = self.zip.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES or any(i.file_size > MAX_PART_BYTES for i in infos):
            raise WorkbookError(
                f"{self.path.name} is too large to open safely ({total:,} bytes unpacked; "
                f"at most {MAX_PART_BYTES:,} a part and {MAX_TOTAL_BYTES:,} in all)"
            )
        for i in infos:
            if i.file_size > 10 * 1024 * 1024 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                raise WorkbookError(
                    f"{self.path.name}: {i.filename} unpacks to {i.file_size:,} bytes from "
                    f"{i.compress_size:,}; refused as a zip bomb"
                )
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise WorkbookError(f"{self.path.name} is not an .xlsx workbook (no xl/workbook.xml)")
        self.sheet_parts = self._sheet_parts()
        if not self.sheet_parts:
            raise WorkbookError(f"{self.path.name} has no worksheet its workbook part names")

    def read(self, part: str) -> bytes:
        return self.zip.read(part)

    def external_links(self) -> list[str]:
        """Parts that link this workbook to other files (refresh never follows them)."""
        return [n for n in self.zip.namelist() if n.startswith("xl/externalLinks/")]

    def _xml(self, part: str) -> Any:
        return tree(self.read(part), f"{self.path.name}: {part}")

    def _sheet_parts(self) -> dict[str, str]:
        book = self._xml("xl/workbook.xml")
        rels = self._xml("xl/_rels/workbook.xml.rels")
        targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)}
        out = {}
        for sheet in book.findall("m:sheets/m:sheet", NS):
            target = targets.get(sheet.get(f"{{{NS['r']}}}id"), "")
            if not target:
                continue
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            if part in self.zip.namelist() and "worksheets/" in part:
                out[sheet.get("name")] = part
        return out

    def date1904(self) -> bool:
        """Whether the workbook counts dates from 1904 (a Mac workbook's option)."""
        pr = self._xml("xl/workbook.xml").find("m:workbookPr", NS)
        return pr is not None and pr.get("date1904", "0").lower() in ("1", "true")

    def defined_names(self) -> dict[str, tuple[str, int | None]]:
        """Defined names: name -> (what it refers to, the index of its sheet when it is local)."""
        out: dict[str, tuple[str, int | None]] = {}
        for d in self._xml("xl/workbook.xml").findall("m:definedNames/m:definedName", NS):
            local = d.get("localSheetId")
            out[d.get("name", "")] = (d.text or "", int(local) if local is not None else None)
        return out

    def tables(self) -> list[dict[str, Any]]:
        """Every Excel Table: name, sheet, ref, columns, header and totals rows."""
        out = []
        for sheet, part in self.sheet_parts.items():
            folder, _, base = part.rpartition("/")
            rels_part = f"{folder}/_rels/{base}.rels"
            if rels_part not in self.zip.namelist():
                continue
            for rel in self._xml(rels_part).findall("rel:Relationship", NS):
                if not rel.get("Type", "").endswith("/table"):
                    continue
                target = rel.get("Target", "")
                table_part = target.lstrip("/") if target.startswith("/") else _join(folder, target)
                if table_part not in self.zip.namelist():
                    continue
                t = self._xml(table_part)
                columns = [c.get("name", "") for c in t.findall("m:tableColumns/m:tableColumn", NS)]
                out.append(
                    {
                        "name": t.get("displayName") or t.get("name"),
                        "sheet": sheet,
                        "ref": t.get("ref"),
                        "columns": columns,
                        "part": table_part,
                        "header_row": t.get("headerRowCount", "1") != "0",
                        "totals_row": t.get("totalsRowCount", "0") not in ("0", ""),
                    }
                )
        return out

    def sheet(self, name: str) -> Sheet:
        part = self.sheet_parts[name]
        try:
            return Sheet.parse(name, part, self.read(part), reload=lambda: self.read(part))
        except WorkbookError:
            raise
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            raise WorkbookError(f"{self.path.name}: sheet {name} is malformed ({exc})") from None

    def save(
        self,
        target: str | os.PathLike[str],
        replace: Mapping[str, bytes | Streamed],
        expect: FileIdentity | None = None,
    ) -> Path:
        """Write a copy with ``replace``d parts to ``target`` atomically (temp file + rename);
        with ``expect``, only over the file that was read (else beside it). Returns the path.
        A part may be given as bytes or streamed (a function giving its bytes in pieces: a
        refreshed sheet of 200,000 rows is never held whole, as text or as bytes)."""
        return write_atomically(Path(target), lambda tmp: self._write(tmp, replace), expect)

    def to_bytes(self, replace: dict[str, bytes]) -> bytes:
        """The package with ``replace``d parts, in memory (for an engine): those uncompressed,
        the others as they are stored. A million-row log stays deflated (30 MB, not 183 MB
        held twice here and copied again by the engine: 950 -> 520 MB at load; the engine
        inflates it as it reads, 0.5 s); it is not checked again (the engine fails on a
        damaged part, and a saved copy is checked as it is written)."""
        import io

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
            for info in self.zip.infolist():
                data = replace.get(info.filename)
                if data is None and self._copy_stored(out, info):
                    continue
                out.writestr(
                    info.filename, data if data is not None else self.zip.read(info.filename)
                )
        return buffer.getvalue()

    def _write(self, path: Path, replace: Mapping[str, bytes | Streamed]) -> None:
        checks: list[Callable[[], None]] = []  # the copied parts' CRCs, checked meanwhile
        with zipfile.ZipFile(path, "w") as out:
            for info in self.zip.infolist():
                data = replace.get(info.filename)
                if data is None and self._copy_stored(out, info, checks):
                    continue
                if data is None:
                    data = self.zip.read(info.filename)
                if callable(data):
                    data = _write_streamed(out, info, data)
                    if data is None:
                        continue
                # writestr fills in the ZipInfo it is given (offset, sizes, CRC): hand it a
                # copy, or this package's own directory would point into the new file.
                out.writestr(
                    copy.copy(info),
                    data,
                    compress_type=zipfile.ZIP_DEFLATED,
                    compresslevel=1 if len(data) > FAST_DEFLATE_BYTES else None,
                )
        for check in checks:
            check()

    def _copy_stored(
        self,
        out: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        checks: list[Callable[[], None]] | None = None,
    ) -> bool:
        """An unchanged part copied as it is stored, not inflated and deflated again (a
        17 MB log sheet: 0.25 s saved). With ``checks``, its CRC is checked on another thread
        while the next parts are written (a 100,000-row log: 35 ms), the check appended to
        ``checks`` (call each before the copy is kept: a damaged part raises). False when the
        part or this Python's zipfile does not allow it: the caller then copies it the ordinary
        way."""
        if (
            info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or (
                info.flag_bits & 0x01  # encrypted
            )
            or not all(hasattr(out, a) for a in ("fp", "filelist", "NameToInfo", "start_dir"))
        ):
            return False
        source, target = self.zip.fp, out.fp
        if source is None or target is None:
            return False
        source.seek(info.header_offset)
        header = source.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            return False
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        source.seek(info.header_offset + 30 + name_length + extra_length)
        stored = source.read(info.compress_size)
        if checks is not None:
            crc = later(lambda: _crc(stored, info.compress_type))
            checks.append(lambda: self._check(info, crc()))
        clone = copy.copy(info)
        clone.flag_bits &= ~0x08  # sizes and CRC in the header, no data descriptor after
        clone.header_offset = target.tell()
        target.write(clone.FileHeader())
        target.write(stored)
        out.filelist.append(clone)
        out.NameToInfo[clone.filename] = clone
        out.start_dir = target.tell()
        out._didModify = True  # type: ignore[attr-defined]
        return True

    def _check(self, info: zipfile.ZipInfo, crc: int | None) -> None:
        if crc != info.CRC:
            raise WorkbookError(f"{self.path.name}: {info.filename} is damaged (CRC mismatch)")

    def close(self) -> None:
        self.zip.close()


def _crc(stored: bytes, compress_type: int) -> int | None:
    """The CRC of a part's content from its stored bytes (inflated a megabyte at a time, in
    C); None when they do not inflate."""
    if compress_type == zipfile.ZIP_STORED:
        return zlib.crc32(stored)
    inflate = zlib.decompressobj(-15)
    try:
        crc = 0
        for at in range(0, len(stored), 1 << 20):
            crc = zlib.crc32(inflate.decompress(stored[at : at + (1 << 20)]), crc)
        return zlib.crc32(inflate.flush(), crc)
    except zlib.error:
        return None


Streamed = Callable[[], Iterable[bytes]]
"""A part written in pieces as they are made (:meth:`Package.save`)."""


def _write_streamed(out: zipfile.ZipFile, info: zipfile.ZipInfo, make: Streamed) -> bytes | None:
    """A part past FAST_DEFLATE_BYTES deflated as its pieces come, at the level a large part
    takes; a smaller one handed back whole (None when streamed), to be written as bytes are."""
    pieces = iter(make())
    head: list[bytes] = []
    size = 0
    for piece in pieces:
        head.append(piece)
        size += len(piece)
        if size > FAST_DEFLATE_BYTES:
            break
    else:
        return b"".join(head)
    streamed = copy.copy(info)  # the source's name, date and attributes; sizes filled in
    streamed.compress_type = zipfile.ZIP_DEFLATED
    streamed._compresslevel = 1  # type: ignore[attr-defined]  # (zipfile's own field)
    with out.open(streamed, "w") as stream:  # a seekable file: sizes go back into the header
        # the rest as it comes, never held whole, deflated on another thread meanwhile
        pipelined(stream.write, chain(head, pieces))
    return None
