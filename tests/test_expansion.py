"""ecomops.expansion against hand-worked examples, closed forms and independent brute-force references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecomops import expansion as ex
from ecomops.marketing import hill_saturation


# ----------------------------------------------------------------------------------------------- online share


def test_online_share_sums_three_months_and_drops_incomplete_quarters():
    """Hand-worked: Q1 retail 100 + 110 + 90 = 300 and e-commerce 30 give 10 %; Q2 has two months only, so it is
    dropped rather than scaled up."""
    ecommerce = pd.Series([30.0, 40.0], index=pd.to_datetime(["2024-01-01", "2024-04-01"]))
    retail = pd.Series([100.0, 110.0, 90.0, 120.0, 130.0], index=pd.date_range("2024-01-01", periods=5, freq="MS"))
    table = ex.online_share_by_quarter(ecommerce, retail)
    assert list(table.index.astype(str)) == ["2024Q1"]
    assert table.loc[pd.Period("2024Q1"), "retail"] == 300.0
    assert table.loc[pd.Period("2024Q1"), "online_share"] == pytest.approx(0.1)


# -------------------------------------------------------------------------------------- segment attractiveness


def test_segment_attractiveness_normalises_reverses_and_weights():
    """Hand-worked, three segments. Size 100/200/300 -> 0, 0.5, 1; competitors 2/4/6 (lower is better) -> 1, 0.5,
    0; growth equal everywhere -> 0.5. Weights 0.5/0.25/0.25 give A: 0 + 0.25 + 0.125 = 0.375,
    B: 0.25 + 0.125 + 0.125 = 0.5, C: 0.5 + 0 + 0.125 = 0.625."""
    criteria = pd.DataFrame(
        {"size": [100, 200, 300], "competitors": [2, 4, 6], "growth": [0.1, 0.1, 0.1]}, index=["A", "B", "C"]
    )
    scored = ex.segment_attractiveness(criteria, {"size": 2, "competitors": 1, "growth": 1}, ["competitors"])
    assert list(scored.index) == ["C", "B", "A"]
    assert scored["weighted_score"].to_numpy() == pytest.approx([0.625, 0.5, 0.375])
    assert scored.loc["A", "competitors"] == 1.0 and scored.loc["B", "growth"] == 0.5
    with pytest.raises(ValueError, match="without a weight"):
        ex.segment_attractiveness(criteria, {"size": 1}, ["competitors"])


# ------------------------------------------------------------------------------------------ customer features


def test_customer_features_by_hand():
    """Customer 1: orders on 1 and 10 March (two invoices, revenue 10 + 5 + 20 = 35); customer 2: one order on
    5 March (revenue 7). The data end on 10 March, so the reference date is 11 March: recency 1 and 6 days."""
    lines = pd.DataFrame({
        "CustomerID": [1, 1, 1, 2, np.nan],
        "InvoiceNo": ["a", "a", "b", "c", "d"],
        "InvoiceDate": pd.to_datetime(["2024-03-01 09:00", "2024-03-01 09:00", "2024-03-10 18:00",
                                       "2024-03-05 12:00", "2024-03-10 20:00"]),
        "revenue": [10.0, 5.0, 20.0, 7.0, 99.0],
    })
    features = ex.customer_features(lines)
    assert features.to_dict("index") == {
        1: {"recency_days": 1, "frequency": 2, "monetary": 35.0},
        2: {"recency_days": 6, "frequency": 1, "monetary": 7.0},
    }
    assert ex.customer_features(lines, as_of="2024-03-20")["recency_days"].tolist() == [10, 15]


def test_standardised_log_features_have_mean_zero_and_unit_sd():
    """log(1 + x) then z-scores with ddof = 0: for x = 0, e − 1, e² − 1 the logs are 0, 1, 2, mean 1,
    population sd √(2/3), so the z-scores are −√1.5, 0, √1.5."""
    frame = pd.DataFrame({"m": [0.0, np.e - 1, np.e**2 - 1]})
    z = ex.standardised_log_features(frame)["m"].to_numpy()
    assert z == pytest.approx([-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    with pytest.raises(ValueError, match=">= 0"):
        ex.standardised_log_features(pd.DataFrame({"m": [1.0, -2.0]}))


# ------------------------------------------------------------------------------------------------- clustering


def _blobs(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    truth = np.repeat([0, 1, 2], [50, 30, 20])
    return centres[truth] + rng.normal(scale=0.5, size=(100, 2)), truth


def test_kmeans_recovers_well_separated_blobs_with_size_ordered_labels():
    points, truth = _blobs()
    result = ex.kmeans_clusters(points, 3, n_restarts=10, seed=3)
    assert np.array_equal(result.labels, truth)  # largest cluster is 0, as in the truth
    assert result.centres[1] == pytest.approx([10.0, 0.0], abs=0.3)
    # within-SS by its definition, computed independently with the true partition
    direct = sum(((points[truth == c] - points[truth == c].mean(axis=0)) ** 2).sum() for c in range(3))
    assert result.within_ss == pytest.approx(direct)
    again = ex.kmeans_clusters(points, 3, n_restarts=10, seed=3)
    assert np.array_equal(again.labels, result.labels)  # seeded: reproducible


def test_more_restarts_never_give_a_worse_partition():
    rng = np.random.default_rng(7)
    points = rng.normal(size=(200, 3))
    one = ex.kmeans_clusters(points, 5, n_restarts=1, seed=11)
    many = ex.kmeans_clusters(points, 5, n_restarts=30, seed=11)  # the first restart is the same draw
    assert many.within_ss <= one.within_ss + 1e-9


def test_silhouette_by_hand():
    """Points 0, 1, 4, 5 on a line, clusters {0, 1} and {4, 5}. Point 0: a = 1, b = (4 + 5)/2 = 4.5,
    s = 3.5/4.5 = 7/9; point 1: a = 1, b = (3 + 4)/2 = 3.5, s = 2.5/3.5 = 5/7; the other two mirror them.
    Mean = (7/9 + 5/7)/2 = 47/63. A point alone in its cluster gets 0 (Rousseeuw 1987)."""
    points = np.array([[0.0], [1.0], [4.0], [5.0]])
    labels = np.array([0, 0, 1, 1])
    assert ex.silhouette_samples(points, labels) == pytest.approx([7 / 9, 5 / 7, 5 / 7, 7 / 9])
    assert ex.silhouette_score(points, labels) == pytest.approx(47 / 63)
    alone = ex.silhouette_samples(np.array([[0.0], [1.0], [5.0]]), np.array([0, 0, 1]))
    assert alone[2] == 0.0 and alone[0] == pytest.approx((5 - 1) / 5)


def test_silhouette_matches_a_point_by_point_loop():
    """Independent reference: the definition written out point by point with explicit loops."""
    rng = np.random.default_rng(5)
    points = rng.normal(size=(40, 2))
    labels = rng.integers(0, 3, size=40)
    expected = []
    for i in range(40):
        d = np.sqrt(((points - points[i]) ** 2).sum(axis=1))
        own = (labels == labels[i]) & (np.arange(40) != i)
        a = d[own].mean()
        b = min(d[labels == c].mean() for c in set(labels) - {labels[i]})
        expected.append((b - a) / max(a, b))
    assert ex.silhouette_samples(points, labels) == pytest.approx(expected)


def test_cluster_quality_prefers_the_true_k_on_blobs():
    points, _ = _blobs()
    table = ex.cluster_quality(points, [1, 2, 3, 4, 5], n_restarts=10, seed=0)
    assert table["silhouette"].idxmax() == 3
    assert table["within_ss"].is_monotonic_decreasing
    assert table.loc[3, "within_ss_drop"] > 0.8 > table.loc[4, "within_ss_drop"]


# ------------------------------------------------------------------------------------------- budget allocation


def test_allocation_matches_the_closed_form_for_concave_hill_curves():
    """With shape 1, f'(x) = M k / (x + k)². Equal marginals give x_i + k_i = c √(M_i k_i), and the budget fixes
    c = (B + Σ k_i) / Σ √(M_i k_i). Here k = 100, 50; M = 10, 20; B = 300: √(Mk) = √1000, √1000, so
    c = 450 / (2√1000) and x = 225 − 100 = 125, 225 − 50 = 175."""
    channels = [ex.HillChannel("search", 100.0, 1.0, 10.0), ex.HillChannel("social", 50.0, 1.0, 20.0)]
    table = ex.allocate_budget(channels, 300.0)
    assert table["spend"].to_numpy() == pytest.approx([125.0, 175.0], rel=1e-9)
    assert table["marginal_response"].iloc[0] == pytest.approx(table["marginal_response"].iloc[1], rel=1e-9)


@pytest.mark.parametrize("budget", [40.0, 150.0, 400.0])
def test_allocation_beats_a_grid_search_over_two_s_shaped_channels(budget):
    """Brute force: every split of the budget on a grid of 200,001 points; the allocation is at least as good."""
    a, b = ex.HillChannel("a", 60.0, 2.5, 8.0), ex.HillChannel("b", 120.0, 1.6, 12.0)
    table = ex.allocate_budget([a, b], budget)
    assert table["spend"].sum() == pytest.approx(budget)
    share = np.linspace(0.0, 1.0, 200_001)
    grid = hill_saturation(share * budget, 60.0, 2.5, 8.0) + hill_saturation((1 - share) * budget, 120.0, 1.6, 12.0)
    assert table["response"].sum() >= grid.max() - 1e-9
    funded = table[table["spend"] > 0]
    if len(funded) == 2:
        assert funded["marginal_response"].iloc[0] == pytest.approx(funded["marginal_response"].iloc[1], rel=1e-6)


def test_a_channel_whose_best_marginal_is_too_low_gets_nothing():
    """Channel b's highest marginal response is M/k = 1/1000 (shape 1, at zero spend); channel a's marginal at
    the whole budget is 100·100/(100 + 10)² ≈ 0.83. So b gets nothing."""
    channels = [ex.HillChannel("a", 100.0, 1.0, 100.0), ex.HillChannel("b", 1000.0, 1.0, 1.0)]
    table = ex.allocate_budget(channels, 10.0)
    assert table.loc["b", "spend"] == 0.0 and table.loc["a", "spend"] == pytest.approx(10.0)
    with pytest.raises(ValueError, match="positive"):
        ex.allocate_budget(channels, 0.0)


# -------------------------------------------------------------------------------------------------- catchments


def test_huff_probabilities_by_hand():
    """Zone 1 is 1 km from store X and 2 km from store Y, both of size 1, β = 2: weights 1 and 1/4, so
    P = 0.8 and 0.2. Zone 2 is 2 km from both, but Y is three times as large (α = 1): P = 0.25 and 0.75.
    Demand 1,000 and 400 households: X captures 800 + 100 = 900, Y 200 + 300 = 500."""
    p = ex.huff_probabilities([1.0, 3.0], [[1.0, 2.0 * np.sqrt(3)], [2.0, 2.0]], distance_decay=2.0)
    assert p[0] == pytest.approx([0.8, 0.2]) and p[1] == pytest.approx([0.25, 0.75])
    assert ex.huff_store_demand([1000.0, 400.0], p) == pytest.approx([900.0, 500.0])
    with pytest.raises(ValueError, match="one column per store"):
        ex.huff_probabilities([1.0, 2.0, 3.0], [[1.0, 2.0]])


# ----------------------------------------------------------------------------------- share and customer growth


def test_share_growth_identity_by_hand():
    """Own sales 10 -> 12 (+20 %), market 100 -> 110 (+10 %): share 10 % -> 10.909 %, share growth
    1.2 / 1.1 − 1 = +9.09 %, +0.909 points."""
    table = ex.share_growth([10.0, 12.0], [100.0, 110.0])
    last = table.iloc[1]
    assert last["share_growth"] == pytest.approx(1.2 / 1.1 - 1)
    assert (1 + last["own_growth"]) == pytest.approx((1 + last["market_growth"]) * (1 + last["share_growth"]))
    assert last["share_change_points"] == pytest.approx((12 / 110 - 0.1) * 100)
    with pytest.raises(ValueError):
        ex.share_growth([10.0], [5.0])


def test_customer_flows_by_hand():
    """Quarters Q1–Q3. A buys in Q1 and Q3 (lost in Q2, reactivated in Q3); B in Q1 and Q2 (lost in Q3); C first
    buys in Q2 and again in Q3. Q1: active 2, new 2. Q2: active 2 (B retained, C new), lost 1 (A).
    Q3: active 2 (A reactivated, C retained), lost 1 (B)."""
    lines = pd.DataFrame({
        "CustomerID": ["A", "A", "B", "B", "C", "C"],
        "InvoiceDate": pd.to_datetime(["2024-01-05", "2024-08-01", "2024-02-01", "2024-05-01", "2024-06-30",
                                       "2024-09-30"]),
    })
    flows = ex.customer_flows(lines)
    assert flows.to_dict("list") == {
        "active": [2, 2, 2], "new": [2, 1, 0], "retained": [0, 1, 1], "reactivated": [0, 0, 1], "lost": [0, 1, 1],
    }
    previous = flows["active"].shift(fill_value=0)
    assert (flows["active"] == previous - flows["lost"] + flows["new"] + flows["reactivated"]).all()


def test_allocation_beats_random_splits_over_three_channels():
    """Brute force in three dimensions: 200,000 random splits of the budget (uniform on the simplex, seeded) and
    the three single-channel corners; none beats the allocation."""
    channels = [ex.HillChannel("search", 40.0, 1.0, 300.0), ex.HillChannel("social", 80.0, 2.0, 600.0),
                ex.HillChannel("email", 10.0, 0.8, 60.0)]
    budget = 100.0
    table = ex.allocate_budget(channels, budget)
    shares = np.vstack([np.random.default_rng(3).dirichlet(np.ones(3), size=200_000), np.eye(3)])
    totals = sum(c.response(shares[:, i] * budget) for i, c in enumerate(channels))
    assert table["response"].sum() >= totals.max() - 1e-9
    funded = table[table["spend"] > 0]
    assert np.allclose(funded["marginal_response"], funded["marginal_response"].iloc[0], rtol=1e-6)


def test_peak_spend_is_where_the_marginal_response_is_highest():
    """Inflection point of the Hill curve, k·((s − 1)/(s + 1))^(1/s): for k = 80, s = 2 it is 80/√3 ≈ 46.19.
    Checked against the argmax of the marginal response on a fine grid; 0 for a concave curve (s <= 1)."""
    channel = ex.HillChannel("social", 80.0, 2.0, 600.0)
    assert channel.peak_spend() == pytest.approx(80.0 / np.sqrt(3.0))
    grid = np.linspace(0.0, 200.0, 2_000_001)
    assert grid[np.argmax(channel.marginal(grid))] == pytest.approx(channel.peak_spend(), abs=1e-3)
    assert ex.HillChannel("search", 40.0, 1.0, 300.0).peak_spend() == 0.0
