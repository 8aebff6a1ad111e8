"""Summary-level A/B test input (one row per variant) and the sufficient statistics the tests take from it.

A summary has one row per variant with the sums every test in :mod:`ecomops.experiments` needs:

=========================== =============================================================
``users``                   rows (users) in the variant
``conversions``             users with ``converted`` = 1
``revenue_sum``             Σ revenue                (when revenue is measured)
``revenue_sum_sq``          Σ revenue²
``pre_revenue_sum``         Σ pre-period revenue     (when a pre-period covariate is used)
``pre_revenue_sum_sq``      Σ pre-period revenue²
``revenue_pre_revenue_sum`` Σ revenue × pre-period revenue (when both are used; for CUPED)
=========================== =============================================================

It comes from an experimentation platform's export (:func:`load_summary`), a warehouse ``GROUP BY variant``
query, or an event file reduced by :func:`ecomops.experiments.summarise_events`. Mean and sample standard
deviation follow as ``mean = Σy/n`` and ``s² = (Σy² − (Σy)²/n)/(n − 1)`` (:func:`revenue_per_user_stats`);
CUPED takes the sums directly (:func:`cuped_arm_stats`). Every problem raises :class:`ecomops.data.DataError`
naming the source, the row or variant, the column and the value.

Variant names are normalised the same way everywhere (:func:`normalise_variant`): text, surrounding white space
removed, so ``"control "`` and ``"control"`` are one variant whether they come from a summary or an event file.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..data import DataError, load_table, require_columns, require_numeric, resolve_path

__all__ = [
    "TOTALS_LABELS",
    "normalise_variant",
    "validate_summary",
    "load_summary",
    "summary_row",
    "revenue_per_user_stats",
    "cuped_arm_stats",
]

SUMMARY_COUNTS = ("users", "conversions")
SUMMARY_PAIRS = (("revenue_sum", "revenue_sum_sq"), ("pre_revenue_sum", "pre_revenue_sum_sq"))
TOTALS_LABELS = ("合计", "总计", "小计", "合計", "總計", "小計", "total", "totals", "sum", "all")
"""Variant names (compared case-insensitively, after stripping) that mark a spreadsheet's totals row."""


def normalise_variant(value: object) -> str | None:
    """A variant name as compared everywhere: text with surrounding white space removed; ``None`` if empty.

    Parameters
    ----------
    value : object
        A cell of the variant column (text, a number, or a missing value).

    Returns
    -------
    str or None
        ``str(value).strip()``, or ``None`` for a missing value or one that is only white space.
    """
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):  # type: ignore[arg-type]
        return None
    text = str(value).strip()
    return text or None


def _empty_rows(frame: pd.DataFrame) -> pd.Series:
    """True for rows whose every cell is missing or only white space (Excel's trailing ``,,,,`` lines)."""
    if frame.shape[1] == 0:
        return pd.Series(False, index=frame.index)
    blank = frame.isna()
    for position, dtype in enumerate(frame.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            column = frame.iloc[:, position]
            blank.iloc[:, position] |= (column.astype(str).str.strip() == "").to_numpy()
    return blank.all(axis=1)


def _fail_rows(frame: pd.DataFrame, mask: pd.Series, source: str, column: str, rule: str) -> None:
    if mask.any():
        row = frame.loc[mask].iloc[0]
        raise DataError(f"{source}: variant {row['variant']!r} has {column} = {row[column]:g}; {rule}")


def _numeric_columns(frame: pd.DataFrame, source: str) -> list[str]:
    numeric = [*SUMMARY_COUNTS]
    for total, squares in SUMMARY_PAIRS:
        if (total in frame.columns) != (squares in frame.columns):
            have, lack = (total, squares) if total in frame.columns else (squares, total)
            raise DataError(f"{source}: column {have!r} is given without {lack!r}; give both or neither")
        if total in frame.columns:
            numeric += [total, squares]
    if "revenue_pre_revenue_sum" in frame.columns:
        numeric.append("revenue_pre_revenue_sum")
    return numeric


def _check_names(names: list[str | None], rows: np.ndarray, source: str) -> None:
    """Every kept row names a variant, and none is a spreadsheet's totals row."""
    for name, row in zip(names, rows):
        if name is None:
            raise DataError(f"{source}: column 'variant' is empty in row {row}; name every variant")
        if name.casefold() in TOTALS_LABELS:
            raise DataError(
                f"{source}: row {row} has variant {name!r}, which looks like a totals row; delete it (only one "
                "row per variant is allowed)"
            )


def validate_summary(frame: pd.DataFrame, source: str, control: str | None) -> pd.DataFrame:
    """Check per-variant summary statistics and return a clean copy.

    The copy has numbers as numbers (counts as ``int64``), variant names normalised by
    :func:`normalise_variant`, the input's row order, and fully empty rows (every cell missing or blank, as
    Excel's trailing ``,,,,`` lines) dropped. ``clean.attrs["dropped_empty_rows"]`` counts the dropped rows,
    added to any count the input already carries in its ``attrs`` (e.g. from :func:`ecomops.data.load_table`).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per variant: ``variant, users, conversions`` and optionally the sums named in the module
        docstring. Not modified.
    source : str
        How messages name the data (a file name).
    control : str or None
        The control variant, which must be present (compared after normalising); ``None`` skips that check.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataError
        Naming ``source``, the row (spreadsheet numbering: the header is row 1) or variant, the column and the
        value, for: a missing ``variant``/``users``/``conversions`` column; an empty variant name; a totals row
        (variant 合计, 总计, 小计, Total, Totals, Sum or All, in any case); a non-numeric count; a duplicated or
        single variant; a negative or fractional count; a variant with zero users; conversions > users;
        ``revenue_sum`` without ``revenue_sum_sq`` (or the reverse; likewise for ``pre_revenue_*``); a sum of
        squares smaller than (Σ)²/users, i.e. a negative variance; and a ``control`` that is not one of the
        variants (the message lists them).
    """
    require_columns(frame, ["variant", *SUMMARY_COUNTS], source)
    numeric = _numeric_columns(frame, source)
    empty = _empty_rows(frame).to_numpy()
    keep = ~empty
    rows = np.arange(len(frame))[keep] + 2  # spreadsheet row numbers of the rows kept
    names = [normalise_variant(v) for v in frame["variant"].to_numpy()[keep]]
    _check_names(names, rows, source)
    # empty rows get placeholder numbers, so that require_numeric's row numbers stay those of the file
    work = frame.copy()
    if empty.any():
        work.loc[empty, numeric] = 0
    clean = require_numeric(work, numeric, source).loc[keep].reset_index(drop=True)
    clean["variant"] = names
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
    if control is not None and normalise_variant(control) not in set(clean["variant"]):
        raise DataError(
            f"{source}: control variant {control!r} not found; variants present: {', '.join(clean['variant'])}"
        )
    clean.attrs["dropped_empty_rows"] = int(frame.attrs.get("dropped_empty_rows", 0)) + int(empty.sum())
    return clean


def load_summary(path: str | Path, base_dir: str | Path | None = None, sheet: str | int = 0) -> pd.DataFrame:
    """Read summary-level results (one row per variant) from CSV, CSV.gz, XLSX or Parquet.

    Parameters
    ----------
    path : str or Path
        The file, read by :func:`ecomops.data.load_table` (CSV in UTF-8 or GBK, any common delimiter).
    base_dir : str or Path, optional
        Folder a relative ``path`` is resolved against first.
    sheet : str or int
        The workbook sheet (name, or position from 0) of an XLSX file.

    Returns
    -------
    pandas.DataFrame
        Checked by :func:`validate_summary` (without a control), in the file's row order, with
        ``attrs["dropped_empty_rows"]``.
    """
    frame = load_table(path, sheet=sheet, base_dir=base_dir)
    source = str(frame.attrs.get("source") or resolve_path(path, base_dir))
    return validate_summary(frame, source, control=None)


def summary_row(frame: pd.DataFrame, variant: str) -> pd.Series:
    """The row of one variant of a validated summary.

    Parameters
    ----------
    frame : pandas.DataFrame
        A summary from :func:`validate_summary`.
    variant : str
        The variant's name (compared after :func:`normalise_variant`).

    Returns
    -------
    pandas.Series

    Raises
    ------
    DataError
        Listing the variants present when ``variant`` is not one of them.
    """
    match = frame[frame["variant"] == normalise_variant(variant)]
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
    """Mean, sample standard deviation and users of revenue per user, from one summary row.

    Users without revenue count as 0. The result is what
    :func:`ecomops.experiments.welch_t_test_from_stats` takes for one arm.

    Parameters
    ----------
    row : pandas.Series
        A row of a summary with ``users, revenue_sum, revenue_sum_sq``.

    Returns
    -------
    tuple of (float, float, int)
        ``(mean, sd, n)`` with the sd computed with n − 1.

    Raises
    ------
    DataError
        When the revenue sums are missing or the variant has fewer than 2 users.
    """
    total, squares = _sums(row, ["revenue_sum", "revenue_sum_sq"])
    n = int(row["users"])
    if n < 2:
        raise DataError(f"variant {row['variant']!r} has {n} user(s); a standard deviation needs at least 2")
    variance = max(squares - total * total / n, 0.0) / (n - 1)
    return total / n, math.sqrt(variance), n


def cuped_arm_stats(row: pd.Series) -> dict[str, float]:
    """The sums of one summary row in the form :func:`ecomops.experiments.cuped_from_stats` takes.

    Parameters
    ----------
    row : pandas.Series
        A row of a summary with the revenue, pre-period revenue and cross-product sums.

    Returns
    -------
    dict of str to float
        ``n, sum_y, sum_y_sq, sum_x, sum_x_sq, sum_xy`` with y = revenue and x = pre-period revenue.

    Raises
    ------
    DataError
        When one of the sums is missing.
    """
    values = _sums(
        row,
        ["revenue_sum", "revenue_sum_sq", "pre_revenue_sum", "pre_revenue_sum_sq", "revenue_pre_revenue_sum"],
    )
    return dict(zip(("sum_y", "sum_y_sq", "sum_x", "sum_x_sq", "sum_xy"), values), n=float(row["users"]))
