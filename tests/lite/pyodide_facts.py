"""What Pyodide 314 (xlwings Lite's Python) has, stored with its version, and what the wheel
asks of it.

``pyodide_314.json`` is made from the npm package ``pyodide@314.x`` by this module's ``main``
(run by hand, not in CI: ``npm pack pyodide@314.0.8`` then
``python -m tests.lite.pyodide_facts pyodide-314.0.8.tgz``):

- ``modules``: the standard library Pyodide ships (the top-level names of ``python_stdlib.zip``)
  and the extension modules compiled into its WebAssembly binary (its ``PyInit_`` symbols), with
  the interpreter's own core modules. A module outside this list (``pwd``, ``_multiprocessing``,
  ``readline``, ``_hashlib``...) cannot be imported there;
- ``packages``: ``pyodide-lock.json``'s packages, each with its version, import names and
  dependencies (the compiled packages themselves come from Pyodide's CDN, out of reach here).
"""

from __future__ import annotations

import importlib.metadata as md
import io
import json
import re
import sys
import tarfile
import zipfile
from functools import lru_cache
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

FACTS = Path(__file__).with_name("pyodide_314.json")

# Modules of the interpreter itself, present in every build without a PyInit_ symbol of their own
CORE = ["builtins", "sys", "marshal", "gc", "_warnings", "_frozen_importlib",
        "_frozen_importlib_external", "_imp", "_io", "_thread", "_weakref", "_abc"]  # fmt: skip


@lru_cache(maxsize=1)
def facts() -> dict:
    return json.loads(FACTS.read_text(encoding="utf-8"))


def emscripten_environment() -> dict[str, str]:
    """Environment markers as Pyodide 314 evaluates them (micropip's view of the platform)."""
    env = default_environment()
    python = facts()["python"]
    env.update(
        sys_platform="emscripten",
        platform_system="Emscripten",
        os_name="posix",
        platform_machine="wasm32",
        implementation_name="cpython",
        platform_python_implementation="CPython",
        python_version=".".join(python.split(".")[:2]),
        python_full_version=python,
    )
    return env


def requirements(distribution: str, extras: tuple[str, ...] = ()) -> list[Requirement]:
    """The requirements an installed distribution declares that apply in Pyodide."""
    env = emscripten_environment()
    out = []
    for text in md.requires(distribution) or []:
        req = Requirement(text)
        if req.marker is None or any(
            req.marker.evaluate({**env, "extra": extra}) for extra in ("", *extras)
        ):
            out.append(req)
    return out


def lite_closure(distribution: str = "clv_xl") -> dict[str, str]:
    """Every distribution micropip installs for ``distribution`` in Pyodide, with where it
    comes from: "pyodide" (a package Pyodide ships) or "pypi" (a pure-Python wheel)."""
    shipped = {canonicalize_name(n): p for n, p in facts()["packages"].items()}
    seen: dict[str, str] = {}
    todo = [r.name for r in requirements(distribution)]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        if name in shipped:
            seen[name] = "pyodide"
            todo.extend(shipped[name]["depends"])
        else:
            seen[name] = "pypi"
            todo.extend(r.name for r in requirements(name))
    return seen


def import_names(distribution: str) -> set[str]:
    """The top-level modules a distribution provides: Pyodide's lock says so for its own
    packages; an installed wheel's files say so for the others."""
    shipped = {canonicalize_name(n): p for n, p in facts()["packages"].items()}
    name = canonicalize_name(distribution)
    if name in shipped:
        return set(shipped[name]["imports"])
    names = set()
    for file in md.distribution(distribution).files or []:
        top = file.parts[0]
        if top.endswith((".dist-info", ".data")) or top == "..":
            continue
        names.add(top.removesuffix(".py"))
    return names


def pyodide_modules() -> set[str]:
    return set(facts()["modules"])


def main(argv: list[str] | None = None) -> int:
    """Write ``pyodide_314.json`` from the npm tarball of ``pyodide@314.x``."""
    (tgz,) = argv if argv is not None else sys.argv[1:]
    with tarfile.open(tgz) as tar:
        member = {m.name: m for m in tar.getmembers()}

        def read(name: str) -> bytes:
            handle = tar.extractfile(member[f"package/{name}"])
            assert handle is not None
            return handle.read()

        lock = json.loads(read("pyodide-lock.json"))
        stdlib = zipfile.ZipFile(io.BytesIO(read("python_stdlib.zip")))
        wasm = read("pyodide.asm.wasm")
        version = json.loads(read("package.json"))["version"]
    zipped = {n.split("/")[0].removesuffix(".py") for n in stdlib.namelist()}
    compiled = {m.decode() for m in re.findall(rb"PyInit_([A-Za-z0-9_]+)", wasm)}
    modules = sorted((zipped | compiled | set(CORE)) - {"site-packages"})
    packages = {
        name: {"version": p["version"], "imports": sorted(p.get("imports", [])),
               "depends": sorted(p.get("depends", []))}
        for name, p in sorted(lock["packages"].items())
    }  # fmt: skip
    FACTS.write_text(
        json.dumps({"pyodide": version, "python": lock["info"]["python"], "modules": modules,
                    "packages": packages}, indent=1) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
