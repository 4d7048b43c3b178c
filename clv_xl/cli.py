"""``clv-xl``: refresh workbooks without Excel, summarise, fit and score big logs, rebuild the
templates, build the add-in, check an installation.

Each subcommand has its own parser function and handler; every argument has a help line and
shows its default. ``-q/--quiet`` on every subcommand silences progress and result lines; the
progress bar is drawn only when standard error is a terminal. A failure is one line on standard
error and exit status 2; SIGINT, SIGTERM and SIGHUP are one line and 128 plus the signal.
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from clv_xl.core.timeunit import ALLOWED as PERIODS
from clv_xl.core.timeunit import DEFAULT as DEFAULT_PERIOD
from clv_xl.errors import CLVError, first_line
from clv_xl.runtime import CollectorPaused

Handler = Callable[[argparse.Namespace], int]


class Interrupted(BaseException):
    """A signal asked the command to stop (raised in the main thread, so every ``finally``
    removes what it was writing)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


class Help(argparse.HelpFormatter):
    """A default shown after its help line (not for flags, required arguments or no default);
    the description kept as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and not action.required:
            text += f" (default: {action.default})"
        return text

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "".join(indent + line for line in text.splitlines(keepends=True))


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print nothing but errors: no progress bar, no result lines",
    )
    return common


# ----- handlers ------------------------------------------------------------------------------
def _doctor(args: argparse.Namespace) -> int:
    from clv_xl.addin import doctor

    return doctor.main()


def _refresh(args: argparse.Namespace) -> int:
    with CollectorPaused():  # the imports: pandas, SciPy and the engine (no cycles to collect)
        from clv_xl.files import input_file, output_file, refused
        from clv_xl.progress import bar, drawing, say
        from clv_xl.workbooks.refresh import refresh

    book, output = args.book, args.output
    input_file(book, "book", "an .xlsx workbook", (".xlsx", ".xlsm"))
    if output is not None and output.suffix.lower() != book.suffix.lower():
        raise refused(
            "--output",
            str(output),
            f"a name ending in {book.suffix.lower()}, as the "
            "workbook's (Excel opens each kind only under its own ending)",
        )
    target = output_file(output or book, "--output" if output else "book", (".xlsx", ".xlsm"))
    report = refresh(book, target, bar if drawing() else None, args.allow_files)
    say("\n".join(report.lines()))
    return 1 if report.errors else 0


def _build_templates(args: argparse.Namespace) -> int:
    with CollectorPaused():  # the imports: pandas, SciPy and the engine (no cycles to collect)
        from clv_xl.workbooks.templates import build

    return build.main([str(args.folder)] + (["--quiet"] if args.quiet else []))


def _build_addin(args: argparse.Namespace) -> int:
    from clv_xl.addin.build import build_addin
    from clv_xl.progress import say

    say(f"built {build_addin(args.output, args.interpreter)}")
    return 0


def _lite(args: argparse.Namespace) -> int:
    from clv_xl.addin.lite import write_lite_files
    from clv_xl.progress import say

    written = write_lite_files(args.folder, args.requirement, args.date_system)
    say(
        "\n".join(
            [f"wrote {w}" for w in written]
            + [
                "in Excel: open xlwings Lite (Home > xlwings Lite), paste main.py into its main.py tab "
                "and requirements.txt into its requirements.txt tab, then restart xlwings Lite"
            ]
        )
    )
    return 0


def _data_command(name: str) -> Handler:
    def run(args: argparse.Namespace) -> int:
        with CollectorPaused():  # the imports: pandas, SciPy (no cycles to collect)
            from clv_xl import commands

        return int(getattr(commands, name)(args))

    return run


# ----- parsers -------------------------------------------------------------------------------
Commands = argparse._SubParsersAction

SUMMARIES = {
    "refresh": "recalculate every formula of a workbook without Excel and store the values",
    "build-templates": "build the template workbooks into a folder and refresh them",
    "summarize": "summarise a transaction log where it lives (file, folder or query) into one row per customer",
    "fit": "fit a purchase model and the Gamma-Gamma spend model to a summary",
    "predict": "per-customer P(alive), expected purchases and lifetime value from a summary and a fit",
    "build-addin": "build clv_xl.xlam from xlwings' ribbon template",
    "lite": "write main.py and requirements.txt for xlwings Lite (Excel on Windows, Mac and the web, no Python installed)",
    "doctor": "check that clv_xl works here: in Excel (a scratch workbook) where Excel runs",
}
"""Each command's one line, in `clv-xl --help` and atop its own help."""


def _add(
    commands: Commands, common: argparse.ArgumentParser, name: str, run: Handler
) -> argparse.ArgumentParser:
    summary = SUMMARIES[name]
    parser = commands.add_parser(
        name, help=summary, description=summary, parents=[common], formatter_class=Help
    )
    parser.set_defaults(run=run)
    return parser


def _refresh_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = _add(commands, common, "refresh", _refresh)
    p.add_argument("book", type=Path, help="the .xlsx or .xlsm workbook")
    p.add_argument("-o", "--output", type=Path, help="write here instead of in place")
    p.add_argument(
        "--allow-files",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a folder CLV_SUMMARY_FILE may read from (repeat for more; none by "
        "default: a workbook from someone else cannot read this machine's files)",
    )


def _templates_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    from clv_xl.workbooks.templates.build import DEFAULT_FOLDER

    p = _add(commands, common, "build-templates", _build_templates)
    p.add_argument(
        "folder",
        type=Path,
        nargs="?",
        default=DEFAULT_FOLDER,
        help="where to write them (created if missing)",
    )


def _summarize_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    from clv_xl.data.engines import DUCKDB_MEMORY, ENGINE_HELP, ENGINES

    p = _add(commands, common, "summarize", _data_command("summarize"))
    p.add_argument("source", help="a CSV or Parquet file, a folder of them, or a SELECT query")
    p.add_argument(
        "-o", "--output", type=Path, required=True, help="the summary to write (.parquet or .csv)"
    )
    p.add_argument(
        "--engine",
        choices=list(ENGINES),
        default="duckdb",
        help="; ".join(f"{k}: {v}" for k, v in ENGINE_HELP.items()),
    )
    p.add_argument(
        "--as-of",
        help="end of the observation period, as YYYY-MM-DD (default: the last date in the log)",
    )
    p.add_argument(
        "--period", default=DEFAULT_PERIOD, help=f"time unit of recency and T: {PERIODS}"
    )
    p.add_argument(
        "--memory-limit",
        default=DUCKDB_MEMORY,
        help="DuckDB's memory cap; past it DuckDB spills to disk",
    )
    for role in ("customer", "date", "amount"):
        p.add_argument(
            f"--{role}", help=f"name of the {role} column (default: guessed from common names)"
        )
    p.add_argument(
        "--encoding",
        help="the file's text encoding, such as utf-8 or cp1252 "
        "(default: sniffed: UTF-8 with or without a BOM, else cp1252)",
    )
    p.add_argument(
        "--decimal",
        choices=[".", ","],
        help="the amounts' decimal separator "
        "(default: decided by the amounts, asked for only when they cannot tell)",
    )
    p.add_argument(
        "--date-order",
        choices=["DMY", "MDY", "YMD"],
        help="the order of "
        "31/01/1997-style dates (default: decided by the dates, asked for only when no "
        "date tells)",
    )
    _verbose(p)


def _verbose(p: argparse.ArgumentParser) -> None:
    help = "show the engine's own log (Spark's log4j lines and warnings)"
    p.add_argument("--verbose", action="store_true", help=help)


def _fit_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    from clv_xl.data.stored import cli_models

    p = _add(commands, common, "fit", _data_command("fit"))
    p.add_argument("summary", type=Path, help="a summary written by `clv-xl summarize`")
    p.add_argument("--model", default="BG/NBD", help=f"one of {', '.join(cli_models())}")
    p.add_argument(
        "-o", "--output", type=Path, required=True, help="the parameters to write (.json)"
    )


def _predict_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = _add(commands, common, "predict", _data_command("predict"))
    p.add_argument("summary", type=Path, help="a summary written by `clv-xl summarize`")
    p.add_argument("--params", type=Path, required=True, help="the .json `clv-xl fit` wrote")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="the predictions to write (.parquet or .csv)",
    )
    p.add_argument("--weeks", type=float, default=52.0, help="window for expected purchases")
    p.add_argument("--months", type=int, default=12, help="months of lifetime value")
    p.add_argument("--discount-rate", type=float, default=0.01, help="discount rate per month")
    p.add_argument(
        "--margin",
        type=float,
        default=1.0,
        help="profit share of revenue, 0 to 1 (1: value as revenue)",
    )
    p.add_argument(
        "--engine",
        choices=["duckdb", "pandas", "spark"],
        default="duckdb",
        help="duckdb or pandas: in chunks on this machine; spark: partitions on Spark",
    )
    p.add_argument(
        "--chunk-rows",
        type=int,
        default=1_000_000,
        help="customers scored at a time (bounds the memory)",
    )
    _verbose(p)


def _addin_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = _add(commands, common, "build-addin", _build_addin)
    p.add_argument("-o", "--output", type=Path, default=Path("dist"), help="file or folder")
    p.add_argument("--interpreter", help="Python the add-in should run (default: this one)")


def _lite_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    from clv_xl.excel.convert import DATE_SYSTEMS

    p = _add(commands, common, "lite", _lite)
    p.add_argument("folder", type=Path, help="where to write them (created if missing)")
    p.add_argument(
        "--requirement",
        metavar="LINE",
        help="how requirements.txt names clv_xl, for a private index or a wheel "
        "hosted elsewhere (a URL of the wheel, or NAME==VERSION; default: "
        "clv_xl==this version, from PyPI)",
    )
    p.add_argument(
        "--date-system",
        type=int,
        choices=DATE_SYSTEMS,
        default=1900,
        help="the workbook's date system: 1904 if Excel's 'Use 1904 date system' "
        "is ticked (dates reach Lite's functions as serial numbers)",
    )


def _doctor_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    _add(commands, common, "doctor", _doctor)


PARSERS = {
    "refresh": _refresh_parser,
    "summarize": _summarize_parser,
    "fit": _fit_parser,
    "predict": _predict_parser,
    "build-templates": _templates_parser,
    "build-addin": _addin_parser,
    "lite": _lite_parser,
    "doctor": _doctor_parser,
}
"""Each command's parser, by name (the order of `clv-xl --help`)."""


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser. Given the ``argv`` to parse, only the command it names gets
    its options: building a command's options may import what the command needs (the
    engines' names, the templates' folder), so `clv-xl --help` lists the commands in a tenth
    of a second instead of a second."""
    top = argparse.ArgumentParser(
        prog="clv-xl", formatter_class=Help, description="clv_xl: customer lifetime value for Excel"
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common()
    named = None if argv is None else next((a for a in argv if not a.startswith("-")), "")
    for name, add in PARSERS.items():
        if named is None or name == named:
            add(commands, common)
        else:  # listed with its one line; never parsed in this run
            _add(commands, common, name, _not_named)
    return top


def _not_named(args: argparse.Namespace) -> int:  # pragma: no cover - argparse never picks it
    raise AssertionError(f"{args.command} was parsed without its options")


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C while starting up, before the command's own handling
        return _fail("", "stopped by SIGINT while starting; nothing was written", 130)


def _main(argv: list[str] | None) -> int:
    args = parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
    from clv_xl.progress import configure

    configure(args.quiet)
    if getattr(args, "verbose", False):
        import os

        os.environ["CLV_XL_VERBOSE"] = "1"
    from clv_xl.files import WRITTEN

    previous = {s: signal.signal(s, _stop) for s in _SIGNALS}
    mark = len(WRITTEN)
    try:
        return int(args.run(args))
    except Interrupted as stop:  # what it says is what is on disk
        done = WRITTEN[mark:]
        said = f"after writing {', '.join(map(str, done))}" if done else "; nothing was written"
        return _fail(
            args.command,
            f"stopped by {signal.Signals(stop.signum).name}{' ' if done else ''}{said}",
            128 + stop.signum,
        )
    except KeyboardInterrupt:
        return _fail(args.command, "stopped by SIGINT; nothing was written", 128 + signal.SIGINT)
    except CLVError as exc:
        return _fail(args.command, str(exc))
    except OSError as exc:  # a file the checks could not foresee (disk full, permissions)
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(args.command, f"cannot use{where}: {exc.strerror or exc}")
    except Exception as exc:  # the last line of defence: one line, never a traceback
        first = first_line(exc, 200)
        return _fail(args.command, f"unexpected {type(exc).__name__}: {first} (please report)")
    finally:
        for s, handler in previous.items():
            # run as the command (no argv): the work is done and said; a signal arriving before
            # the process ends would only turn that status into -15, so it is let go
            signal.signal(s, signal.SIG_IGN if argv is None else handler)
        configure(False)
        if argv is None:  # and the process ends: Python's last cycle collection need not walk
            gc.freeze()  # every object pandas, SciPy and the work made (0.2 s of a small refresh)


_SIGNALS = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])


def _fail(command: str, text: str, status: int = 2) -> int:
    from clv_xl.progress import error_line

    error_line(f"clv-xl{' ' + command if command else ''}: {' '.join(text.split())}")
    return status


if __name__ == "__main__":
    sys.exit(main())
