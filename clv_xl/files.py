"""Files the command line reads and writes: checked up front, each mistake one line.

An output is written through a temporary file beside its target and renamed over it, so a
failure leaves the original intact and no temporary file behind. A symbolic link is followed to
its target (the link stays a link); a read-only file, a special file (a device, a pipe), a
folder, or a missing folder refuse with one line.
"""

from __future__ import annotations

import ctypes
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
        what = allowed.removeprefix("an ").removeprefix("a ")
        raise refused(argument, f"{path}, which does not exist", f"an existing {what}")
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


def same_file(first: Path, second: Path) -> bool:
    """The one definition of "the same file": both exist and, links resolved, are one device
    and inode (a relative name, ``./x``, a symbolic or a hard link all count)."""
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):
        return False


def not_an_input(target: Path, inputs: list[Path], argument: str) -> Path:
    """``target``, refused when it is one of ``inputs`` under any name: an input is never
    replaced by a command's output."""
    for source in inputs:
        if same_file(target, source):
            raise refused(
                argument,
                f"{target}, which is the input {source}",
                "another file: the input is never replaced",
            )
    return target


def mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file follows the umask (as ``open`` would)."""
    if target.exists():
        return stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@dataclass(frozen=True)
class FileIdentity:
    """Which file a path held when it was read: a save made since (a new file renamed over it,
    or the same file rewritten) changes it."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity:
        st = os.stat(path)
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def matches(self, path: Path) -> bool:
        try:
            return FileIdentity.of(path) == self
        except OSError:
            return False


AT_FDCWD, RENAME_EXCHANGE = -100, 2


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux's renameat2 with RENAME_EXCHANGE); False where the
    system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: not here
        return False
    raise OSError(err, os.strerror(err), str(second))


def beside(target: Path, tag: str) -> Path:
    """A free name next to ``target``: ``book.refreshed.xlsx``, ``book.refreshed-2.xlsx``..."""
    for n in range(1, 1000):
        candidate = target.with_name(
            f"{target.stem}.{tag}{'' if n == 1 else f'-{n}'}{target.suffix}"
        )
        if not candidate.exists():
            return candidate
    raise OSError(17, "no free name", str(target))


def _keep_beside(tmp: Path, target: Path) -> Path:
    """Move ``tmp`` to a free name beside ``target`` without replacing anything."""
    while True:
        kept = beside(target, "refreshed")
        try:
            os.link(tmp, kept)  # fails rather than replace a file that appeared meanwhile
        except FileExistsError:
            continue
        tmp.unlink()
        return kept


def _replace(tmp: Path, target: Path, expect: FileIdentity | None) -> Path:
    """``tmp`` over ``target``; with ``expect``, only while ``target`` is still that file:
    swapped in one step, then what was swapped out checked (and swapped back if it was
    not the file read). Returns where ``tmp`` went."""
    if expect is not None and exchange(tmp, target):
        if expect.matches(tmp):  # what came out is the file that was read: done
            return target
        exchange(tmp, target)  # someone saved meanwhile: theirs back, ours beside it
        return _keep_beside(tmp, target)
    if expect is not None and not expect.matches(target):
        return _keep_beside(tmp, target)
    os.replace(tmp, target)  # where no exchange exists, the check and the rename are two steps
    return target


WRITTEN: list[Path] = []
"""Every file :func:`write_atomically` has put in place in this process, in order: what a
command stopped by a signal says it wrote is what it wrote."""


@contextmanager
def _signals_held() -> Iterator[None]:
    """Signals that stop a command (SIGINT, SIGTERM, SIGHUP) wait until the block is done,
    where the system can hold them (not on Windows)."""
    held = {signal.SIGINT, signal.SIGTERM} | (
        {signal.SIGHUP} if hasattr(signal, "SIGHUP") else set()
    )
    if (
        not hasattr(signal, "pthread_sigmask")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def write_atomically(
    target: Path, write: Callable[[Path], object], expect: FileIdentity | None = None
) -> Path:
    """The one atomic write: ``write(tmp)`` into a hidden temporary file beside ``target``,
    flushed to disk, given the mode of :func:`mode_for`, renamed over ``target``. Whatever
    happens before the rename (an error, Ctrl-C, a signal raised as an exception), the temporary
    file is removed and ``target`` is as it was. With ``expect`` (the file a refresh read),
    ``target`` is replaced only if it is still that file; otherwise the result is kept beside
    it. Returns the path written."""
    target = Path(target)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        if tmp.is_file():
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode_for(target))
        with _signals_held():  # the rename and its record are one step for a signal
            written = _replace(tmp, target, expect)
            WRITTEN.append(written)
        _sync_folder(target.parent)
        return written
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
