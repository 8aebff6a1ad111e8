"""The playbook core: strict-JSON results checked against each template's model, and the template modules'
tables and text on small hand-checked inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from ecomops.playbook import ab_test_design, kpi_funnel, write_results
from ecomops.playbook.base import interval_text, rows_note, to_jsonable


def test_to_jsonable_handles_arrays_timestamps_and_non_finite_numbers():
    value = {
        "array": np.array([1, 2, 3]),
        "matrix": np.array([[1.5, np.nan], [np.inf, 2.0]]),
        "scalar": np.int64(7),
        "when": pd.Timestamp("2026-11-11 20:00"),
        "day": np.datetime64("2026-06-18"),
        "missing": pd.NaT,
        "pair": (np.float64(0.25), float("-inf")),
        1: "key that is a number",
    }
    plain = to_jsonable(value)
    assert plain == {
        "array": [1, 2, 3],
        "matrix": [[1.5, None], [None, 2.0]],
        "scalar": 7,
        "when": "2026-11-11T20:00:00",
        "day": "2026-06-18T00:00:00",
        "missing": None,
        "pair": [0.25, None],
        "1": "key that is a number",
    }
    json.dumps(plain, allow_nan=False)  # strict JSON


def minimal_design_results(**changes) -> dict:
    values = {"template": "ab_test_design", "method": "pooled", "n_per_arm": np.int64(10), "n_by_arm": np.array([10, 10]),
              "n_total": 20, "treatment_rate": 0.25, "alpha_per_comparison": 0.05, "duration_days": 1,
              "duration_weeks": 1, "alternatives": {"pooled": 10}, "recommendation": "Run it.",
              "summary": {"key_figures": [{"label": "Users in total", "value": "20"}]}}
    return {**values, **changes}


def test_write_results_validates_against_the_model_and_writes_atomically(tmp_path):
    target = write_results(tmp_path, minimal_design_results())
    assert target == tmp_path / "results.json"
    assert json.loads(target.read_text(encoding="utf-8"))["n_by_arm"] == [10, 10]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json", "results.xlsx"]  # no temporary file left
    with pytest.raises(ValidationError, match="surprise"):
        write_results(tmp_path, minimal_design_results(surprise=1))
    with pytest.raises(ValidationError, match="n_total"):
        write_results(tmp_path, minimal_design_results(n_total="many"))
    assert write_results("", minimal_design_results()) is None


def test_non_finite_numbers_become_null_in_results(tmp_path):
    results = ab_test_design.Results(**minimal_design_results(treatment_rate=np.float64("nan")))
    assert json.loads(results.to_json())["treatment_rate"] is None


def funnel(counts: list[int], segment: str = "all") -> pd.DataFrame:
    """A funnel table as ecomops.operations.funnel_table returns it, from counts alone (intervals ±0.01)."""
    counts_f = np.array(counts, dtype=float)
    previous = np.concatenate([[counts_f[0]], counts_f[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = counts_f / previous
    return pd.DataFrame({
        "segment": segment, "stage": [f"s{i}" for i in range(1, len(counts) + 1)], "step": range(1, len(counts) + 1),
        "count": counts, "rate_from_previous": rate, "ci_low": rate - 0.01, "ci_high": rate + 0.01,
        "rate_from_start": counts_f / counts_f[0], "start_ci_low": 0.0, "start_ci_high": 1.0,
    })


def test_kpi_tree_from_funnel_hand_calculation():
    tree = kpi_funnel.kpi_tree_from_funnel(funnel([1000, 400, 100, 20]), average_order_value=50.0)
    assert tree == {"entries": 1000, "step_rates": {"s2": 0.4, "s3": 0.25, "s4": 0.2}, "conversion_rate": 0.02,
                    "orders": 20, "average_order_value": 50.0, "gmv": 1000.0}
    assert kpi_funnel.kpi_tree_from_funnel(funnel([10, 5]))["gmv"] is None


def test_recommendation_names_the_weakest_step_and_its_gain():
    # rates 0.4, 0.25, 0.2: the weakest is s4; one point there adds 20 · 0.01 / 0.2 = 1 conversion (+5.0 %)
    text = kpi_funnel.funnel_recommendation(funnel([1000, 400, 100, 20]), alpha=0.05, uplift_absolute=0.01)
    assert "into 's4'" in text and "20.0%" in text and "about 1 final conversions (+5.0%)" in text


def test_recommendation_when_nobody_reaches_a_step_has_no_nan():
    text = kpi_funnel.funnel_recommendation(funnel([500, 40, 0, 0]))
    assert "Nobody reached 's3'" in text and "40" in text
    assert "nan" not in text.lower() and "inf" not in text.lower()


def test_recommendation_compares_segments_and_says_whether_intervals_overlap():
    both = pd.concat([funnel([1000, 500, 100]), funnel([600, 300, 90], "app"), funnel([400, 200, 10], "web")])
    text = kpi_funnel.funnel_recommendation(both)
    assert "Segments differ most at 's3': app 30.0% vs web 5.0% (the intervals do not overlap)." in text


def test_design_recommendation_states_users_weeks_and_the_other_formulas():
    # 20 % baseline, +5 points, α 0.05, 80 % power: pooled 1,094, Evan Miller 1,031, arcsine 1,092 per arm
    # (the textbook case of chapter 3.5, each checked against statsmodels in test_experiments.py)
    params = ab_test_design.Params()
    text = ab_test_design.recommendation(params, ab_test_design.design(params))
    assert text.startswith("Run the test for 1 whole week(s) (7 days; the traffic needs 3)")
    assert "1,094 users per arm, 2,188 in total over 2 arms" in text
    assert "Evan Miller 1,031, arcsine 1,092" in text


def test_small_text_helpers():
    assert interval_text(0.012, 0.084) == "+1.2% to +8.4%"
    frame = pd.DataFrame({"a": [1, 2]})
    frame.attrs["dropped_empty_rows"] = 3
    assert rows_note(frame, "/x/导出.csv") == "2 rows from 导出.csv (3 fully empty row(s) dropped)"
