"""Tests for the unit-economics functions of ecomops.operations (section 1.2), against sums worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecomops.operations import break_even_take_rate, order_contribution

# The illustrative product of section 1.2: price 99, landed cost 40, fulfilment 8, returns 3, ads 15 per order.
UNIT = dict(price=99.0, landed_cost=40.0, fulfilment=8.0, returns=3.0, ads_per_order=15.0)


def test_order_contribution_by_hand():
    # 99 × (1 − 0.20) − 40 − 8 − 3 − 15 = 79.2 − 66 = 13.2
    assert order_contribution(fee_rate=0.20, **UNIT) == pytest.approx(13.2)
    # no fees: 99 − 66 = 33; per-order costs default to 0: 99 × 0.9 − 40 = 49.1
    assert order_contribution(fee_rate=0.0, **UNIT) == pytest.approx(33.0)
    assert order_contribution(99.0, 0.10, 40.0) == pytest.approx(49.1)


def test_order_contribution_broadcasts_and_keeps_a_missing_rate_missing():
    rates = pd.Series([np.nan, 0.05, 0.30], index=["unsourced", "low", "high"])
    result = order_contribution(fee_rate=rates, **UNIT)
    assert isinstance(result, pd.Series) and result.index.equals(rates.index)
    assert np.isnan(result["unsourced"])  # no invented number while the rate is unknown
    # 99 × 0.95 − 66 = 28.05; 99 × 0.70 − 66 = 3.3
    np.testing.assert_allclose(result[["low", "high"]], [28.05, 3.3])
    prices = np.array([80.0, 99.0, 120.0])
    np.testing.assert_allclose(order_contribution(prices, 0.1, 40.0, 8.0), [24.0, 41.1, 60.0])


def test_break_even_take_rate_by_hand_and_is_the_zero_of_the_contribution():
    # 1 − 66 / 99 = 1/3
    rate = break_even_take_rate(**UNIT)
    assert rate == pytest.approx(1 / 3)
    assert order_contribution(fee_rate=rate, **UNIT) == pytest.approx(0.0, abs=1e-12)
    assert order_contribution(fee_rate=rate + 0.01, **UNIT) < 0 < order_contribution(fee_rate=rate - 0.01, **UNIT)
    assert break_even_take_rate(50.0, 60.0) == pytest.approx(-0.2)  # costs alone exceed the price
    with pytest.raises(ValueError, match=r"price must be positive"):
        break_even_take_rate(0.0, 10.0)
