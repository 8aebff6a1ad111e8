"""Opening A/B test event files for DuckDB (private to :mod:`ecomops.experiments.events`).

A CSV or CSV.gz file gets the encoding detection and delimiter sniffing of :func:`ecomops.data.csv_dialect`.
DuckDB reads UTF-8 files directly; a GB18030 (GBK) file, or the first lines of any file for a quick check, is
copied as UTF-8 into a private temporary folder that is deleted as soon as the query is done. A file taken for
UTF-8 from a first KB of plain ASCII that turns out to hold GBK text further in is read again as GB18030.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

import pandas as pd

from ..data import SNIFF_BYTES, DataError, csv_dialect

EVENT_FILE_TYPES = (".csv", ".csv.gz", ".parquet")
_COPY_CHUNK = 1 << 20  # characters per write when copying a file as UTF-8
_T = TypeVar("_T")


class NotUtf8(DataError):
    """The file was taken for UTF-8 from its first KB, but a later byte is not UTF-8."""


def file_kind(file: Path) -> str:
    """``.csv``, ``.csv.gz`` or ``.parquet`` from the file's name; DataError for any other type."""
    name = file.name.lower()
    for kind in (".csv.gz", ".csv", ".parquet"):
        if name.endswith(kind):
            return kind
    raise DataError(
        f"{file}: unsupported file type {file.suffix.lower() or '(none)'!r} for event data; use one of "
        f"{', '.join(EVENT_FILE_TYPES)} (save a spreadsheet as CSV)"
    )


def quote(name: str) -> str:
    """SQL identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """SQL string literal in single quotes."""
    return "'" + text.replace("'", "''") + "'"


def head(file: Path, kind: str) -> bytes:
    """The first bytes of the file's text (decompressed for CSV.gz)."""
    try:
        with (gzip.open if kind == ".csv.gz" else open)(file, "rb") as handle:
            return handle.read(SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise DataError(f"{file}: cannot be read as a gzip-compressed CSV file ({exc})") from None


def _not_valid(file: Path, encoding: str, reason: str) -> str:
    return (
        f"{file}: the text is not valid {'UTF-8' if encoding.startswith('utf') else encoding.upper()} further "
        f"into the file ({reason}); save the file as UTF-8 CSV (Excel: File → Save As → CSV UTF-8)"
    )


def _copy_as_utf8(file: Path, kind: str, encoding: str, target: Path, max_lines: int | None) -> None:
    """Write the file's text (or its first ``max_lines`` lines) to ``target`` as UTF-8."""
    opener = gzip.open if kind == ".csv.gz" else open
    try:
        with opener(file, "rb") as raw, open(target, "w", encoding="utf-8", newline="") as out:
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            if max_lines is not None:
                out.writelines(itertools.islice(text, max_lines))
                return
            while chunk := text.read(_COPY_CHUNK):
                out.write(chunk)
    except UnicodeDecodeError as exc:
        error = NotUtf8 if encoding.startswith("utf") else DataError
        raise error(_not_valid(file, encoding, str(exc.reason))) from None
    except (OSError, EOFError) as exc:
        raise DataError(f"{file}: cannot be read as a gzip-compressed CSV file ({exc})") from None


@dataclass(frozen=True)
class Source:
    """What DuckDB reads: the user's file itself, or a UTF-8 copy of it (or of its first lines)."""

    file: Path  # the user's file, named in every message
    kind: str  # its type
    read_path: Path
    delimiter: str | None  # None for Parquet
    limit: int | None  # Parquet: read only this many rows

    def table(self, as_text: Sequence[str] = ()) -> str:
        """The SQL table function (its path is the query's first parameter); ``as_text`` columns of a CSV are
        read as text, so that every value reaches the checks instead of stopping the CSV reader."""
        if self.delimiter is None:
            return "read_parquet(?)" if self.limit is None else f"(SELECT * FROM read_parquet(?) LIMIT {self.limit})"
        options = [f"delim={literal(self.delimiter)}", "header=true"]
        if as_text:
            options.append("types={" + ", ".join(f"{literal(c)}: 'VARCHAR'" for c in as_text) + "}")
        return f"read_csv(?, {', '.join(options)})"


@contextlib.contextmanager
def open_source(file: Path, kind: str, limit: int | None, encoding: str | None = None) -> Iterator[Source]:
    """The source DuckDB reads for ``file``; ``limit`` keeps only the first rows (lines, for a CSV)."""
    if file.stat().st_size == 0 or (kind != ".parquet" and not head(file, kind)):
        raise DataError(f"{file}: the file is empty; expected a header row and one row per user")
    if kind == ".parquet":
        yield Source(file, kind, file, None, limit)
        return
    sniffed, delimiter = csv_dialect(file)
    encoding = encoding or sniffed
    if limit is None and encoding != "gb18030":
        yield Source(file, kind, file, delimiter, None)
        return
    with tempfile.TemporaryDirectory(prefix="ecomops-events-") as folder:
        copy = Path(folder) / "events.csv"
        _copy_as_utf8(file, kind, encoding, copy, None if limit is None else limit + 1)
        yield Source(file, kind, copy, delimiter, None)


def run(con: Any, source: Source, sql: str) -> pd.DataFrame:
    """Run a query on the source, turning any DuckDB error into one DataError sentence naming the file."""
    import duckdb

    try:
        return con.execute(sql, [str(source.read_path)]).df()
    except duckdb.Error as exc:
        text = str(exc).strip().replace(str(source.read_path), str(source.file))
        first = text.splitlines()[0] if text else type(exc).__name__
        if "invalid unicode" in text.lower():
            raise NotUtf8(_not_valid(source.file, "utf-8", first)) from None
        what = {".parquet": "a Parquet file", ".csv.gz": "a gzip-compressed CSV file"}.get(source.kind, "a CSV file")
        raise DataError(
            f"{source.file}: cannot be read as {what} ({first}); check the file type and that text is saved as "
            "UTF-8 or GBK"
        ) from None


def schema(con: Any, source: Source) -> tuple[dict[str, str], dict[str, str]]:
    """By ``DESCRIBE``: column names with white space stripped → names in the file, and names → SQL types."""
    described = run(con, source, f"DESCRIBE SELECT * FROM {source.table()}")
    names = [str(name) for name in described["column_name"]]
    return {n.strip(): n for n in names}, dict(zip(names, described["column_type"].astype(str)))


def read(file: Path, kind: str, limit: int | None, work: Callable[[Source], _T]) -> _T:
    """``work(source)`` on the file, retried as GB18030 when a file taken for UTF-8 turns out not to be."""
    try:
        with open_source(file, kind, limit) as source:
            return work(source)
    except NotUtf8:
        # the first KB were plain ASCII, so nothing showed the file was not UTF-8: try GB18030 (Excel's
        # "CSV" on Chinese Windows) before giving up; a file with UTF-8 text in its first KB is not retried
        if kind == ".parquet" or not head(file, kind).isascii():
            raise
        with open_source(file, kind, limit, encoding="gb18030") as source:
            return work(source)
