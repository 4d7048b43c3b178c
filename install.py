"""Set up clv_xl on this machine: ``python install.py``.

1. installs clv_xl and its dependencies into the running interpreter (with the test tools when
   run from a source checkout);
2. builds the Excel add-in, dist/clv_xl.xlam (``--dist`` elsewhere), from xlwings' ribbon template;
3. on Windows with Excel: imports the CLV_ functions into the add-in (asking before it turns on
   "Trust access to the VBA project object model", and turning it off again) and installs the
   add-in into XLSTART; on macOS: installs the add-in for the ribbon; on Linux: nothing to install;
4. everywhere: the main job, a headless refresh of the bundled templates into a folder of yours
   (default ~/clv_xl_workbooks), printing the dry-cleaner answers.

Dependencies are installed at the exact versions of requirements.lock (pip constraints);
``--relock`` updates the lock deliberately.

Options: --build-only (only step 2), --check (diagnose, change nothing), --dry-run (print every
step, change nothing), --uninstall, --workbooks DIR, --no-dev, --relock. Every step prints what it did; a
failure says what to do next.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIST = HERE / "dist"
TEMPLATES = HERE / "workbook_templates"


@dataclass
class Step:
    title: str
    run: Callable[[], None]


class StepFailed(RuntimeError):
    """A step could not complete; the message says what to do next."""


def say(text: str) -> None:
    for line in text.splitlines():
        print("  " + line)


def ask(question: str) -> bool:
    """Explicit consent only: anything but y/yes, or no terminal at all, is a no."""
    try:
        return input("  " + question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    print("  $", " ".join(cmd))
    if subprocess.run(cmd, check=False).returncode != 0:
        raise StepFailed("pip failed (see above); check access to PyPI and run again")


LOCK = HERE / "requirements.lock"


def install_package(dev: bool) -> Callable[[], None]:
    """clv_xl and its dependencies at the exact versions of requirements.lock, so every machine
    (and CI) runs what the tests passed with, whatever the registry serves that day."""
    target = f"{HERE}[test]" if dev and (HERE / "tests").is_dir() else str(HERE)
    constraints = ["--constraint", str(LOCK)] if LOCK.is_file() else []
    return lambda: pip("install", "--progress-bar", "off", *constraints, "-e", target)


def relock() -> None:
    """Resolve today's newest allowed versions in a scratch virtualenv and write the lock."""
    import tempfile
    import venv

    with tempfile.TemporaryDirectory() as scratch:
        venv.create(scratch, with_pip=True)
        python = str(
            Path(scratch) / ("Scripts" if sys.platform.startswith("win") else "bin") / "python"
        )
        steps = [[python, "-m", "pip", "install", "--quiet", "-e", f"{HERE}[test]"],
                 [python, "-m", "pip", "freeze", "--exclude-editable"]]  # fmt: skip
        if subprocess.run(steps[0], check=False).returncode != 0:
            raise StepFailed("pip could not resolve the dependencies (see above); lock unchanged")
        frozen = subprocess.run(steps[1], check=True, capture_output=True, text=True).stdout
    pins = [line for line in frozen.splitlines() if line and not line.lower().startswith("clv")]
    header = ["# Exact versions clv_xl is installed and tested with (pip constraints): python "
              "install.py and", "# .ci/run install from this file. Update it deliberately with: "
              "python install.py --relock"]  # fmt: skip
    tmp = LOCK.with_suffix(".tmp")
    tmp.write_text("\n".join([*header, *pins]) + "\n")
    tmp.replace(LOCK)
    say(f"Wrote {LOCK} ({len(pins)} packages); run the tests, then commit it.")


def build_addin() -> None:
    from clv_xl.addin.build import build_addin as build

    say(f"Built {build(DIST)} (ribbon tab CLV > Refresh; configured for {sys.executable}).")


def install_addin() -> None:
    from clv_xl.addin import install_steps

    addin = addin_in(DIST)
    try:
        if sys.platform.startswith("win"):
            from clv_xl.addin.platforms import WindowsExcel

            install_steps.install_windows(WindowsExcel(), addin, ask, say)
        elif sys.platform == "darwin":
            from clv_xl.addin.platforms import (
                mac_excel_found,
                mac_runpython_script,
                mac_startup_folder,
                xlwings_applescript,
            )

            install_steps.install_mac(
                addin,
                mac_startup_folder(),
                mac_excel_found(),
                say,
                runpython=(xlwings_applescript(), mac_runpython_script()),
            )
        else:
            say(f"No Excel on {sys.platform}: nothing to install. The add-in is at {addin}; "
                "install it on Windows with `python install.py` there.")  # fmt: skip
    except install_steps.InstallFailed as exc:
        raise StepFailed(str(exc)) from None


def main_job(folder: Path) -> Callable[[], None]:
    def run() -> None:
        from clv_xl.workbooks.refresh import refresh

        folder.mkdir(parents=True, exist_ok=True)
        for source in sorted(TEMPLATES.glob("*.xlsx")):
            target = folder / source.name
            if target.exists():  # the user's copy: refresh it in place, inputs kept
                report = refresh(target)
            else:
                report = refresh(source, target)
            say("\n".join(report.lines()))
        print_dry_cleaner(folder / "dry_cleaner.xlsx")

    return run


def print_dry_cleaner(book: Path) -> None:
    import openpyxl

    mary = openpyxl.load_workbook(book, data_only=True, read_only=True)["Mary"]
    rows = [("Worth so far", "C21"), ("Average sale", "C23"), ("Average sale x visits so far", "C24"),
            ("Estimated lifetime value", "C27"), ("Estimated lifetime profit", "C28"),
            ("Most to spend to win a customer like her", "C29")]  # fmt: skip
    say(f"Dry cleaner ({book}):")
    for label, cell in rows:
        value = mary[cell].value
        say(
            f"  {label:<44} ${value:,.2f}"
            if isinstance(value, int | float)
            else f"  {label:<44} {value}"
        )


def check() -> int:
    """Diagnose, change nothing: the installation, then `clv-xl doctor` (which, where Excel
    runs, types CLV_ formulas into a scratch workbook and compares them with the core)."""
    results: list[tuple[bool, str]] = []
    results.append(
        (sys.version_info >= (3, 11), f"Python {sys.version.split()[0]} (3.11 or newer needed)")
    )
    try:
        import clv_xl

        results.append((True, f"clv_xl {clv_xl.__version__} importable"))
    except ImportError:
        results.append((False, "clv_xl is not installed: run `python install.py`"))
        return report(results)
    addin = addin_in(DIST)
    results.append(
        (
            addin.exists(),
            f"add-in built at {addin}"
            if addin.exists()
            else "add-in not built: run `python install.py --build-only`",
        )
    )
    if addin.exists():
        from clv_xl.addin.build import UDF_MODULE, read_configuration

        conf = read_configuration(addin)
        ok = conf.get("UDF Modules") == UDF_MODULE
        results.append((ok, f"add-in configuration: UDF Modules = {conf.get('UDF Modules')}"))
    if sys.platform.startswith("win"):
        from clv_xl.addin.doctor import PINNED_XLWINGS
        from clv_xl.addin.platforms import WindowsExcel

        excel = WindowsExcel()
        results.append(
            (
                excel.dll_present(),
                "xlwings DLL next to Python"
                if excel.dll_present()
                else "xlwings DLL missing: reinstall xlwings (`pip install --force-reinstall "
                f"xlwings=={PINNED_XLWINGS}`)",
            )
        )
        if excel.found():
            target = addin_in(excel.startup_path())
            results.append(
                (
                    target.exists(),
                    f"add-in installed at {target}"
                    if target.exists()
                    else "add-in not installed: run `python install.py`",
                )
            )
    elif sys.platform == "darwin":
        from clv_xl.addin.platforms import mac_runpython_script, mac_startup_folder

        target = addin_in(mac_startup_folder())
        results.append(
            (
                target.exists(),
                f"add-in installed at {target}"
                if target.exists()
                else "add-in not installed: run `python install.py`",
            )
        )
        script = mac_runpython_script()
        results.append(
            (
                script.exists(),
                f"xlwings' RunPython script at {script}"
                if script.exists()
                else "the Refresh button needs xlwings' AppleScript: run `python install.py`",
            )
        )
    from clv_xl.addin import doctor

    results += [(c.ok, c.text) for c in doctor.run()[1:]]  # its Python line is the first here
    return report(results)


def report(results: list[tuple[bool, str]]) -> int:
    """The results in the doctor's format (clv_xl is importable whenever there are several)."""
    try:
        from clv_xl.addin.doctor import Check
    except ImportError:
        print("\n".join(f"  TODO  {text}" for ok, text in results if not ok))
        return 1
    for ok, text in results:
        print(Check(ok, text).line())
    return 0 if all(ok for ok, _ in results) else 1


def addin_in(folder: Path) -> Path:
    """Where the add-in is (or goes) in ``folder``: its name is clv_xl.addin.build's."""
    from clv_xl.addin.build import ADDIN_NAME

    return folder / ADDIN_NAME


def uninstall() -> None:
    from clv_xl.addin.install_steps import uninstall as remove

    targets: list[Path] = []
    if sys.platform.startswith("win"):
        from clv_xl.addin.platforms import WindowsExcel

        excel = WindowsExcel()
        if excel.found():
            targets.append(addin_in(excel.startup_path()))
    elif sys.platform == "darwin":
        from clv_xl.addin.platforms import mac_startup_folder

        targets.append(addin_in(mac_startup_folder()))
    targets.append(addin_in(DIST))
    remove(targets, say)
    pip("uninstall", "--yes", "clv_xl")


def plan(args: argparse.Namespace) -> list[Step]:
    if args.uninstall:
        return [Step("remove the add-in and uninstall clv_xl", uninstall)]
    if args.relock:
        return [Step(f"resolve today's versions and rewrite {LOCK.name}", relock)]
    build = Step(f"build the Excel add-in into {DIST}", build_addin)
    if args.build_only:
        return [build]
    return [
        Step(f"install clv_xl into {sys.executable}", install_package(dev=not args.no_dev)),
        build,
        Step("install the add-in into Excel", install_addin),
        Step(
            f"main job: refresh the bundled workbooks into {args.workbooks}",
            main_job(args.workbooks),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    global DIST
    parser = argparse.ArgumentParser(
        description="Install clv_xl, its Excel add-in, and run the examples."
    )
    parser.add_argument("--dry-run", action="store_true", help="print every step, change nothing")
    parser.add_argument("--build-only", action="store_true", help="only build the add-in")
    parser.add_argument("--dist", type=Path, default=DIST,
                        help=f"folder the add-in is built in (default {DIST})")  # fmt: skip
    parser.add_argument(
        "--check", action="store_true", help="diagnose the installation, change nothing"
    )
    parser.add_argument("--uninstall", action="store_true", help="remove the add-in and clv_xl")
    parser.add_argument("--no-dev", action="store_true", help="skip the test and lint tools")
    parser.add_argument("--relock", action="store_true",
                        help="update requirements.lock to today's newest allowed versions")  # fmt: skip
    parser.add_argument("--workbooks", type=Path, default=Path.home() / "clv_xl_workbooks",
                        help="folder for the refreshed example workbooks (default ~/clv_xl_workbooks)")  # fmt: skip
    args = parser.parse_args(argv)
    if sys.version_info < (3, 11):  # noqa: UP036  (users may run an older Python)
        print(f"clv_xl needs Python 3.11 or newer; this is {sys.version.split()[0]}")
        return 1
    if args.workbooks.exists() and not args.workbooks.is_dir():
        print(f"install.py: --workbooks got the file {args.workbooks}; expected a folder (new or "
              "existing)", file=sys.stderr)  # fmt: skip
        return 2
    DIST = args.dist.resolve()
    sys.path.insert(0, str(HERE))  # the package itself, before and while it is installed
    if args.check:
        return check()
    steps = plan(args)
    for number, step in enumerate(steps, 1):
        print(f"[{number}/{len(steps)}] {step.title}")
        if args.dry_run:
            say("(dry run: nothing changed)")
            continue
        try:
            step.run()
        except StepFailed as exc:
            print(f"  FAILED: {exc}")
            return 1
        except Exception as exc:  # one line, never a traceback: a file or folder in the way
            first = str(exc).splitlines()[0] if str(exc) else ""
            print(f"  FAILED: {type(exc).__name__}: {first}")
            return 1
    print("done.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
