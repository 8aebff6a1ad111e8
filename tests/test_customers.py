"""Tests for ecomops.customers: order-line cleaning, orders per customer and cohort retention, against counts
and sums worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from ecomops.customers import (
    NON_PRODUCT_STOCK_CODES,
    RFM_SEGMENT_RULES,
    rfm_scores,
    rfm_segments,
    rfm_table,
    segment_summary,
    clean_retail_transactions,
    cohort_retention,
    is_cancellation,
    last_observed,
    invoice_table,
    orders_per_customer,
    pooled_retention,
)
from ecomops.data import DataError, load_dataset

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
    with pytest.raises(DataError, match=r"'customer' is missing.*columns present: customer_id, order_date, amount"):
        cohort_retention(transactions, "customer", "order_date")
    with pytest.raises(DataError, match=r"column 'date' is missing"):
        cohort_retention(transactions, "customer_id", "date")


def test_cohort_retention_no_usable_rows():
    frame = pd.DataFrame({"customer_id": [None, "a"], "order_date": ["2024-01-01", None]})
    with pytest.raises(DataError, match=r"no rows with both 'customer_id' and 'order_date'"):
        cohort_retention(frame, "customer_id", "order_date")


def test_last_observed_takes_each_cohorts_latest_period(transactions):
    # From the hand count above: Jan's last observed period is P3 (1/3), Feb's P2 (1/2), Apr's P0 (1).
    result = last_observed(cohort_retention(transactions, "customer_id", "order_date"))
    assert list(result.index.astype(str)) == ["2024-01", "2024-02", "2024-04"]
    np.testing.assert_allclose(result.to_numpy(dtype=float), [1 / 3, 1 / 2, 1.0])


def test_last_observed_keeps_an_observed_zero_and_a_row_without_values():
    table = pd.DataFrame(
        {"cohort_size": [4, 2, 1], 0: [1.0, 1.0, np.nan], 1: [0.25, 0.0, np.nan], 2: [0.5, np.nan, np.nan]}
    )
    result = last_observed(table)
    assert result.iloc[0] == 0.5 and result.iloc[1] == 0.0  # an observed 0 is a value, not a gap
    assert np.isnan(result.iloc[2])


# ------------------------------------------------------------------------------------------ order-line cleaning


@pytest.fixture
def order_lines():
    """Seven lines of three invoices and one cancellation, in the UCI Online Retail layout."""
    return pd.DataFrame(
        {
            "InvoiceNo": ["536365", "536365", "C536379", "536380", "536380", "536381", "C536383"],
            "StockCode": ["85123A", "POST", "85123A", "22423", "M", "22423", "22423"],
            "Quantity": [6, 1, -2, 3, 1, 2, -1],
            "InvoiceDate": ["2010-12-01 08:26:00", "2010-12-01 08:26:00", "2010-12-01 09:41:00",
                            "2010-12-01 09:45:00", "2010-12-01 09:45:00", "2011-01-04 10:00:00",
                            "2011-01-05 11:30:00"],
            "UnitPrice": [2.55, 18.0, 2.55, 12.75, 0.0, 10.95, 12.75],
            "CustomerID": [17850.0, 17850.0, 17850.0, 12680.0, 12680.0, 17850.0, np.nan],
        },
        index=[10, 11, 12, 13, 14, 15, 16],
    )


def test_is_cancellation_reads_the_c_prefix():
    numbers = pd.Series(["536365", "C536379", None, "c1", "A563185"])
    assert is_cancellation(numbers).tolist() == [False, True, False, False, False]
    assert is_cancellation(pd.Series([536365, 536366])).tolist() == [False, False]  # read as numbers


def test_clean_retail_transactions_drops_cancellations_and_adds_revenue(order_lines):
    before = order_lines.copy()
    sales = clean_retail_transactions(order_lines)
    pd.testing.assert_frame_equal(order_lines, before)  # the input is not modified
    # kept: the five lines of invoices 536365, 536380 and 536381 (index kept); dropped: rows 12 and 16
    assert sales.index.tolist() == [10, 11, 13, 14, 15]
    assert list(sales.columns) == list(order_lines.columns) + ["revenue", "cancellation"]
    # revenue by hand: 6 × 2.55 = 15.30, 1 × 18.00, 3 × 12.75 = 38.25, 1 × 0.00, 2 × 10.95 = 21.90
    np.testing.assert_allclose(sales["revenue"], [15.30, 18.0, 38.25, 0.0, 21.90])
    assert sales["revenue"].sum() == pytest.approx(93.45)
    assert not sales["cancellation"].any()
    assert pd.api.types.is_datetime64_any_dtype(sales["InvoiceDate"])
    assert sales.loc[15, "InvoiceDate"] == pd.Timestamp("2011-01-04 10:00")
    # non-product codes, zero prices and missing customers are not this function's business
    assert set(NON_PRODUCT_STOCK_CODES) >= {"POST", "M"} and {"POST", "M"} <= set(sales["StockCode"])


def test_clean_retail_transactions_keeps_cancellations_for_net_sums(order_lines):
    lines = clean_retail_transactions(order_lines, keep_cancellations=True)
    assert lines.index.tolist() == order_lines.index.tolist()
    assert lines["cancellation"].tolist() == [False, False, True, False, False, False, True]
    # net revenue = gross 93.45 − 2 × 2.55 − 1 × 12.75 = 75.60
    assert lines["revenue"].sum() == pytest.approx(75.60)
    assert lines.loc[lines["cancellation"], "revenue"].tolist() == pytest.approx([-5.10, -12.75])


def test_clean_retail_transactions_errors_name_the_column(order_lines):
    with pytest.raises(DataError, match=r"column 'UnitPrice' is missing.*columns present: InvoiceNo, StockCode"):
        clean_retail_transactions(order_lines.drop(columns="UnitPrice"))
    bad = order_lines.assign(Quantity=order_lines["Quantity"].astype(object))
    bad.loc[13, "Quantity"] = "three"
    with pytest.raises(DataError, match=r"column 'Quantity' must be numeric, but row 5 has 'three'"):
        clean_retail_transactions(bad)
    bad = order_lines.copy()
    bad.loc[11, "InvoiceDate"] = "yesterday"
    with pytest.raises(DataError, match=r"column 'InvoiceDate' must hold dates, but row 3 has 'yesterday'"):
        clean_retail_transactions(bad)


def test_orders_per_customer_counts_distinct_non_cancelled_invoices(order_lines):
    # 17850: invoices 536365 (two lines) and 536381 → 2 (C536379 is a cancellation); 12680: 536380 → 1;
    # the customer-less cancellation C536383 is ignored
    expected = pd.Series([1, 2], index=pd.Index([12680.0, 17850.0], name="CustomerID"), name="orders")
    pd.testing.assert_series_equal(orders_per_customer(order_lines, "CustomerID"), expected)
    # the same on lines already cleaned, with or without the cancellations
    pd.testing.assert_series_equal(orders_per_customer(clean_retail_transactions(order_lines), "CustomerID"),
                                   expected)
    pd.testing.assert_series_equal(
        orders_per_customer(clean_retail_transactions(order_lines, keep_cancellations=True), "CustomerID"), expected
    )
    with pytest.raises(DataError, match=r"column 'customer' is missing"):
        orders_per_customer(order_lines, "customer")


def test_cleaning_on_the_shipped_retail_subset_matches_its_data_card():
    # datasets/README.md: 36,378 lines, 2,011 invoices, 742 cancellation lines, 445 customers
    retail = load_dataset("online_retail_customers_mod10")
    lines = clean_retail_transactions(retail, keep_cancellations=True)
    sales = clean_retail_transactions(retail)
    assert len(lines) == 36_378 and int(lines["cancellation"].sum()) == 742
    assert len(sales) == 36_378 - 742
    assert (sales["Quantity"] > 0).all()  # in this file every sale line has a positive quantity
    orders = orders_per_customer(retail, "CustomerID")
    cancellation_invoices = retail.loc[retail["InvoiceNo"].str.startswith("C"), "InvoiceNo"].nunique()
    assert cancellation_invoices == 300 and orders.sum() == 2_011 - 300
    # 442 of the 445 customers placed an order that was not cancelled; the other 3 have cancellations only
    assert orders.size == 442
    only_cancelled = set(retail["CustomerID"]) - set(orders.index)
    assert len(only_cancelled) == 3
    assert retail.loc[retail["CustomerID"].isin(only_cancelled), "InvoiceNo"].str.startswith("C").all()


def test_pooled_retention_by_hand(transactions):
    retention = cohort_retention(transactions, "customer_id", "order_date")
    pooled = pooled_retention(retention)
    # Jan cohort (c1, c2, c3): 1 active in Feb, Mar and Apr each; Feb cohort (c4, c5): none in Mar, c5 in Apr;
    # Apr cohort (c6) has no later period. Period 1: (1 + 0) / (3 + 2); period 2: (1 + 1) / (3 + 2); period 3: 1 / 3
    assert pooled.index.tolist() == [1, 2, 3]
    assert pooled["retained"].tolist() == [1, 2, 1] and pooled["customers"].tolist() == [5, 5, 3]
    np.testing.assert_allclose(pooled["rate"], [0.2, 0.4, 1 / 3])
    low, high = proportion_confint([1, 2, 1], [5, 5, 3], alpha=0.05, method="wilson")
    np.testing.assert_allclose(pooled["ci_low"], low)
    np.testing.assert_allclose(pooled["ci_high"], high)


def test_pooled_retention_leaves_out_a_cohort_and_unobserved_periods(transactions):
    retention = cohort_retention(transactions, "customer_id", "order_date")
    pooled = pooled_retention(retention, exclude=(pd.Period("2024-01", "M"),))
    # only the Feb cohort remains: 0 of 2 in period 1, 1 of 2 in period 2; period 3 lies beyond the data for it
    assert pooled.index.tolist() == [1, 2] and pooled["retained"].tolist() == [0, 1]
    assert pooled["customers"].tolist() == [2, 2]
    with pytest.raises(DataError, match="cohort_size"):
        pooled_retention(retention.drop(columns="cohort_size"))


def test_invoice_table_by_hand(order_lines):
    invoices = invoice_table(clean_retail_transactions(order_lines, keep_cancellations=True))
    assert invoices.index.tolist() == ["536365", "536380", "536381", "C536379", "C536383"]
    # 536365: 15.30 + 18.00; 536380: 38.25 + 0; 536381: 21.90; C536379: −5.10; C536383: −12.75 (no customer)
    np.testing.assert_allclose(invoices["revenue"], [33.30, 38.25, 21.90, -5.10, -12.75])
    assert invoices["cancellation"].tolist() == [False, False, False, True, True]
    assert invoices.loc["536380", "customer"] == 12680.0 and np.isnan(invoices.loc["C536383", "customer"])
    assert invoices.loc["536365", "date"] == pd.Timestamp("2010-12-01 08:26")
    with pytest.raises(DataError, match="cancellation"):
        invoice_table(order_lines)  # not cleaned: no cancellation or revenue column


def test_cohort_retention_end_date_leaves_out_partial_month(transactions):
    """With end_date 2024-04-15 April is incomplete: its purchases are left out (also c6's cohort), and March,
    the last complete month, is the last observed period. Jan: P1 1/3, P2 1/3, P3 (Apr) NaN; Feb: P1 (Mar) 0/2
    is a real zero, P2 NaN."""
    result = cohort_retention(transactions, "customer_id", "order_date", end_date="2024-04-15")
    assert list(result.index.astype(str)) == ["2024-01", "2024-02"]
    assert list(result.columns) == ["cohort_size", 0, 1, 2]
    np.testing.assert_allclose(result[[0, 1, 2]].to_numpy(dtype=float),
                               [[1.0, 1 / 3, 1 / 3], [1.0, 0.0, NAN]], equal_nan=True)
    # the last day of April completes the month: the table is the one without end_date
    full = cohort_retention(transactions, "customer_id", "order_date", end_date="2024-04-30")
    pd.testing.assert_frame_equal(full, cohort_retention(transactions, "customer_id", "order_date"))


def test_cohort_retention_end_date_keeps_an_empty_complete_month():
    """Purchases end in February but the data run to 2024-03-31: March is observed, and nobody bought (0)."""
    frame = pd.DataFrame({"c": ["a", "a", "b"], "d": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-02-09"])})
    result = cohort_retention(frame, "c", "d", end_date="2024-03-31")
    np.testing.assert_allclose(result[[0, 1, 2]].to_numpy(dtype=float), [[1.0, 1.0, 0.0], [1.0, 0.0, NAN]],
                               equal_nan=True)


def test_cohort_retention_counts(transactions):
    """counts=True gives the active customers per cell: Jan 3, 1, 1, 1; Feb 2, 0, 1, NaN; Apr 1, NaN…"""
    result = cohort_retention(transactions, "customer_id", "order_date", counts=True)
    np.testing.assert_allclose(result[[0, 1, 2, 3]].to_numpy(dtype=float),
                               [[3, 1, 1, 1], [2, 0, 1, NAN], [1, NAN, NAN, NAN]], equal_nan=True)
    assert result["cohort_size"].tolist() == [3, 2, 1]


@pytest.fixture
def rfm_orders():
    # as_of 2024-03-31. a: 3 purchase days (two orders on 03-30 count once), last 03-30, spend 10+20+5+5 = 40;
    # b: 1 day (03-01), 100; c: 2 days, last 03-20, 30; d: 1 day (03-01), 15; e: a purchase after as_of only.
    rows = [("a", "2024-01-10 10:00", 10.0), ("a", "2024-02-10 10:00", 20.0), ("a", "2024-03-30 09:00", 5.0),
            ("a", "2024-03-30 18:00", 5.0), ("b", "2024-03-01 10:00", 100.0), ("c", "2024-02-01 10:00", 10.0),
            ("c", "2024-03-20 10:00", 20.0), ("d", "2024-03-01 12:00", 15.0), ("e", "2024-04-02 10:00", 50.0),
            (None, "2024-03-05 10:00", 9.0)]
    return pd.DataFrame(rows, columns=["cust", "ts", "value"])


def test_rfm_table_hand_example(rfm_orders):
    rfm = rfm_table(rfm_orders, "cust", "ts", "value", as_of="2024-03-31")
    assert rfm.index.tolist() == ["a", "b", "c", "d"]
    assert rfm["recency_days"].tolist() == [1, 30, 11, 30]
    assert rfm["frequency"].tolist() == [3, 1, 2, 1]
    assert rfm["monetary"].tolist() == [40.0, 100.0, 30.0, 15.0]
    default = rfm_table(rfm_orders, "cust", "ts", "value")  # as_of = last purchase day, 2024-04-02
    assert default.loc["e", "recency_days"] == 0 and default.loc["a", "recency_days"] == 3


def test_rfm_scores_tie_conventions(rfm_orders):
    """Four customers, two bins: score = 1 + floor(2 (rank − 1) / 4).
    Frequency 3, 1, 2, 1 → "first" ranks (ties in index order) 4, 1, 3, 2 → F = 2, 1, 2, 1;
    "min" ranks 4, 1, 3, 1 → the same here. Recency 1, 30, 11, 30 is reversed: −recency ranks "first" 4, 1, 3, 2
    → R = 2, 1, 2, 1. With "min", the tied b and d (rank 1) share R = 1; monetary 40, 100, 30, 15 → M = 2, 2, 1, 1.
    Three bins: frequency "first" ranks 4, 1, 3, 2 → 1 + floor(3·3/4)=3, 1, 1+floor(6/4)=2, 1+floor(3/4)=1;
    "min" ranks 4, 1, 3, 1 → 3, 1, 2, 1; recency "min" ranks of −recency: 4, 1, 3, 1 → R = 3, 1, 2, 1."""
    rfm = rfm_table(rfm_orders, "cust", "ts", "value", as_of="2024-03-31")
    first = rfm_scores(rfm, n_bins=2)
    assert first["R"].tolist() == [2, 1, 2, 1]
    assert first["F"].tolist() == [2, 1, 2, 1]
    assert first["M"].tolist() == [2, 2, 1, 1]
    assert first["RFM"].tolist() == ["222", "112", "221", "111"]
    three_first = rfm_scores(rfm, n_bins=3, ties="first")
    three_min = rfm_scores(rfm, n_bins=3, ties="min")
    assert three_first["F"].tolist() == [3, 1, 2, 1]
    assert three_min["F"].tolist() == [3, 1, 2, 1]
    assert three_min["R"].tolist() == [3, 1, 2, 1]


def test_rfm_scores_ties_first_vs_min_on_many_one_time_buyers():
    """Ten customers, seven with frequency 1: "first" spreads the seven over scores 1–4 (equal bins of two),
    "min" gives all seven score 1 (rank 1) and the three others 4, 5, 5 (ranks 8, 9, 10: 1 + floor(5·7/10) = 4,
    1 + floor(5·8/10) = 5, 1 + floor(5·9/10) = 5)."""
    rfm = pd.DataFrame({"recency_days": range(10), "frequency": [1] * 7 + [2, 3, 4], "monetary": range(10)})
    assert rfm_scores(rfm, ties="first")["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert rfm_scores(rfm, ties="min")["F"].tolist() == [1] * 7 + [4, 5, 5]
    assert rfm_scores(rfm)["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    with pytest.raises(ValueError, match="ties"):
        rfm_scores(rfm, ties="dense")


def test_rfm_segment_rules_cover_each_cell_once():
    cells = [(r, f) for _, rs, fs in RFM_SEGMENT_RULES for r in rs for f in fs]
    assert sorted(cells) == [(r, f) for r in range(1, 6) for f in range(1, 6)]


def test_rfm_segments_named_cells():
    scores = pd.DataFrame({"R": [5, 5, 1, 1, 3, 4, 5, 4, 2, 3], "F": [5, 1, 1, 5, 3, 1, 2, 5, 3, 2]})
    assert rfm_segments(scores).tolist() == [
        "champions", "new_customers", "hibernating", "cant_lose", "need_attention", "promising",
        "potential_loyalists", "loyal_customers", "at_risk", "about_to_sleep"]
    with pytest.raises(ValueError, match="1 to 5"):
        rfm_segments(pd.DataFrame({"R": [6], "F": [1]}))


def test_segment_summary_sizes_and_value(rfm_orders):
    rfm = rfm_table(rfm_orders, "cust", "ts", "value", as_of="2024-03-31")
    segments = pd.Series(["x", "y", "x", "y"], index=rfm.index)
    table = segment_summary(rfm, segments, value=pd.Series([1.0, 2.0, 3.0, 4.0], index=rfm.index))
    assert table.loc["x", "customers"] == 2 and table.loc["y", "monetary"] == 115.0
    assert table.loc["x", "monetary_share"] == pytest.approx(70 / 185)
    assert table.loc["y", "value"] == 6.0
    assert table.index.tolist() == ["y", "x"]
