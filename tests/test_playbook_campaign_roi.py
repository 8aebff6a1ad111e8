"""The campaign_roi template's module: results against hand-worked numbers, the campaign table's checks, the
portfolio, and a memo that never shows nan or inf."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import DATASETS
from ecomops.data import DataError
from ecomops.playbook import ParamError, validate_params
from ecomops.playbook import campaign_roi as roi
from ecomops.runner import prepare_params

COLUMNS = ["campaign", "spend", "revenue_attributed", "gross_margin", "treated_users", "treated_conversions",
           "treated_revenue", "holdout_users", "holdout_conversions", "holdout_revenue", "new_customers"]


def run(params: roi.Params) -> tuple[pd.DataFrame, dict]:
    campaigns = params.load_inputs()
    table = roi.campaign_table(campaigns, params.alpha)
    text = roi.recommendation(table, params.alpha)
    return table, roi.build_results(params, campaigns, table, text).model_dump(mode="json")


def test_default_campaign_by_hand():
    """Defaults (by hand): holdout scaled ×10 → baseline 2,000 buyers and 254,000 revenue; incremental 400 buyers
    and 58,000 revenue; iROAS 58,000/20,000 = 2.9; profit 0.35·58,000 − 20,000 = 300; ROAS 4.5; margin ROI
    (31,500 − 20,000)/20,000 = 0.575; revenue ROI 3.5; break-even 1/0.35 = 2.857; CAC 20,000/600 = 33.33."""
    _, results = run(roi.Params())
    assert results["mode"] == "single" and len(results["campaigns"]) == 1
    assert results["roas"] == pytest.approx(4.5)
    assert results["roi"] == results["roi_margin_based"] == pytest.approx(0.575)
    assert results["roi_revenue_based"] == pytest.approx(3.5)
    assert results["break_even_roas"] == pytest.approx(1 / 0.35)
    inc = results["incremental"]
    assert inc["conversions"] == pytest.approx(400) and inc["revenue"] == pytest.approx(58_000)
    assert inc["profit"] == pytest.approx(300) and inc["iroas"] == pytest.approx(2.9)
    assert inc["iroas_ci"][0] < 1 / 0.35 < inc["iroas_ci"][1]
    assert results["verdict"] == "inconclusive"
    assert results["cac"] == pytest.approx(20_000 / 600)
    assert results["payback_months"] is None and results["ltv_to_cac"] is None and results["break_even_uplift"] is None
    assert results["campaigns"][0]["incremental"] == inc


def test_optional_inputs_give_payback_ltv_and_uplift():
    """LTV 100 → LTV:CAC 100/33.33 = 3; ARPU 50/month → payback 33.33/(50·0.35) = 1.905 months; a 10 % cut at
    35 % margin needs 0.1/0.25 = 40 % more units."""
    _, results = run(roi.Params(ltv_per_customer=100, monthly_revenue_per_customer=50, discount_rate=0.1))
    assert results["ltv_to_cac"] == pytest.approx(3.0)
    assert results["payback_months"] == pytest.approx((20_000 / 600) / (50 * 0.35))
    assert results["break_even_uplift"] == pytest.approx(0.4)
    assert "40%" in results["recommendation"]


def test_no_new_customers_reads_sensibly():
    _, results = run(roi.Params(new_customers=0, ltv_per_customer=200, monthly_revenue_per_customer=30))
    assert results["cac"] is None and results["ltv_to_cac"] is None and results["payback_months"] is None
    text = results["recommendation"]
    assert "no new customers" in text and "nan" not in text.lower() and "inf" not in text.lower()
    assert any(f["value"] == "no new customers" for f in results["summary"]["key_figures"])


def test_negative_incremental_revenue_reads_sensibly():
    """The treated group bought less than the holdout: iROAS below 0, the memo says the holdout shows none."""
    _, results = run(roi.Params(treated_conversions=1_500, treated_revenue=190_000))
    assert results["incremental"]["iroas"] < 0 and results["verdict"] == "loses money"
    text = results["recommendation"]
    assert "no incremental revenue" in text and "nan" not in text.lower() and "inf" not in text.lower()


def test_verdict_rule():
    assert roi.verdict((2.6, 3.0), 2.5) == "pays"
    assert roi.verdict((1.0, 2.4), 2.5) == "loses money"
    assert roi.verdict((2.0, 3.0), 2.5) == "inconclusive"


# ---------------------------------------------------------------------------------------- campaign table


def test_shipped_table_gives_one_row_per_campaign_and_a_portfolio():
    """Portfolio totals recomputed with pandas from the file: spend and revenue summed, incremental revenue
    Σ (R_T − R_H·n_T/n_H), incremental profit Σ m·ΔR − Σ spend, break-even 1/(attributed-revenue-weighted m)."""
    table, results = run(roi.Params(data_path=roi.SHIPPED_TABLE))
    raw = pd.read_csv(DATASETS / "campaigns_synthetic.csv")
    assert results["mode"] == "table" and [c["campaign"] for c in results["campaigns"]] == raw["campaign"].tolist()
    delta = raw["treated_revenue"] - raw["holdout_revenue"] * raw["treated_users"] / raw["holdout_users"]
    assert results["incremental"]["revenue"] == pytest.approx(delta.sum())
    assert results["incremental"]["profit"] == pytest.approx((raw["gross_margin"] * delta).sum() - raw["spend"].sum())
    assert results["roas"] == pytest.approx(raw["revenue_attributed"].sum() / raw["spend"].sum())
    margin = np.average(raw["gross_margin"], weights=raw["revenue_attributed"])
    assert results["break_even_roas"] == pytest.approx(1 / margin)
    assert results["cac"] == pytest.approx(raw["spend"].sum() / raw["new_customers"].sum())
    # the portfolio interval: campaigns' standard errors in quadrature (each interval is symmetric, ± 1.96 SE)
    se = [(c["incremental"]["revenue_ci"][1] - c["incremental"]["revenue_ci"][0]) / (2 * 1.959963985)
          for c in results["campaigns"]]
    half = 1.959963985 * math.sqrt(sum(s * s for s in se))
    assert results["incremental"]["revenue_ci"] == pytest.approx([delta.sum() - half, delta.sum() + half])
    assert results["summary"]["rows_used"] == len(raw)
    coupon = next(c for c in results["campaigns"] if c["campaign"] == "lapsed_coupon")
    assert coupon["cac"] is None and coupon["ltv_to_cac"] is None
    assert "display_retargeting" in results["recommendation"]


def write_table(tmp_path, frame: pd.DataFrame):
    path = tmp_path / "campaigns.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_missing_column_is_one_message_naming_it(tmp_path):
    frame = pd.read_csv(DATASETS / "campaigns_synthetic.csv").drop(columns=["holdout_revenue"])
    params = roi.Params(data_path=write_table(tmp_path, frame))
    with pytest.raises(DataError, match="column 'holdout_revenue' is missing"):
        params.load_inputs()


def test_optional_columns_may_be_absent(tmp_path):
    frame = pd.read_csv(DATASETS / "campaigns_synthetic.csv")[COLUMNS]
    table = roi.Params(data_path=write_table(tmp_path, frame)).load_inputs()
    assert (table[["ltv_per_customer", "discount_rate", "monthly_revenue_per_customer"]] == 0).all().all()


@pytest.mark.parametrize(
    "column, value, field",
    [
        ("treated_conversions", 10**7, "treated_conversions"),
        ("holdout_users", 0, "holdout_users"),
        ("spend", -5, "spend"),
        ("gross_margin", 1.5, "gross_margin"),
    ],
)
def test_a_bad_row_names_the_campaign_and_the_field(tmp_path, column, value, field):
    frame = pd.read_csv(DATASETS / "campaigns_synthetic.csv")
    frame.loc[2, column] = value
    params = roi.Params(data_path=write_table(tmp_path, frame))
    with pytest.raises(DataError, match=rf"campaign 'brand_search'.*{field}"):
        params.load_inputs()


def test_duplicate_campaign_names_are_refused(tmp_path):
    frame = pd.read_csv(DATASETS / "campaigns_synthetic.csv")
    frame.loc[1, "campaign"] = frame.loc[0, "campaign"]
    with pytest.raises(DataError, match="more than one row"):
        roi.Params(data_path=write_table(tmp_path, frame)).load_inputs()


def test_a_relative_data_path_is_read_from_the_parameter_file_folder_and_listed_as_an_input(tmp_path):
    """The runner resolves a campaign table like any input file, so the report's data block fingerprints it; a run
    of the single campaign in the parameters reads no file."""
    frame = pd.read_csv(DATASETS / "campaigns_synthetic.csv")
    write_table(tmp_path, frame)
    params = prepare_params("campaign_roi", {"data_path": "campaigns.csv"}, base_dir=tmp_path)
    assert params.data_path == str((tmp_path / "campaigns.csv").resolve())
    assert params.input_path_fields == ("data_path",)
    assert len(params.load_inputs()) == len(frame)
    assert validate_params("campaign_roi", {}).input_path_fields == ()


# ------------------------------------------------------------------------------------------ bad parameters


@pytest.mark.parametrize(
    "values, field",
    [
        ({"spend": -100}, "spend"),
        ({"gross_margin": 1.2}, "gross_margin"),
        ({"gross_margin": 0}, "gross_margin"),
        ({"treated_conversions": 200_000}, "treated_conversions"),
        ({"holdout_conversions": 20_000}, "holdout_conversions"),
        ({"holdout_users": 0}, "holdout_users"),
        ({"discount_rate": 0.5}, "discount_rate"),
    ],
)
def test_bad_parameters_give_one_message_naming_the_field(values, field):
    with pytest.raises(ParamError, match=field):
        validate_params("campaign_roi", values)


def test_optional_amounts_accept_null_and_an_empty_cell():
    for empty in (None, "", "  "):
        params = validate_params("campaign_roi", {"ltv_per_customer": empty, "discount_rate": empty,
                                                  "monthly_revenue_per_customer": empty})
        assert (params.ltv_per_customer, params.discount_rate, params.monthly_revenue_per_customer) == (0, 0, 0)


def test_waterfall_steps_add_up_to_the_incremental_profit():
    """The bars of the waterfall: attributed 90,000 → −32,000 not incremental → 58,000 → −37,700 cost of goods
    (0.65 · 58,000) → 20,300 gross profit → −20,000 spend → 300 incremental profit (defaults, by hand)."""
    import matplotlib

    matplotlib.use("Agg")
    from ecomops import plots

    table, _ = run(roi.Params())
    fig = plots.profit_waterfall_figure(roi.portfolio(table, 0.05))
    heights = [bar.get_height() for bar in fig.axes[0].patches]
    assert heights == pytest.approx([90_000, -32_000, 58_000, -37_700, 20_300, -20_000, 300])
    comparison = plots.roas_comparison_figure(table)
    assert len(comparison.axes[0].patches) == 2


def test_an_xlsx_table_on_a_named_sheet_reads_as_the_csv(tmp_path):
    frame = pd.read_csv(DATASETS / "campaigns_synthetic.csv")
    path = tmp_path / "campaigns.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="cover", index=False)
        frame.to_excel(writer, sheet_name="campaigns", index=False)
    from_xlsx = roi.Params(data_path=str(path), sheet="campaigns").load_inputs()
    from_csv = roi.Params(data_path=roi.SHIPPED_TABLE).load_inputs()
    pd.testing.assert_frame_equal(from_xlsx, from_csv, check_dtype=False)
