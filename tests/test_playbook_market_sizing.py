"""The ``market_sizing`` template's steps: parameters, the driver file, the reconciled SOM and its memo, checked
against hand-worked numbers and closed forms written out in the tests."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from conftest import DATASETS
from ecomops.data import DataError
from ecomops.i18n import use_language
from ecomops.params_workbook import load_params_workbook, write_params_workbook
from ecomops.playbook import ParamError, validate_params
from ecomops.playbook import market_sizing as ms
from ecomops.sizing import Driver

TD = [{"name": "spend", "value": 1000.0, "unit": "CNY", "source": "hypothetical", "low": 800.0, "high": 1500.0},
      {"name": "online share", "value": 0.5, "low": 0.4, "high": 0.6}]
BU = [{"name": "buyers", "value": 100.0, "low": 90.0, "high": 120.0},
      {"name": "spend per buyer", "value": 4.5, "low": 3.0, "high": 5.0}]
FILTERS = [{"name": "regions", "value": 0.8, "low": 0.7, "high": 0.9}]


def small_params(**changes) -> ms.Params:
    values = dict(top_down=TD, bottom_up=BU, sam_filters=FILTERS, som_shares=[0.1, 0.25], bass_p=0.03,
                  bass_q=0.38, years=5, n_draws=20_000, seed=1, drivers_path="", adoption_data_path="")
    values.update(changes)
    return ms.Params(**values)


def test_hand_worked_chains_triangulation_and_tornado():
    """TD TAM = 1000 × 0.5 = 500, BU TAM = 100 × 4.5 = 450; SAM = × 0.8: 400 and 360; year-2 SOM = × 0.25:
    100 and 90. Gap = 10 / 90 = 0.1111; reconciled = √(100 × 90) = 94.868.

    Tornado of √(spend · share · buyers · spb) × regions × 0.25: spend at 800 → √(800·0.5·450)·0.2 = 84.853,
    at 1500 → √(1500·0.5·450)·0.2 = 116.19; regions at 0.7 → 94.868·0.7/0.8 = 83.01, at 0.9 → 106.73.
    """
    params = small_params()
    result = ms.analyse(params, params.load_inputs())
    assert (result.top_down.tam, result.bottom_up.tam) == pytest.approx((500, 450))
    assert (result.top_down.sam, result.bottom_up.sam) == pytest.approx((400, 360))
    assert result.top_down.som == pytest.approx((40, 100)) and result.bottom_up.som == pytest.approx((36, 90))
    assert result.triangulation.gap == pytest.approx(1 / 9)
    assert result.triangulation.reconciled == pytest.approx(94.86833)
    rows = result.tornado.set_index("driver")
    assert (rows.loc["spend", "low"], rows.loc["spend", "high"]) == pytest.approx((84.85281, 116.18950), rel=1e-6)
    assert (rows.loc["regions", "low"], rows.loc["regions", "high"]) == pytest.approx((83.00979, 106.72688),
                                                                                      rel=1e-6)
    assert rows.loc["regions", "chain"] == "sam_filter" and rows.loc["buyers", "chain"] == "bottom_up"
    assert list(result.tornado["swing"]) == sorted(result.tornado["swing"], reverse=True)


def test_forecast_is_the_bass_curve_times_the_reconciled_sam():
    """F(t) = (1 − e^{−0.41 t}) / (1 + (0.38/0.03) e^{−0.41 t}); m = √(400 × 360) = 379.47."""
    params = small_params()
    result = ms.analyse(params, params.load_inputs())
    years = np.arange(1, 6)
    adopted = (1 - np.exp(-0.41 * years)) / (1 + 0.38 / 0.03 * np.exp(-0.41 * years))
    np.testing.assert_allclose(result.forecast["adopted_share"], adopted)
    np.testing.assert_allclose(result.forecast["market_value"], math.sqrt(400 * 360) * adopted)
    np.testing.assert_allclose(result.forecast["new_adopters_share"].cumsum(), adopted)
    assert result.forecast["planned_share"].iloc[:2].tolist() == [0.1, 0.25]
    assert result.forecast["planned_share"].iloc[2:].isna().all()
    assert result.peak_year == pytest.approx(math.log(0.38 / 0.03) / 0.41)


def test_memo_names_the_range_and_the_two_drivers_that_matter_most_and_never_nan():
    params = small_params()
    result = ms.analyse(params, params.load_inputs())
    text = ms.recommendation(params, result)
    first, second = result.tornado["driver"].iloc[:2]
    assert first.lower() in text.lower() and second.lower() in text.lower()  # an English run may capitalise
    assert ms.money_text(result.triangulation.reconciled, "CNY") in text
    assert ms.money_text(result.monte_carlo.p5, "CNY") in text and ms.money_text(result.monte_carlo.p95, "CNY") in text
    assert "nan" not in text.lower()
    # the planned year-1 share (10 %) is above the share adopted by then (F(1) = 3.3 %): the memo warns
    assert "outruns adoption" in text


def test_memo_warns_when_the_chains_disagree_by_more_than_30_percent():
    params = small_params(bottom_up=[{"name": "buyers", "value": 50.0, "low": 40.0, "high": 60.0}])
    result = ms.analyse(params, params.load_inputs())
    assert result.triangulation.warning
    assert "reconcile the definitions" in ms.recommendation(params, result)


def test_results_json_keys_and_chinese_memo():
    params = small_params()
    result = ms.analyse(params, params.load_inputs())
    results = ms.build_results(params, result, ms.recommendation(params, result)).model_dump(mode="json")
    for chain in ("top_down", "bottom_up"):
        assert {"tam", "sam", "som"} <= set(results[chain])
    assert {"gap", "low", "high", "reconciled"} <= set(results["triangulation"])
    assert {"driver", "low", "high", "swing"} <= set(results["tornado"][0])
    assert {"p5", "p50", "p95"} <= set(results["monte_carlo"])
    assert {"p", "q", "m", "peak_year", "forecast"} <= set(results["bass"])
    assert results["top_down"]["som"] == pytest.approx(100.0)
    use_language("zh")
    try:
        text = ms.recommendation(params, result)
    finally:
        use_language("en")
    assert "可获得市场（SOM）" in text and "自上而下" in text and "自下而上" in text


def test_money_text_in_english_and_chinese():
    assert ms.money_text(1.08e9, "CNY") == "CNY 1.08 bn"
    assert ms.money_text(5.99e8, "USD") == "USD 599 m"
    use_language("zh")
    try:
        assert ms.money_text(1.08e9, "CNY") == "10.8 亿元"
        assert ms.money_text(6.625e7, "CNY") == "6,625 万元"
        assert ms.money_text(1.65e7, "USD") == "1,650 万美元"
    finally:
        use_language("en")


# ----------------------------------------------------------------------------------------- parameters and files


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (dict(top_down=[{"name": "spend", "value": -1.0}]), ["top_down.0", "'spend'", "value", "≥ 0"]),
        (dict(top_down=[{"name": "spend"}]), ["'spend'", "value is missing"]),
        (dict(top_down=[{"name": "spend", "value": 5.0, "low": 6.0, "high": 4.0}]), ["'spend'", "low", "above high"]),
        (dict(top_down=[{"name": "spend", "value": 9.0, "low": 1.0, "high": 4.0}]), ["'spend'", "outside"]),
        (dict(som_shares=[0.1, 1.2]), ["som_shares", "1.2"]),
        (dict(sam_filters=[{"name": "regions", "value": 1.5, "low": 1.0, "high": 2.0}]), ["'regions'", "above 1"]),
        (dict(bottom_up=[]), ["top_down is given but bottom_up is empty"]),
        (dict(bass_p=0.0, bass_q=0.4), ["bass_q", "bass_p is 0"]),
        (dict(bass_p=0.0, bass_q=0.0, adoption_data_path=""), ["adoption_data_path is empty"]),
    ],
)
def test_bad_parameters_name_the_driver_and_the_field(changes, words):
    values = dict(top_down=TD, bottom_up=BU, sam_filters=FILTERS, som_shares=[0.1], bass_p=0.03, bass_q=0.38,
                  drivers_path="", adoption_data_path="")
    values.update(changes)
    with pytest.raises(ParamError) as info:
        validate_params("market_sizing", values)
    for word in words:
        assert word in str(info.value)


def test_driver_file_filter_above_one_is_a_clear_error():
    frame = pd.DataFrame([{"chain": "top_down", "name": "spend", "value": 10.0},
                          {"chain": "bottom_up", "name": "buyers", "value": 10.0},
                          {"chain": "sam_filter", "name": "regions", "value": 0.9, "low": 0.8, "high": 1.2}])
    with pytest.raises(DataError, match="'regions'.*high.*above 1"):
        ms.drivers_from_table(frame, "drivers.csv")


def test_input_files_are_those_the_run_reads():
    assert ms.Params.input_path_fields == ("drivers_path", "adoption_data_path")
    assert ms.Params().input_path_fields == ("drivers_path", "adoption_data_path")
    assert small_params().input_path_fields == ()
    assert small_params(bass_p=0.0, bass_q=0.0, adoption_data_path="x.csv").input_path_fields == ("adoption_data_path",)


def test_default_driver_file_by_chain_and_its_texts_are_translatable():
    """The shipped driver file: NBS 154,264 亿元 × 0.6 % (top-down) and CNNIC 1.092 bn × 8 % × 1,000 (bottom-up)."""
    chains = ms.drivers_from_table(pd.read_csv(DATASETS / "market_sizing_drivers.csv"))
    assert [len(chains[c]) for c in ms.CHAINS] == [2, 3, 2]
    assert math.prod(d.value for d in chains["top_down"]) == pytest.approx(1.54264e13 * 0.006)
    assert math.prod(d.value for d in chains["bottom_up"]) == pytest.approx(1.092e9 * 0.08 * 1000)
    frame = pd.read_csv(DATASETS / "market_sizing_drivers.csv")
    shown = set(frame["name"]) | set(frame["unit"]) | set(frame["source"])
    assert shown - {"share"} <= set(ms.DEFAULT_DRIVER_TEXTS)


def test_driver_file_without_the_required_columns_names_them_all_at_once():
    frame = pd.DataFrame({"name": ["a"], "amount": [1.0]})
    with pytest.raises(DataError) as info:
        ms.drivers_from_table(frame, "drivers.csv")
    assert "chain, value" in str(info.value) and "drivers.csv" in str(info.value)


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"chain": "topdown", "name": "x", "value": 1.0}, ["row 3", "chain", "top_down"]),
        ({"chain": "bottom_up", "name": "x", "value": -2.0}, ["row 3", "'x'", "value", "≥ 0"]),
        ({"chain": "bottom_up", "name": "x", "value": None}, ["row 3", "'x'", "value is missing"]),
        ({"chain": "bottom_up", "name": "x", "value": 3.0, "low": 4.0, "high": 5.0}, ["row 3", "'x'", "outside"]),
    ],
)
def test_driver_file_row_errors_name_the_row_driver_and_field(row, words):
    frame = pd.DataFrame([{"chain": "top_down", "name": "spend", "value": 10.0}, row])
    with pytest.raises(DataError) as info:
        ms.drivers_from_table(frame, "drivers.csv")
    for word in words:
        assert word in str(info.value)


def test_driver_file_needs_both_chains():
    with pytest.raises(DataError, match="no row has chain bottom_up"):
        ms.drivers_from_table(pd.DataFrame([{"chain": "top_down", "name": "spend", "value": 10.0}]))


def test_xlsx_driver_file_with_blank_low_high(tmp_path):
    path = tmp_path / "drivers.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (("chain", "name", "value", "unit", "source", "low", "high"),
                ("top_down", "spend", 1000, "CNY", "hypothetical", None, None),
                ("bottom_up", "buyers", 100, "people", "hypothetical", 90, 120),
                ("bottom_up", "spend per buyer", 9, "CNY", "hypothetical", 8, 10),
                ("sam_filter", "regions", 0.5, "share", "hypothetical", 0.4, 0.6)):
        sheet.append(row)
    workbook.save(path)
    params = ms.Params(drivers_path=str(path), bass_p=0.03, bass_q=0.38, adoption_data_path="")
    inputs = params.load_inputs()
    assert inputs.top_down == [Driver("spend", 1000.0, "CNY", "hypothetical")]
    assert [d.name for d in inputs.sam_filters] == ["regions"]
    assert params.input_path_fields == ("drivers_path",)


def test_adoption_file_checks(tmp_path):
    path = tmp_path / "adoption.csv"
    path.write_text("year,sales\n1,10\n2,20\n3,30\n4,20\n", encoding="utf-8")
    with pytest.raises(DataError, match="lacks the column\\(s\\) period, new_adopters"):
        ms.Params(adoption_data_path=str(path)).load_inputs()


def test_drivers_given_as_workbook_sheets_round_trip(tmp_path):
    """A parameter workbook with the top_down, bottom_up and sam_filters sheets filled in reads back into the
    same parameters as the YAML lists."""
    path = write_params_workbook("market_sizing", tmp_path / "sizing.xlsx")
    workbook = openpyxl.load_workbook(path)
    for sheet_name, drivers in (("top_down", TD), ("bottom_up", BU), ("sam_filters", FILTERS)):
        sheet = workbook[sheet_name]
        header = [c.value for c in sheet[1]]
        assert header == ["name", "value", "unit", "source", "low", "high"]
        for driver in drivers:
            sheet.append([driver.get(column) for column in header])
    main = workbook.worksheets[0]
    for row in range(2, main.max_row + 1):
        name = main.cell(row, 1).value
        if name in ("bass_p", "bass_q"):
            main.cell(row, 2).value = {"bass_p": 0.03, "bass_q": 0.38}[name]
    workbook.save(path)
    values, locations = load_params_workbook(path)
    params = validate_params("market_sizing", values, locations)
    expected = small_params(som_shares=[0.01, 0.025, 0.04], years=10, n_draws=20_000, seed=20261202,
                            drivers_path=ms.Params().drivers_path, adoption_data_path=ms.Params().adoption_data_path)
    assert params.top_down == expected.top_down and params.bottom_up == expected.bottom_up
    assert params.sam_filters == expected.sam_filters
    assert params.input_path_fields == ()
