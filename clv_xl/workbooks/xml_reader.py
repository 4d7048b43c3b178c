"""The one XML reader of a workbook's parts: expat, with defusedxml's protections.

Every part the refresh reads is parsed by expat (through defusedxml for the small parts: the
workbook, its relationships, its Tables), so what counts is what an XML parser sees: a cell
inside a comment is no cell, CDATA is text, a namespace prefix (``<x:c>``), single quotes and
spaces around ``=`` mean what they mean. A DTD or an entity declaration is refused, as
defusedxml refuses them (a workbook saved by Excel never has one).

A sheet is different: it can hold a million rows, and the refresh keeps the bytes of every row
it does not change. So a sheet is first *surveyed* by expat in C (no Python call per element):
that checks it is well-formed and finds what Excel never writes into a sheet (comments, CDATA,
processing instructions, the sheet's namespace under a prefix or declared below the root, an
encoding other than UTF-8). A sheet in Excel's *plain form* is then read by the exact tag
grammar below (in well-formed XML without comments, CDATA or processing instructions, every
"<" begins a tag); any other sheet is first rewritten by expat into the plain form, with the
same elements, attributes and text (comments and processing instructions are dropped, as
Excel drops them when it saves).
"""

from __future__ import annotations

import re
from typing import Any
from xml.parsers import expat

from defusedxml import ElementTree

from clv_xl.errors import CLVError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class WorkbookError(CLVError):
    """The file is not a workbook clv_xl can read safely."""


def _refuse(where: str) -> Any:
    def handler(*_: Any) -> None:
        raise WorkbookError(
            f"{where} declares a DTD or entities; refused (a workbook saved by Excel never does)"
        )

    return handler


def _parser(where: str, namespaces: bool) -> Any:
    """An expat parser with defusedxml's protections: no DTD, no entities, nothing external."""
    parser = expat.ParserCreate(namespace_separator=" " if namespaces else None)
    parser.StartDoctypeDeclHandler = _refuse(where)
    parser.EntityDeclHandler = _refuse(where)
    parser.UnparsedEntityDeclHandler = _refuse(where)
    parser.ExternalEntityRefHandler = _refuse(where)
    return parser


def _parse(parser: Any, data: bytes, where: str) -> None:
    """Run ``parser`` over ``data``; malformed XML is one line naming the part."""
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise WorkbookError(f"{where}: malformed XML ({exc})") from None


def tree(data: bytes, where: str) -> Any:
    """A small part (the workbook, relationships, a Table) as an ElementTree element."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        _refuse(where)()
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise WorkbookError(f"{where}: malformed XML ({exc})") from None
    except (ValueError, OSError) as exc:  # defusedxml's refusals
        raise WorkbookError(f"{where}: refused ({exc})") from None


def survey(data: bytes, where: str) -> bool:
    """Whether a sheet is in the plain form (see the module's docstring); expat checks it is
    well-formed on the way."""
    return _survey(data, where)[0]


def _survey(data: bytes, where: str) -> tuple[bool, dict[str, set[str]]]:
    """(plain form?, the namespaces each prefix is bound to, "" for the default one)."""
    parser = _parser(where, namespaces=True)
    found = {"plain": True, "root": -1}
    bound: dict[str, set[str]] = {}

    def not_plain(*_: Any) -> None:
        found["plain"] = False

    def root(*_: Any) -> None:
        found["root"] = parser.CurrentByteIndex
        parser.StartElementHandler = None  # no Python call for the other elements

    def declared(prefix: str | None, uri: str) -> None:
        bound.setdefault(prefix or "", set()).add(uri)
        on_root = found["root"] < 0
        if (uri == MAIN) != (prefix is None) or (prefix is None and not on_root):
            found["plain"] = False

    def declaration(version: str, encoding: str | None, standalone: int) -> None:
        if encoding and encoding.upper().replace("-", "") != "UTF8":
            found["plain"] = False

    parser.StartElementHandler = root
    parser.StartNamespaceDeclHandler = declared
    parser.CommentHandler = not_plain
    parser.StartCdataSectionHandler = not_plain
    parser.ProcessingInstructionHandler = not_plain
    parser.XmlDeclHandler = declaration
    _parse(parser, data, where)
    return bool(found["plain"]), bound


def plain_form(data: bytes, where: str) -> tuple[str, bool]:
    """The sheet in the plain form, and whether it had to be rewritten into it by expat
    (elements of the sheet's namespace unprefixed, attributes double-quoted, CDATA as text)."""
    plain, bound = _survey(data, where)
    if plain:
        return data.decode("utf-8"), False
    return _rewritten(data, where, _main_prefixes(bound, where)), True


def _rewritten(data: bytes, where: str, main_prefixes: set[str]) -> str:
    parser = _parser(where, namespaces=False)
    parser.buffer_text = True
    parser.ordered_attributes = True
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
    open_tag = [False]  # a start tag written without its ">" yet
    depth = [0]

    def name_of(qname: str) -> str:
        prefix, colon, local = qname.partition(":")
        return local if colon and prefix in main_prefixes else qname

    def close_pending() -> None:
        if open_tag[0]:
            out.append(">")
            open_tag[0] = False

    def start(qname: str, attrs: list[str]) -> None:
        close_pending()
        pairs = list(zip(attrs[::2], attrs[1::2], strict=True))
        names = [k for k, _ in pairs]
        if depth[0] == 0 and "xmlns" not in names:
            pairs.insert(0, ("xmlns", MAIN))
        elif "xmlns" in names and dict(pairs)["xmlns"] != MAIN:
            raise WorkbookError(
                f"{where}: an element of another namespace declared as the default; "
                "re-save the workbook in Excel"
            )
        out.append("<" + name_of(qname))
        out.extend(f' {k}="{escape_attribute(v)}"' for k, v in pairs)
        open_tag[0] = True
        depth[0] += 1

    def end(qname: str) -> None:
        depth[0] -= 1
        if open_tag[0]:
            out.append("/>")
            open_tag[0] = False
        else:
            out.append(f"</{name_of(qname)}>")

    def text(value: str) -> None:
        close_pending()
        out.append(escape_text(value))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    _parse(parser, data, where)
    return "".join(out)


def _main_prefixes(bound: dict[str, set[str]], where: str) -> set[str]:
    """The prefixes bound to the sheet's namespace; refused when one is also bound elsewhere."""
    mains = {p for p, uris in bound.items() if p and MAIN in uris}
    if any(len(bound[p]) > 1 for p in mains):
        raise WorkbookError(f"{where}: a prefix bound to two namespaces; re-save it in Excel")
    return mains


# ----- the tag grammar of the plain form ------------------------------------------------------
_ATTRIBUTE = r"""\s+[^\s=/<>"']+\s*=\s*(?:"[^"<]*"|'[^'<]*')"""
_ATTRIBUTE_PARTS = re.compile(r"""([^\s=/<>"']+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")


def start_tag(name: str) -> re.Pattern[str]:
    """A start tag of ``name`` (group 1: its attributes' text; group 2: "/" when empty)."""
    return re.compile(rf"<{name}((?:{_ATTRIBUTE})*)\s*(/?)>")


def end_tag(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{name}\s*>")


def attributes(text: str) -> dict[str, str]:
    """The attributes of a start tag's text, their values unescaped as a parser reads them."""
    return {
        m.group(1): unescape_attribute(m.group(2) if m.group(2) is not None else m.group(3))
        for m in _ATTRIBUTE_PARTS.finditer(text)
    }


_REFERENCE = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _character(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref[0] == "#":
        return chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:]))
    return _NAMED[ref]


def unescape_text(text: str) -> str:
    """Element text as a parser reads it (entity and character references decoded)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _REFERENCE.sub(_character, text) if "&" in text else text


def unescape_attribute(value: str) -> str:
    """An attribute value as a parser reads it (white space normalized, references decoded)."""
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\r\n", " ").replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return _REFERENCE.sub(_character, value) if "&" in value else value


def escape_text(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def escape_attribute(value: str) -> str:
    return escape_text(value).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")


__all__ = [
    "MAIN",
    "WorkbookError",
    "attributes",
    "end_tag",
    "escape_attribute",
    "escape_text",
    "plain_form",
    "start_tag",
    "survey",
    "tree",
    "unescape_attribute",
    "unescape_text",
]
