"""The case_study template module: parameters, bad input, the analysis, the memo and results.json."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pydantic import ValidationError

from ecomops.data import DataError
from ecomops.i18n import use_language
from ecomops.playbook import case_study as cs


def _write(tmp_path, frame: pd.DataFrame, name: str = "lines.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _lines() -> pd.DataFrame:
    """Three months of lines ending on 2024-03-15 (March partial). Net revenue: January 100 + 50 = 150,
    February 200 − 20 (cancellation C3) = 180, March 60; total 390. Gross 410, cancelled 20 → rate 20/410."""
    return pd.DataFrame({
        "InvoiceNo": ["1", "2", "3", "C3", "4"],
        "StockCode": ["A", "B", "A", "A", "B"],
        "Quantity": [10, 5, 20, -2, 6],
        "UnitPrice": [10.0, 10.0, 10.0, 10.0, 10.0],
        "InvoiceDate": ["2024-01-01 09:00", "2024-01-31 10:00", "2024-02-10 11:00", "2024-02-11 12:00",
                        "2024-03-15 13:00"],
        "CustomerID": ["a", "b", "a", "a", "b"],
        "Country": ["UK", "France", "UK", "UK", "France"],
    })


def _run(params: cs.Params):
    inputs = params.load_inputs()
    analysis = cs.analyse(inputs)
    text = cs.memo(params, inputs, analysis)
    return inputs, analysis, text, cs.build_results(params, inputs, analysis, text)


def test_hand_worked_results_and_partial_month(tmp_path):
    params = cs.Params(data_path=str(_write(tmp_path, _lines())))
    _, analysis, text, results = _run(params)
    data = json.loads(results.to_json())
    assert data["revenue_total"] == pytest.approx(390.0)
    assert data["orders"] == 4 and data["customers"] == 2
    assert [m["revenue"] for m in data["monthly"]] == pytest.approx([150.0, 180.0, 60.0])
    assert [m["complete"] for m in data["monthly"]] == [True, True, False]
    assert data["monthly"][1]["revenue_mom"] == pytest.approx(180 / 150 - 1)
    assert data["monthly"][2]["revenue_mom"] is None  # the partial month is left out of growth
    assert data["return_rate"] == pytest.approx(20 / 410)
    # customers a: 100 + 200 − 20 = 280, b: 50 + 60 = 110 → k = ceil(0.4) = 1 → 280 / 390
    assert data["top20_customer_share"] == pytest.approx(280 / 390)
    assert data["partial_months"] == ["2024-03"]
    assert data["period"] == {"start": "2024-01-01T09:00:00", "end": "2024-03-15T13:00:00"}
    assert data["top_country"] == "UK"
    assert data["retention_month_3"] is None  # no cohort observed for 3 complete months
    assert "2024-03" in text and "nan" not in text.lower() and "inf" not in text.lower()
    assert set(cs.report_tables(params.load_inputs(), analysis)) >= {"Overview", "Monthly", "Countries"}


def test_optional_columns_can_be_left_empty(tmp_path):
    frame = _lines()[["CustomerID", "InvoiceDate", "Quantity", "UnitPrice"]]
    frame = frame.assign(amount=frame["Quantity"] * frame["UnitPrice"])
    params = cs.Params(data_path=str(_write(tmp_path, frame)), amount_col="amount", quantity_col="", price_col="",
                       product_col="", invoice_col="", country_col="")
    _, _, text, results = _run(params)
    assert results.orders == 4  # each row that is not a return (negative amount) is one order
    assert results.top20_product_share is None and results.top_country is None
    assert results.return_rate_invoices is None
    assert "nan" not in text.lower()


def test_the_memo_is_written_in_chinese(tmp_path):
    params = cs.Params(data_path=str(_write(tmp_path, _lines())), language="zh")
    use_language("zh")
    try:
        _, _, text, _ = _run(params)
    finally:
        use_language("en")
    assert "净销售额" in text and "From" not in text


def test_amount_or_quantity_and_price_is_required():
    with pytest.raises(ValidationError, match="amount_col"):
        cs.Params(amount_col="", quantity_col="", price_col="UnitPrice")


def test_bad_input_gets_one_clear_message(tmp_path):
    with pytest.raises(DataError, match=r"'Country' \(country_col\) is missing"):
        cs.Params(data_path=str(_write(tmp_path, _lines().drop(columns="Country")))).load_inputs()
    bad = _lines()
    bad.loc[2, "InvoiceDate"] = "31/31/2024"
    with pytest.raises(DataError, match=r"'InvoiceDate' must hold dates, but row 4 has '31/31/2024'"):
        cs.Params(data_path=str(_write(tmp_path, bad))).load_inputs()
    anonymous = _lines().assign(CustomerID="")
    with pytest.raises(DataError, match="no rows are left for the customer figures"):
        cs.Params(data_path=str(_write(tmp_path, anonymous))).load_inputs()


def test_check_inputs_reads_the_first_rows(tmp_path):
    bad = _lines().astype({"Quantity": object})
    bad.loc[0, "Quantity"] = "ten"
    with pytest.raises(DataError, match=r"'Quantity' must hold numbers, but row 2 has 'ten'"):
        cs.Params(data_path=str(_write(tmp_path, bad))).check_inputs()
