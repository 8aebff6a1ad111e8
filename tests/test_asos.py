"""Tests for reading one ASOS experiment as a stream of checkpoints (ecomops.asos)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecomops.asos import binary_metric_stream
from ecomops.data import DataError, load_dataset


def _asos_layout() -> pd.DataFrame:
    """Two checkpoints of experiment 'x1' variant 1 (given out of order), one of another metric, one empty arm."""
    return pd.DataFrame({
        "experiment_id": ["x1", "x1", "x1", "x1", "x2"],
        "variant_id": [1, 1, 1, 1, 1],
        "metric_id": [1, 1, 2, 1, 1],
        "time_since_start": [1.0, 0.5, 0.5, 0.0, 0.5],
        "count_c": [200, 100, 100, 0, 10],
        "count_t": [210, 90, 90, 5, 10],
        "mean_c": [0.10, 0.12, 3.5, 0.0, 0.1],
        "mean_t": [0.0952380952, 0.1333333333, 2.0, 0.2, 0.2],
    })


def test_stream_by_hand():
    stream = binary_metric_stream(_asos_layout(), "x1", 1)
    # the day-0 row (no control users) and the metric-2 row are dropped; the rest in time order
    assert stream["day"].tolist() == [0.5, 1.0]
    assert stream["users_control"].tolist() == [100, 200] and stream["users_treatment"].tolist() == [90, 210]
    # 0.12 × 100 = 12, 0.1333… × 90 = 12, 0.10 × 200 = 20, 0.0952… × 210 = 20
    assert stream["conversions_control"].tolist() == [12, 20]
    assert stream["conversions_treatment"].tolist() == [12, 20]
    np.testing.assert_allclose(stream["relative_lift"], [(12 / 90) / 0.12 - 1, (20 / 210) / 0.10 - 1])


def test_an_unknown_stream_is_named():
    with pytest.raises(DataError, match=r"experiment 'x9', variant 1"):
        binary_metric_stream(_asos_layout(), "x9", 1)


def test_the_last_checkpoint_matches_the_derived_data_set():
    # asos_binary_final_checkpoints is derived by scripts/make_datasets.py, independently of ecomops.asos
    final = load_dataset("asos_binary_final_checkpoints").set_index(["experiment_id", "variant_id"])
    asos = load_dataset("asos_digital_experiments")
    for key in [("bac0d3", 1), ("54a85a", 2)]:
        last = binary_metric_stream(asos, *key).iloc[-1]
        row = final.loc[key]
        assert last["day"] == pytest.approx(row["days"])
        assert last["users_control"] == row["users_control"] and last["users_treatment"] == row["users_treatment"]
        assert last["conversions_control"] == row["conversions_control"]
        assert last["conversions_treatment"] == row["conversions_treatment"]
