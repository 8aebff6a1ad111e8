"""Tests for the warehouse query of section 3.5.2 (ecomops.warehouse) on a small event log worked out by hand."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT
from ecomops.data import DataError
from ecomops.experiments import validate_summary
from ecomops.warehouse import SUFFICIENT_STATS_QUERY, per_user_outcomes, split_event_log, sufficient_stats_sqlite

WINDOW = dict(test_start="2026-11-02 00:00:00", test_end="2026-11-16 00:00:00", pre_start="2026-10-01 00:00:00")

# u1 (A): assigned 3 Nov; bought 20 on 5 Nov (counts), 7 on 10 Oct (pre-period), 99 on 20 Sep (before the pre-period)
# u2 (A): assigned 4 Nov; no purchase at all (counts with zeros)
# u3 (B): assigned 6 Nov; bought 5 on 5 Nov (before its own assignment: neither outcome nor pre-period),
#         10 and 30 on 8 Nov (count), 50 on 16 Nov (after the end), 4 on 1 Oct 00:00 (pre-period, first second)
# u4 (B): assigned 16 Nov, after the end of the test: not in the test
LOG = pd.DataFrame(
    [
        ("u1", "assignment", "2026-11-03 10:00:00", "A", np.nan),
        ("u2", "assignment", "2026-11-04 10:00:00", "A", np.nan),
        ("u3", "assignment", "2026-11-06 10:00:00", "B", np.nan),
        ("u4", "assignment", "2026-11-16 09:00:00", "B", np.nan),
        ("u1", "purchase", "2026-11-05 12:00:00", None, 20.0),
        ("u1", "purchase", "2026-10-10 12:00:00", None, 7.0),
        ("u1", "purchase", "2026-09-20 12:00:00", None, 99.0),
        ("u3", "purchase", "2026-11-05 12:00:00", None, 5.0),
        ("u3", "purchase", "2026-11-08 12:00:00", None, 10.0),
        ("u3", "purchase", "2026-11-08 13:00:00", None, 30.0),
        ("u3", "purchase", "2026-11-16 12:00:00", None, 50.0),
        ("u3", "purchase", "2026-10-01 00:00:00", None, 4.0),
        ("u4", "purchase", "2026-11-17 12:00:00", None, 8.0),
    ],
    columns=["user_id", "event_type", "event_time", "variant", "revenue"],
)


def test_split_event_log():
    assignments, events = split_event_log(LOG)
    assert list(assignments.columns) == ["user_id", "variant", "assigned_at"] and len(assignments) == 4
    assert list(events.columns) == ["user_id", "event_type", "event_time", "revenue"] and len(events) == 9
    assert assignments["assigned_at"].iloc[0] == pd.Timestamp("2026-11-03 10:00:00")


def test_query_sums_by_hand():
    summary = sufficient_stats_sqlite(*split_event_log(LOG), **WINDOW)
    assert summary["variant"].tolist() == ["A", "B"]
    # A: u1 revenue 20, pre 7; u2 zeros. B: u3 revenue 10 + 30 = 40, pre 4.
    expected = {
        "users": [2, 1],
        "conversions": [1, 1],
        "revenue_sum": [20.0, 40.0],
        "revenue_sum_sq": [400.0, 1600.0],
        "pre_revenue_sum": [7.0, 4.0],
        "pre_revenue_sum_sq": [49.0, 16.0],
        "revenue_pre_revenue_sum": [140.0, 160.0],
    }
    for column, values in expected.items():
        np.testing.assert_allclose(summary[column].to_numpy(dtype=float), values, err_msg=column)
    validate_summary(summary, source="warehouse query", control="A")  # the template's own input checks pass


def test_pandas_reduction_gives_the_same_per_user_rows_and_sums():
    assignments, events = split_event_log(LOG)
    rows = per_user_outcomes(assignments, events, **WINDOW).set_index("user_id")
    assert rows.loc["u1"].tolist() == ["A", 1, 20.0, 7.0]
    assert rows.loc["u2"].tolist() == ["A", 0, 0.0, 0.0]
    assert rows.loc["u3"].tolist() == ["B", 1, 40.0, 4.0]
    assert "u4" not in rows.index
    summary = sufficient_stats_sqlite(assignments, events, **WINDOW).set_index("variant")
    by_variant = rows.groupby("variant")
    np.testing.assert_allclose(by_variant["revenue"].sum(), summary["revenue_sum"])
    np.testing.assert_allclose((rows["revenue"] * rows["pre_revenue"]).groupby(rows["variant"]).sum(),
                               summary["revenue_pre_revenue_sum"])


def test_window_times_must_be_written_as_the_query_compares_them():
    with pytest.raises(DataError, match="test_end must be a time as YYYY-MM-DD HH:MM:SS, got '2026-11-16'"):
        sufficient_stats_sqlite(*split_event_log(LOG), **{**WINDOW, "test_end": "2026-11-16"})


def test_the_book_shows_the_query_that_runs():
    page = ROOT / "book" / "03-platform-building" / "05-continuous-optimisation" / "02-reading-a-test.md"
    include = re.search(r"```\{literalinclude\} (\S+)\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
    assert include, "the reading page includes the query from the package"
    assert (page.parent / include.group(1)).resolve() == (ROOT / "ecomops" / "warehouse.py").resolve()
    options = {key: yaml.safe_load(value) for key, value in re.findall(r"^:([\w-]+): (.*)$", include.group(2), re.M)}
    assert options["language"] == "sql"
    # what Sphinx shows: the lines after the first one containing start-after, up to the next one containing
    # end-before
    lines = (ROOT / "ecomops" / "warehouse.py").read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if options["start-after"] in line) + 1
    end = next(i for i in range(start, len(lines)) if options["end-before"] in lines[i])
    assert "".join(lines[start:end]) == SUFFICIENT_STATS_QUERY
