"""VBA's declaration rules, checked on text: what the VBA compiler would refuse in a module.

Excel compiles every wrapper xlwings generates into one module, so a single bad declaration
("Duplicate declaration in current scope" for ``t`` and ``T``, which VBA treats as one name)
breaks every CLV_ function at once. :func:`vba_problems` finds such mistakes without Excel:

- a procedure or parameter name that is not an identifier (a letter, then letters, digits or
  ``_``; at most 255 characters) or is a reserved word;
- two procedures of a module, or two parameters (or a parameter and its procedure, or a ``Dim``)
  of one procedure, equal ignoring case;
- a physical line over 1,023 characters, or more than 24 line continuations in one statement.

The tests pair it with a real second compiler (LibreOffice Basic in VBA mode).
"""

from __future__ import annotations

import re

MAX_LINE = 1023
MAX_CONTINUATIONS = 24
MAX_IDENTIFIER = 255

# VBA's reserved words (the language reference's keyword list, with the type and conversion names
# the compiler refuses as identifiers).
RESERVED = frozenset(
    """
    addressof and any as boolean byref byte byval call case cbool cbyte ccur cdate cdbl cdec
    cint clng clnglng clngptr const csng cstr currency cvar cverr date debug decimal declare
    defbool defbyte defcur defdate defdbl defdec defint deflng deflnglng deflngptr defobj defsng
    defstr defvar dim do double each else elseif empty end endif enum eqv erase error event exit
    false for friend function get global gosub goto if imp implements in input integer is let
    like long longlong longptr loop lset me mod new next not nothing null on open option optional
    or paramarray preserve print private ptrsafe public raiseevent redim rem resume return rset
    select set single static step stop string sub then to true type typeof until variant wend
    while with withevents xor
    """.split()
)

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_HEADER = re.compile(
    r"^\s*(?:(?:Public|Private|Friend)\s+)?(?:Static\s+)?(Function|Sub)\s+(\w+)\s*\((.*)\)",
    re.IGNORECASE,
)
_END = re.compile(r"^\s*End\s+(Function|Sub)\b", re.IGNORECASE)
_DIM = re.compile(r"^\s*(?:Dim|Static)\s+(.*)$", re.IGNORECASE)
_PARAM = re.compile(
    r"^\s*(?:Optional\s+)?(?:(?:ByVal|ByRef)\s+)?(?:ParamArray\s+)?(\w+)", re.IGNORECASE
)


def identifier_problem(name: str) -> str:
    """ "" or why ``name`` cannot be a VBA identifier."""
    if not _IDENTIFIER.match(name):
        return f"{name!r} is not a VBA identifier (a letter, then letters, digits or _)"
    if len(name) > MAX_IDENTIFIER:
        return f"{name[:20]}... is longer than {MAX_IDENTIFIER} characters"
    if name.lower() in RESERVED:
        return f"{name!r} is a VBA reserved word"
    return ""


def _logical_lines(text: str) -> list[tuple[int, str, int]]:
    """(first line number, joined statement, continuations) for each statement."""
    out: list[tuple[int, str, int]] = []
    parts: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not parts:
            start = number
        if line.rstrip().endswith(" _"):
            parts.append(line.rstrip()[:-2])
            continue
        parts.append(line)
        out.append((start, " ".join(p.strip() for p in parts), len(parts) - 1))
        parts = []
    if parts:
        out.append((start, " ".join(p.strip() for p in parts), len(parts) - 1))
    return out


def _split_params(params: str) -> list[str]:
    names = []
    for part in params.split(","):
        part = part.split("=")[0]
        if not part.strip():
            continue
        match = _PARAM.match(part)
        names.append(match.group(1) if match else part.strip())
    return names


def vba_problems(text: str) -> list[str]:
    """Every declaration rule ``text`` (one VBA module) breaks, one line each with its line."""
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE:
            problems.append(f"line {number}: {len(line)} characters; VBA allows {MAX_LINE}")
    procedures: dict[str, int] = {}
    scope: dict[str, str] | None = None
    procedure = ""
    # #If/#Else branches are alternatives: each starts from the state before #If, and names
    # declared in any branch count after #End If.
    branches: list[tuple[dict[str, int], dict[str, str] | None, str, dict[str, int]]] = []
    for number, statement, continuations in _logical_lines(text):
        if continuations > MAX_CONTINUATIONS:
            problems.append(
                f"line {number}: {continuations} line continuations; VBA allows {MAX_CONTINUATIONS}"
            )
        directive = statement.strip().lower()
        if directive.startswith("#if "):
            saved = dict(scope) if scope is not None else None
            branches.append((dict(procedures), saved, procedure, {}))
            continue
        if branches and (directive.startswith("#else") or directive.startswith("#end if")):
            before, saved, name, seen = branches[-1]
            seen.update(procedures)
            if directive.startswith("#end if"):
                branches.pop()
                procedures = seen
            else:
                procedures = dict(before)
                scope = dict(saved) if saved is not None else None
                procedure = name
            continue
        header = _HEADER.match(statement)
        if header:
            procedure = header.group(2)
            where = f"line {number} ({procedure})"
            problem = identifier_problem(procedure)
            if problem:
                problems.append(f"{where}: {problem}")
            if procedure.lower() in procedures:
                first = procedures[procedure.lower()]
                problems.append(f"{where}: duplicate procedure name (also on line {first})")
            procedures.setdefault(procedure.lower(), number)
            scope = {procedure.lower(): "the procedure's own name"}
            for name in _split_params(header.group(3)):
                _declare(scope, name, f"parameter {name}", where, problems)
            continue
        if scope is not None and _END.match(statement):
            scope = None
            continue
        dim = _DIM.match(statement)
        if scope is not None and dim:
            for piece in dim.group(1).split(","):
                name = piece.strip().split()[0].split("(")[0] if piece.strip() else ""
                if name:
                    _declare(
                        scope, name, f"variable {name}", f"line {number} ({procedure})", problems
                    )
    return problems


def _declare(scope: dict[str, str], name: str, what: str, where: str, problems: list[str]) -> None:
    problem = identifier_problem(name)
    if problem:
        problems.append(f"{where}: {problem}")
    if name.lower() in scope:
        problems.append(
            f"{where}: duplicate declaration in current scope: {what} is {scope[name.lower()]} "
            "(VBA names ignore case)"
        )
    else:
        scope[name.lower()] = what
