"""Tests for ecomops.risk: the 5×5 matrix and its bands, FMEA RPN, EMV, and the supply-risk Monte Carlo checked
against analytic results (scipy), never against a fixed random stream."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from scipy import integrate, optimize
from scipy.stats import norm

from ecomops.inventory import demand_sd_over_lead_time, reorder_point
from ecomops.risk import (
    band_grid,
    expected_monetary_value,
    expected_value_of_perfect_information,
    fmea_table,
    heat_map_counts,
    response_options_table,
    risk_band,
    risk_priority_number,
    risk_score,
    rpn_distribution,
    scenario_summary,
    score_register,
    simulate_supply_risk,
    triples_with_rpn,
)

# -------------------------------------------------------------------------------------------- 5×5 matrix


def test_bands_follow_the_stated_convention_cell_by_cell():
    """The book's convention: low 1–4, medium 5–9, high 10–16, critical 20–25, written out by hand per score."""
    expected = {1: "low", 2: "low", 3: "low", 4: "low", 5: "medium", 6: "medium", 8: "medium", 9: "medium",
                10: "high", 12: "high", 15: "high", 16: "high", 20: "critical", 25: "critical"}
    scores = list(expected)
    assert risk_band(scores).tolist() == [expected[s] for s in scores]
    # the 25 cells give exactly these 14 products; 17–19 (and 7, 11, 13, 14) cannot occur
    assert sorted({a * b for a in range(1, 6) for b in range(1, 6)}) == scores


def test_band_grid_counts():
    # by hand: low = products 1–4 → cells (1,1),(1,2),(2,1),(1,3),(3,1),(1,4),(4,1),(2,2) = 8;
    # critical = 20, 25 → (4,5),(5,4),(5,5) = 3; high = 10,12,15,16 → 2+2+2+1 = 7; medium = 25 − 18 = 7
    counts = pd.Series(band_grid().to_numpy().ravel()).value_counts()
    assert counts.to_dict() == {"low": 8, "medium": 7, "high": 7, "critical": 3}
    assert band_grid().loc[5, 5] == "critical" and band_grid().loc[1, 1] == "low"


def _register():
    return pd.DataFrame(
        {
            "risk": ["Port strike", "Single supplier outage", "Payment gateway failure", "Price war", "Data breach"],
            "category": ["logistics", "supply", "technology", "market", "data"],
            "likelihood": [2, 4, 3, 4, 2],
            "impact": [3, 5, 4, 3, 5],
        }
    )


def test_score_register_sorts_by_score_then_impact_then_name():
    # scores: 6, 20, 12, 12, 10 → 20 (supplier), 12 with impact 4 (gateway) before 12 with impact 3 (price war),
    # 10 (breach), 6 (port)
    scored = score_register(_register())
    assert scored["risk"].tolist() == [
        "Single supplier outage", "Payment gateway failure", "Price war", "Data breach", "Port strike"]
    assert scored["score"].tolist() == [20, 12, 12, 10, 6]
    assert scored["band"].tolist() == ["critical", "high", "high", "high", "medium"]
    assert "category" in scored.columns


def test_heat_map_counts_place_each_risk():
    counts = heat_map_counts(_register())
    assert counts.shape == (5, 5)
    assert counts.index.tolist() == [5, 4, 3, 2, 1] and counts.columns.tolist() == [1, 2, 3, 4, 5]
    assert counts.to_numpy().sum() == 5
    assert counts.loc[5, 4] == 1 and counts.loc[5, 2] == 1 and counts.loc[3, 4] == 1 and counts.loc[3, 2] == 1
    assert counts.loc[1, 1] == 0


@pytest.mark.parametrize("bad, shown", [(0, "0"), (6, "6"), (2.5, "2.5"), ("high", "'high'"), (None, "empty")])
def test_register_bad_likelihood_names_row_and_field(bad, shown):
    register = _register().astype({"likelihood": object})
    register.loc[2, "likelihood"] = bad
    with pytest.raises(ValueError) as error:
        score_register(register)
    message = str(error.value)
    # spreadsheet numbering: header row 1, so the third data row is row 4
    assert message.startswith("row 4 (risk 'Payment gateway failure'): likelihood must be a whole number from 1 to 5")
    assert message.endswith(f"got {shown}")


def test_register_without_risk_column():
    with pytest.raises(ValueError, match=r"the risk register has no 'risk' column"):
        score_register(_register().drop(columns="risk"))


def test_risk_score_vector_and_range():
    assert risk_score([1, 5, 3], [1, 5, 4]).tolist() == [1, 25, 12]
    with pytest.raises(ValueError, match=r"value 3 of 3: impact must be a whole number from 1 to 5, got 7"):
        risk_score([1, 2, 3], [1, 2, 7])


# --------------------------------------------------------------------------------------------------- FMEA


def test_rpn_distribution_brute_force():
    """Only 120 of the numbers 1…1000 are products of three 1–10 scores (counted here with plain loops)."""
    counts: dict[int, int] = {}
    for s, o, d in itertools.product(range(1, 11), repeat=3):
        counts[s * o * d] = counts.get(s * o * d, 0) + 1
    table = rpn_distribution()
    assert len(table) == len(counts) == 120
    assert dict(zip(table["rpn"], table["n_triples"])) == counts
    assert table["n_triples"].sum() == 1000
    # the values are far from uniform: 60 and 120 come from 24 triples each (the most), 1000 from one
    assert table.set_index("rpn").loc[[60, 120, 1000], "n_triples"].tolist() == [24, 24, 1]
    assert table["n_triples"].max() == 24


def test_same_rpn_from_very_different_triples():
    # 360 = 9·8·5 = 10·6·6 = 4·9·10 …: brute force lists every ordered triple
    expected = sorted(t for t in itertools.product(range(1, 11), repeat=3) if math.prod(t) == 360)
    got = sorted(map(tuple, triples_with_rpn(360).to_numpy().tolist()))
    assert got == expected
    assert (9, 8, 5) in got and (4, 9, 10) in got and (10, 6, 6) in got


def test_fmea_cold_chain_break_ranks_low_by_rpn_but_is_flagged():
    """Hand case: a cold-chain break S=9, O=3, D=4 has RPN 108, below two milder modes (5·6·5 = 150,
    4·7·6 = 168); ranking by RPN puts it last although its severity calls for action first."""
    register = pd.DataFrame({
        "risk": ["Cold-chain break", "Late courier pick-up", "Wrong label"],
        "likelihood": [2, 4, 4], "impact": [5, 2, 2],
        "severity": [9, 5, 4], "occurrence": [3, 6, 7], "detection": [4, 5, 6],
    })
    table = fmea_table(register)
    assert table["risk"].tolist() == ["Wrong label", "Late courier pick-up", "Cold-chain break"]
    assert table["rpn"].tolist() == [168, 150, 108]
    assert table["rpn_rank"].tolist() == [1, 2, 3]
    assert table["high_severity"].tolist() == [False, False, True]
    assert risk_priority_number(9, 3, 4).tolist() == [108]


def test_fmea_skips_unscored_rows_and_names_bad_rows():
    register = pd.DataFrame({
        "risk": ["A", "B", "C"], "likelihood": [1, 2, 3], "impact": [1, 2, 3],
        "severity": [5, None, 11], "occurrence": [5, None, 2], "detection": [5, None, 2],
    })
    with pytest.raises(ValueError, match=r"row 4 \(risk 'C'\): severity must be a whole number from 1 to 10, got 11"):
        fmea_table(register)
    register.loc[2, "severity"] = 10
    assert fmea_table(register)["risk"].tolist() == ["A", "C"]


# ---------------------------------------------------------------------------------------------------- EMV


def test_response_options_emv_hand_calculation():
    """Hand example (hypothetical inputs), supplier outage with a loss of 500,000 if it happens:
    accept 0.20·500,000 + 0 = 100,000; reduce (second supplier) 0.05·500,000 + 30,000 = 55,000;
    transfer (insurance, 80 % covered) 0.20·100,000 + 45,000 = 65,000; avoid (drop the product) 0 + 120,000."""
    options = [
        {"response": "accept", "probability": 0.20, "impact": 500_000, "cost": 0},
        {"response": "reduce", "probability": 0.05, "impact": 500_000, "cost": 30_000},
        {"response": "transfer", "probability": 0.20, "impact": 100_000, "cost": 45_000},
        {"response": "avoid", "probability": 0.0, "impact": 500_000, "cost": 120_000},
    ]
    table = response_options_table(options)
    assert table["response"].tolist() == ["reduce", "transfer", "accept", "avoid"]
    assert table["emv"].tolist() == pytest.approx([55_000, 65_000, 100_000, 120_000])
    assert table["best"].tolist() == [True, False, False, False]
    assert expected_monetary_value(0.2, 500_000, 0).tolist() == pytest.approx([100_000])


def test_response_options_grouped_by_risk():
    options = pd.DataFrame({
        "risk": ["X", "X", "Y", "Y"], "response": ["accept", "reduce", "accept", "transfer"],
        "probability": [0.5, 0.1, 0.1, 0.1], "impact": [100, 100, 1000, 100], "cost": [0, 20, 0, 30],
    })
    # X: accept 50, reduce 30 → reduce; Y: accept 100, transfer 40 → transfer
    table = response_options_table(options)
    assert table.loc[table["best"], "response"].tolist() == ["reduce", "transfer"]


@pytest.mark.parametrize("kwargs, pattern", [
    ({"probability": 1.2, "impact": 1}, r"probability must be between 0 and 1"),
    ({"probability": 0.2, "impact": -1}, r"impact must be finite and >= 0"),
    ({"probability": 0.2, "impact": 1, "cost": -5}, r"cost must be finite and >= 0"),
])
def test_emv_bad_inputs(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        expected_monetary_value(**kwargs)


def test_scenario_summary_and_evpi_market_entry():
    """Market entry, boom/base/bust with probabilities 0.25/0.5/0.25 and NPV 8/3/−4 (million):
    EMV = 2 + 1.5 − 1 = 2.5; SD = √(0.25·5.5² + 0.5·0.5² + 0.25·6.5²) = √18.25 = 4.272; P(loss) = 0.25;
    EVPI against "stay out" (0): E[max] = 0.25·8 + 0.5·3 + 0 = 3.5, minus max EMV 2.5 = 1.0."""
    summary = scenario_summary([0.25, 0.5, 0.25], [8, 3, -4])
    assert summary["emv"] == pytest.approx(2.5)
    assert summary["sd"] == pytest.approx(math.sqrt(18.25)) and summary["sd"] == pytest.approx(4.272, abs=1e-3)
    assert summary["probability_of_loss"] == pytest.approx(0.25)
    assert expected_value_of_perfect_information([0.25, 0.5, 0.25], [[8, 3, -4], [0, 0, 0]]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="sum to 1"):
        scenario_summary([0.5, 0.6], [1, 2])


# ------------------------------------------------------------------------------------------- Monte Carlo
# Tolerance: 5 Monte Carlo standard errors (the simulation's own SE), so any correct random stream passes.

TOL = 5.0


def _mixture_cdf(x, components):
    """CDF of a mixture of normals, components = [(weight, mean, sd)]."""
    return sum(w * norm.cdf(x, m, s) for w, m, s in components)


def _quantile(level, cdf, low, high):
    return optimize.brentq(lambda x: cdf(x) - level, low, high, xtol=1e-10)


def _cost_cdf(c, cdf, rop, hold, short):
    # cost ≤ c  ⇔  R − c/h ≤ D ≤ R + c/s
    return cdf(rop + c / short) - cdf(rop - c / hold)


def test_no_disruption_fixed_lead_time_matches_textbook_csl_and_fill_rate():
    """d = 100, σ_d = 20, L = 5, CSL 95 %: σ_LT = 20·√5 = 44.72, ROP = 500 + 1.6449·44.72 = 573.56; the
    stock-out probability per cycle is 1 − CSL = 0.05 and the fill rate 1 − σ_LT·G(1.6449)/Q (normal loss
    function, here by scipy integration), cost percentiles from the exact cost CDF."""
    sigma = 20 * math.sqrt(5)
    rop = reorder_point(100, 20, 5, 0.95)["reorder_point"]
    sim = simulate_supply_risk(demand_mean=100, demand_sd=20, lead_time_mean=5, lead_time_sd=0, reorder_point=rop,
                               order_quantity=400, service_level=0.95, holding_cost_per_unit=2.0,
                               shortage_cost_per_unit=15.0, n_draws=200_000, seed=11)
    se = sim.standard_errors
    assert abs(sim.stockout_probability - 0.05) < TOL * se["stockout_probability"]
    assert sim.mc_standard_error == pytest.approx(math.sqrt(0.05 * 0.95 / 200_000), rel=0.1)
    esc, _ = integrate.quad(lambda x: (x - rop) * norm.pdf(x, 500, sigma), rop, 500 + 12 * sigma)
    assert abs(sim.fill_rate - (1 - esc / 400)) < TOL * se["fill_rate"]
    assert abs(sim.reorder_point_with_disruption - rop) < TOL * se["reorder_point_with_disruption"] + 0.05
    assert abs(sim.mean_lead_time_demand - 500) < TOL * se["mean_lead_time_demand"]
    assert sim.sd_lead_time_demand == pytest.approx(sigma, rel=0.01)
    cdf = lambda x: norm.cdf(x, 500, sigma)  # noqa: E731
    for key, level in [("cost_p5", 0.05), ("cost_p50", 0.5), ("cost_p95", 0.95)]:
        exact = _quantile(level, lambda c: _cost_cdf(c, cdf, rop, 2.0, 15.0), 0, 1e5)
        assert abs(getattr(sim, key) - exact) < TOL * se[key] + 0.01, key
    assert sim.disrupted_share == 0


def test_no_disruption_variable_lead_time_matches_exact_integral():
    """Variable lead time L ~ N(10, 2²): P(D > R) = ∫ Φ̄((R − dL)/(σ_d√L)) f(L) dL (scipy quad), which differs
    from the 1 − CSL of the normal approximation with σ_LT = √(L·σ_d² + d²·σ_L²)."""
    d, sd_d, mu_l, sd_l = 50.0, 15.0, 10.0, 2.0
    rop = reorder_point(d, sd_d, mu_l, 0.95, sd_lead_time_days=sd_l)["reorder_point"]
    exact, _ = integrate.quad(
        lambda lt: norm.sf(rop, d * lt, sd_d * math.sqrt(lt)) * norm.pdf(lt, mu_l, sd_l), 1e-9, mu_l + 12 * sd_l)
    sim = simulate_supply_risk(demand_mean=d, demand_sd=sd_d, lead_time_mean=mu_l, lead_time_sd=sd_l,
                               reorder_point=rop, order_quantity=2000, service_level=0.95, n_draws=300_000, seed=3)
    assert abs(sim.stockout_probability - exact) < TOL * sim.mc_standard_error
    assert abs(sim.mean_lead_time_demand - d * mu_l) < TOL * sim.standard_errors["mean_lead_time_demand"]
    assert sim.sd_lead_time_demand == pytest.approx(demand_sd_over_lead_time(d, sd_d, mu_l, sd_l), rel=0.01)


def test_disruption_mixture_lead_time_demand():
    """Daily demand N(100, 20²), L = 5 days, or 15 days with probability 0.10 (extra 10): lead-time demand is
    0.9·N(500, 2000) + 0.1·N(1500, 6000); mean 600, SD √(0.9·2000 + 0.1·6000 + 0.09·1000²) = 303.97, P95 =
    1500.00 (brentq on the mixture CDF). The textbook ROP 573.56 aimed at 95 % stocks out with probability
    0.9·Φ̄(1.6449) + 0.1·Φ̄((573.56 − 1500)/77.46) = 0.145."""
    components = [(0.9, 500.0, math.sqrt(2000)), (0.1, 1500.0, math.sqrt(6000))]
    cdf = lambda x: _mixture_cdf(x, components)  # noqa: E731
    rop = reorder_point(100, 20, 5, 0.95)["reorder_point"]
    exact_stockout = 1 - cdf(rop)
    assert exact_stockout == pytest.approx(0.145, abs=5e-4)
    p95 = _quantile(0.95, cdf, 0, 5000)
    assert p95 == pytest.approx(1500.0, abs=0.01)
    sim = simulate_supply_risk(demand_mean=100, demand_sd=20, lead_time_mean=5, lead_time_sd=0, reorder_point=rop,
                               order_quantity=1000, service_level=0.95, disruption_probability=0.10,
                               disruption_extra_lead_time=10, holding_cost_per_unit=1.0, shortage_cost_per_unit=10.0,
                               n_draws=200_000, seed=20240601, chunk_size=25_000)
    se = sim.standard_errors
    assert abs(sim.stockout_probability - exact_stockout) < TOL * se["stockout_probability"]
    assert abs(sim.mean_lead_time_demand - 600) < TOL * se["mean_lead_time_demand"]
    assert sim.sd_lead_time_demand == pytest.approx(math.sqrt(0.9 * 2000 + 0.1 * 6000 + 0.09 * 1000**2), rel=0.01)
    assert abs(sim.reorder_point_with_disruption - p95) < TOL * se["reorder_point_with_disruption"] + 0.5
    esc = sum(w * integrate.quad(lambda x, m=m, s=s: (x - rop) * norm.pdf(x, m, s), rop, m + 12 * s, limit=200)[0]
              for w, m, s in components)
    assert abs(sim.fill_rate - (1 - esc / 1000)) < TOL * se["fill_rate"]
    for key, level in [("cost_p5", 0.05), ("cost_p50", 0.5), ("cost_p95", 0.95)]:
        exact = _quantile(level, lambda c: _cost_cdf(c, cdf, rop, 1.0, 10.0), 0, 1e6)
        assert abs(getattr(sim, key) - exact) < TOL * se[key] + 0.05, key
    assert abs(sim.disrupted_share - 0.1) < TOL * math.sqrt(0.09 / 200_000)


def test_disruption_with_variable_lead_time():
    """Mixture of the variable-lead-time integral (weight 0.8) and the fixed disrupted lead time
    lead_time_mean + extra = 8 + 6 = 14 (weight 0.2)."""
    d, sd_d, mu_l, sd_l, p, extra = 30.0, 8.0, 8.0, 1.5, 0.2, 6.0
    rop = reorder_point(d, sd_d, mu_l, 0.98, sd_lead_time_days=sd_l)["reorder_point"]
    normal_part, _ = integrate.quad(
        lambda lt: norm.sf(rop, d * lt, sd_d * math.sqrt(lt)) * norm.pdf(lt, mu_l, sd_l), 1e-9, mu_l + 12 * sd_l)
    exact = (1 - p) * normal_part + p * norm.sf(rop, d * (mu_l + extra), sd_d * math.sqrt(mu_l + extra))
    sim = simulate_supply_risk(demand_mean=d, demand_sd=sd_d, lead_time_mean=mu_l, lead_time_sd=sd_l,
                               reorder_point=rop, order_quantity=500, service_level=0.98,
                               disruption_probability=p, disruption_extra_lead_time=extra, n_draws=200_000, seed=99)
    assert abs(sim.stockout_probability - exact) < TOL * sim.mc_standard_error
    assert sim.stockout_probability > 0.1  # far from the 2 % the textbook reorder point was set for


def test_same_seed_same_result_and_progress_reported():
    calls = []
    kwargs = dict(demand_mean=10, demand_sd=3, lead_time_mean=4, lead_time_sd=1, reorder_point=50, order_quantity=100,
                  service_level=0.9, disruption_probability=0.05, disruption_extra_lead_time=3, n_draws=50_000, seed=5)
    first = simulate_supply_risk(**kwargs, progress=lambda done, total: calls.append((done, total)))
    second = simulate_supply_risk(**kwargs)
    assert first.to_dict() == second.to_dict()
    assert calls[-1] == (50_000, 50_000) and len(calls) >= 20
    assert all(b[0] > a[0] for a, b in zip(calls, calls[1:]))
    assert int(first.histogram_counts.sum()) == 50_000
    assert first.to_dict()["mc_standard_error"] == first.standard_errors["stockout_probability"]


@pytest.mark.parametrize("kwargs, pattern", [
    ({"demand_sd": -1}, r"demand_sd must be >= 0, got -1"),
    ({"lead_time_sd": -0.5}, r"lead_time_sd must be >= 0, got -0\.5"),
    ({"service_level": 1.0}, r"service_level must be strictly between 0 and 1, got 1\.0"),
    ({"disruption_probability": 1.0}, r"disruption_probability must be >= 0 and < 1, got 1\.0"),
    ({"n_draws": 10}, r"n_draws must be a whole number >= 1000, got 10"),
    ({"order_quantity": 0}, r"order_quantity must be > 0, got 0"),
])
def test_simulation_bad_inputs(kwargs, pattern):
    base = dict(demand_mean=10, demand_sd=3, lead_time_mean=4, lead_time_sd=1, reorder_point=50, order_quantity=100,
                service_level=0.9, n_draws=1000, seed=1)
    base.update(kwargs)
    with pytest.raises(ValueError, match=pattern):
        simulate_supply_risk(**base)


# -------------------------------------------------------------------------------------------------- figures


def test_figures_draw_in_english_and_chinese():
    """The three figures build from the functions' outputs; in a zh run every character has a glyph."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ecomops import i18n, plots

    options = response_options_table([
        {"response": "accept", "probability": 0.2, "impact": 500_000, "cost": 0},
        {"response": "reduce", "probability": 0.05, "impact": 500_000, "cost": 30_000},
    ])
    sim = simulate_supply_risk(demand_mean=100, demand_sd=20, lead_time_mean=5, lead_time_sd=1, reorder_point=600,
                               order_quantity=1000, service_level=0.95, disruption_probability=0.1,
                               disruption_extra_lead_time=10, n_draws=20_000, seed=1)
    for language in ("en", "zh"):
        i18n.use_language(language)
        try:
            plots.use_house_style(language)
            heat = plots.risk_heat_map_figure(heat_map_counts(_register()))
            texts = [t.get_text() for t in heat.axes[0].texts]
            # 25 scores the top-right cell; "1" is the five cells holding one risk each and the score of cell (1, 1)
            assert "25" in texts and texts.count("1") == 6
            emv = plots.emv_figure(options)
            assert any("55,000 ★" in t.get_text() for t in emv.axes[0].texts)  # reduce: 0.05·500,000 + 30,000
            marks = {"textbook reorder point": 600.0, "reorder point with disruption": sim.reorder_point_with_disruption}
            histogram = plots.lead_time_demand_figure(sim, marks)
            assert len(histogram.axes[0].get_lines()) == 2
            for figure in (heat, emv, histogram):
                figure.canvas.draw()
                assert plots.missing_glyphs(figure) == []
            plt.close("all")
        finally:
            i18n.use_language("en")
