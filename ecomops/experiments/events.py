"""Event-level A/B test files of any size reduced to per-variant sufficient statistics with DuckDB.

An event log (one row per randomised user: variant, converted 0/1, optionally revenue and pre-period revenue)
is never loaded into pandas: DuckDB scans the CSV, CSV.gz or Parquet file and returns one row per variant with
the sums of :mod:`ecomops.experiments.sufficient`. CSV and CSV.gz files get the encoding detection (UTF-8,
UTF-8 with a byte-order mark, GBK/GB18030) and delimiter sniffing of :func:`ecomops.data.load_table`; a
GB18030 file is copied as UTF-8 into a private temporary folder for DuckDB, which is deleted afterwards. Rows
whose every cell is empty (Excel's trailing ``,,,,`` lines of a CSV) are dropped and counted in
``result.attrs["dropped_empty_rows"]``. Variant names are normalised by
:func:`~ecomops.experiments.normalise_variant`, as in summaries.

:func:`check_event_file` runs the same checks on the header and the first rows only, for a quick validation
before a long run. Every problem raises :class:`ecomops.data.DataError` naming the file, column, variant and
value; input files are only ever read.
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..checks import whole_number
from ..data import DataError, require_columns, resolve_path
from . import _files
from ._files import EVENT_FILE_TYPES, Source, literal, quote
from .sufficient import normalise_variant

__all__ = [
    "EVENT_FILE_TYPES",
    "CHECK_SAMPLE_ROWS",
    "event_columns",
    "check_event_file",
    "summarise_events",
    "summarise_events_by",
]

CHECK_SAMPLE_ROWS = 10_000
"""Rows :func:`check_event_file` reads by default."""
_SCHEMA_LINES = 100  # lines after the header that event_columns reads to learn the columns
_BLANKS = " \t\r\n\f\v\u00a0\u3000"  # white space a cell may hold and still count as empty (SQL side)


class _Default(str):
    """A default column name: when the file lacks it the statistic is omitted instead of raising."""


DEFAULT_REVENUE = _Default("revenue")
DEFAULT_PRE_REVENUE = _Default("pre_revenue")


# ------------------------------------------------------------------------------------------------ the query


def _resolve_columns(
    schema: dict[str, str], file: Path, required: dict[str, str], optional: dict[str, str | None]
) -> dict[str, str | None]:
    """Role → column name in the file. Required roles and optional roles named explicitly must exist; an
    optional role left at its default name is dropped (None) when the file lacks it."""
    empty = pd.DataFrame(columns=list(schema))
    named = list(required.values())
    named += [c for c in optional.values() if c is not None and not isinstance(c, _Default)]
    require_columns(empty, [str(c).strip() for c in named], source=str(file))
    resolved: dict[str, str | None] = {role: schema[c.strip()] for role, c in required.items()}
    for role, column in optional.items():
        present = column is not None and column.strip() in schema
        resolved[role] = schema[column.strip()] if present else None
    return resolved


def _numeric(column: str, sql_type: str, true_false: bool = False) -> str:
    """SQL turning a column into DOUBLE, NULL where a value is not a number. Text is parsed per row (with
    ``true_false``, TRUE/FALSE in any case count as 1/0); numbers and booleans are simply cast."""
    expr = quote(column)
    if sql_type != "VARCHAR" or not true_false:
        return f"TRY_CAST({expr} AS DOUBLE)"
    text = f"lower(trim({expr}))"
    return f"CASE {text} WHEN 'true' THEN 1.0 WHEN 'false' THEN 0.0 ELSE TRY_CAST({expr} AS DOUBLE) END"


def _blank(column: str, sql_type: str) -> str:
    expr = quote(column)
    if sql_type != "VARCHAR":
        return f"{expr} IS NULL"
    return f"({expr} IS NULL OR trim({expr}, {literal(_BLANKS)}) = '')"


def _empty_row(types: dict[str, str]) -> str:
    """SQL true for a row whose every cell is empty."""
    return "(" + " AND ".join(_blank(c, t) for c, t in types.items()) + ")"


def _aggregate_sql(
    columns: dict[str, str | None], by_columns: list[str], types: dict[str, str], table: str
) -> str:
    converted = columns["converted"]
    inner = [f"CAST({quote(columns['variant'])} AS VARCHAR) AS v",
             f"{_numeric(converted, types[converted], true_false=True)} AS c"]
    outer = [
        "v AS variant",
        "count(*) AS users",
        "count(*) FILTER (WHERE c = 1) AS conversions",
        "count(*) FILTER (WHERE c IS NULL OR c NOT IN (0, 1)) AS bad_converted",
    ]
    for role, alias in (("revenue", "r"), ("pre_revenue", "x")):
        if columns[role] is not None:
            inner.append(f"{_numeric(columns[role], types[columns[role]])} AS {alias}")
            outer += [
                f"sum({alias}) AS {role}_sum",
                f"sum({alias} * {alias}) AS {role}_sum_sq",
                f"count(*) FILTER (WHERE {alias} IS NULL OR NOT isfinite({alias})) AS bad_{role}",
            ]
    if columns["revenue"] is not None and columns["pre_revenue"] is not None:
        outer.append("sum(r * x) AS revenue_pre_revenue_sum")
    groups = [f"g{i}" for i in range(len(by_columns))]
    inner[:0] = [f"{quote(column)} AS {g}" for column, g in zip(by_columns, groups)]
    outer[:0] = groups
    return f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {table}) GROUP BY {', '.join([*groups, 'v'])}"


def _merge_variants(stats: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Normalise the variant names and add up the rows that then share a name ("control " and "control")."""
    stats = stats.assign(variant=[normalise_variant(v) for v in stats["variant"]])
    keys = [*groups, "variant"]
    merged = stats.groupby(keys, dropna=False, sort=False, as_index=False).sum()
    return merged.sort_values(keys, na_position="first", kind="stable").reset_index(drop=True)


def _drop_empty_rows(
    con: Any, source: Source, table: str, stats: pd.DataFrame, types: dict[str, str], by_columns: list[str]
) -> tuple[pd.DataFrame, int]:
    """The statistics without the fully empty rows (Excel's trailing ``,,,,`` lines of a CSV), and their number.

    They all sit in the group without a variant (and without any ``by`` value). Each adds one user and one
    unusable value of every checked column there, and nothing to any sum, so they are subtracted exactly. The
    extra scan that counts them runs only when some row has no variant, so clean files cost nothing more."""
    group = stats["variant"].isna()
    for i in range(len(by_columns)):
        group &= stats[f"g{i}"].isna()
    if source.delimiter is None or not group.any():
        return stats, 0
    where = " AND ".join([_empty_row(types), *(f"{quote(c)} IS NULL" for c in by_columns)])  # that group's rows
    counted = _files.run(con, source, f"SELECT count(*) AS n FROM {table} WHERE {where}")
    dropped = int(counted["n"].iloc[0])
    if dropped:
        stats = stats.copy()
        at = stats.index[group][0]
        for column in ["users", *(c for c in stats.columns if c.startswith("bad_"))]:
            stats.loc[at, column] -= dropped
        if stats.loc[at, "users"] == 0:
            stats = stats.drop(index=at).reset_index(drop=True)
    return stats, dropped


def _check_events(
    con: Any, source: Source, table: str, stats: pd.DataFrame, columns: dict[str, str | None],
    types: dict[str, str],
) -> None:
    file = source.file
    if stats.empty:
        raise DataError(f"{file}: the table has a header but no data rows; expected one row per user")
    if stats["variant"].isna().any():
        count = int(stats.loc[stats["variant"].isna(), "users"].sum())
        raise DataError(
            f"{file}: column {columns['variant']!r} has {count:,} empty cell(s); every user needs a variant"
        )
    checks = [("converted", "{value} IS NULL OR {value} NOT IN (0, 1)", "must be 0 or 1 (or TRUE/FALSE)")]
    checks += [(role, "{value} IS NULL OR NOT isfinite({value})", "must be a number")
               for role in ("revenue", "pre_revenue") if columns[role] is not None]
    for role, condition, rule in checks:
        bad = int(stats[f"bad_{role}"].sum())
        if bad:
            column = str(columns[role])
            value = _numeric(column, types[column], true_false=role == "converted")
            where = condition.format(value=value)
            if source.delimiter is not None:
                where = f"NOT {_empty_row(types)} AND ({where})"
            found = _files.run(con, source, f"SELECT CAST({quote(column)} AS VARCHAR) AS e FROM {table} "
                                            f"WHERE {where} LIMIT 1")
            example = "an empty cell" if found.empty or pd.isna(found["e"].iloc[0]) else repr(found["e"].iloc[0])
            raise DataError(
                f"{file}: column {column!r} {rule} in every row, but {bad:,} row(s) are not, e.g. {example}"
            )


def _statistics(
    source: Source, by: tuple[str, ...], variant_column: str, converted_column: str,
    revenue_column: str | None, pre_revenue_column: str | None,
) -> tuple[pd.DataFrame, list[str]]:
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        schema, types = _files.schema(con, source)
        required = {"variant": variant_column, "converted": converted_column}
        required.update({f"by{i}": column for i, column in enumerate(by)})
        columns = _resolve_columns(
            schema, source.file, required, {"revenue": revenue_column, "pre_revenue": pre_revenue_column}
        )
        by_columns = [str(columns[f"by{i}"]) for i in range(len(by))]
        for name, column in zip(by, by_columns):
            if column in (columns["variant"], columns["converted"]):
                raise DataError(
                    f"{source.file}: by={name!r} must be a column other than the variant and converted columns"
                )
        as_text = [str(c) for role, c in columns.items() if role in ("variant", "converted", "revenue",
                                                                     "pre_revenue") and c]
        if source.delimiter is not None:  # read as text, so a stray value deep in the file reaches the checks
            types = {**types, **{c: "VARCHAR" for c in as_text}}
        table = source.table(as_text if source.delimiter is not None else ())
        groups = [f"g{i}" for i in range(len(by))]
        stats = _files.run(con, source, _aggregate_sql(columns, by_columns, types, table))
        stats = _merge_variants(stats, groups)
        stats, dropped = _drop_empty_rows(con, source, table, stats, types, by_columns)
        _check_events(con, source, table, stats, columns, types)
    finally:
        con.close()
    stats = stats.drop(columns=[c for c in stats.columns if c.startswith("bad_")])
    stats["variant"] = stats["variant"].astype(str)
    stats[["users", "conversions"]] = stats[["users", "conversions"]].astype("int64")
    stats = stats.rename(columns={f"g{i}": name.strip() for i, name in enumerate(by)})
    stats.attrs["dropped_empty_rows"] = dropped
    return stats, list(schema)


def _summarise(
    path: str | Path, by: tuple[str, ...], variant_column: str, converted_column: str,
    revenue_column: str | None, pre_revenue_column: str | None, limit: int | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    file = resolve_path(path)
    arguments = (by, variant_column, converted_column, revenue_column, pre_revenue_column)
    return _files.read(file, _files.file_kind(file), limit, lambda source: _statistics(source, *arguments))


# ------------------------------------------------------------------------------------------------ the API


def event_columns(path: str | Path) -> list[str]:
    """Column names of an event file (white space stripped), from its header and first lines only.

    Parameters
    ----------
    path : str or Path
        A CSV, CSV.gz or Parquet event file.

    Returns
    -------
    list of str

    Raises
    ------
    DataError
        For a missing, empty, unreadable or unsupported file.
    """
    import duckdb

    def columns(source: Source) -> list[str]:
        con = duckdb.connect(":memory:")
        try:
            return list(_files.schema(con, source)[0])
        finally:
            con.close()

    file = resolve_path(path)
    return _files.read(file, _files.file_kind(file), _SCHEMA_LINES, columns)


def check_event_file(
    path: str | Path,
    segment_by: str | None = None,
    sample_rows: int = CHECK_SAMPLE_ROWS,
    *,
    variant_column: str = "variant",
    converted_column: str = "converted",
    revenue_column: str | None = DEFAULT_REVENUE,
    pre_revenue_column: str | None = DEFAULT_PRE_REVENUE,
) -> list[str]:
    """Cheap pre-run check of an event file: its header and its first ``sample_rows`` rows only.

    Runs the checks of :func:`summarise_events` (or :func:`summarise_events_by` with ``segment_by``) on the
    sample, so a missing column, an empty variant, a ``converted`` value other than 0/1 or a non-numeric
    revenue in the first rows raises the same :class:`~ecomops.data.DataError` as the full read would; a bad
    value further into the file is found only by the full read.

    Parameters
    ----------
    path : str or Path
        A CSV, CSV.gz or Parquet event file.
    segment_by : str, optional
        A column the analysis will group by, which must exist.
    sample_rows : int
        Rows to read after the header (>= 1).
    variant_column, converted_column, revenue_column, pre_revenue_column
        As in :func:`summarise_events`.

    Returns
    -------
    list of str
        The file's column names (white space stripped).
    """
    rows = whole_number("sample_rows", sample_rows, minimum=1)
    by = _by(segment_by) if segment_by is not None else ()
    _, columns = _summarise(path, by, variant_column, converted_column, revenue_column, pre_revenue_column, rows)
    return columns


def summarise_events(
    path: str | Path,
    variant_column: str = "variant",
    converted_column: str = "converted",
    revenue_column: str | None = DEFAULT_REVENUE,
    pre_revenue_column: str | None = DEFAULT_PRE_REVENUE,
) -> pd.DataFrame:
    """Per-variant sufficient statistics of an event-level A/B test file of any size (CSV, CSV.gz, Parquet).

    One row per user is expected (the randomisation unit); ``converted`` holds 0/1 (TRUE/FALSE also
    accepted). DuckDB scans the file once, plus a ``DESCRIBE`` of its schema; a second scan runs only when
    some row has no variant (to count the fully empty rows) or to quote an offending value. Nothing but the
    result is held in memory.

    Parameters
    ----------
    path : str or Path
        The event file. CSV and CSV.gz may be UTF-8 (with or without a byte-order mark) or GBK/GB18030, with
        ``,`` ``;`` tab or ``|`` between values.
    variant_column, converted_column : str
        Names of the variant and the 0/1 conversion columns.
    revenue_column, pre_revenue_column : str or None
        ``None`` skips the statistic; the defaults ``"revenue"`` and ``"pre_revenue"`` are used only when the
        file has them, while a name given explicitly must exist.

    Returns
    -------
    pandas.DataFrame
        One row per variant, sorted by variant name: ``variant, users, conversions`` and, when those columns
        are used, ``revenue_sum, revenue_sum_sq``, ``pre_revenue_sum, pre_revenue_sum_sq`` and
        ``revenue_pre_revenue_sum``. ``attrs["dropped_empty_rows"]`` counts the fully empty rows left out.
        Check it with :func:`~ecomops.experiments.validate_summary` before analysing it.

    Raises
    ------
    DataError
        For an unreadable or unsupported file, a missing column, an empty variant, a ``converted`` value other
        than 0/1, or a non-numeric or empty revenue (with the count and an example).
    """
    stats, _ = _summarise(path, (), variant_column, converted_column, revenue_column, pre_revenue_column)
    return stats


def _by(by: object) -> tuple[str, ...]:
    """The grouping columns: one name or a list of distinct names."""
    names = [by] if isinstance(by, str) else list(by) if isinstance(by, (list, tuple)) else [by]
    if not names or any(not isinstance(n, str) or not n.strip() for n in names):
        raise DataError(f"by must name a column of the file (or a list of columns), got {by!r}")
    if len({n.strip() for n in names}) < len(names):
        raise DataError(f"by names a column twice: {by!r}")
    return tuple(names)


def summarise_events_by(
    path: str | Path,
    by: str | Sequence[str],
    variant_column: str = "variant",
    converted_column: str = "converted",
    revenue_column: str | None = DEFAULT_REVENUE,
    pre_revenue_column: str | None = DEFAULT_PRE_REVENUE,
) -> pd.DataFrame:
    """:func:`summarise_events` per value of the column ``by``, e.g. ``"date"`` or ``"device"``, or per
    combination of several columns, in the same single scan.

    With several columns, every coarser view (per variant, per date, per segment) is a pandas ``groupby(...)
    .sum()`` of the result, since every statistic is a sum: one scan of a large file serves them all.

    Parameters
    ----------
    path, variant_column, converted_column, revenue_column, pre_revenue_column
        As in :func:`summarise_events`.
    by : str or sequence of str
        The grouping column(s), other than the variant and converted columns.

    Returns
    -------
    pandas.DataFrame
        One row per (``by`` values, variant), sorted by them, with the ``by`` columns first. Its values keep the
        type DuckDB reads (a CSV's ISO dates become timestamps); empty ``by`` values form their own group
        (NaN), listed first. A (by value, variant) pair with no users has no row.
    """
    stats, _ = _summarise(path, _by(by), variant_column, converted_column, revenue_column, pre_revenue_column)
    return stats
