"""Every template × every worked case in templates/params/, executed with papermill through the runner, with
results.json checked against independent calculations."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from conftest import TEMPLATES
from ecomops.params import TEMPLATES as REGISTRY
from ecomops.runner import load_params_file, run_template

CASES = [(name, case) for name in sorted(REGISTRY) for case in sorted(REGISTRY[name].params_dir.glob("*.yaml"))]


def check_kpi_funnel(values: dict, results: dict, base_dir) -> None:
    """Recount the funnel with plain pandas and recompute the intervals with statsmodels."""
    frame = pd.read_csv((base_dir / values["data_path"]).resolve())
    ops = {"ge": "__ge__", ">=": "__ge__", "gt": "__gt__", ">": "__gt__", "eq": "__eq__", "==": "__eq__"}
    alpha = values.get("alpha", 0.05)

    def counts(part: pd.DataFrame) -> list[int]:
        reached = pd.Series(True, index=part.index)
        out = []
        for stage in values["stages"]:
            if stage["column"] is not None:
                reached &= getattr(part[stage["column"]], ops[stage["op"]])(stage["value"])
            out.append(int(reached.sum()))
        return out

    expected = counts(frame)
    assert [s["count"] for s in results["stages"]] == expected
    assert [s["name"] for s in results["stages"]] == [s["name"] for s in values["stages"]]
    for k in range(1, len(expected)):
        low, high = proportion_confint(expected[k], expected[k - 1], alpha=alpha, method="wilson")
        stage = results["stages"][k]
        assert stage["rate_from_previous"] == pytest.approx(expected[k] / expected[k - 1], rel=1e-12)
        assert (stage["ci_low"], stage["ci_high"]) == pytest.approx((low, high), rel=1e-9)
    assert results["overall_conversion"] == pytest.approx(expected[-1] / expected[0], rel=1e-12)
    segment = values["segment_by"]
    groups = {str(k): counts(part) for k, part in frame.groupby(segment)}
    assert set(results["segments"]) == set(groups)
    for name, expected_counts in groups.items():
        assert [s["count"] for s in results["segments"][name]["stages"]] == expected_counts
    rates = np.array(expected[1:]) / np.array(expected[:-1])
    weakest = values["stages"][1 + int(np.argmin(rates))]["name"]
    assert results["weakest_step"] == weakest
    assert weakest in results["recommendation"]


def check_ab_test_design(values: dict, results: dict, base_dir) -> None:
    """Recompute every formula with statsmodels (pooled, arcsine) or written out (Evan Miller)."""
    import math

    from scipy.stats import norm
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize, samplesize_proportions_2indep_onetail

    p0, mde = values["baseline_rate"], values["mde"]
    p1 = p0 + mde if values.get("mde_kind", "absolute") == "absolute" else p0 * (1 + mde)
    arms = values.get("n_arms", 2)
    shares = values.get("allocation") or [1 / arms] * arms
    alpha = values.get("alpha", 0.05) / (arms - 1)
    power = values.get("power", 0.8)
    ratio = shares[1] / shares[0]  # every treatment has the same share in the cases
    z_a, z_b = norm.ppf(1 - alpha / 2), norm.ppf(power)
    n_control = {
        # statsmodels: sample 1 has rate prop2 + diff and nobs2 = ratio · nobs1; make sample 1 the control
        "pooled": samplesize_proportions_2indep_onetail(p0 - p1, p1, power, ratio=ratio, alpha=alpha),
        "arcsine": NormalIndPower().solve_power(proportion_effectsize(p1, p0), alpha=alpha, power=power, ratio=ratio),
        "evan_miller": (z_a * math.sqrt(p0 * (1 - p0) * (1 + 1 / ratio))
                        + z_b * math.sqrt(p0 * (1 - p0) + p1 * (1 - p1) / ratio)) ** 2 / (p1 - p0) ** 2,
    }
    for method, n in n_control.items():
        by_arm = [math.ceil(n / shares[0] * s - 1e-9) for s in shares]
        assert results["alternatives"][method] == max(by_arm), method
    method = values.get("method", "pooled")
    expected = [math.ceil(n_control[method] / shares[0] * s - 1e-9) for s in shares]
    assert results["n_by_arm"] == expected and results["n_total"] == sum(expected)
    days = math.ceil(sum(expected) / values["daily_visitors"])
    assert results["duration_days"] == days and results["duration_weeks"] == max(1, math.ceil(days / 7))
    assert results["alpha_per_comparison"] == pytest.approx(alpha)


CHECKS = {"kpi_funnel": check_kpi_funnel, "ab_test_design": check_ab_test_design}


def test_every_template_has_a_results_check():
    assert set(CHECKS) == set(REGISTRY)


@pytest.mark.parametrize(("name", "case"), CASES, ids=[f"{n}-{c.stem}" for n, c in CASES])
def test_case_runs_and_results_are_right(name, case, tmp_path):
    values = load_params_file(case)
    outcome = run_template(name, values, tmp_path / "report", base_dir=case.parent, progress=False)
    results = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    assert results == outcome.results
    assert results["recommendation"]
    executed = nbformat.read(outcome.notebook, as_version=4)
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error"
    html = outcome.report.read_text(encoding="utf-8")
    assert "Traceback" not in html and "<img" in html
    CHECKS[name](values, results, case.parent)


def test_default_run_writes_nothing_into_the_repository(tmp_path):
    """With output_dir unset (as in the book build and nbval) a template writes no file."""
    import papermill

    before = {p for p in TEMPLATES.parent.rglob("*") if ".git" not in p.parts and "_build" not in p.parts}
    for name in REGISTRY:
        papermill.execute_notebook(
            str(REGISTRY[name].notebook), str(tmp_path / f"{name}.ipynb"), cwd=str(TEMPLATES), progress_bar=False,
            kernel_manager_class="ecomops.runner.IpcKernelManager",
        )
    after = {p for p in TEMPLATES.parent.rglob("*") if ".git" not in p.parts and "_build" not in p.parts}
    assert {p for p in after - before if "__pycache__" not in p.parts and ".pytest_cache" not in p.parts} == set()
