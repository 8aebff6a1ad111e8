"""Tests of ecomops.diagnostics against hand-worked examples and independent pandas computations."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pandas as pd
import pytest

from ecomops.customers import clean_retail_transactions, cohort_retention, pooled_retention
from ecomops.data import DataError, dataset_path
from ecomops.diagnostics import (
    complete_months,
    geographic_mix,
    gini_coefficient,
    lorenz_curve,
    monthly_growth,
    retention_at,
    return_rates,
    seasonality_index,
    summarise_transactions,
    top_share,
)

UCI_COLUMNS = dict(customer_col="CustomerID", date_col="InvoiceDate", quantity_col="Quantity",
                   price_col="UnitPrice", product_col="StockCode", invoice_col="InvoiceNo", country_col="Country")


def _lines() -> pd.DataFrame:
    """Six hand-made order lines.

    Invoice 1 (customer a, 2024-01-05): 2 × 10 + 1 × 5 = 25; invoice 2 (b, 2024-01-20): 3 × 4 = 12;
    C3 (a, 2024-02-02) cancels 1 × 10 → −10; invoice 4 (no customer, 2024-02-10): 1 × 8 = 8;
    invoice 5 (a, 2024-03-31, a Sunday): 4 × 5 = 20.
    Net revenue 25 + 12 − 10 + 8 + 20 = 55; gross sales 65; cancelled value 10 → value return rate 10/65;
    orders 4 (invoices 1, 2, 4, 5); invoices 5, one cancelled; customers 2 (a, b); 1 line of 6 without a customer.
    """
    return pd.DataFrame({
        "InvoiceNo": ["1", "1", "2", "C3", "4", "5"],
        "StockCode": ["X", "Y", "X", "X", "Z", "Y"],
        "Quantity": [2, 1, 3, -1, 1, 4],
        "UnitPrice": [10.0, 5.0, 4.0, 10.0, 8.0, 5.0],
        "InvoiceDate": ["2024-01-05 10:00", "2024-01-05 10:00", "2024-01-20 09:00", "2024-02-02 12:00",
                        "2024-02-10 08:00", "2024-03-31 18:00"],
        "CustomerID": ["a", "a", "b", "a", None, "a"],
        "Country": ["UK", "UK", "France", "UK", "UK", "UK"],
    })


def test_hand_worked_totals_and_months():
    summary = summarise_transactions(_lines(), **UCI_COLUMNS)
    assert summary.totals["revenue"] == pytest.approx(55.0)
    assert summary.totals["gross_sales"] == pytest.approx(65.0)
    assert summary.totals["cancelled_value"] == pytest.approx(10.0)
    assert (summary.totals["orders"], summary.totals["invoices"], summary.totals["cancelled_invoices"]) == (4, 5, 1)
    assert summary.totals["customers"] == 2
    assert summary.totals["lines_without_customer"] == 1
    assert summary.monthly["revenue"].tolist() == pytest.approx([37.0, -2.0, 20.0])
    assert summary.monthly["orders"].tolist() == [2, 1, 1]
    assert summary.monthly["customers"].tolist() == [2, 0, 1]  # a's February line is a cancellation
    assert summary.products.to_dict() == pytest.approx({"X": 22.0, "Y": 25.0, "Z": 8.0})
    assert summary.countries.loc["UK", "revenue"] == pytest.approx(43.0)
    assert summary.weekdays.loc[7, "revenue"] == pytest.approx(20.0)  # 2024-03-31 is a Sunday
    rates = return_rates(summary.totals)
    assert rates["value"] == pytest.approx(10 / 65)
    assert rates["lines"] == pytest.approx(1 / 6)
    assert rates["invoices"] == pytest.approx(1 / 5)


def test_weekday_is_the_iso_weekday_before_and_after_1900():
    """The query's weekday (a day count from Monday 1900-01-01, the remainder made non-negative, so that every
    dialect computes it alike) is pandas' ISO weekday, also for days before 1900."""
    days = pd.date_range("1899-12-27", periods=10).append(pd.date_range("2024-03-25", periods=7))
    frame = pd.DataFrame({"c": "a", "d": days.strftime("%Y-%m-%d"), "v": np.arange(1.0, len(days) + 1)})
    summary = summarise_transactions(frame, customer_col="c", date_col="d", amount_col="v")
    expected = frame["v"].groupby(days.isocalendar()["day"].to_numpy()).sum()
    assert summary.weekdays["revenue"].to_dict() == pytest.approx(expected.to_dict())


def test_amount_column_without_invoice_counts_rows_and_negative_values():
    """Without an invoice column each row is an order and a negative amount is a return: 30, −5, 20 →
    orders 2, gross 50, cancelled 5."""
    frame = pd.DataFrame({"客户ID": [1, 1, 2], "日期": ["2024/01/02 10:00", "2024/01/09 10:00", "2024/02/01 00:00"],
                          "金额": ["30", "-5", "20"]})
    summary = summarise_transactions(frame, customer_col="客户ID", date_col="日期", amount_col="金额")
    assert summary.totals["orders"] == 2
    assert summary.totals["gross_sales"] == pytest.approx(50.0)
    assert summary.totals["cancelled_value"] == pytest.approx(5.0)
    assert summary.products is None and summary.countries is None


def test_full_file_scan_matches_pandas_on_the_mod10_file():
    path = dataset_path("online_retail_customers_mod10")
    summary = summarise_transactions(path, **UCI_COLUMNS)
    raw = pd.read_csv(path, dtype={"CustomerID": str, "InvoiceNo": str})
    lines = clean_retail_transactions(raw, keep_cancellations=True)
    assert summary.totals["lines"] == len(raw)
    assert summary.totals["revenue"] == pytest.approx(lines["revenue"].sum())
    assert summary.totals["cancelled_lines"] == int(lines["cancellation"].sum())
    sales = lines[~lines["cancellation"]]
    month = sales["InvoiceDate"].dt.to_period("M")
    by_month = sales.groupby(month).agg(orders=("InvoiceNo", "nunique"), customers=("CustomerID", "nunique"))
    assert summary.monthly["orders"].tolist() == by_month["orders"].tolist()
    assert summary.monthly["customers"].tolist() == by_month["customers"].tolist()
    net = lines.groupby(lines["InvoiceDate"].dt.to_period("M"))["revenue"].sum()
    np.testing.assert_allclose(summary.monthly["revenue"].to_numpy(), net.to_numpy())
    per_customer = summary.customer_months.groupby("customer")["revenue"].sum()
    expected = lines.groupby("CustomerID")["revenue"].sum()
    np.testing.assert_allclose(per_customer.sort_index().to_numpy(), expected.sort_index().to_numpy())


def test_gbk_file_and_compressed_file_are_read(tmp_path):
    summary = summarise_transactions(dataset_path("online_retail_orders_gbk"), customer_col="客户ID",
                                     date_col="日期", amount_col="金额")
    # the data card: 1,710 orders of 442 customers, amounts summing to 833,273.87
    assert summary.totals["orders"] == 1710
    assert summary.totals["customers"] == 442
    assert summary.totals["revenue"] == pytest.approx(833273.87, abs=0.01)
    packed = tmp_path / "lines.csv.gz"
    packed.write_bytes(gzip.compress(_lines().to_csv(index=False).encode()))
    assert summarise_transactions(packed, **UCI_COLUMNS).totals["revenue"] == pytest.approx(55.0)


def test_bad_input_messages_name_column_row_and_value(tmp_path):
    frame = _lines()
    frame.loc[3, "InvoiceDate"] = "soon"
    with pytest.raises(DataError, match=r"'InvoiceDate'.*row 5.*'soon'"):
        summarise_transactions(frame, **UCI_COLUMNS)
    frame = _lines()
    frame["Quantity"] = frame["Quantity"].astype(str)
    frame.loc[1, "Quantity"] = "two"
    with pytest.raises(DataError, match=r"'Quantity'.*row 3.*'two'"):
        summarise_transactions(frame, **UCI_COLUMNS)
    with pytest.raises(DataError, match=r"'Revenue' \(amount_col\) is missing.*'InvoiceNo'"):
        summarise_transactions(_lines(), customer_col="CustomerID", date_col="InvoiceDate", amount_col="Revenue")
    empty = tmp_path / "empty.csv"
    empty.write_text("CustomerID,InvoiceDate,Amount\n,,\n", encoding="utf-8")
    with pytest.raises(DataError, match="no rows with data"):
        summarise_transactions(empty, customer_col="CustomerID", date_col="InvoiceDate", amount_col="Amount")


def test_complete_months_hand_examples():
    assert complete_months("2010-12-01 08:26", "2011-12-09 12:50") == (pd.Period("2010-12"), pd.Period("2011-11"))
    assert complete_months("2010-12-02", "2011-12-31 23:00") == (pd.Period("2011-01"), pd.Period("2011-12"))


def test_monthly_growth_hand_example():
    """Revenue 100, 120, 90 → MoM NaN, +20 %, −25 %; with the last month partial its growth is NaN."""
    index = pd.period_range("2024-01", periods=3, freq="M")
    monthly = pd.DataFrame({"revenue": [100.0, 120.0, 90.0]}, index=index)
    growth = monthly_growth(monthly, columns=("revenue",))
    assert np.isnan(growth["revenue_mom"].iloc[0])
    assert growth["revenue_mom"].iloc[1:].tolist() == pytest.approx([0.20, -0.25])
    partial = monthly_growth(monthly, complete=[True, True, False], columns=("revenue",))
    assert np.isnan(partial["revenue_mom"].iloc[2])
    yearly = pd.DataFrame({"revenue": np.arange(1.0, 14.0)}, index=pd.period_range("2023-01", periods=13, freq="M"))
    assert monthly_growth(yearly, columns=("revenue",))["revenue_yoy"].iloc[12] == pytest.approx(13 / 1 - 1)


def test_seasonality_index_hand_example():
    """Revenue 100, 200, 300 in Jan–Mar: mean 200, index 0.5, 1.0, 1.5."""
    revenue = pd.Series([100.0, 200.0, 300.0], index=pd.period_range("2024-01", periods=3, freq="M"))
    index = seasonality_index(revenue)
    assert index["index"].tolist() == pytest.approx([0.5, 1.0, 1.5])
    assert index["months"].tolist() == [1, 1, 1]


def test_pareto_share_lorenz_and_gini_hand_example():
    """Values 50, 30, 10, 5, 5 (and a fully cancelled unit at −3, left out): k = ceil(0.2 × 5) = 1 → 0.5;
    Lorenz points 0, .05, .10, .20, .50, 1; Gini 1 − 0.2 × (0.05 + 0.15 + 0.30 + 0.70 + 1.50) = 0.46."""
    values = np.array([5.0, 50.0, 10.0, -3.0, 30.0, 5.0])
    assert top_share(values) == pytest.approx(0.5)
    curve = lorenz_curve(values)
    assert curve["value_share"].tolist() == pytest.approx([0, 0.05, 0.10, 0.20, 0.50, 1.0])
    assert curve["units_share"].tolist() == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert gini_coefficient(values) == pytest.approx(0.46)
    # 15 units: 20 % is 3 units exactly (no floating-point round-up to 4); values 1..15 → (15+14+13)/120
    assert top_share(np.arange(1.0, 16.0)) == pytest.approx(42 / 120)
    assert math.isnan(top_share(np.array([0.0, -1.0])))


def test_gini_matches_the_mean_absolute_difference_formula():
    """Gini = Σ_i Σ_j |x_i − x_j| / (2 n² mean) (the discrete Lorenz trapezoid rule gives the same value)."""
    values = np.random.default_rng(7).lognormal(size=200)
    reference = np.abs(values[:, None] - values[None, :]).sum() / (2 * values.size ** 2 * values.mean())
    assert gini_coefficient(values) == pytest.approx(reference)


def test_geographic_mix_groups_the_rest():
    countries = pd.DataFrame({"revenue": [50.0, 30.0, 15.0, 5.0], "orders": [5, 3, 2, 1], "customers": [4, 2, 1, 1]},
                             index=["UK", "FR", "DE", "ES"])
    mix = geographic_mix(countries, top=2)
    assert mix.index.tolist() == ["UK", "FR", "other (2 countries)"]
    assert mix["revenue_share"].tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert mix.loc["other (2 countries)", "orders"] == 3


def test_retention_at_matches_cohort_retention_on_raw_lines():
    path = dataset_path("online_retail_customers_mod10")
    summary = summarise_transactions(path, **UCI_COLUMNS)
    rate, _ = retention_at(summary.customer_months, summary.end)
    lines = clean_retail_transactions(pd.read_csv(path, dtype={"CustomerID": str}))
    table = cohort_retention(lines, "CustomerID", "InvoiceDate", end_date=lines["InvoiceDate"].max())
    assert rate == pytest.approx(pooled_retention(table).loc[3, "rate"])
