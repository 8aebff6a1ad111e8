"""Multi-touch attribution rules: how much credit each touch of a converting path receives.

An attribution rule shares one conversion (or its value) among the touches that preceded it. The rules here are
the five of the usual web-analytics menu (Google Analytics Help, "Attribution modeling overview"):

* ``last_touch``: all credit to the last touch before the conversion;
* ``first_touch``: all credit to the first touch;
* ``linear``: equal credit ``1/n`` to each of the path's ``n`` touches;
* ``time_decay``: credit proportional to ``2^(−Δt / h)``, where ``Δt`` is the time from the touch to the
  conversion and ``h`` the half-life (a touch ``h`` before the conversion gets half the weight of one at it);
* ``position_based`` (U-shaped): 40 % to the first touch, 40 % to the last and the remaining 20 % shared equally by
  the touches in between. Conventions differ for short paths; here a one-touch path gives its touch 100 %, and a
  two-touch path gives 50 % to each (the middle share has no touch, so it is split between the two ends).

Every rule gives each converting path credits that sum to 1, so attributed conversions always add up to the
number of converting paths with at least one touch: a rule only *divides* conversions among channels. None of them
asks whether the conversion would have happened without the touch (that is incrementality, section 4.5).

The input is a tidy touch table: one row per touch with a path (user) id, a channel and a time. Touches are
ordered by time within a path; touches at the same time keep their order in the table.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["ATTRIBUTION_RULES", "touch_credits", "channel_credits", "compare_attribution_rules"]

ATTRIBUTION_RULES = ("last_touch", "first_touch", "linear", "time_decay", "position_based")


def _require(touches: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in touches.columns]
    if missing:
        raise ValueError(f"touch table is missing column(s) {missing}; it has {list(touches.columns)}")


def touch_credits(
    touches: pd.DataFrame,
    rule: str,
    *,
    path_column: str = "user_id",
    channel_column: str = "channel",
    time_column: str = "hour",
    conversion_time_column: str | None = None,
    half_life: float = 7 * 24.0,
    end_share: float = 0.4,
) -> pd.Series:
    """Credit of every touch of the converting paths in ``touches`` under one attribution ``rule``.

    Parameters
    ----------
    touches : pandas.DataFrame
        One row per touch of a *converting* path (drop touches after the conversion, and non-converting paths,
        before calling).
    rule : str
        One of ``ATTRIBUTION_RULES``.
    path_column, channel_column, time_column : str
        Columns holding the path (user) id, the channel and the time of the touch (any numeric unit).
    conversion_time_column : str, optional
        Column with the path's conversion time, in the unit of ``time_column`` (used by ``time_decay``). Without
        it the conversion is taken to happen at the path's last touch.
    half_life : float, default 168
        Half-life ``h`` of the time-decay rule, in the unit of ``time_column`` (168 hours = 7 days, the
        half-life of Google Analytics' time-decay model).
    end_share : float, default 0.4
        Share of the first and of the last touch under ``position_based`` (0.4 each gives 40/20/40).

    Returns
    -------
    pandas.Series
        Credit per touch (float, aligned with ``touches.index``); within every path the credits sum to 1.

    Examples
    --------
    One path A → B → C → D at hours 0, 24, 48, 72, converting at hour 72, half-life 24 hours:

    * last touch: 0, 0, 0, 1; first touch: 1, 0, 0, 0; linear: 0.25 each;
    * position-based: 0.4, 0.1, 0.1, 0.4 (the middle 20 % split between two touches);
    * time decay: weights 2^-3, 2^-2, 2^-1, 1 = 0.125, 0.25, 0.5, 1, divided by their sum 1.875:
      0.0667, 0.1333, 0.2667, 0.5333.

    >>> path = pd.DataFrame({"user_id": 1, "channel": list("ABCD"), "hour": [0, 24, 48, 72]})
    >>> touch_credits(path, "position_based").round(4).tolist()
    [0.4, 0.1, 0.1, 0.4]
    >>> touch_credits(path, "time_decay", half_life=24).round(4).tolist()
    [0.0667, 0.1333, 0.2667, 0.5333]
    """
    if rule not in ATTRIBUTION_RULES:
        raise ValueError(f"rule must be one of {ATTRIBUTION_RULES}, got {rule!r}")
    _require(touches, [path_column, channel_column, time_column]
             + ([conversion_time_column] if conversion_time_column else []))
    if not half_life > 0:
        raise ValueError(f"half_life must be > 0, got {half_life}")
    if not 0 <= end_share <= 0.5:
        raise ValueError(f"end_share must be between 0 and 0.5, got {end_share}")
    if touches.empty:
        return pd.Series(dtype=float, index=touches.index)

    order = np.lexsort((np.arange(len(touches)), touches[time_column].to_numpy(), touches[path_column].to_numpy()))
    ordered = touches.iloc[order]
    paths = ordered.groupby(path_column, sort=False)
    position = paths.cumcount().to_numpy()
    length = paths[time_column].transform("size").to_numpy()
    first, last = position == 0, position == length - 1

    if rule == "last_touch":
        credit = last.astype(float)
    elif rule == "first_touch":
        credit = first.astype(float)
    elif rule == "linear":
        credit = 1.0 / length
    elif rule == "position_based":
        middle = (1.0 - 2 * end_share) / np.maximum(length - 2, 1)
        credit = np.select([length == 1, length == 2, first | last], [1.0, 0.5, end_share], default=middle)
    else:  # time_decay
        times = ordered[time_column].to_numpy(dtype=float)
        end = (ordered[conversion_time_column].to_numpy(dtype=float) if conversion_time_column
               else paths[time_column].transform("max").to_numpy(dtype=float))
        if np.any(times > end):
            raise ValueError(f"a touch lies after its path's conversion time ({conversion_time_column!r})")
        weight = np.exp2(-(end - times) / half_life)
        credit = weight / pd.Series(weight, index=ordered.index).groupby(ordered[path_column]).transform("sum")
        credit = np.asarray(credit, dtype=float)
    return pd.Series(credit, index=ordered.index, name=rule).reindex(touches.index)


def channel_credits(touches: pd.DataFrame, rule: str, *, channel_column: str = "channel",
                    **options: object) -> pd.Series:
    """Attributed conversions per channel under ``rule``: the sum of :func:`touch_credits` by channel.

    ``options`` are passed to :func:`touch_credits`. The result sums to the number of converting paths.

    Examples
    --------
    Two converting paths, A → B and B alone. Last touch gives B both conversions; first touch gives A one and
    B one; linear gives A 0.5 and B 1.5.

    >>> paths = pd.DataFrame({"user_id": [1, 1, 2], "channel": ["A", "B", "B"], "hour": [0, 5, 3]})
    >>> channel_credits(paths, "linear").to_dict()
    {'A': 0.5, 'B': 1.5}
    """
    credit = touch_credits(touches, rule, channel_column=channel_column, **options)
    return credit.groupby(touches[channel_column]).sum().rename(rule)


def compare_attribution_rules(touches: pd.DataFrame, rules: Sequence[str] = ATTRIBUTION_RULES, *,
                              channel_column: str = "channel", **options: object) -> pd.DataFrame:
    """Attributed conversions per channel (rows) under each rule (columns); every column sums to the number of
    converting paths. ``options`` are passed to :func:`touch_credits`."""
    return pd.concat([channel_credits(touches, rule, channel_column=channel_column, **options) for rule in rules],
                     axis=1).fillna(0.0)
