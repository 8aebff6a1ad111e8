"""The customer_value template's steps: cleaning rules counted by hand, the bad-input messages, and the model
step against lifetimes (an independent implementation of the same BG/NBD and Gamma-Gamma likelihoods)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ecomops.data import DataError, pseudonymise_ids
from ecomops.playbook import ParamError, validate_params
from ecomops.playbook import customer_value as cv


def lines() -> pd.DataFrame:
    """Eight order lines: one without a customer, one cancellation (C2), one return (negative quantity), one free
    item (price 0); four lines of customers a and b remain, worth 2·5 + 1·4 = 14 (a, day 1), 3 (a, day 20),
    6 (b, day 3)."""
    return pd.DataFrame({
        "inv": ["1", "1", "2", "C2", "3", "4", "5", "6"],
        "cust": [10.0, 10.0, np.nan, 10.0, 20.0, 10.0, 20.0, 10.0],
        "when": ["2024-01-01 09:00", "2024-01-01 09:00", "2024-01-02 10:00", "2024-01-05 10:00",
                 "2024-01-03 11:00", "2024-01-20 12:00", "2024-01-04 12:00", "2024-01-21 08:00"],
        "qty": [2, 1, 1, -1, 2, 1, -1, 5],
        "price": [5.0, 4.0, 9.0, 5.0, 3.0, 3.0, 3.0, 0.0],
    })


def params(**values) -> cv.Params:
    base = {"customer_col": "cust", "date_col": "when", "quantity_col": "qty", "price_col": "price",
            "invoice_col": "inv", "calibration_end": "2024-01-10"}
    return cv.Params(**{**base, **values})


def test_cleaning_rules_count_what_they_remove():
    inputs = cv.clean_transactions(lines(), params())
    removed = dict(zip(inputs.cleaning["rule"], inputs.cleaning["rows_removed"]))
    assert removed == {"missing customer ID": 1, "missing date": 0, "cancellation invoice": 1,
                       "return (negative quantity)": 1, "zero amount": 1}
    assert inputs.cleaning["rows_left"].tolist() == [7, 7, 6, 5, 4]
    assert inputs.rows_read == 8
    assert inputs.transactions["customer"].tolist() == [10, 10, 20, 10]  # 10.0 read as a float → 10
    assert inputs.transactions["amount"].tolist() == [10.0, 4.0, 6.0, 3.0]


def test_negative_amount_left_after_the_rules_names_the_row():
    frame = lines()
    frame.loc[4, "price"] = -3.0  # a negative price on a sale: not a return, not a cancellation
    with pytest.raises(DataError, match=r"row 6 has a negative amount \(-6\)"):
        cv.clean_transactions(frame, params())


def test_amount_column_with_refunds_as_negative_amounts_stops():
    frame = pd.DataFrame({"客户ID": [1, 1, 2], "日期": ["2024/01/01", "2024/01/05", "2024/01/02"],
                          "金额": [10.0, -10.0, 5.0]})
    p = cv.Params(customer_col="客户ID", date_col="日期", amount_col="金额", quantity_col="", price_col="",
                  invoice_col="", calibration_end="2024-01-03")
    with pytest.raises(DataError, match="row 3 has a negative amount"):
        cv.clean_transactions(frame, p)
    frame.loc[1, "金额"] = 7.0
    inputs = cv.clean_transactions(frame, p)
    assert inputs.transactions["date"].dt.day.tolist() == [1, 5, 2]


def test_unreadable_date_names_its_row_and_value():
    frame = lines()
    frame.loc[5, "when"] = "20th of January"
    with pytest.raises(DataError, match=r"'when' must hold dates, but row 7 has '20th of January'"):
        cv.clean_transactions(frame, params())


def test_dates_in_two_formats_are_both_read():
    frame = lines()
    frame.loc[5, "when"] = "2024/01/20"
    inputs = cv.clean_transactions(frame, params())
    assert pd.Timestamp("2024-01-20") in set(inputs.transactions["date"])


def test_nothing_left_after_cleaning():
    frame = lines().assign(cust=np.nan)
    with pytest.raises(DataError, match="no transactions are left after cleaning.*missing customer ID: 8 removed"):
        cv.clean_transactions(frame, params())


@pytest.mark.parametrize("end", ["2023-12-31", "2024-01-20", "2024-03-01"])
def test_calibration_end_outside_the_data(end):
    """The kept purchases run from 2024-01-01 to 2024-01-20; the end must leave at least one later day."""
    with pytest.raises(DataError, match="outside the data range"):
        cv.clean_transactions(lines(), params(calibration_end=end))


def test_parameter_rules():
    with pytest.raises(ParamError, match="amount_col, or both quantity_col and price_col"):
        validate_params("customer_value", {"amount_col": "", "price_col": ""})
    with pytest.raises(ParamError, match="not a date"):
        validate_params("customer_value", {"calibration_end": "end of August"})
    with pytest.raises(ParamError, match="time_unit"):
        validate_params("customer_value", {"time_unit": "months"})


def test_only_the_needed_columns_are_used():
    assert params()._used_columns() == ["cust", "when", "qty", "price", "inv"]
    assert params(amount_col="total", invoice_col="")._used_columns() == ["cust", "when", "total"]


@pytest.fixture(scope="module")
def default_run():
    p = cv.Params()
    inputs = p.load_inputs()
    rfm, segments = cv.rfm_segmentation(inputs)
    return p, inputs, rfm, segments, cv.fit_models(inputs, p)


def test_default_data_cleaning_counts(default_run):
    """The shipped file has 36,378 lines, 742 of them on cancellation invoices, 4 with a zero price and no line
    without a customer (datasets/README.md)."""
    _, inputs, *_ = default_run
    removed = dict(zip(inputs.cleaning["rule"], inputs.cleaning["rows_removed"]))
    assert inputs.rows_read == 36_378
    assert removed["cancellation invoice"] == 742 and removed["missing customer ID"] == 0
    assert removed["zero amount"] == 4 and inputs.cleaning["rows_left"].iloc[-1] == 36_378 - 746


def test_model_fit_is_the_maximum_of_lifetimes_likelihood(default_run):
    """lifetimes 0.11.3 (an independent implementation of the same likelihoods): its BG/NBD likelihood at our
    estimate equals ours, and no parameter moved by ±1 % raises it (a maximum). Its own fitter stops with a
    ConvergenceError on these data (the surface is flat towards a → 0, lifetimes issue #419), so the estimate
    is checked through the likelihood. Its Gamma-Gamma fitter converges and gives our p, q, γ."""
    lifetimes = pytest.importorskip("lifetimes")
    _, _, _, _, model = default_run
    summary = model.calibration
    x, t_x, age = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    weights = np.ones_like(x)
    fit = model.bgnbd
    estimate = np.log([fit.r, fit.alpha, fit.a, fit.b])

    def their_ll(log_params):
        return -lifetimes.BetaGeoFitter._negative_log_likelihood(log_params, x, t_x, age, weights, 0.0) * len(x)

    assert their_ll(estimate) == pytest.approx(fit.log_likelihood, abs=1e-6)
    for k in range(4):
        for step in (-0.01, 0.01):
            moved = estimate.copy()
            moved[k] += step
            assert their_ll(moved) <= their_ll(estimate) + 1e-6
    repeaters = summary[summary["frequency"] > 0]
    spend = lifetimes.GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary"])
    theirs = [spend.params_[k] for k in ("p", "q", "v")]
    assert [model.gamma_gamma.p, model.gamma_gamma.q, model.gamma_gamma.gamma] == pytest.approx(theirs, rel=2e-3)


def test_clv_summary_and_top_customers(default_run):
    p, _, rfm, _, model = default_run
    clv = model.customers["clv"].sort_values(ascending=False)
    summary = cv.clv_summary(model)
    top = math.ceil(len(clv) / 10)
    assert summary["total"] == pytest.approx(clv.sum())
    assert summary["top_decile_share"] == pytest.approx(clv.iloc[:top].sum() / clv.sum())
    table = cv.top_customers(model, rfm, p)
    assert len(table) == cv.TOP_CUSTOMERS
    assert table["clv"].tolist() == pytest.approx(clv.iloc[:cv.TOP_CUSTOMERS].tolist())
    expected_ids = pseudonymise_ids(pd.Series(clv.index[:cv.TOP_CUSTOMERS].astype(str)), salt=p.id_salt, length=12)
    assert table["customer"].tolist() == expected_ids.tolist()
    assert not set(table["customer"]) & set(rfm.index)  # no raw customer ID is shown


def test_results_and_memo_are_built_from_the_numbers(default_run):
    p, inputs, rfm, segments, model = default_run
    segments = cv.segments_with_value(segments, rfm, model)
    text = cv.memo(p, inputs, segments, model)
    assert "nan" not in text.lower()
    results = cv.build_results(p, inputs, rfm, model, text)
    assert sum(results.rfm_segments.values()) == results.n_customers == len(rfm) == 442
    assert results.holdout.actual_purchases == int(model.calibration["holdout_purchases"].sum())
    assert f"{results.holdout.actual_purchases:,}" in text
    assert f"{results.clv.total:,.0f}" in text
    assert segments["clv"].sum() == pytest.approx(results.clv.total)
