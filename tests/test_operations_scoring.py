"""Tests for the weight-perturbation test of a scoring matrix (ecomops.operations.first_place_shares)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecomops.operations import first_place_shares, weighted_scores

SCORES = pd.DataFrame({"c1": [5, 1, 3], "c2": [1, 5, 3]}, index=["A", "B", "C"])


def test_an_option_best_on_every_criterion_always_wins():
    scores = pd.DataFrame({"c1": [5, 1, 2], "c2": [5, 4, 3], "c3": [4, 3, 1]}, index=["best", "x", "y"])
    shares = first_place_shares(scores, {"c1": 1, "c2": 2, "c3": 3}, n_draws=500, seed=1)
    assert shares.to_dict() == {"best": 1.0}


def test_symmetric_options_share_first_place():
    # A and B mirror each other; with equal weights each wins when its criterion draws more than half the weight,
    # which for a symmetric Dirichlet happens with probability 1/2 (C, at 3 everywhere, never beats both)
    shares = first_place_shares(SCORES, {"c1": 1, "c2": 1}, concentration=10, n_draws=20_000, seed=3)
    assert set(shares.index) == {"A", "B"}
    assert shares["A"] == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / 20_000))


def test_a_high_concentration_keeps_the_agreed_winner():
    weights = {"c1": 0.6, "c2": 0.4}
    agreed = weighted_scores(SCORES, weights).index[0]
    assert agreed == "A"
    assert first_place_shares(SCORES, weights, concentration=1e6, n_draws=200, seed=5).to_dict() == {"A": 1.0}


def test_same_as_scoring_each_draw_one_by_one():
    weights = {"c1": 30, "c2": 70}
    draws = np.random.default_rng(11).dirichlet(np.array([0.3, 0.7]) * 8, size=300)
    one_by_one = pd.Series([weighted_scores(SCORES, dict(zip(weights, d))).index[0] for d in draws])
    expected = one_by_one.value_counts(normalize=True)
    shares = first_place_shares(SCORES, weights, concentration=8, n_draws=300, seed=11)
    pd.testing.assert_series_equal(shares.sort_index(), expected.sort_index(), check_names=False)
    assert shares.name == "share of draws ranked first" and shares.is_monotonic_decreasing


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"weights": {"c1": 1, "c2": 0}}, "weights must all be > 0"),
    ({"weights": {"c1": 1, "c2": 1}, "n_draws": 0}, "n_draws"),
    ({"weights": {"c1": 1, "c2": 1}, "concentration": 0}, "concentration"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        first_place_shares(SCORES, **kwargs)
