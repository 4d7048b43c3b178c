"""Reading workbooks safely: hostile or broken files get a clear refusal, nothing is executed."""

import io
import shutil
import zipfile

import pytest
import xlsxwriter

from clv_xl.workbooks.refresh import refresh
from clv_xl.workbooks.xlsx import WorkbookError
from tests.helpers import TEMPLATES


def rewrite(path, part, transform):
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[part] = transform(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "dry_cleaner.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", path)
    return path


def test_entity_declarations_are_refused(book):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
    rewrite(book, "xl/worksheets/sheet2.xml", lambda xml: bomb + xml.split(b"?>", 1)[1])
    before = book.read_bytes()
    with pytest.raises(WorkbookError, match="DTD or entities"):
        refresh(book)
    assert book.read_bytes() == before


def test_external_links_are_never_followed(tmp_path):
    path = tmp_path / "linked.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", "=[prices.xlsx]Sheet1!A1*2")
    wb.close()
    with pytest.raises(WorkbookError, match="never follows external links"):
        refresh(path)


def test_malformed_sheet_xml_is_a_clear_error(book):
    rewrite(
        book, "xl/worksheets/sheet2.xml", lambda xml: xml.replace(b"<sheetData>", b"<sheetDta>")
    )
    with pytest.raises(WorkbookError, match=r"malformed|no sheetData"):
        refresh(book)


def test_a_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(WorkbookError, match="zip bomb"):
        refresh(path)


def test_text_that_looks_like_python_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    payload = f"__import__('pathlib').Path(r'{marker}').touch()"
    ws.write_string("A1", payload)
    ws.write_formula("B1", f'=CLV_VALUE(A1, 2)&"{payload[:20]}"')
    ws.write_formula("C1", "=CLV_SEGMENT(A1)")
    wb.close()
    refresh(path)
    assert not marker.exists()


def test_not_a_workbook(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(io.BytesIO(b"PK\x03\x04 broken").getvalue())
    with pytest.raises(WorkbookError, match=r"not an \.xlsx"):
        refresh(path)


def test_unchanged_parts_are_copied_as_stored_and_a_damaged_one_is_refused(book, tmp_path):
    from clv_xl.workbooks.xlsx import Package

    copy = tmp_path / "copy.xlsx"
    package = Package(book)
    package.save(copy, {})
    package.close()
    with zipfile.ZipFile(book) as old, zipfile.ZipFile(copy) as new:
        assert new.testzip() is None
        assert [i.filename for i in new.infolist()] == [i.filename for i in old.infolist()]
        assert all(new.read(i.filename) == old.read(i.filename) for i in old.infolist())
        theme = next(i for i in old.infolist() if i.compress_size > 100)
    data = bytearray(book.read_bytes())  # one byte of a deflated part's data flipped
    at = (
        theme.header_offset + 30 + len(theme.filename) + len(theme.extra) + theme.compress_size // 2
    )
    data[at] ^= 0xFF
    book.write_bytes(bytes(data))
    package = Package(book)
    with pytest.raises(WorkbookError, match="is damaged"):
        package.save(tmp_path / "again.xlsx", {})
    package.close()
    assert not (tmp_path / "again.xlsx").exists()
