"""A/B test data of any size reduced to per-variant sufficient statistics with DuckDB, and summary-level input.

An event log (one row per randomised user: variant, converted 0/1, optionally revenue and pre-period revenue)
is never loaded into pandas: DuckDB scans the CSV, CSV.gz or Parquet file and returns one row per variant with
the sums every test in :mod:`ecomops.experiments` needs:

=========================== =============================================================
``users``                   rows (users) in the variant
``conversions``             users with ``converted`` = 1
``revenue_sum``             Σ revenue                (when a revenue column is used)
``revenue_sum_sq``          Σ revenue²
``pre_revenue_sum``         Σ pre-period revenue     (when a pre-period column is used)
``pre_revenue_sum_sq``      Σ pre-period revenue²
``revenue_pre_revenue_sum`` Σ revenue × pre-period revenue (when both are used; for CUPED)
=========================== =============================================================

Mean and sample standard deviation follow as ``mean = Σy/n`` and ``s² = (Σy² − (Σy)²/n)/(n − 1)``
(:func:`revenue_per_user_stats`); CUPED takes the sums directly (:func:`cuped_arm_stats` and
:func:`ecomops.experiments.cuped_from_stats`). Summary-level input (one row per variant, as exported from an
experimentation platform) is read by :func:`load_summary`. Every problem raises :class:`ecomops.data.DataError`
naming the file, column, variant and value; input files are only ever read.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import duckdb
import pandas as pd

from ecomops.data import DataError, load_table, require_columns, require_numeric, resolve_path

__all__ = [
    "EVENT_FILE_TYPES",
    "event_columns",
    "summarise_events",
    "summarise_events_by",
    "load_summary",
    "validate_summary",
    "summary_row",
    "revenue_per_user_stats",
    "cuped_arm_stats",
]

EVENT_FILE_TYPES = (".csv", ".csv.gz", ".parquet")
SUMMARY_COUNTS = ("users", "conversions")
SUMMARY_PAIRS = (("revenue_sum", "revenue_sum_sq"), ("pre_revenue_sum", "pre_revenue_sum_sq"))


class _Default(str):
    """A default column name: when the file lacks it the statistic is omitted instead of raising."""


DEFAULT_REVENUE = _Default("revenue")
DEFAULT_PRE_REVENUE = _Default("pre_revenue")


# --------------------------------------------------------------------------------------------- reading events


def _file_kind(file: Path) -> str:
    name = file.name.lower()
    for kind in (".csv.gz", ".csv", ".parquet"):
        if name.endswith(kind):
            return kind
    raise DataError(
        f"{file}: unsupported file type {file.suffix.lower() or '(none)'!r} for event data; use one of "
        f"{', '.join(EVENT_FILE_TYPES)} (save a spreadsheet as CSV)"
    )


def _quote(name: str) -> str:
    """SQL identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    """SQL string literal in single quotes."""
    return "'" + text.replace("'", "''") + "'"


def _source(file: Path, kind: str, as_text: Sequence[str] = ()) -> str:
    """Table function reading the file (its path is the query's first parameter); ``as_text`` columns of a CSV
    are read as text so that every value reaches the checks below instead of stopping the CSV reader."""
    if kind == ".parquet":
        return "read_parquet(?)"
    if not as_text:
        return "read_csv_auto(?)"
    types = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in as_text)
    return f"read_csv_auto(?, types={{{types}}})"


def _run(con: duckdb.DuckDBPyConnection, file: Path, kind: str, sql: str) -> pd.DataFrame:
    """Run a query on the file, turning any DuckDB error into one DataError sentence naming the file."""
    try:
        return con.execute(sql, [str(file)]).df()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        what = {".parquet": "a Parquet file", ".csv.gz": "a gzip-compressed UTF-8 CSV file"}
        what = what.get(kind, "a UTF-8 CSV file")
        raise DataError(
            f"{file}: cannot be read as {what} ({first}); check the file type and that text is saved as UTF-8"
        ) from None


def _schema(con: duckdb.DuckDBPyConnection, file: Path, kind: str) -> tuple[dict[str, str], dict[str, str]]:
    """By ``DESCRIBE``: column names with white space stripped → names in the file, and names → SQL types."""
    if file.stat().st_size == 0:
        raise DataError(f"{file}: the file is empty; expected a header row and one row per user")
    described = _run(con, file, kind, f"DESCRIBE SELECT * FROM {_source(file, kind)}")
    names = [str(name) for name in described["column_name"]]
    return {n.strip(): n for n in names}, dict(zip(names, described["column_type"].astype(str)))


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
    expr = _quote(column)
    if sql_type != "VARCHAR" or not true_false:
        return f"TRY_CAST({expr} AS DOUBLE)"
    text = f"lower(trim({expr}))"
    return f"CASE {text} WHEN 'true' THEN 1.0 WHEN 'false' THEN 0.0 ELSE TRY_CAST({expr} AS DOUBLE) END"


def _aggregate_sql(columns: dict[str, str | None], types: dict[str, str], source: str, by: str | None) -> str:
    converted = columns["converted"]
    inner = [f"CAST({_quote(columns['variant'])} AS VARCHAR) AS v",
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
    keys = ["v"]
    if by is not None:
        inner.insert(0, f"{_quote(by)} AS g")
        outer.insert(0, "g")
        keys.insert(0, "g")
    order = ", ".join(f"{k} NULLS FIRST" for k in keys)
    return (
        f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {source}) "
        f"GROUP BY {', '.join(keys)} ORDER BY {order}"
    )


def _example(
    con: duckdb.DuckDBPyConnection, file: Path, kind: str, source: str, column: str, value: str, bad: str
) -> str:
    """One offending value of ``column`` (for the error message), found by a second scan on the error path."""
    found = _run(
        con, file, kind,
        f"SELECT CAST({_quote(column)} AS VARCHAR) AS e FROM {source} WHERE {bad.format(value=value)} LIMIT 1",
    )
    if found.empty or pd.isna(found["e"].iloc[0]):
        return "an empty cell"
    return repr(found["e"].iloc[0])


def _check_events(
    con: duckdb.DuckDBPyConnection, file: Path, kind: str, source: str, stats: pd.DataFrame,
    columns: dict[str, str | None], types: dict[str, str],
) -> None:
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
            column = columns[role]
            value = _numeric(column, types[column], true_false=role == "converted")
            example = _example(con, file, kind, source, column, value, condition)
            raise DataError(
                f"{file}: column {columns[role]!r} {rule} in every row, but {bad:,} row(s) are not, "
                f"e.g. {example}"
            )


def _summarise(
    path: str | Path, by: str | None, variant_column: str, converted_column: str,
    revenue_column: str | None, pre_revenue_column: str | None,
) -> pd.DataFrame:
    file = resolve_path(path)
    kind = _file_kind(file)
    con = duckdb.connect(":memory:")
    try:
        schema, types = _schema(con, file, kind)
        required = {"variant": variant_column, "converted": converted_column}
        if by is not None:
            required["by"] = by
        columns = _resolve_columns(
            schema, file, required, {"revenue": revenue_column, "pre_revenue": pre_revenue_column}
        )
        if by is not None and columns["by"] in (columns["variant"], columns["converted"]):
            raise DataError(f"{file}: by={by!r} must be a column other than the variant and converted columns")
        as_text = [c for role, c in columns.items() if role in ("converted", "revenue", "pre_revenue") and c]
        if kind != ".parquet":  # read as text, so a stray value deep in the file reaches the checks
            types = {**types, **{c: "VARCHAR" for c in as_text}}
        source = _source(file, kind, as_text)
        stats = _run(con, file, kind, _aggregate_sql(columns, types, source, columns.get("by")))
        _check_events(con, file, kind, source, stats, columns, types)
    finally:
        con.close()
    stats = stats.drop(columns=[c for c in stats.columns if c.startswith("bad_")])
    stats["variant"] = stats["variant"].astype(str)
    stats[["users", "conversions"]] = stats[["users", "conversions"]].astype("int64")
    if by is not None:
        stats = stats.rename(columns={"g": by.strip()})
    return stats.reset_index(drop=True)


def event_columns(path: str | Path) -> list[str]:
    """Column names of an event file (white space stripped), read from its schema without scanning the rows."""
    file = resolve_path(path)
    con = duckdb.connect(":memory:")
    try:
        schema, _ = _schema(con, file, _file_kind(file))
    finally:
        con.close()
    return list(schema)


def summarise_events(
    path: str | Path,
    variant_column: str = "variant",
    converted_column: str = "converted",
    revenue_column: str | None = DEFAULT_REVENUE,
    pre_revenue_column: str | None = DEFAULT_PRE_REVENUE,
) -> pd.DataFrame:
    """Per-variant sufficient statistics of an event-level A/B test file of any size (CSV, CSV.gz, Parquet).

    One row per user is expected (the randomisation unit); ``converted`` holds 0/1 (TRUE/FALSE also
    accepted). DuckDB scans the file once (plus a cheap ``DESCRIBE`` of its schema) and nothing but the result
    is held in memory. Returns one row per variant, sorted by variant name: ``variant, users, conversions``
    and, when those columns are used, ``revenue_sum, revenue_sum_sq``, ``pre_revenue_sum,
    pre_revenue_sum_sq`` and ``revenue_pre_revenue_sum``.

    ``revenue_column`` / ``pre_revenue_column``: ``None`` skips the statistic; the defaults ``"revenue"`` and
    ``"pre_revenue"`` are used only when the file has them, while a name given explicitly must exist.
    Raises :class:`~ecomops.data.DataError` for an unreadable or unsupported file, a missing column, an empty
    variant, a ``converted`` value other than 0/1 or a non-numeric or empty revenue (with the count and an
    example). Check the result with :func:`validate_summary` before analysing it.
    """
    return _summarise(path, None, variant_column, converted_column, revenue_column, pre_revenue_column)


def summarise_events_by(
    path: str | Path,
    by: str,
    variant_column: str = "variant",
    converted_column: str = "converted",
    revenue_column: str | None = DEFAULT_REVENUE,
    pre_revenue_column: str | None = DEFAULT_PRE_REVENUE,
) -> pd.DataFrame:
    """:func:`summarise_events` per value of the column ``by`` (e.g. ``"date"`` for the effect over time or
    ``"device"`` for segments): one row per (``by`` value, variant), sorted by both, with the ``by`` column
    first. Its values keep the type DuckDB reads (a CSV's ISO dates become timestamps); empty ``by`` values
    form their own group (NaN), listed first. A (by value, variant) pair with no users has no row."""
    if not isinstance(by, str) or not by.strip():
        raise DataError(f"by must name a column of the file, got {by!r}")
    return _summarise(path, by, variant_column, converted_column, revenue_column, pre_revenue_column)


# --------------------------------------------------------------------------------------- summary-level input


def _fail_rows(frame: pd.DataFrame, mask: pd.Series, source: str, column: str, rule: str) -> None:
    if mask.any():
        row = frame.loc[mask].iloc[0]
        raise DataError(
            f"{source}: variant {row['variant']!r} has {column} = {row[column]:g}; {rule}"
        )


def validate_summary(frame: pd.DataFrame, source: str, control: str | None) -> pd.DataFrame:
    """Check per-variant summary statistics and return a clean copy (numbers as numbers, variant names as
    stripped text, the input's row order).

    Raises :class:`~ecomops.data.DataError` naming ``source``, the column, the variant and the value for:
    a missing ``variant``/``users``/``conversions`` column; a non-numeric count; an empty, duplicated or
    single variant; a negative or fractional count; a variant with zero users; conversions > users;
    ``revenue_sum`` without ``revenue_sum_sq`` (or the reverse; likewise for ``pre_revenue_*``); a sum of
    squares smaller than (Σ)²/users, i.e. a negative variance; and a ``control`` that is not one of the
    variants (the message lists them). ``control=None`` skips only the last check.
    """
    require_columns(frame, ["variant", *SUMMARY_COUNTS], source)
    numeric = [*SUMMARY_COUNTS]
    for total, squares in SUMMARY_PAIRS:
        if (total in frame.columns) != (squares in frame.columns):
            have, lack = (total, squares) if total in frame.columns else (squares, total)
            raise DataError(f"{source}: column {have!r} is given without {lack!r}; give both or neither")
        if total in frame.columns:
            numeric += [total, squares]
    if "revenue_pre_revenue_sum" in frame.columns:
        numeric.append("revenue_pre_revenue_sum")
    clean = require_numeric(frame, numeric, source)
    names = frame["variant"]
    if names.isna().any() or (names.astype(str).str.strip() == "").any():
        position = int((names.isna() | (names.astype(str).str.strip() == "")).to_numpy().nonzero()[0][0])
        raise DataError(f"{source}: column 'variant' is empty in row {position + 2}; name every variant")
    clean["variant"] = names.astype(str).str.strip()
    duplicated = clean["variant"][clean["variant"].duplicated()]
    if not duplicated.empty:
        raise DataError(
            f"{source}: variant {duplicated.iloc[0]!r} appears more than once; give one row per variant"
        )
    if len(clean) < 2:
        raise DataError(
            f"{source}: found {len(clean)} variant ({', '.join(clean['variant'])}); a test needs at least 2 "
            "(a control and a treatment)"
        )
    for column in SUMMARY_COUNTS:
        _fail_rows(clean, clean[column] < 0, source, column, "counts cannot be negative")
        _fail_rows(clean, clean[column] != clean[column].round(), source, column, "counts must be whole numbers")
    _fail_rows(clean, clean["users"] == 0, source, "users", "every variant needs at least one user")
    over = clean["conversions"] > clean["users"]
    if over.any():
        row = clean.loc[over].iloc[0]
        raise DataError(
            f"{source}: variant {row['variant']!r} has conversions = {row['conversions']:g} > users = "
            f"{row['users']:g}; conversions count users who converted, so they cannot exceed users"
        )
    clean[list(SUMMARY_COUNTS)] = clean[list(SUMMARY_COUNTS)].astype("int64")
    for total, squares in SUMMARY_PAIRS:
        if total in clean.columns:
            centred = clean[squares] - clean[total] ** 2 / clean["users"]
            negative = centred < -1e-9 * clean[squares].abs().clip(lower=1.0)
            if negative.any():
                row = clean.loc[negative].iloc[0]
                raise DataError(
                    f"{source}: variant {row['variant']!r} has {squares} = {row[squares]:g}, less than "
                    f"{total}²/users = {row[total] ** 2 / row['users']:g}, which would make the variance "
                    f"negative; {squares} must be the sum of the squared per-user values"
                )
    if control is not None and str(control).strip() not in set(clean["variant"]):
        raise DataError(
            f"{source}: control variant {control!r} not found; variants present: {', '.join(clean['variant'])}"
        )
    return clean


def load_summary(path: str | Path, base_dir: str | Path | None = None) -> pd.DataFrame:
    """Read summary-level results (one row per variant: ``variant, users, conversions``, optionally
    ``revenue_sum, revenue_sum_sq``) from CSV, CSV.gz, XLSX or Parquet with :func:`ecomops.data.load_table`,
    checked by :func:`validate_summary` (without a control) and returned in the file's row order."""
    frame = load_table(path, base_dir=base_dir)
    return validate_summary(frame, str(resolve_path(path, base_dir)), control=None)


# ------------------------------------------------------------------------------------ from sums to statistics


def summary_row(frame: pd.DataFrame, variant: str) -> pd.Series:
    """The row of one variant; :class:`~ecomops.data.DataError` listing the variants when it is absent."""
    match = frame[frame["variant"] == variant]
    if match.empty:
        present = ", ".join(map(str, frame["variant"]))
        raise DataError(f"variant {variant!r} not found; variants present: {present}")
    return match.iloc[0]


def _sums(row: pd.Series, columns: Sequence[str]) -> list[float]:
    missing = [c for c in columns if c not in row.index]
    if missing:
        raise DataError(
            f"variant {row.get('variant', '?')!r}: the summary has no {', '.join(missing)}; "
            "summarise the events with a revenue (and pre-period revenue) column"
        )
    return [float(row[c]) for c in columns]


def revenue_per_user_stats(row: pd.Series) -> tuple[float, float, int]:
    """(mean, sample sd with n − 1, n) of revenue per user from one summary row, for
    :func:`ecomops.experiments.welch_t_test_from_stats`. Users without revenue count as 0."""
    total, squares = _sums(row, ["revenue_sum", "revenue_sum_sq"])
    n = int(row["users"])
    if n < 2:
        raise DataError(f"variant {row['variant']!r} has {n} user(s); a standard deviation needs at least 2")
    variance = max(squares - total * total / n, 0.0) / (n - 1)
    return total / n, math.sqrt(variance), n


def cuped_arm_stats(row: pd.Series) -> dict[str, float]:
    """The sums of one summary row in the form :func:`ecomops.experiments.cuped_from_stats` takes (y = revenue,
    x = pre-period revenue): ``n, sum_y, sum_y_sq, sum_x, sum_x_sq, sum_xy``."""
    values = _sums(
        row,
        ["revenue_sum", "revenue_sum_sq", "pre_revenue_sum", "pre_revenue_sum_sq", "revenue_pre_revenue_sum"],
    )
    return dict(zip(("sum_y", "sum_y_sq", "sum_x", "sum_x_sq", "sum_xy"), values), n=float(row["users"]))
