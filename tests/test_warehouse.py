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


# ------------------------------------------------------ the per-template queries on the shipped data (DuckDB)

FUNNEL_DATA = ROOT / "datasets" / "online_shoppers_intention.csv"
AB_DATA = ROOT / "datasets" / "ab_test_events.csv.gz"
CLV_DATA = ROOT / "datasets" / "online_retail_customers_mod10.csv"


def _funnel_results(params, frame):
    from ecomops.playbook import kpi_funnel

    overall, by_segment = kpi_funnel.funnel_tables(frame, params)
    return overall, by_segment, kpi_funnel.build_results(params, frame, overall, by_segment, "").model_dump()


def test_funnel_summary_reproduces_the_full_run(tmp_path):
    """The DuckDB query's per-segment stage counts, fed back with data_kind: summary, give the same funnel
    tables and results.json figures as the session rows (Wilson intervals included)."""
    from ecomops.playbook import kpi_funnel
    from ecomops.warehouse import run_duckdb

    summary_file = tmp_path / "funnel_summary.csv"
    run_duckdb("kpi_funnel", FUNNEL_DATA).to_csv(summary_file, index=False)
    full = kpi_funnel.Params()
    reduced = kpi_funnel.Params(data_path=str(summary_file), data_kind="summary")
    expected = _funnel_results(full, full.load_inputs())
    got = _funnel_results(reduced, reduced.load_inputs())
    pd.testing.assert_frame_equal(got[0], expected[0])
    pd.testing.assert_frame_equal(got[1], expected[1])
    assert got[2] == expected[2]


def test_funnel_summary_checks(tmp_path):
    from ecomops.playbook import kpi_funnel

    bad = tmp_path / "bad.csv"
    pd.DataFrame({"segment": ["a"], "table_rows": [10], "stage_1": [10], "stage_2": [11], "stage_3": [1],
                  "stage_4": [0]}).to_csv(bad, index=False)
    with pytest.raises(DataError, match="exceeds the count of the stage before"):
        kpi_funnel.Params(data_path=str(bad), data_kind="summary").load_inputs()


def test_ab_summary_reproduces_the_full_run(tmp_path):
    """Per-day sums from the DuckDB query give the same per-variant sums, daily views and comparisons as the
    event file read directly."""
    from ecomops.playbook import ab_test_analysis as ab
    from ecomops.warehouse import run_duckdb

    summary_file = tmp_path / "ab_summary.csv"
    run_duckdb("ab_test_analysis", AB_DATA).to_csv(summary_file, index=False)
    full = ab.Params().load_inputs()
    reduced = ab.Params(data_path=str(summary_file), data_kind="summary").load_inputs()
    pd.testing.assert_frame_equal(reduced.summary, full.summary, check_dtype=False, rtol=1e-12)
    pd.testing.assert_frame_equal(reduced.by_date, full.by_date, check_dtype=False, rtol=1e-12)
    compare = [ab.compare_arms(i.summary, "control") for i in (full, reduced)]
    pd.testing.assert_frame_equal(compare[1], compare[0], rtol=1e-12)
    cuped = [ab.cuped_table(i.summary, "control") for i in (full, reduced)]
    pd.testing.assert_frame_equal(cuped[1], cuped[0], rtol=1e-10)


def test_ab_segment_summary_reproduces_the_events(tmp_path):
    """With segment_by set, the query adds the segment to its keys; the summary read back gives the same
    per-segment counts and the same per-segment comparisons (and the same overall sums) as the events."""
    from ecomops.playbook import ab_test_analysis as ab
    from ecomops.warehouse import run_duckdb

    events = ab.Params(segment_by="device")
    summary_file = tmp_path / "ab_device.csv"
    run_duckdb("ab_test_analysis", AB_DATA, params=events).to_csv(summary_file, index=False)
    full = events.load_inputs()
    reduced = ab.Params(data_path=str(summary_file), data_kind="summary", segment_by="device").load_inputs()
    assert len(full.by_segment) == 6  # 3 devices × 2 variants
    pd.testing.assert_frame_equal(reduced.by_segment, full.by_segment, check_dtype=False)
    pd.testing.assert_frame_equal(reduced.summary, full.summary, check_dtype=False, rtol=1e-12)
    segments = [ab.segment_comparisons(i.by_segment, "device", "control") for i in (full, reduced)]
    pd.testing.assert_frame_equal(segments[1], segments[0], rtol=1e-12)


def test_btyd_query_matches_calibration_summary():
    """The per-customer BG/NBD query counts purchases per customer and day exactly as
    ecomops.clv.calibration_summary does (x, t_x, T in days, mean repeat spend, holdout counts) on the cleaned
    shipped transactions."""
    from ecomops import clv
    from ecomops.playbook import customer_value as cv
    from ecomops.warehouse import btyd_query, run_duckdb

    params = cv.Params()
    columns = {"customer": "CustomerID", "purchased_at": "InvoiceDate", "quantity": "Quantity",
               "price": "UnitPrice", "invoice": "InvoiceNo"}
    got = run_duckdb(btyd_query(params.calibration_end), CLV_DATA, columns=columns)
    got.index = got["customer"].astype("int64")
    reference = clv.calibration_summary(params.load_inputs().transactions, "customer", "date", "amount",
                                        params.calibration_end, time_unit="days")
    assert got.index.tolist() == reference.index.tolist()
    np.testing.assert_array_equal(got["frequency"], reference["frequency"])
    np.testing.assert_allclose(got["recency_days"], reference["recency"])
    np.testing.assert_allclose(got["age_days"], reference["T"])
    np.testing.assert_allclose(got["monetary"], reference["monetary"], rtol=1e-9)
    np.testing.assert_array_equal(got["holdout_purchases"], reference["holdout_purchases"])
    np.testing.assert_allclose(got["holdout_amount"], reference["holdout_amount"], rtol=1e-9)


def test_customer_value_summary_reproduces_the_full_run(tmp_path):
    """One row per customer and day from the DuckDB query gives the same RFM table, cohorts, BG/NBD and
    Gamma-Gamma fits and CLV as the order lines (sums agree to floating-point rounding)."""
    from ecomops.playbook import customer_value as cv
    from ecomops.warehouse import WORKED_SUMMARIES, run_duckdb

    summary_file = tmp_path / "days.csv"
    run_duckdb("customer_value", CLV_DATA, columns=WORKED_SUMMARIES["online_retail_customer_days_mod10.csv"][2]
               ).to_csv(summary_file, index=False)
    full = cv.Params()
    reduced = cv.Params(data_path=str(summary_file), data_kind="summary", customer_col="customer",
                        date_col="purchase_day", amount_col="amount", invoice_col="")
    inputs = [full.load_inputs(), reduced.load_inputs()]
    rfm = [cv.rfm_segmentation(i) for i in inputs]
    pd.testing.assert_frame_equal(rfm[1][0], rfm[0][0], check_dtype=False, rtol=1e-12)
    pd.testing.assert_frame_equal(cv.cohorts(inputs[1]), cv.cohorts(inputs[0]))
    models = [cv.fit_models(i, p) for i, p in zip(inputs, (full, reduced))]
    assert models[1].bgnbd.r == pytest.approx(models[0].bgnbd.r, rel=1e-9)
    assert models[1].gamma_gamma.q == pytest.approx(models[0].gamma_gamma.q, rel=1e-6)
    np.testing.assert_allclose(models[1].customers["clv"], models[0].customers["clv"], rtol=1e-6)


def test_customer_value_summary_refuses_order_lines():
    from ecomops.playbook import customer_value as cv

    lines = cv.Params(data_path=str(CLV_DATA), data_kind="summary", customer_col="CustomerID",
                      date_col="InvoiceDate", amount_col="UnitPrice", invoice_col="")
    with pytest.raises(DataError, match="more than one row on"):
        lines.load_inputs()
    with pytest.raises(ValueError, match="leave invoice_col empty"):
        cv.Params(data_kind="summary", amount_col="amount")


def _case_study_figures(params):
    from ecomops.playbook import case_study

    inputs = params.load_inputs()
    analysis = case_study.analyse(inputs)
    text = case_study.memo(params, inputs, analysis)
    return case_study.build_results(params, inputs, analysis, text).model_dump()


def _assert_close(got, expected, where="results"):
    """Equal structure and text; numbers equal to floating-point rounding."""
    if isinstance(expected, dict):
        assert list(got) == list(expected), where
        for key in expected:
            _assert_close(got[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), where
        for k, (a, b) in enumerate(zip(got, expected)):
            _assert_close(a, b, f"{where}[{k}]")
    elif isinstance(expected, float) and not isinstance(got, bool):
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), where
    else:
        assert got == expected, where


def test_case_study_summary_reproduces_the_full_run(tmp_path):
    """The DuckDB query on all 541,909 shipped UCI lines, saved and read back with data_kind: summary, gives the
    figures, tables and memo of the run on the file itself."""
    from ecomops.playbook import case_study
    from ecomops.warehouse import WORKED_SUMMARIES, run_duckdb

    summary_file = tmp_path / "case_summary.csv"
    run_duckdb("case_study", ROOT / "datasets" / "online_retail_full.csv.gz",
               columns=WORKED_SUMMARIES["online_retail_summary_mod10.csv"][2]).to_csv(summary_file, index=False)
    full = case_study.Params()
    reduced = case_study.Params(data_path=str(summary_file), data_kind="summary")
    _assert_close(_case_study_figures(reduced), _case_study_figures(full))


def test_case_study_summary_without_products_invoices_or_countries(tmp_path):
    """With product_col, invoice_col and country_col empty the query reads only customer, date and amount, and
    the summary gives the same figures as the file read with the same parameters (cancellations = negative
    lines, no product or country figures)."""
    from ecomops.playbook import case_study
    from ecomops.warehouse import run_duckdb, template_query

    values = dict(product_col="", invoice_col="", country_col="", amount_col="UnitPrice")
    full = case_study.Params(data_path=str(CLV_DATA), **values)
    query = template_query("case_study", full)
    assert set(query.roles) == {"customer", "purchased_at", "amount"}
    summary_file = tmp_path / "plain.parquet"
    run_duckdb(query, CLV_DATA, columns={"customer": "CustomerID", "purchased_at": "InvoiceDate",
                                         "amount": "UnitPrice"}).to_parquet(summary_file)
    reduced = case_study.Params(data_path=str(summary_file), data_kind="summary", **values)
    got = _case_study_figures(reduced)
    assert got["top20_product_share"] is None and got["top_country"] is None
    _assert_close(got, _case_study_figures(full))


@pytest.mark.parametrize("change, message", [
    (lambda t: t.drop(columns="orders"), "column 'orders' is missing"),
    (lambda t: t.assign(part=t["part"].replace("weekday", "day")), "must be one of month, customer_month"),
    (lambda t: t[t["part"] != "total"], "this one has no 'total' rows"),
    (lambda t: pd.concat([t, t[t["part"] == "total"]]), "this one has 2 'total' rows"),
    (lambda t: t.assign(revenue=t["revenue"].where(t.index != 20)), "column 'revenue' must hold numbers"),
    (lambda t: t.assign(bad_dates=t["bad_dates"].where(t["part"] != "total", 3)), "3 line(s) with an empty or "
     "unreadable date"),
    (lambda t: t.assign(invoices=t["invoices"].where(t["part"] != "total", 0)), "but invoice_col is set"),
])
def test_case_study_summary_checks(tmp_path, change, message):
    """A damaged summary file gets one message naming the column, the row or the value."""
    from ecomops.playbook import case_study

    shipped = pd.read_csv(ROOT / "datasets" / "online_retail_summary_mod10.csv")
    bad = tmp_path / "bad.csv"
    change(shipped).to_csv(bad, index=False)
    with pytest.raises(DataError, match=re.escape(message)):
        case_study.Params(data_path=str(bad), data_kind="summary").check_inputs()


@pytest.mark.parametrize("filename", ["online_shoppers_funnel_summary.csv", "ab_test_events_daily_summary.csv",
                                      "ab_test_events_device_daily_summary.csv",
                                      "online_retail_customer_days_mod10.csv", "online_retail_summary_mod10.csv"])
def test_shipped_summaries_are_the_query_results(filename):
    """The worked cases' summary files are what the DuckDB query computes from the shipped sources."""
    from io import StringIO

    from ecomops.warehouse import worked_summary

    shipped = pd.read_csv(ROOT / "datasets" / filename)
    again = pd.read_csv(StringIO(worked_summary(filename).to_csv(index=False)))  # as the file was written
    assert list(shipped.columns) == list(again.columns) and len(shipped) == len(again)
    for column in shipped.columns:
        if pd.api.types.is_numeric_dtype(shipped[column]):
            np.testing.assert_allclose(shipped[column], again[column], rtol=1e-12, err_msg=column)
        else:
            assert shipped[column].astype(str).tolist() == again[column].astype(str).tolist(), column
