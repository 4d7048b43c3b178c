"""``clv-xl``: refresh workbooks without Excel, rebuild the templates, build the add-in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clv_xl.errors import CLVError


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
    addin = commands.add_parser(
        "build-addin", help="build clv_xl.xlam from xlwings' ribbon template"
    )
    addin.add_argument("-o", "--output", type=Path, default=Path("dist"), help="file or folder")
    addin.add_argument("--interpreter", help="Python the add-in should run (default: this one)")
    args = parser.parse_args(argv)
    try:
        if args.command == "refresh":
            return _refresh(args.book, args.output, not args.quiet)
        if args.command == "build-templates":
            from clv_xl.workbooks.templates import build

            return build.main([str(args.folder)] if args.folder else [])
        from clv_xl.addin.build import build_addin

        print(f"built {build_addin(args.output, args.interpreter)}")
        return 0
    except CLVError as exc:
        print(f"clv-xl: {exc}", file=sys.stderr)
        return 2


def _refresh(book: Path, output: Path | None, progress: bool) -> int:
    from clv_xl.workbooks.refresh import print_progress, refresh

    report = refresh(book, output, print_progress if progress and sys.stderr.isatty() else None)
    print("\n".join(report.lines()))
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
