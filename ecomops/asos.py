"""The ASOS Digital Experiments data (Liu, Cardoso, Couturier & McCoy 2021): one experiment's binary metric as a
series of checkpoints, with the converting users in each arm, as a team watching a dashboard would have seen it.

The data give, for every checkpoint, the number of units in each arm so far and the mean of the metric. For the
binary metric (``metric_id`` 1) the mean times the count is the number of units with the outcome; every such
product is within 0.03 of a whole number (see the data card), so it is rounded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data import DataError, require_columns

__all__ = ["BINARY_METRIC", "binary_metric_stream"]

BINARY_METRIC = 1
"""``metric_id`` of the one binary (conversion-like) metric in the data."""


def binary_metric_stream(asos: pd.DataFrame, experiment_id: str, variant_id: int) -> pd.DataFrame:
    """The checkpoints of one experiment × treatment variant on the binary metric, in time order.

    Parameters
    ----------
    asos : pandas.DataFrame
        The ``asos_digital_experiments`` data set.
    experiment_id : str
        The experiment, for example ``"bac0d3"``.
    variant_id : int
        The treatment variant compared with the control.

    Returns
    -------
    pandas.DataFrame
        One row per checkpoint: ``day`` (days since the start), ``users_control, users_treatment``,
        ``conversions_control, conversions_treatment`` (cumulative, whole numbers), ``rate_control,
        rate_treatment`` and ``relative_lift`` (treatment rate / control rate − 1). Checkpoints where an arm has
        no users yet are left out.

    Raises
    ------
    ecomops.data.DataError
        If the columns of the data set are missing or the experiment × variant has no checkpoint.
    """
    require_columns(asos, ["experiment_id", "variant_id", "metric_id", "time_since_start", "count_c", "count_t",
                           "mean_c", "mean_t"], "ASOS data")
    rows = asos[(asos["experiment_id"] == experiment_id) & (asos["variant_id"] == variant_id)
                & (asos["metric_id"] == BINARY_METRIC) & (asos["count_c"] > 0) & (asos["count_t"] > 0)]
    if rows.empty:
        raise DataError(f"no checkpoint of the binary metric for experiment {experiment_id!r}, variant {variant_id}")
    rows = rows.sort_values("time_since_start")
    stream = pd.DataFrame({
        "day": rows["time_since_start"].to_numpy(dtype=float),
        "users_control": rows["count_c"].to_numpy(dtype=np.int64),
        "users_treatment": rows["count_t"].to_numpy(dtype=np.int64),
        "conversions_control": np.rint(rows["mean_c"] * rows["count_c"]).to_numpy(dtype=np.int64),
        "conversions_treatment": np.rint(rows["mean_t"] * rows["count_t"]).to_numpy(dtype=np.int64),
    })
    stream["rate_control"] = stream["conversions_control"] / stream["users_control"]
    stream["rate_treatment"] = stream["conversions_treatment"] / stream["users_treatment"]
    stream["relative_lift"] = stream["rate_treatment"] / stream["rate_control"] - 1
    return stream
