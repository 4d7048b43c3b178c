"""Files the command line reads and writes: checked up front, each mistake one line.

An output is written through a temporary file beside its target and renamed over it, so a
failure leaves the original intact and no temporary file behind. A symbolic link is followed to
its target (the link stays a link); a read-only file, a special file (a device, a pipe), a
folder, or a missing folder refuse with one line.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from clv_xl.errors import CellError


def refused(argument: str, got: str, allowed: str) -> CellError:
    """A file argument's one line, with the whole path (never shortened like a cell value)."""
    return CellError(argument, f"got {got}", allowed)


PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz")
TABLE_SUFFIXES = {**dict.fromkeys(PARQUET_SUFFIXES, "parquet"), ".csv": "csv"}
"""What a summary or prediction file may be called (logs may also be .tsv, .txt, .csv.gz)."""


def input_file(path: Path, argument: str, allowed: str, suffixes: tuple[str, ...] = ()) -> Path:
    """An existing, readable, non-empty regular file with one of ``suffixes``."""
    if not path.exists():
        raise refused(argument, str(path), f"an existing {allowed}")
    if path.is_dir():
        raise refused(argument, f"the folder {path}", allowed)
    if not path.is_file():
        raise refused(argument, f"the special file {path}", allowed)
    if suffixes and path.suffix.lower() not in suffixes:
        raise refused(argument, str(path), f"{allowed} (named {' or '.join(suffixes)})")
    if not os.access(path, os.R_OK):
        raise refused(argument, f"{path}, which cannot be read (permissions)", allowed)
    if path.stat().st_size == 0:
        raise refused(argument, f"the empty file {path}", allowed)
    return path


def output_file(path: Path, argument: str, suffixes: tuple[str, ...]) -> Path:
    """Where to write ``path``: a symbolic link's target; refuses what cannot be replaced."""
    allowed = f"a file name ending in {' or '.join(suffixes)} in an existing folder"
    if path.suffix.lower() not in suffixes:
        raise refused(argument, str(path), allowed)
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise refused(argument, f"the folder {path}", allowed)
    if not target.parent.is_dir():
        raise refused(argument, f"{path}, whose folder {target.parent} does not exist", allowed)
    if target.exists() or target.is_symlink():
        mode = os.stat(target).st_mode
        if not stat.S_ISREG(mode):
            raise refused(argument, f"the special file {path}", "a regular file to replace")
        if not os.access(target, os.W_OK) or not mode & stat.S_IWUSR:
            raise refused(argument, f"the read-only file {path}", "a file you may overwrite")
    if not os.access(target.parent, os.W_OK):
        raise refused(argument, f"{path}, whose folder cannot be written", allowed)
    return target


def mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file follows the umask (as ``open`` would)."""
    if target.exists():
        return stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """The one atomic write: ``write(tmp)`` into a hidden temporary file beside ``target``,
    flushed to disk, given the mode of :func:`mode_for`, renamed over ``target``. Whatever
    happens before the rename (an error, Ctrl-C, a signal raised as an exception), the temporary
    file is removed and ``target`` is as it was."""
    target = Path(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}",
                                dir=target.parent)  # fmt: skip
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        if tmp.is_file():
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode_for(target))
        os.replace(tmp, target)
        _sync_folder(target.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def _sync_folder(folder: Path) -> None:
    """Make a rename durable where the platform allows (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
