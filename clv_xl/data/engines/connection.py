"""An in-process DuckDB connection, as every DuckDB use in clv_xl opens it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from clv_xl.runtime import require

DUCKDB_MEMORY = "4GB"
"""DuckDB's working memory; past it DuckDB spills to disk, so a log larger than memory works."""


def duckdb_connection(memory_limit: str = DUCKDB_MEMORY) -> Any:
    """An in-process DuckDB that installs and loads no extensions, stays within
    ``memory_limit`` (spilling to the system temporary folder, not DuckDB's default ./.tmp) and
    draws no progress bar of its own."""
    duckdb = require("duckdb", "reading a file with DuckDB")
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    con.execute(f"SET memory_limit = '{memory_limit}'")
    spill = Path(tempfile.gettempdir()) / "clv_xl_duckdb"
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    con.execute("SET enable_progress_bar = false")  # a library does not draw on the console
    return con
