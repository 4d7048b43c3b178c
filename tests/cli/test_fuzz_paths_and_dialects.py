"""A fuzz run over file names, paths and CSV dialects (issue 29): `clv-xl summarize` gives the
right summary or one clear line (exit 2), never a traceback, never a changed input, nothing
left behind."""

import os

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clv_xl.cli import main

ROWS = [("1", "2024-01-03", "10.50"), ("1", "2024-02-01", "20.00"), ("2", "2024-01-10", "5.25"),
        ("3", "2024-02-20", "12.00"), ("2", "2024-03-15", "18.75")]  # fmt: skip
NAME_PIECES = st.sampled_from(["sales", "select", "with", "with-2024", " ", "'", '"', "é", "日本",
                               ";", "..", "-", "#", "%", "(1)", "~", "$HOME", "*", "a b"])  # fmt: skip


@st.composite
def dialect(draw):
    return {
        "sep": draw(st.sampled_from([",", ";", "\t", "|"])),
        "newline": draw(st.sampled_from(["\n", "\r\n"])),
        "bom": draw(st.booleans()),
        "quote": draw(st.booleans()),
        "comma_decimal": draw(st.booleans()),
        "header": draw(
            st.sampled_from(
                [("customer", "date", "amount"), ("Customer ID", "Order Date", "Total")]
            )
        ),
        "encoding": draw(st.sampled_from(["utf-8", "cp1252"])),
        "blank_tail": draw(st.booleans()),
    }


def write_log(path, d):
    rows = [d["header"], *ROWS]
    if d["comma_decimal"] and d["sep"] != ",":
        rows = [d["header"], *[(c, t, a.replace(".", ",")) for c, t, a in ROWS]]
    q = (lambda v: f'"{v}"') if d["quote"] else (lambda v: v)
    text = d["newline"].join(d["sep"].join(q(v) for v in row) for row in rows) + d["newline"]
    if d["blank_tail"]:
        text += d["newline"] * 2
    data = text.encode(d["encoding"])
    path.write_bytes((b"\xef\xbb\xbf" if d["bom"] and d["encoding"] == "utf-8" else b"") + data)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pieces=st.lists(NAME_PIECES, min_size=1, max_size=3), d=dialect(),
       engine=st.sampled_from(["pandas", "duckdb"]), folder=st.booleans())  # fmt: skip
def test_a_summary_or_one_line_whatever_the_name_and_dialect(pieces, d, engine, folder,
                                                              tmp_path_factory, capsys):  # fmt: skip
    root = tmp_path_factory.mktemp("fuzz")
    name = "".join(pieces).strip() or "x"
    if name in (".", ".."):
        name = "x"
    log = root / (name + ".csv")
    write_log(log, d)
    before = log.read_bytes()
    source = str(root) if folder else str(log)
    out = root.parent / f"{root.name}-out.csv"
    capsys.readouterr()
    status = main(["summarize", source, "-o", str(out), "--engine", engine, "-q"])
    err = capsys.readouterr().err
    event(f"exit {status}" + (f": {err.split(':')[1].strip()[:40]}" if status else ""))
    assert log.read_bytes() == before
    assert sorted(os.listdir(root)) == [log.name]
    if status == 0:
        lines = out.read_text(encoding="utf-8").strip().splitlines()
        assert len(lines) == 4, (name, d, lines)  # header and three customers
    else:
        assert status == 2 and err.count("\n") == 1 and "Traceback" not in err, err
        assert "unexpected" not in err, err
        assert not out.exists()
