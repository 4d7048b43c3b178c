"""Set up clv_xl on this machine: ``python install.py``.

Installs clv_xl and its dependencies into the running interpreter, then runs the main job on the
bundled examples. Each step prints what it did; a failing step says what to do next.
Options: ``--dry-run`` prints the steps and changes nothing; ``--no-dev`` skips the test tools.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Step:
    title: str
    run: Callable[[], None]


class StepFailed(RuntimeError):
    """A step could not complete; the message says what to do next."""


def pip_install(dev: bool) -> Callable[[], None]:
    target = f"{HERE}[test]" if dev and (HERE / "tests").is_dir() else str(HERE)

    def run() -> None:
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "-e", target]
        print("  $", " ".join(cmd))
        done = subprocess.run(cmd, check=False)
        if done.returncode != 0:
            raise StepFailed(
                "pip could not install clv_xl; check the network access to PyPI and run again"
            )

    return run


def main_job() -> None:
    # Imported only now: the package is installed by the previous step.
    from clv_xl.examples import dry_cleaner_lines

    for line in dry_cleaner_lines():
        print("  " + line)


def plan(args: argparse.Namespace) -> list[Step]:
    return [
        Step(f"install clv_xl into {sys.executable}", pip_install(dev=not args.no_dev)),
        Step("run the main job on the bundled examples", main_job),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install clv_xl and run its examples.")
    parser.add_argument("--dry-run", action="store_true", help="print the steps, change nothing")
    parser.add_argument("--no-dev", action="store_true", help="skip the test and lint tools")
    args = parser.parse_args(argv)
    if sys.version_info < (3, 11):  # noqa: UP036  (users may run an older Python)
        print(f"clv_xl needs Python 3.11 or newer; this is {sys.version.split()[0]}")
        return 1
    steps = plan(args)
    for number, step in enumerate(steps, 1):
        print(f"[{number}/{len(steps)}] {step.title}")
        if args.dry_run:
            print("  (dry run: nothing changed)")
            continue
        try:
            step.run()
        except StepFailed as exc:
            print(f"  FAILED: {exc}")
            return 1
    print("done.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
