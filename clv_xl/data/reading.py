"""One way of reading a transaction log, the same for every engine.

A CSV file's dialect is sniffed once here (:func:`sniff`): encoding (UTF-8 with or without a BOM;
cp1252, as Windows' "CSV" writes, as a fallback the report mentions), delimiter (comma,
semicolon, tab, pipe, or runs of spaces as in space-aligned text), and whether the first row is
a header. Then the log is read in two passes of batches (:func:`transactions`): the first only
looks at the values, so that whole-column decisions (numeric or text ids, day-first or
month-first dates, decimal comma or point: :mod:`clv_xl.data.rules`) are taken on the whole
column; the second reads them by those decisions. What comes out is the same for every engine:
batches of ``customer`` (int64 or text), ``day`` (datetime64[D]) and ``amount`` (float64),
which DuckDB, Spark and pandas then summarise alike.

Parquet files and SQL queries go through the same rules for their text columns; their date and
number columns are typed already (a zone-aware timestamp counts by its UTC date).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clv_xl.data.rules import (
    DateEvidence,
    DecimalEvidence,
    IdEvidence,
    parse_amounts,
    parse_days,
    parse_ids,
    reads_as_data,
)
from clv_xl.data.sources import Source, SourceError, pick_columns

SAMPLE_BYTES = 1 << 16
CHUNK_ROWS = 1_000_000
DELIMITERS = (",", ";", "\t", "|")
NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", None: "runs of spaces"}


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written: ``delimiter`` None means runs of spaces."""

    encoding: str
    delimiter: str | None
    header: bool
    columns: tuple[str, ...]
    note: str = ""


def _decode(sample: bytes, encoding: str | None) -> tuple[str, str, str]:
    """(text, encoding, note): the BOM decides, else UTF-8, else cp1252 (noted)."""
    if encoding:
        try:
            return sample.decode(encoding, errors="strict"), encoding, ""
        except (LookupError, UnicodeDecodeError) as exc:
            raise SourceError(
                f"the file is not {encoding} ({exc.__class__.__name__}); give "
                "--encoding utf-8 or cp1252"
            ) from None
    if sample.startswith(b"\xef\xbb\xbf"):
        return sample[3:].decode("utf-8", errors="replace"), "utf-8-sig", ""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return sample.decode("utf-16", errors="replace"), "utf-16", ""
    try:
        return sample.decode("utf-8"), "utf-8", ""
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut by the sample's end
            return sample[: exc.start].decode("utf-8"), "utf-8", ""
    return (
        sample.decode("cp1252", errors="replace"),
        "cp1252",
        "read as cp1252 (Windows), not UTF-8",
    )


def _fields(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return next(csv.reader([line], delimiter=delimiter))


def sniff(path: Path, encoding: str | None = None) -> Dialect:
    """The dialect of a CSV file, from its first 64 KiB."""
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
        complete = len(sample) < SAMPLE_BYTES
        tail = b""
        if not complete:  # a damaged export often ends in NUL bytes: one look at the end
            start = max(handle.seek(0, os.SEEK_END) - SAMPLE_BYTES, SAMPLE_BYTES)
            handle.seek(start - start % 2)  # even: a UTF-16 file's characters stay whole
            tail = handle.read(SAMPLE_BYTES)
    text, used, note = _decode(sample, encoding)
    for part, where in ((text, "its start"), (tail.decode(used, errors="replace"), "its end")):
        if "\x00" in part:
            raise SourceError(
                f"{path.name} holds NUL bytes near {where}: not a text file (a "
                "damaged or unfinished export?); export it again"
            )
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the sample's last line may be cut
    lines = lines[:200]
    if not lines:
        raise SourceError(f"{path.name} holds no rows")
    best: tuple[int, str | None] | None = None
    for delimiter in (*DELIMITERS, None):
        try:
            counts = {len(_fields(ln, delimiter)) for ln in lines}
        except csv.Error:
            continue
        if len(counts) == 1 and (n := counts.pop()) > 1 and (best is None or n > best[0]):
            best = (n, delimiter)
            if delimiter is not None:
                break  # a real delimiter that splits every line alike wins over spaces
    if best is None:
        raise SourceError(
            f"{path.name}: cannot tell how its columns are separated (comma, "
            "semicolon, tab, pipe or runs of spaces, the same number on every line)"
        )
    delimiter = best[1]
    first = _fields(lines[0], delimiter)
    second = _fields(lines[1], delimiter) if len(lines) > 1 else []
    header = not any(reads_as_data(v) for v in first) and (
        not second or any(reads_as_data(v) for v in second)
    )
    columns = (
        tuple(v.strip() for v in first) if header else tuple(str(i + 1) for i in range(len(first)))
    )
    return Dialect(used, delimiter, header, columns, note)


@dataclass
class Read:
    """What :func:`transactions` read: its batches (call once per pass) and notes."""

    passes: Callable[[], Iterator[pd.DataFrame]]
    notes: list[str] = field(default_factory=list)


SMALL_LOG_BYTES = 32 * 1024 * 1024
"""A log (all its files) up to this size is read once and kept for the second pass; a file up to
it is read whole, not in chunks (a folder of 10,000 small exports: a pandas call a file, once)."""


def _csv_batches(
    files: list[Path], src: Source, chunk_rows: int, notes: list[str]
) -> tuple[tuple[str, str, str | None], Callable[[], Iterator[tuple[pd.DataFrame, int]]]]:
    dialects = [sniff(p, src.encoding) for p in files]
    first = dialects[0]
    for p, d in zip(files, dialects, strict=True):
        if d.columns != first.columns:
            raise SourceError(
                f"{p.name} has the columns {', '.join(d.columns)}, unlike "
                f"{files[0].name}; give files of one layout"
            )
        if d.note:
            notes.append(f"{p.name}: {d.note}")
    if not first.header:
        notes.append("no header row: columns are named by number (1, 2, ...)")
    try:
        picked = pick_columns(list(first.columns), src)
    except SourceError as exc:
        if first.header:
            raise
        raise SourceError(
            f"{exc}; this file has no header row, so name columns by number, e.g. "
            "--customer 1 --date 2 --amount 3"
        ) from None
    wanted = [c for c in picked if c is not None]
    positions = [first.columns.index(c) for c in wanted]

    sizes = [p.stat().st_size for p in files]
    kept: list[tuple[pd.DataFrame, int]] | None = None  # a small log, read once for every pass

    def raw() -> Iterator[tuple[pd.DataFrame, int]]:
        nonlocal kept
        if kept is not None:
            yield from kept
            return
        small = sum(sizes) <= SMALL_LOG_BYTES
        read: list[tuple[pd.DataFrame, int]] = []
        for path, dialect, size in zip(files, dialects, sizes, strict=True):
            start = 2 if dialect.header else 1
            reader = pd.read_csv(
                path,
                sep=dialect.delimiter if dialect.delimiter else r"\s+",
                header=None,
                skiprows=1 if dialect.header else 0,
                usecols=positions,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding=dialect.encoding,
                chunksize=None if size <= SMALL_LOG_BYTES else chunk_rows,
                engine="c",
                skipinitialspace=True,
                quotechar='"',
                encoding_errors="strict",
            )
            try:
                for chunk in [reader] if isinstance(reader, pd.DataFrame) else reader:
                    chunk.columns = [first.columns[int(i)] for i in chunk.columns]
                    part = chunk[wanted]
                    if small:
                        read.append((part, start))
                    yield part, start
                    start += len(chunk)
            except UnicodeDecodeError:
                raise SourceError(
                    f"{path.name} is not {dialect.encoding} throughout; give "
                    "--encoding cp1252 (Windows) or utf-8"
                ) from None
            except (pd.errors.ParserError, ValueError) as exc:
                message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise SourceError(
                    f"cannot read {path.name} as {NAMES[dialect.delimiter]}-"
                    f"separated text: {message}"
                ) from None
        if small:
            kept = read

    return picked, raw


def _parquet_batches(
    files: list[Path], src: Source, chunk_rows: int
) -> tuple[tuple[str, str, str | None], Callable[[], Iterator[tuple[pd.DataFrame, int]]]]:
    import pyarrow.dataset as ds

    dataset = ds.dataset([str(p) for p in files], format="parquet")
    picked = pick_columns(list(dataset.schema.names), src)
    wanted = [c for c in picked if c is not None]

    def raw() -> Iterator[tuple[pd.DataFrame, int]]:
        start = 1
        for batch in dataset.to_batches(columns=wanted, batch_size=chunk_rows):
            frame = batch.to_pandas(timestamp_as_object=False)
            yield frame, start
            start += len(frame)

    return picked, raw


def _query_batches(
    src: Source, chunk_rows: int
) -> tuple[tuple[str, str, str | None], Callable[[], Iterator[tuple[pd.DataFrame, int]]]]:
    import duckdb

    from clv_xl.data.engines.connection import duckdb_connection

    def run() -> Any:
        con = duckdb_connection()
        try:
            return con, con.sql(src.location)
        except duckdb.Error as exc:
            con.close()
            raise SourceError(f"the query failed: {str(exc).splitlines()[0]}") from None

    con, relation = run()
    picked = pick_columns([str(c) for c in relation.columns], src)
    con.close()
    wanted = [c for c in picked if c is not None]

    def raw() -> Iterator[tuple[pd.DataFrame, int]]:
        con, relation = run()
        try:
            start = 1
            for batch in relation.select(*[f'"{c}"' for c in wanted]).to_arrow_reader(chunk_rows):
                frame = batch.to_pandas()
                yield frame, start
                start += len(frame)
        finally:
            con.close()

    return picked, raw


def _blank_ids(ids: pd.Series) -> np.ndarray:
    if ids.dtype.kind in "iub":
        return np.zeros(len(ids), dtype=bool)
    if ids.dtype.kind == "f":
        return ids.isna().to_numpy()
    return (ids.isna() | (ids.astype(str).str.strip() == "")).to_numpy()


def transactions(src: Source, chunk_rows: int = CHUNK_ROWS) -> Read:
    """The log's rows with a customer, read by the rules, in batches of ``chunk_rows``: frames of
    ``customer``, ``day`` and ``amount``. The first pass (run here) takes the whole-column
    decisions; each call of ``Read.passes()`` reads the log again by them."""
    notes: list[str] = []
    if src.is_query:
        (customer, date, amount), raw = _query_batches(src, chunk_rows)
    else:
        kind, files = src.files()
        if kind == "parquet":
            (customer, date, amount), raw = _parquet_batches(files, src, chunk_rows)
        else:
            (customer, date, amount), raw = _csv_batches(files, src, chunk_rows, notes)
    ids, dates, decimals = IdEvidence(), DateEvidence(), DecimalEvidence()
    seen = 0
    for frame, numbers in _gathered(raw(), chunk_rows):
        keep = ~_blank_ids(frame[customer])
        rows = numbers[keep]
        part = frame[keep]
        seen += len(part)
        ids.see(part[customer].to_numpy())
        dates.see(part[date].to_numpy(), rows)
        if amount:
            decimals.see(part[amount].to_numpy(), rows)
    if not seen:
        raise SourceError("the log has no rows with a customer id")
    order = dates.order(src.date_order)
    decimal = decimals.decimal(src.decimal) if amount else "."
    numeric = ids.numeric

    def passes() -> Iterator[pd.DataFrame]:
        for frame, numbers in _gathered(raw(), chunk_rows):
            keep = ~_blank_ids(frame[customer])
            rows = numbers[keep]
            part = frame[keep]
            yield pd.DataFrame(
                {
                    "customer": parse_ids(part[customer].to_numpy(), numeric),
                    "day": parse_days(part[date].reset_index(drop=True), order, rows),
                    "amount": (
                        parse_amounts(part[amount].to_numpy(), decimal, rows)
                        if amount
                        else np.zeros(len(part))
                    ),
                }
            )

    return Read(passes, notes)


def _gathered(
    batches: Iterator[tuple[pd.DataFrame, int]], rows: int
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Batches (a frame and its first row's number in its file) gathered up to ``rows`` rows,
    each with its rows' numbers: a folder of many small files goes through the reading rules
    in a few large batches, not one small batch a file."""
    frames: list[pd.DataFrame] = []
    numbers: list[np.ndarray] = []
    held = 0
    for frame, start in batches:
        frames.append(frame)
        numbers.append(np.arange(start, start + len(frame)))
        held += len(frame)
        if held >= rows:
            yield _joined(frames), np.concatenate(numbers)
            frames, numbers, held = [], [], 0
    if frames:
        yield _joined(frames), np.concatenate(numbers)


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def read_all(src: Source) -> tuple[pd.DataFrame, list[str]]:
    """The whole log as one frame (the pandas engine)."""
    read = transactions(src)
    frames = list(read.passes())
    return pd.concat(frames, ignore_index=True), read.notes
