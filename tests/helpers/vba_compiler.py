"""A second VBA compiler: LibreOffice Basic in VBA-compatibility mode, driven through UNO.

Run with the system Python that has ``python3-uno`` (Debian's ``/usr/bin/python3``), not the
project's virtualenv: ``python3 vba_compiler.py modules.json`` prints, per module, whether it
compiles and, if not, which procedures fail on their own.

soffice runs headless on a private pipe with a throw-away profile. Each module goes into the Basic
library of a hidden Calc document behind ``Option VBASupport 1``, with a probe function appended;
invoking the probe through the document's script provider compiles the whole module, and a
compile error comes back as no result (LibreOffice shows no message headless). A failing module
is then compiled procedure by procedure to name the culprit.
"""

import json
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue

PROBE = "\nFunction ClvCompileProbe()\n    ClvCompileProbe = 42\nEnd Function\n"


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def start_office(profile):
    pipe = "clvlo" + uuid.uuid4().hex[:8]
    proc = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    for _ in range(600):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return proc, ctx
        except Exception:
            if proc.poll() is not None:
                raise SystemExit("soffice exited before accepting a connection") from None
            time.sleep(0.1)
    raise SystemExit("soffice did not start within 60 s")


def compiles(desktop, code):
    doc = desktop.loadComponentFromURL(
        "private:factory/scalc", "_blank", 0, (prop("Hidden", True),)
    )
    try:
        libs = doc.BasicLibraries
        lib = (
            libs.getByName("Standard")
            if libs.hasByName("Standard")
            else libs.createLibrary("Standard")
        )
        lib.insertByName("Module1", "Option VBASupport 1\n" + code + PROBE)
        sp = doc.getScriptProvider()
        script = sp.getScript(
            "vnd.sun.star.script:Standard.Module1.ClvCompileProbe?language=Basic&location=document"
        )
        try:
            result = script.invoke((), (), ())
        except Exception:
            return False
        return result is not None and result[0] == 42
    finally:
        doc.close(True)


def procedures(code):
    procs, current, name = [], [], None
    for line in code.splitlines():
        head = line.strip().split("(")[0].split()
        starts = head[:1] in (["Function"], ["Sub"]) or head[:2] in (
            ["Public", "Function"],
            ["Private", "Function"],
            ["Public", "Sub"],
            ["Private", "Sub"],
        )
        if starts and name is None:
            name = head[-1]
        current.append(line)
        if line.strip() in ("End Function", "End Sub"):
            procs.append((name, "\n".join(current) + "\n"))
            current, name = [], None
    return procs


def main():
    modules = json.load(open(sys.argv[1]))
    with tempfile.TemporaryDirectory() as profile:
        proc, ctx = start_office(profile)
        try:
            desktop = ctx.ServiceManager.createInstanceWithContext(
                "com.sun.star.frame.Desktop", ctx
            )
            report = {}
            for name, code in modules.items():
                ok = compiles(desktop, code)
                failing = (
                    [] if ok else [p for p, text in procedures(code) if not compiles(desktop, text)]
                )
                report[name] = {"compiles": ok, "failing": failing}
            print(json.dumps(report))
        finally:
            try:
                desktop.terminate()
            except Exception:
                pass
            proc.wait(timeout=30) if proc.poll() is None else None


main()
