"""Sheet XML read as an XML parser reads it (issue 30): every valid form of the same sheet gives
the same refresh, and what is not markup (a comment, CDATA) is never read as a cell."""

import math
import re
import shutil
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clv_xl.workbooks import xml_reader
from clv_xl.workbooks.refresh import refresh
from clv_xl.workbooks.sheet import Sheet
from clv_xl.workbooks.xlsx import Package, WorkbookError
from tests.helpers import TEMPLATES

MAIN = xml_reader.MAIN
TAG = re.compile(r"<[^<>]*>")


def _in_tags(xml: str, change) -> str:
    return TAG.sub(
        lambda m: m.group(0) if m.group(0).startswith(("<?", "<!")) else change(m.group(0)), xml
    )


def prefixed(xml: str) -> str:
    """The sheet's namespace under the prefix x: (``<x:worksheet xmlns:x=...>``, ``<x:c>``)."""
    xml = xml.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"', 1)
    return _in_tags(xml, lambda tag: re.sub(r"^<(/?)([A-Za-z]\w*)(?=[\s/>])", r"<\1x:\2", tag))


def single_quoted(xml: str) -> str:
    return _in_tags(xml, lambda tag: re.sub(r'="([^"\']*)"', r"='\1'", tag))


def spaced(xml: str) -> str:
    return _in_tags(xml, lambda tag: re.sub(r'=(["\'])', r" = \1", tag))


def commented(xml: str) -> str:
    """Comments (one holding a cell with a formula) and a processing instruction in the rows."""
    ghost = '<!-- <row r="40"><c r="Z40"><f>1+1</f></c></row> --><?clv ignore me?>'
    xml = re.sub(r"(<row\b[^>]*>)", r"\1<!-- <c r='Z1'><f>2+2</f></c> -->", xml, count=3)
    return xml.replace("<sheetData>", "<sheetData>" + ghost, 1)


def cdata(xml: str) -> str:
    """Formula text as CDATA, and an inline text that looks like markup as CDATA."""

    def wrap(m):
        text = m.group(2).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        return f"<f{m.group(1)}><![CDATA[{text.replace('&amp;', '&')}]]></f>"

    xml = re.sub(r"<f([^>/]*)>([^<]*)</f>", wrap, xml)
    trap = ('<{p}row r="41"><{p}c r="Z41" t="inlineStr"><{p}is><{p}t><![CDATA[<f>3+3</f>]]>'
            '</{p}t></{p}is></{p}c></{p}row>')  # fmt: skip
    return re.sub(r"</(\w+:)?sheetData>", lambda m: trap.format(p=m.group(1) or "") + m.group(0),
                  xml, count=1)  # fmt: skip


FORMS = {"prefixed": prefixed, "single_quoted": single_quoted, "spaced": spaced,
         "commented": commented, "cdata": cdata}  # fmt: skip


def rewrite_sheets(path, transforms):
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name in parts:
        if name.startswith("xl/worksheets/sheet"):
            xml = parts[name].decode()
            for t in [t for t in FORMS if t in transforms]:  # CDATA last: its text is not markup
                xml = FORMS[t](xml)
            parts[name] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def values(path):
    """Every cell's formula and value, per sheet, as the one XML reader reads them."""
    package = Package(path)
    out = {}
    for name in package.sheet_parts:
        for cell in package.sheet(name).cells():
            v = re.search(r"<v>([^<]*)</v>|<t[^>]*>([^<]*)</t>", cell.xml)
            text = (v.group(1) or v.group(2)) if v else None
            out[(name, cell.ref)] = (cell.formula, xml_reader.unescape_text(text) if text else text)
    package.close()
    return out


def same(a, b):
    if a == b:
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return False


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    path = tmp_path_factory.mktemp("plain") / "dry_cleaner.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", path)
    refresh(path)
    return values(path)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(forms=st.lists(st.sampled_from(sorted(FORMS)), min_size=1, max_size=5, unique=True))
def test_every_valid_form_of_a_sheet_refreshes_the_same(forms, baseline, tmp_path_factory):
    path = tmp_path_factory.mktemp("form") / "dry_cleaner.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", path)
    rewrite_sheets(path, forms)
    report = refresh(path)
    got = values(path)
    assert not report.errors
    ghosts = {k for k in got if k[1] in ("Z1", "Z40")}
    assert not ghosts, "a cell inside a comment was read"
    trap = [v for k, v in got.items() if k[1] == "Z41"]
    if "cdata" in forms:
        assert trap and all(v == (None, "<f>3+3</f>") for v in trap), "CDATA read as markup"
    kept = {k: v for k, v in got.items() if k[1] != "Z41"}
    assert kept.keys() == baseline.keys()
    wrong = [k for k, v in kept.items() if v[0] != baseline[k][0] or not same(v[1], baseline[k][1])]
    assert not wrong, wrong[:5]


def test_the_plain_form_is_surveyed_and_the_others_rewritten():
    plain = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
    assert xml_reader.survey(plain.encode(), "s")
    for form in (prefixed, commented, cdata):
        assert not xml_reader.survey(form(plain).encode(), "s")
    assert xml_reader.survey(single_quoted(spaced(plain)).encode(), "s")  # read by the grammar
    sheet = Sheet.parse("S", "p", prefixed(commented(plain)).encode())
    assert [(c.ref, c.formula) for c in sheet.cells()] == [("A1", None)]


def test_a_cell_and_a_row_without_their_reference_follow_the_one_before():
    xml = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="3"><c r="B3"><v>1</v></c><c><v>2</v></c>'
           '</row><row><c><f>B3+C3</f></c></row></sheetData></worksheet>')  # fmt: skip
    sheet = Sheet.parse("S", "p", xml.encode())
    assert [(c.ref, c.formula) for c in sheet.cells()] == [
        ("B3", None),
        ("C3", None),
        ("A4", "B3+C3"),
    ]


@pytest.mark.parametrize("xml, message", [
    (b"<worksheet><sheetData><row></sheetData></worksheet>", "malformed XML"),
    (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e "x">]><worksheet>&e;</worksheet>', "DTD or entities"),
    (f'<worksheet xmlns:x="{MAIN}" xmlns:y="{MAIN}"><x:sheetData><c xmlns="urn:other"/></x:sheetData></worksheet>'.encode(),
     "another namespace"),
])  # fmt: skip
def test_what_no_parser_would_read_is_one_line(xml, message):
    with pytest.raises(WorkbookError, match=message):
        Sheet.parse("S", "p", xml).cells()  # a sheet is read when it is first asked for
