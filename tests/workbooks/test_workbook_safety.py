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
    """The workbook with one of its parts (which must be there) changed by ``transform``."""
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


@pytest.mark.parametrize("formula", ["=[1]Sheet1!A1*2", "=SUM('[2]My data'!B2:B9)"])
def test_the_stored_form_of_an_external_link_is_one_line(tmp_path, formula):
    """Issue 29: a file stores a link as [1]Sheet1!A1 (an index into its externalLinks)."""
    path = tmp_path / "linked.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", formula)
    ws.write_formula("A2", "=S!B1+1")  # not a link
    wb.close()
    with pytest.raises(WorkbookError, match=r"links to other workbooks \(e.g. S!A1\)"):
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


def test_a_sheet_as_large_as_excel_holds_opens(tmp_path):
    """Issue 30: one sheet of 1,048,576 rows by 6 columns with a 20-character text in each row,
    Excel's own row attributes included (about 300 MB of XML), is let through and read."""
    rows = 1_048_576
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://'
            'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x14ac="http://schemas.'
            'microsoft.com/office/spreadsheetml/2009/9/ac"><dimension ref="A1:F1048576"/>'
            "<sheetData>")  # fmt: skip
    body = "".join(
        f'<row r="{i}" spans="1:6" x14ac:dyDescent="0.25"><c r="A{i}"><v>{i % 9973}</v></c>'
        f'<c r="B{i}" s="1"><v>{45000 + i % 700}</v></c><c r="C{i}"><v>{(i * 37) % 1000 / 8}</v>'
        f'</c><c r="D{i}"><v>1</v></c><c r="E{i}"><v>0</v></c><c r="F{i}" t="inlineStr"><is><t>'
        f"channel-{i % 100_000:06d}-abcde</t></is></c></row>"
        for i in range(1, rows + 1)
    )
    sheet = (head + body + "</sheetData></worksheet>").encode()
    assert len(sheet) > 280_000_000  # above the old 200 MiB limit
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships"><sheets><sheet name="Log" sheetId="1" '
                   'r:id="rId1"/></sheets></workbook>')  # fmt: skip
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                   'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')  # fmt: skip
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    del sheet, body
    from clv_xl.workbooks.xlsx import Package

    package = Package(path)
    assert package.sheet("Log").extent() == (rows, 6)
    package.close()


def test_the_engines_copy_keeps_unchanged_parts_as_stored_and_a_damaged_one_stops_the_refresh(
    book, tmp_path
):
    """The engine reads unchanged parts as they are stored (a million-row log stays deflated,
    issue 33); a damaged one is still refused, when the refreshed copy is written."""
    from clv_xl.workbooks.xlsx import Package

    package = Package(book)
    try:
        engine_copy = zipfile.ZipFile(io.BytesIO(package.to_bytes({})))
        for info in package.zip.infolist():
            copied = engine_copy.getinfo(info.filename)
            assert copied.compress_type == info.compress_type
            assert engine_copy.read(info.filename) == package.zip.read(info.filename)
    finally:
        package.close()
    with zipfile.ZipFile(book) as old:
        theme = next(i for i in old.infolist() if i.compress_size > 100 and "theme" in i.filename)
    data = bytearray(book.read_bytes())
    data[theme.header_offset + 30 + len(theme.filename) + len(theme.extra) + 40] ^= 0xFF
    book.write_bytes(bytes(data))
    out = tmp_path / "out.xlsx"
    with pytest.raises(WorkbookError, match=r"damaged|cannot read"):
        refresh(book, out)
    assert not out.exists()
