"""Figures of chapter 5 and the ``customer_value`` template: RFM segments, the cohort retention heat map, the
holdout check of the BG/NBD model by frequency group and the distribution of customer lifetime value."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..i18n import tr, translate_label
from . import PALETTE

__all__ = ["rfm_segments_figure", "cohort_retention_figure", "holdout_check_figure", "clv_distribution_figure"]


def rfm_segments_figure(segments: pd.DataFrame) -> plt.Figure:
    """Two panels per RFM segment: its share of customers and its share of spend (and of CLV, column ``clv``, when
    given).

    ``segments`` is :func:`ecomops.customers.segment_summary` output (index = segment name).
    """
    order = segments.sort_values("monetary_share").index
    table = segments.loc[order]
    names = [translate_label(s) for s in order]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8), sharey=True)
    left.barh(names, table["share"], color=PALETTE[0])
    left.set_xlabel(tr("share of customers"))
    shares = {tr("share of spend"): table["monetary_share"]}
    if "clv" in table and table["clv"].sum() > 0:
        shares[tr("share of CLV")] = table["clv"] / table["clv"].sum()
    height = 0.8 / len(shares)
    y = np.arange(len(order))
    for i, (label, values) in enumerate(shares.items()):
        right.barh(y + (i - (len(shares) - 1) / 2) * height, values, height, label=label, color=PALETTE[i + 1])
    right.set_xlabel(tr("share of value"))
    right.legend(frameon=False, loc="lower right")
    for ax in (left, right):
        ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    return fig


def cohort_retention_figure(retention: pd.DataFrame, max_cohorts: int = 24) -> plt.Figure:
    """Heat map of monthly cohort retention, period 0 left out (it is 100 % by definition).

    ``retention`` is :func:`ecomops.customers.cohort_retention` output; rows are labelled with the cohort month
    and its size, and only the last ``max_cohorts`` cohorts are drawn. Empty cells lie after the data's end.
    """
    shown = retention.iloc[-max_cohorts:]
    rates = shown.drop(columns="cohort_size").iloc[:, 1:]
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(shown) + 1.8))
    labels = [f"{cohort} (n={size:,})" for cohort, size in shown["cohort_size"].items()]
    sns.heatmap(rates.astype(float), annot=rates.shape[1] <= 14, fmt=".0%", cmap="Blues", cbar=True,
                annot_kws={"size": 7}, yticklabels=labels, ax=ax, cbar_kws={"format": mpl.ticker.PercentFormatter(1.0)})
    ax.grid(False)
    ax.set_xlabel(tr("months since the first purchase"))
    ax.set_ylabel(tr("cohort (month of the first purchase)"))
    return fig


def holdout_check_figure(groups: pd.DataFrame, time_label: str) -> plt.Figure:
    """Mean predicted against mean actual purchases in the holdout period, by calibration frequency.

    ``groups`` is :func:`ecomops.clv.holdout_by_frequency` output; ``time_label`` describes the holdout
    (for example ``"holdout: 14 weeks"``).
    """
    fig, ax = plt.subplots()
    x = np.arange(len(groups))
    ax.plot(x, groups["actual"], marker="o", lw=2, color=PALETTE[0], label=tr("actual"))
    ax.plot(x, groups["predicted"], marker="s", lw=2, ls="--", color=PALETTE[1], label=tr("predicted (BG/NBD)"))
    ax.set_xticks(x, list(groups.index))
    ax.set_xlabel(tr("repeat purchases in the calibration period"))
    ax.set_ylabel(tr("mean purchases per customer in the holdout"))
    ax.set_title(time_label, fontsize=10, fontweight="normal")
    ax.legend(frameon=False)
    return fig


def clv_distribution_figure(clv: pd.Series | np.ndarray, currency: str = "") -> plt.Figure:
    """Left: histogram of customer lifetime value (log-spaced bins); right: the cumulative share of total CLV
    held by the top x % of customers (a Lorenz-type concentration curve)."""
    values = np.sort(np.asarray(clv, dtype=float))[::-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
    positive = values[values > 0]
    if positive.size:
        bins = np.geomspace(max(positive.min(), positive.max() * 1e-4), positive.max(), 30)
        left.hist(positive, bins=bins, color=PALETTE[0])
        left.set_xscale("log")
    left.set_xlabel(tr("CLV per customer") + (f" ({currency})" if currency else ""))
    left.set_ylabel(tr("customers"))
    customers = np.arange(values.size + 1) / values.size
    total = values.sum()
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    right.plot(customers, cumulative / total if total > 0 else customers, color=PALETTE[1], lw=2)
    right.plot([0, 1], [0, 1], ls=":", color="grey", lw=1)
    right.set_xlabel(tr("share of customers, highest CLV first"))
    right.set_ylabel(tr("share of total CLV"))
    for axis in (right.xaxis, right.yaxis):
        axis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    return fig
