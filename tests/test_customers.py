"""Tests for ecomops.customers.cohort_retention on transactions whose retention is counted by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecomops.customers import cohort_retention

NAN = np.nan


@pytest.fixture
def transactions():
    rows = [
        ("c1", "2024-01-03"),
        ("c1", "2024-01-28"),  # second purchase in the same month: counted once
        ("c1", "2024-02-14"),
        ("c1", "2024-04-02"),
        ("c2", "2024-01-15"),
        ("c2", "2024-03-09"),
        ("c3", "2024-01-20"),
        ("c3", None),  # missing date: ignored
        ("c4", "2024-02-05"),
        ("c4", "2024-02-25"),
        ("c5", "2024-02-10"),
        ("c5", "2024-04-20"),
        ("c6", "2024-04-11"),
        (None, "2024-01-10"),  # missing customer: ignored
        (None, "2024-05-03"),  # missing customer after the last real month: must not extend the data end
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date"])
    frame["amount"] = 10.0
    return frame


def test_cohort_retention_hand_count(transactions):
    # Cohorts (month of first purchase): Jan = {c1, c2, c3}, Feb = {c4, c5}, Apr = {c6}; no one starts in Mar.
    # Data end = Apr 2024 (the May row has no customer).
    # Jan: P0 3/3; P1 Feb {c1} 1/3; P2 Mar {c2} 1/3; P3 Apr {c1} 1/3
    # Feb: P0 2/2; P1 Mar {} 0/2 = 0 (observed); P2 Apr {c5} 1/2; P3 May → after the data end: NaN
    # Apr: P0 1/1; P1..P3 after the data end: NaN
    result = cohort_retention(transactions, "customer_id", "order_date")
    assert list(result.index.astype(str)) == ["2024-01", "2024-02", "2024-04"]
    assert isinstance(result.index, pd.PeriodIndex)
    assert list(result.columns) == ["cohort_size", 0, 1, 2, 3]
    assert result["cohort_size"].tolist() == [3, 2, 1]
    expected = np.array(
        [
            [1.0, 1 / 3, 1 / 3, 1 / 3],
            [1.0, 0.0, 1 / 2, NAN],
            [1.0, NAN, NAN, NAN],
        ]
    )
    np.testing.assert_allclose(result[[0, 1, 2, 3]].to_numpy(dtype=float), expected, equal_nan=True)
    # the observed zero is a real 0, the unobserved cells are NaN (not 0)
    assert result.loc[pd.Period("2024-02", "M"), 1] == 0.0
    assert np.isnan(result.loc[pd.Period("2024-02", "M"), 3])
    assert result.loc[pd.Period("2024-04", "M"), [1, 2, 3]].isna().all()


def test_cohort_retention_same_month_repeat_is_counted_once():
    # a: two purchases in Jan, one in Feb; b: one in Jan, none in Feb → P1 = 1/2 (not 2/2 or 2/3)
    frame = pd.DataFrame(
        {"cust": ["a", "a", "b", "a"], "ts": pd.to_datetime(["2023-01-02", "2023-01-30", "2023-01-15", "2023-02-01"])}
    )
    result = cohort_retention(frame, "cust", "ts")
    assert result["cohort_size"].tolist() == [2]
    assert result[0].tolist() == [1.0]
    assert result[1].tolist() == [0.5]


def test_cohort_retention_period_with_no_activity_in_any_cohort_is_zero():
    # Cohorts: Jan {a, b}, Feb {c}, Apr {d}. Nobody buys in Mar, so no cohort has activity in period 2 for Jan
    # or period 1 for Feb; those are observed months and must be 0, and there must still be a column for them.
    # Jan: P0 2/2, P1 Feb 0/2, P2 Mar 0/2, P3 Apr {b} 1/2
    # Feb: P0 1/1, P1 Mar 0, P2 Apr 0, P3 May NaN
    # Apr: P0 1/1, rest NaN
    frame = pd.DataFrame(
        {
            "c": ["a", "a", "b", "b", "c", "d"],
            "d": ["2024-01-05", "2024-01-20", "2024-01-09", "2024-04-02", "2024-02-11", "2024-04-15"],
        }
    )
    result = cohort_retention(frame, "c", "d")
    assert list(result.columns) == ["cohort_size", 0, 1, 2, 3]
    expected = np.array([[1.0, 0.0, 0.0, 0.5], [1.0, 0.0, 0.0, NAN], [1.0, NAN, NAN, NAN]])
    np.testing.assert_allclose(result[[0, 1, 2, 3]].to_numpy(dtype=float), expected, equal_nan=True)


def test_cohort_retention_numeric_ids_with_missing_values_across_a_year_end():
    # Customer IDs as loaded from a CSV with blanks (floats with NaN). Cohort Dec 2010 = {1, 2};
    # Jan 2011 is period 1 across the year end: {1} → 1/2. Cohort Jan 2011 = {3}: P0 1, P1 (Feb) NaN.
    frame = pd.DataFrame(
        {
            "CustomerID": [1.0, 2.0, NAN, 1.0, 3.0, NAN],
            "InvoiceDate": [
                "2010-12-01 08:26", "2010-12-31 23:59", "2010-12-05 10:00", "2011-01-01 00:01", "2011-01-17 12:00",
                "2011-02-02 09:30",
            ],
        }
    )
    result = cohort_retention(frame, "CustomerID", "InvoiceDate")
    assert list(result.index.astype(str)) == ["2010-12", "2011-01"]
    assert result["cohort_size"].tolist() == [2, 1]
    assert list(result.columns) == ["cohort_size", 0, 1]
    np.testing.assert_allclose(result[[0, 1]].to_numpy(dtype=float), [[1.0, 0.5], [1.0, NAN]], equal_nan=True)


def test_cohort_retention_missing_column_names_it(transactions):
    with pytest.raises(KeyError, match=r"'customer'.*columns are: customer_id, order_date, amount"):
        cohort_retention(transactions, "customer", "order_date")
    with pytest.raises(KeyError, match=r"'date'"):
        cohort_retention(transactions, "customer_id", "date")


def test_cohort_retention_no_usable_rows():
    frame = pd.DataFrame({"customer_id": [None, "a"], "order_date": ["2024-01-01", None]})
    with pytest.raises(ValueError, match=r"no rows with both 'customer_id' and 'order_date'"):
        cohort_retention(frame, "customer_id", "order_date")
