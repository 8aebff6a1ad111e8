"""The A/B readout steps against statsmodels/scipy computed independently in the tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from ecomops.playbook import ab_test_analysis as ab_analysis
from ecomops import experiments as ex


def summary_with_revenue(seed: int = 3, n: int = 4000) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    raw = {}
    rows = []
    for variant, rate, scale in (("control", 0.10, 20.0), ("b", 0.12, 20.0), ("c", 0.10, 18.0)):
        converted = rng.random(n) < rate
        revenue = np.where(converted, rng.gamma(2.0, scale, n), 0.0)
        raw[variant] = revenue
        rows.append({"variant": variant, "users": n, "conversions": int(converted.sum()),
                     "revenue_sum": revenue.sum(), "revenue_sum_sq": (revenue**2).sum()})
    return pd.DataFrame(rows), raw


def test_conversion_comparisons_match_statsmodels_and_holm():
    summary, _ = summary_with_revenue()
    table = ab_analysis.compare_arms(summary, "control", alpha=0.05)
    conv = table[table["metric"] == "conversion_rate"].set_index("variant")
    control = summary.iloc[0]
    p_values = []
    for variant in ("b", "c"):
        arm = summary.set_index("variant").loc[variant]
        _, p = proportions_ztest([arm["conversions"], control["conversions"]], [arm["users"], control["users"]])
        assert conv.loc[variant, "p_value"] == pytest.approx(p, rel=1e-9)
        ra, rb = control["conversions"] / control["users"], arm["conversions"] / arm["users"]
        se = math.sqrt(ra * (1 - ra) / control["users"] + rb * (1 - rb) / arm["users"])
        z = stats.norm.ppf(0.975)
        assert conv.loc[variant, "abs_ci"] == pytest.approx([rb - ra - z * se, rb - ra + z * se], rel=1e-9)
        assert conv.loc[variant, "rel_lift"] == pytest.approx(rb / ra - 1, rel=1e-12)
        p_values.append(p)
    holm = multipletests(p_values, method="holm")[1]
    assert conv.loc[["b", "c"], "p_value_adjusted"].tolist() == pytest.approx(list(holm), rel=1e-9)


def test_revenue_guardrail_is_welch_on_the_raw_values():
    summary, raw = summary_with_revenue()
    table = ab_analysis.compare_arms(summary, "control")
    revenue = table[table["metric"] == "revenue_per_user"].set_index("variant")
    for variant in ("b", "c"):
        reference = stats.ttest_ind(raw[variant], raw["control"], equal_var=False)
        assert revenue.loc[variant, "p_value"] == pytest.approx(reference.pvalue, rel=1e-6)
        assert revenue.loc[variant, "abs_lift"] == pytest.approx(raw[variant].mean() - raw["control"].mean(), rel=1e-9)
    arms = ab_analysis.arm_table(summary).set_index("variant")
    assert arms.loc["b", "revenue_sd"] == pytest.approx(np.std(raw["b"], ddof=1), rel=1e-9)


def test_srm_uses_the_designed_split():
    summary = pd.DataFrame({"variant": ["a", "b"], "users": [50_000, 51_000], "conversions": [100, 100]})
    srm = ab_analysis.srm_from_summary(summary)
    reference = stats.chisquare([50_000, 51_000])
    assert srm.p_value == pytest.approx(reference.pvalue, rel=1e-9) and srm.status == "warn"
    planned = ab_analysis.srm_from_summary(summary, {"a": 50_000 / 101_000, "b": 51_000 / 101_000})
    assert planned.status == "ok" and planned.chi2 == pytest.approx(0.0, abs=1e-9)


def test_unknown_control_is_named():
    summary, _ = summary_with_revenue()
    with pytest.raises(ValueError, match="'ctrl' is not a variant"):
        ab_analysis.compare_arms(summary, "ctrl")


def decide(conversions_b: int, revenue_b: float, users: int = 10_000, srm_status: str = "ok") -> dict:
    rng_sq = lambda mean: users * (mean**2 + 25.0)  # noqa: E731 — revenue sd 5 per user
    summary = pd.DataFrame({
        "variant": ["control", "b"], "users": [users, users], "conversions": [1000, conversions_b],
        "revenue_sum": [users * 10.0, users * revenue_b], "revenue_sum_sq": [rng_sq(10.0), rng_sq(revenue_b)],
    })
    comparisons = ab_analysis.compare_arms(summary, "control")
    srm = ex.SrmResult(0.0, 1, 0.5 if srm_status == "ok" else 1e-6, srm_status, [0.5, 0.5], [0.5, 0.5], [1, 1])
    return ab_analysis.decision_memo(comparisons, srm)


def test_decision_rules():
    assert decide(1150, 10.0)["decision"] == "ship"              # +15 % conversion, p ≈ 0.001, revenue flat
    assert "Ship b" in decide(1150, 10.0)["headline"]
    assert decide(1150, 9.0)["decision"] == "keep control"       # the revenue guardrail fell significantly
    assert decide(1010, 10.0)["decision"] == "inconclusive"      # +1 %, far from significant
    assert decide(850, 10.0)["decision"] == "keep control"       # significantly worse
    assert decide(1150, 10.0, srm_status="block")["decision"] == "blocked"


def test_segment_comparisons_adjust_with_benjamini_hochberg():
    by_segment = pd.DataFrame({
        "device": ["mobile", "mobile", "desktop", "desktop", "tablet", "tablet"],
        "variant": ["control", "b"] * 3,
        "users": [5000, 5000, 3000, 3000, 500, 500],
        "conversions": [400, 480, 300, 310, 40, 38],
    })
    table = ab_analysis.segment_comparisons(by_segment, "device", "control")
    assert sorted(table["segment"]) == ["desktop", "mobile", "tablet"]
    expected = multipletests(table["p_value"], method="fdr_bh")[1]
    assert table["p_value_bh"].tolist() == pytest.approx(list(expected), rel=1e-9)


def test_cumulative_effect_recomputes_each_day_from_running_totals():
    by_date = pd.DataFrame({
        "date": ["2026-01-01"] * 2 + ["2026-01-02"] * 2 + ["2026-01-03"] * 2,
        "variant": ["control", "b"] * 3,
        "users": [1000, 1000, 1200, 1100, 900, 1000],
        "conversions": [50, 60, 70, 66, 40, 55],
    })
    table = ab_analysis.cumulative_effect(by_date, "control", "b")
    assert len(table) == 3
    # day 2: control 2,200 users / 120 conversions, b 2,100 / 126
    assert table["abs_lift"].iloc[1] == pytest.approx(126 / 2100 - 120 / 2200, rel=1e-12)
    _, p = proportions_ztest([126, 120], [2100, 2200])
    assert table["p_value"].iloc[1] == pytest.approx(p, rel=1e-9)
    assert (table["cs_low"] <= table["ci_low"] + 1e-12).all() and (table["cs_high"] >= table["ci_high"] - 1e-12).all()


def test_cuped_comparison_equals_cuped_on_the_raw_values():
    rng = np.random.default_rng(11)
    n = 3000
    pre = rng.gamma(2.0, 10.0, 2 * n)
    treated = np.repeat([0, 1], n)
    revenue = 0.6 * pre + rng.normal(0, 8, 2 * n) + 1.5 * treated
    rows = []
    for arm, name in ((0, "control"), (1, "b")):
        y, x = revenue[treated == arm], pre[treated == arm]
        rows.append({"variant": name, "users": n, "conversions": n // 2, "revenue_sum": y.sum(),
                     "revenue_sum_sq": (y**2).sum(), "pre_revenue_sum": x.sum(), "pre_revenue_sum_sq": (x**2).sum(),
                     "revenue_pre_revenue_sum": (x * y).sum()})
    result = ab_analysis.cuped_comparison(pd.DataFrame(rows), "control", "b")
    reference = ex.cuped_adjust(revenue, pre, treated)
    assert result.adjusted.difference == pytest.approx(reference.adjusted.difference, rel=1e-9)
    assert result.theta == pytest.approx(np.cov(revenue, pre)[0, 1] / np.var(pre, ddof=1), rel=1e-9)


def test_small_counts_switch_to_fisher_exact():
    summary = pd.DataFrame({"variant": ["control", "b"], "users": [40, 40], "conversions": [1, 6]})
    row = ab_analysis.compare_arms(summary, "control").iloc[0]
    _, p = stats.fisher_exact([[6, 34], [1, 39]])
    assert row["p_value"] == pytest.approx(p, rel=1e-9)
    assert "fisher" in row["test"].lower()


def test_the_full_read_scans_an_event_file_once_and_rolls_up_date_and_segment(tmp_path, monkeypatch):
    """Every statistic is a sum, so one GROUP BY (date, segment, variant) serves the per-variant, per-day and
    per-segment views; the reference for each view is a separate pandas groupby of the raw rows."""
    rng = np.random.default_rng(3)
    n = 4_000
    frame = pd.DataFrame({
        "variant": rng.choice(["control", "treatment"], n),
        "converted": rng.integers(0, 2, n),
        "revenue": rng.gamma(2.0, 10.0, n).round(2),
        "date": rng.choice(["2024-03-01", "2024-03-02", "2024-03-03"], n),
        "device": rng.choice(["ios", "android", "web"], n),
    })
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    from ecomops.experiments import _files

    queries: list[str] = []
    real_run = _files.run
    monkeypatch.setattr(_files, "run", lambda con, source, sql: (queries.append(sql), real_run(con, source, sql))[1])
    params = ab_analysis.Params(data_path=str(path), data_kind="events", segment_by="device")
    inputs = params.load_inputs()
    scans = [q for q in queries if "GROUP BY" in q]
    assert len(scans) == 1, queries
    per_variant = frame.groupby("variant").agg(users=("converted", "size"), conversions=("converted", "sum"),
                                               revenue_sum=("revenue", "sum")).reset_index()
    assert inputs.summary["users"].tolist() == per_variant["users"].tolist()
    assert inputs.summary["conversions"].tolist() == per_variant["conversions"].tolist()
    np.testing.assert_allclose(inputs.summary["revenue_sum"], per_variant["revenue_sum"], rtol=1e-12)
    for key, got in (("date", inputs.by_date), ("device", inputs.by_segment)):
        expected = frame.groupby([key, "variant"]).agg(users=("converted", "size"),
                                                       conversions=("converted", "sum")).reset_index()
        assert list(got.columns) == [key, "variant", "users", "conversions"]
        assert got[key].astype(str).str[:10].tolist() == expected[key].tolist()
        assert got[["users", "conversions"]].to_numpy().tolist() == \
            expected[["users", "conversions"]].to_numpy().tolist()
