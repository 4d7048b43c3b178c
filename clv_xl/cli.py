"""``clv-xl``: refresh workbooks without Excel, rebuild the templates, build the add-in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clv_xl.errors import CLVError, first_line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="clv-xl", description="clv_xl: customer lifetime value for Excel"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    refresh = commands.add_parser(
        "refresh", help="recalculate every formula of a workbook without Excel and store the values"
    )
    refresh.add_argument("book", type=Path, help="the .xlsx workbook")
    refresh.add_argument("-o", "--output", type=Path, help="write here instead of in place")
    refresh.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    templates = commands.add_parser(
        "build-templates", help="rebuild the bundled template workbooks"
    )
    templates.add_argument(
        "folder", type=Path, nargs="?", help="where (default: workbook_templates/)"
    )
    summ = commands.add_parser(
        "summarize", help="summarise a transaction log where it lives (file, folder or query)"
    )
    summ.add_argument("source", help="a CSV or Parquet file, a folder of them, or a SELECT query")
    summ.add_argument("-o", "--output", type=Path, required=True, help="summary (.parquet/.csv)")
    summ.add_argument("--engine", choices=["duckdb", "spark", "pandas"], default="duckdb")
    summ.add_argument("--as-of", help="end of the observation period (default: the last date)")
    summ.add_argument("--period", default="W", help="W (weeks), D, M (30 days) or days")
    summ.add_argument(
        "--memory-limit", default="4GB", help="DuckDB's memory cap; it spills past it"
    )
    for role in ("customer", "date", "amount"):
        summ.add_argument(f"--{role}", help=f"name of the {role} column (default: guessed)")
    fit = commands.add_parser("fit", help="fit a purchase model (and spend) to a summary file")
    fit.add_argument("summary", type=Path)
    fit.add_argument("--model", default="BG/NBD", help="BG/NBD (default), MBG/NBD or Pareto/NBD")
    fit.add_argument("-o", "--output", type=Path, required=True, help="parameters (.json)")
    predict = commands.add_parser("predict", help="per-customer predictions from a summary")
    predict.add_argument("summary", type=Path)
    predict.add_argument("--params", type=Path, required=True, help="what `clv-xl fit` wrote")
    predict.add_argument("-o", "--output", type=Path, required=True, help="(.parquet or .csv)")
    predict.add_argument("--weeks", type=float, default=52, help="window for expected purchases")
    predict.add_argument("--months", type=int, default=12)
    predict.add_argument("--discount-rate", type=float, default=0.01, help="per month")
    predict.add_argument("--margin", type=float, default=1.0)
    predict.add_argument("--engine", choices=["duckdb", "pandas", "spark"], default="duckdb",
                         help="duckdb (default) or pandas: in chunks on this machine; "
                              "spark: partitions on Spark")  # fmt: skip
    predict.add_argument("--chunk-rows", type=int, default=1_000_000,
                         help="customers scored at a time (bounds the memory)")  # fmt: skip
    addin = commands.add_parser(
        "build-addin", help="build clv_xl.xlam from xlwings' ribbon template"
    )
    addin.add_argument("-o", "--output", type=Path, default=Path("dist"), help="file or folder")
    addin.add_argument("--interpreter", help="Python the add-in should run (default: this one)")
    commands.add_parser(
        "doctor",
        help="check that clv_xl works here: in Excel (a scratch workbook) where Excel runs",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "doctor":
            from clv_xl.addin import doctor

            return doctor.main()
        if args.command == "refresh":
            return _refresh(args.book, args.output, not args.quiet)
        if args.command in ("summarize", "fit", "predict"):
            from clv_xl import bigdata

            return int(getattr(bigdata, f"cli_{args.command}")(args))
        if args.command == "build-templates":
            from clv_xl.workbooks.templates import build

            return build.main([str(args.folder)] if args.folder else [])
        from clv_xl.addin.build import build_addin

        print(f"built {build_addin(args.output, args.interpreter)}")
        return 0
    except CLVError as exc:
        return _fail(args.command, str(exc))
    except OSError as exc:  # a file the checks could not foresee (disk full, permissions)
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(args.command, f"cannot use{where}: {exc.strerror or exc}")
    except Exception as exc:  # the last line of defence: one line, never a traceback
        first = first_line(exc, 200)
        return _fail(args.command, f"unexpected {type(exc).__name__}: {first} (please report)")


def _fail(command: str, text: str) -> int:
    from clv_xl.progress import end_line

    end_line()
    print(f"clv-xl {command}: {' '.join(text.split())}", file=sys.stderr)
    return 2


def _refresh(book: Path, output: Path | None, progress: bool) -> int:
    from clv_xl.files import input_file, output_file
    from clv_xl.progress import bar
    from clv_xl.workbooks.refresh import refresh

    input_file(book, "book", "an .xlsx workbook", (".xlsx", ".xlsm"))
    target = output_file(output or book, "--output" if output else "book", (".xlsx", ".xlsm"))
    report = refresh(book, target, bar if progress and sys.stderr.isatty() else None)
    print("\n".join(report.lines()))
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
