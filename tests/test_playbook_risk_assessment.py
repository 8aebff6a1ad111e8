"""The risk_assessment template's own functions: reading and checking the register and the demand history,
the textbook inventory figures, the memo and recommendation, results.json, and bad input through the CLI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import norm

from conftest import DATASETS, run_cli
from ecomops.data import DataError, load_table
from ecomops.playbook import ParamError, validate_params
from ecomops.playbook import risk_assessment as ra

EXAMPLE = DATASETS / "risk_register_example.csv"
WEEKLY = DATASETS / "sales_transactions_weekly.csv"


def _params(**values) -> ra.Params:
    return validate_params("risk_assessment", {"register_path": str(EXAMPLE), **values})


def _register() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE)


# ------------------------------------------------------------------------------------------------ register


def test_example_register_is_scored_and_sorted():
    # scores by hand: 4·5 = 20, 4·4 = 16, 3·4 = 12 (twice, sorted by name), 2·5 = 10, 3·3 = 9, 2·3 = 6, 1·5 = 5
    register = ra.read_register(load_table(EXAMPLE), str(EXAMPLE))
    assert register["score"].tolist() == [20, 16, 12, 12, 10, 9, 6, 5]
    assert register["risk"].tolist()[:4] == ["Single supplier outage", "Peak-season courier delays",
                                             "Payment gateway failure", "Stock-out of top products"]
    assert register["band"].tolist() == ["critical", "high", "high", "high", "high", "medium", "medium", "medium"]


def test_xlsx_copy_reads_as_the_csv():
    csv = ra.read_register(load_table(EXAMPLE), "csv")
    xlsx = ra.read_register(load_table(DATASETS / "risk_register_example.xlsx"), "xlsx")
    pd.testing.assert_frame_equal(csv, xlsx, check_dtype=False)


@pytest.mark.parametrize("value", [0, 6])
def test_likelihood_out_of_range_names_file_row_and_field(value):
    frame = _register()
    frame.loc[4, "likelihood"] = value  # fifth data row = spreadsheet row 6
    with pytest.raises(DataError) as error:
        ra.read_register(frame, "my-register.csv")
    assert str(error.value) == (f"my-register.csv: row 6 (risk 'Price war on bestsellers'): likelihood must be "
                                f"a whole number from 1 to 5, got {value}")


def test_register_without_risk_column():
    with pytest.raises(DataError, match=r"my-register.csv: column 'risk' is missing; columns present: category"):
        ra.read_register(_register().drop(columns="risk"), "my-register.csv")


def test_blank_risk_and_partial_fmea_columns():
    frame = _register()
    frame.loc[2, "risk"] = " "
    with pytest.raises(DataError, match=r"row 4: risk is empty"):
        ra.read_register(frame, "r.csv")
    with pytest.raises(DataError, match=r"found severity, occurrence but not detection"):
        ra.read_register(_register().drop(columns="detection"), "r.csv")
    frame = _register()
    frame.loc[0, "detection"] = 11
    with pytest.raises(DataError, match=r"row 2 \(risk 'Single supplier outage'\): detection must be a whole "
                                         r"number from 1 to 10, got 11"):
        ra.read_register(frame, "r.csv")


def test_missing_owner_and_response_never_show_nan():
    frame = _register().drop(columns=["owner"])
    frame.loc[0, "response"] = np.nan
    params = _params()
    register = ra.read_register(frame, "r.csv")
    inputs = ra.RiskInputs(register, None, 120.0, 30.0, None, None)
    plan = ra.inventory_plan(params, inputs)
    sim = ra.simulate(params.model_copy(update={"n_draws": 20_000}), inputs, plan)
    memo = ra.contingency_memo(params, register, plan, sim)
    assert "nan" not in memo.lower()
    assert "owner: no owner named yet; response: no response recorded yet" in memo
    text = ra.recommendation(params, register, ra.response_table(inputs), plan, sim)
    assert "nan" not in text.lower() and "Single supplier outage" in text


# --------------------------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("values, fragment", [
    ({"service_level": 1.0}, "parameter 'service_level' = 1.0 is not valid"),
    ({"service_level": 1.2}, "parameter 'service_level' = 1.2 is not valid"),
    ({"demand_sd": -5}, "parameter 'demand_sd' = -5 is not valid"),
    ({"lead_time_sd": -1}, "parameter 'lead_time_sd' = -1 is not valid"),
    ({"disruption_probability": 1.0}, "parameter 'disruption_probability' = 1.0 is not valid"),
    ({"n_draws": 10}, "parameter 'n_draws' = 10 is not valid"),
])
def test_bad_parameters_are_named(values, fragment):
    with pytest.raises(ParamError) as error:
        _params(**values)
    assert fragment in str(error.value)


@pytest.mark.parametrize("change, pattern", [
    ({"risk": "Meteor strike"}, r"r.csv: row 3: risk 'Meteor strike' is not in the register"),
    ({"response": "ignore"}, r"row 3: response must be one of avoid, reduce, transfer, accept, got 'ignore'"),
    ({"probability": 1.5}, r"row 3: probability must be between 0 and 1, got 1.5"),
    ({"cost": -10}, r"row 3: cost must be >= 0, got -10"),
])
def test_bad_response_options_name_row_and_field(change, pattern):
    register = ra.read_register(load_table(EXAMPLE), "register.csv")
    options = pd.read_csv(DATASETS / "risk_responses_example.csv").astype(object)
    for column, value in change.items():
        options.loc[1, column] = value
    with pytest.raises(DataError, match=pattern):
        ra.read_responses(options, "r.csv", register)


def test_bad_costs_are_named():
    with pytest.raises(ParamError, match=r"costs: order_quantity must be > 0, got 0"):
        _params(costs={"order_quantity": 0})
    with pytest.raises(ParamError, match=r"costs has unknown key\(s\) 'ordering_cost'"):
        _params(costs={"ordering_cost": 5})
    assert _params(costs={"order_quantity": 500}).costs == {"order_quantity": 500.0, "holding_cost_per_unit": 2.0,
                                                           "shortage_cost_per_unit": 25.0}


# ------------------------------------------------------------------------------------------ demand history


def test_weekly_history_is_summed_over_products_as_pandas_does():
    """UCI Sales Transactions Weekly: units of all 811 products per week W0…W51, summed here with pandas; their
    total is 375,287 units (as the data set's source notes state)."""
    raw = pd.read_csv(WEEKLY)
    weeks = raw[[f"W{i}" for i in range(52)]].sum(axis=0).astype(float)
    assert weeks.sum() == 375_287
    params = _params(demand_history_path=str(WEEKLY))
    inputs = params.load_inputs()
    assert inputs.demand_periods == 52 and inputs.demand_source == WEEKLY.name
    assert inputs.demand_mean == pytest.approx(weeks.mean(), rel=1e-12)
    assert inputs.demand_sd == pytest.approx(weeks.std(ddof=1), rel=1e-12)
    assert params.input_path_fields == ("register_path", "responses_path", "demand_history_path")
    assert ra.Params.input_path_fields == ("register_path", "responses_path")
    assert _params(responses_path="").input_path_fields == ("register_path",)


def test_one_item_history_and_a_long_history(tmp_path):
    raw = pd.read_csv(WEEKLY)
    one = raw[raw["Product_Code"] == "P409"]
    values = ra.demand_from_history(one, "p409.csv")
    assert values.tolist() == one[[f"W{i}" for i in range(52)]].iloc[0].astype(float).tolist()
    frame = pd.DataFrame({"week": range(6), "demand": [10, 12, 9, 11, 14, 10]})
    assert ra.demand_from_history(frame, "h.csv").tolist() == [10, 12, 9, 11, 14, 10]
    with pytest.raises(DataError, match=r"h.csv: a demand history needs a 'demand' column"):
        ra.demand_from_history(frame.rename(columns={"demand": "units"}), "h.csv")
    with pytest.raises(DataError, match=r"demand must be >= 0"):
        ra.demand_from_history(frame.assign(demand=[10, -1, 9, 11, 14, 10]), "h.csv")


# ------------------------------------------------------------------------------------------------ inventory


def test_inventory_plan_hand_calculation():
    """Defaults: d = 120, σ_d = 30, L = 10, σ_L = 3, CSL 95 %: σ_LT = √(10·900 + 14,400·9) = √138,600 = 372.29;
    SS = 1.644854·372.29 = 612.36; ROP = 1,200 + 612.36 = 1,812.36."""
    params = _params()
    plan = ra.inventory_plan(params, params.load_inputs())
    assert plan.sd_lead_time_demand == pytest.approx(math.sqrt(138_600), rel=1e-12)
    assert plan.safety_stock == pytest.approx(norm.ppf(0.95) * math.sqrt(138_600), rel=1e-12)
    assert plan.reorder_point == pytest.approx(1812.36, abs=0.01)


def test_results_follow_the_public_interface():
    params = _params(n_draws=50_000)
    inputs = params.load_inputs()
    plan = ra.inventory_plan(params, inputs)
    sim = ra.simulate(params, inputs, plan)
    responses = ra.response_table(inputs)
    memo = ra.contingency_memo(params, inputs.register, plan, sim)
    text = ra.recommendation(params, inputs.register, responses, plan, sim)
    results = ra.build_results(params, inputs, responses, plan, sim, text, memo).model_dump(mode="json")
    assert {"risk", "likelihood", "impact", "score", "band"} <= set(results["register"][0])
    assert {"risk", "rpn"} <= set(results["fmea"][0])
    assert {"n_draws", "stockout_probability", "fill_rate", "mc_standard_error", "reorder_point_with_disruption",
            "cost_p5", "cost_p50", "cost_p95"} <= set(results["monte_carlo"])
    assert results["safety_stock"] == pytest.approx(plan.safety_stock)
    assert results["monte_carlo"]["n_draws"] == 50_000
    assert sum(map(sum, results["heat_map"])) == len(results["register"]) == 8
    # EMV by hand for the top risk: reduce 0.05·600,000 + 40,000 = 70,000; transfer 0.2·150,000 + 50,000 =
    # 80,000; accept 0.2·600,000 = 120,000; avoid 0 + 150,000
    top = [r["emv"] for r in results["responses"] if r["risk"] == "Single supplier outage"]
    assert top == pytest.approx([70_000, 80_000, 120_000, 150_000])
    assert "'Reduce' (Qualify a second supplier) has the lowest expected cost: 70,000" in text
    assert f"stocks out in {sim.stockout_probability:.1%} of cycles" in text
    assert "Warehouse fire" in ra.rpn_flaw_note(inputs.register)  # severity 10, RPN 20: ranked last


# ---------------------------------------------------------------------------------------------------- CLI


def _run_validate(tmp_path, register: pd.DataFrame | None = None, **values):
    if register is not None:
        register.to_csv(tmp_path / "register.csv", index=False)
        values["register_path"] = "register.csv"
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    return run_cli("validate", "risk_assessment", "-p", str(path))


@pytest.mark.parametrize("case, fragments", [
    ("likelihood", ["row 3 (risk 'Peak-season courier delays')", "likelihood must be a whole number from 1 to 5",
                    "got 6"]),
    ("no-risk", ["column 'risk' is missing"]),
    ("service", ["parameter 'service_level' = 1.0 is not valid"]),
    ("sd", ["parameter 'demand_sd' = -3.0 is not valid"]),
])
def test_cli_bad_input_gets_one_clear_message(tmp_path, case, fragments):
    register = _register()
    values = {}
    if case == "likelihood":
        register.loc[1, "likelihood"] = 6
    elif case == "no-risk":
        register = register.rename(columns={"risk": "name"})
    elif case == "service":
        values["service_level"] = 1.0
    else:
        values["demand_sd"] = -3.0
    result = _run_validate(tmp_path, register, **values)
    assert result.returncode in (2, 3), (result.returncode, result.stderr)
    message = result.stderr.strip()
    assert message.startswith("error: ") and "Traceback" not in message and "\n\n" not in message
    for fragment in fragments:
        assert fragment in message.replace("\n", " "), (fragment, message)
