"""A fuzz run over workbook XML (issue 30): sheets rewritten in every valid form and broken in
random places. Whatever the bytes, the refresh gives a result or one clear line, never a
traceback, never a changed input, nothing left behind."""

import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clv_xl.errors import CLVError
from clv_xl.workbooks.refresh import refresh
from tests.helpers import TEMPLATES
from tests.workbooks.test_workbook_safety import rewrite
from tests.workbooks.test_xml_forms import FORMS

SNIPPETS = [b"<", b">", b"&", b"&amp;", b"&#0;", b"&#x1F600;", b'"', b"'", b"<!--", b"-->",
            b"<![CDATA[", b"]]>", b"<?pi x?>", b"<!DOCTYPE x>", b'<c r="A1"><f>1+1</f></c>',
            b'<row r="0">', b"</row>", b"<f>", b"\xff\xfe", b"\x00", b'<c r="XFE1">', b" = ",
            b'<x:c xmlns:x="urn:x"/>', b'xmlns="urn:other"', b'r="A1048577"']  # fmt: skip
PARTS = ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml",
         "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"]  # fmt: skip


@st.composite
def damage(draw):
    forms = draw(st.lists(st.sampled_from(sorted(FORMS)), max_size=3, unique=True))
    part = draw(st.sampled_from(PARTS))
    cuts = draw(st.lists(st.tuples(st.floats(0, 1), st.sampled_from(SNIPPETS), st.booleans()),
                         max_size=3))  # fmt: skip
    truncate = draw(st.one_of(st.none(), st.floats(0, 1)))
    return forms, part, cuts, truncate


def apply(data: bytes, forms, cuts, truncate) -> bytes:
    if forms:
        text = data.decode()
        for name in [f for f in FORMS if f in forms]:
            text = FORMS[name](text)
        data = text.encode()
    for where, snippet, replace in cuts:
        at = int(where * len(data))
        data = data[:at] + snippet + data[at + (len(snippet) if replace else 0) :]
    if truncate is not None:
        data = data[: int(truncate * len(data))]
    return data


@settings(
    max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=damage())
def test_a_result_or_one_line_never_a_traceback_nor_a_changed_input(case, tmp_path_factory):
    forms, part, cuts, truncate = case
    folder = tmp_path_factory.mktemp("fuzz")
    book = folder / "book.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", book)
    sheet_forms = forms if part.startswith("xl/worksheets/") else []
    rewrite(book, part, lambda data: apply(data, sheet_forms, cuts, truncate))
    before = book.read_bytes()
    out = folder / "out.xlsx"
    try:
        refresh(book, out)
    except CLVError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
        assert not out.exists()
    assert book.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) in (["book.xlsx"], ["book.xlsx", "out.xlsx"])
