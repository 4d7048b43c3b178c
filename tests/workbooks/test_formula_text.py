"""The one reading of a formula's text (issue 31): calls, CLV_ calls, omitted arguments, folds."""

import pytest

from clv_xl.workbooks.formula_text import (
    OMITTED_CALL,
    calls,
    clv_call,
    fold,
    functions_in,
    mark_omitted,
    reference_texts,
    rewrite_references,
    shifted,
)
from clv_xl.workbooks.references import Names, resolve


def test_calls_are_found_inner_first_with_their_arguments():
    found = calls('=SUM(CLV_P_ALIVE(A1:A3, "x,y"), {1,2;3,4}, (B1+B2))')
    assert [c.name for c in found] == ["CLV_P_ALIVE", "SUM"]
    inner, outer = found
    assert [a.text for a in inner.arguments] == ["A1:A3", '"x,y"']
    assert [a.text for a in outer.arguments] == [
        'CLV_P_ALIVE(A1:A3, "x,y")',
        "{1,2;3,4}",
        "(B1+B2)",
    ]


@pytest.mark.parametrize("formula, expected", [
    ('=CLV_VALUE(14, 2)', ("CLV_VALUE", ["14", "2"])),
    ("= CLV_X( )", ("CLV_X", [])),
    ("=CLV_X()", ("CLV_X", [])),
    ("=CLV_X(1,,\n 3)", ("CLV_X", ["1", None, "3"])),
    ("=_xldudf_CLV_VALUE(14,2)", ("CLV_VALUE", ["14", "2"])),
    ("=_xludf.CLV_VALUE(14,2)", ("CLV_VALUE", ["14", "2"])),
    ("=CLV_X(1)+1", None),
    ("=SUM(CLV_X(1))", None),
    ("=A1", None),
])  # fmt: skip
def test_a_formula_that_is_one_clv_call(formula, expected):
    got = clv_call(formula)
    assert (None if got is None else (got[0], [a.text for a in got[1]])) == expected


@pytest.mark.parametrize("formula, expected", [
    ('=CLV_RETENTION(100,0.8,0.1,,"end")', '=CLV_RETENTION(100,0.8,0.1,{0},"end")'),
    ("=CLV_X( , 1)", "=CLV_X({0} , 1)"),
    ("=SUM(CLV_P_ALIVE(A1:A3,  ))", "=SUM(CLV_P_ALIVE(A1:A3,{0}  ))"),
    ("=CLV_X()", "=CLV_X()"),
    ('=CLV_X("a,,b", IF(A1,,2))', '=CLV_X("a,,b", IF(A1,,2))'),
])  # fmt: skip
def test_omitted_arguments_of_clv_calls_only_are_marked(formula, expected):
    assert mark_omitted(formula) == expected.format(OMITTED_CALL)


@pytest.fixture
def names():
    return Names(sheets={"S": "S", "SUMMARY": "Summary"})


@pytest.mark.parametrize("formula, expected", [
    ("=_xlfn.CHOOSECOLS(Summary!$A$1:$K$9, 11)", "=Summary!$K$1:$K$9"),
    ("=_xlfn.DROP(_xlfn.CHOOSECOLS(Summary!$A$1:$K$9,1),1)", "=Summary!$A$2:$A$9"),
    ("=ROWS(S!$A$1:$A$3)*2", "=3*2"),
    ("=INDEX(S!$A$1:$B$4,2,1)", "=S!$A$2"),
    ("=INDEX(S!$A$1:$B$4,9,1)", "=INDEX(S!$A$1:$B$4,9,1)"),  # #REF! in Excel: the engine says
    ("=CHOOSECOLS(A1:B2,1)", "=CHOOSECOLS(A1:B2,1)"),  # not qualified: left as it is
    ('=CHOOSECOLS(S!$A$1:$B$2,"1")', '=CHOOSECOLS(S!$A$1:$B$2,"1")'),
    ('=CONCAT("CHOOSECOLS(S!$A$1:$B$2,1)")', '=CONCAT("CHOOSECOLS(S!$A$1:$B$2,1)")'),
])  # fmt: skip
def test_array_shaping_of_a_range_is_folded_into_it(formula, expected, names):
    assert fold(formula, lambda ref: resolve(ref, "", names)) == expected
    assert fold(formula[1:], lambda ref: resolve(ref, "", names)) == expected[1:]


def test_functions_references_and_shared_formulas():
    assert functions_in("=SUM(MAP(A1:A2,LAMBDA(x,x*2)))") == {"SUM", "MAP", "LAMBDA"}
    assert reference_texts("=SUM(Summary!A1#, B2:C3, Sales[Date])") == [
        "Summary!A1#", "B2:C3", "Sales[Date]"]  # fmt: skip
    assert rewrite_references("=A1#+B1", lambda r: "X!$A$1:$A$9" if r == "A1#" else None) == (
        "=X!$A$1:$A$9+B1")  # fmt: skip
    assert shifted("A1+$B$1+C$1+Sales[Date]", 2, 1) == "B3+$B$1+D$1+Sales[Date]"
