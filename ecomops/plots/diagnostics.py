"""Figures of the ``case_study`` template and chapter 7: the monthly trend, the month-of-year seasonality index,
Lorenz (Pareto) curves and the geographic mix. The cohort retention heat map is
:func:`ecomops.plots.customers.cohort_retention_figure`."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..i18n import tr, translate_label
from . import PALETTE

__all__ = ["monthly_trend_figure", "seasonality_figure", "lorenz_figure", "geographic_mix_figure"]


def monthly_trend_figure(monthly: pd.DataFrame, complete: pd.Series | np.ndarray | None = None) -> plt.Figure:
    """Three stacked panels: net revenue, orders and active customers per calendar month.

    ``monthly`` is :attr:`ecomops.diagnostics.TransactionSummary.monthly`; months where ``complete`` is False
    (a partial first or last month) are drawn as hatched, lighter bars and marked in the legend.
    """
    flags = np.ones(len(monthly), bool) if complete is None else np.asarray(complete, dtype=bool)
    labels = [str(month) for month in monthly.index]
    fig, axes = plt.subplots(3, 1, figsize=(10, 7.5), sharex=True)
    panels = [("revenue", tr("net revenue")), ("orders", tr("orders")), ("customers", tr("active customers"))]
    for ax, (column, title), colour in zip(axes, panels, PALETTE):
        values = monthly[column].to_numpy(dtype=float)
        ax.bar(np.flatnonzero(flags), values[flags], color=colour)
        if (~flags).any():
            ax.bar(np.flatnonzero(~flags), values[~flags], color=colour, alpha=0.35, hatch="//",
                   label=tr("partial month"))
            ax.legend(frameon=False, loc="upper left")
        ax.set_ylabel(title)
        ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[-1].set_xticks(np.arange(len(labels)), labels, rotation=45, ha="right")
    return fig


def seasonality_figure(index: pd.DataFrame) -> plt.Figure:
    """Bars of the month-of-year seasonality index (:func:`ecomops.diagnostics.seasonality_index`), 1 = an
    average month."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.bar(index.index.astype(int), index["index"], color=PALETTE[0])
    ax.axhline(1.0, color=PALETTE[5], lw=1, ls="--")
    ax.set_xticks(range(1, 13))
    ax.set_xlabel(tr("month of the year"))
    ax.set_ylabel(tr("seasonality index (1 = average month)"))
    return fig


def lorenz_figure(curves: dict[str, pd.DataFrame], top: float = 0.2) -> plt.Figure:
    """Lorenz curves (:func:`ecomops.diagnostics.lorenz_curve`), one per label, with the line of equality and
    the cut of the top ``top`` share of units marked."""
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.plot([0, 1], [0, 1], color=PALETTE[5], lw=1, ls="--", label=tr("equal shares"))
    for (label, curve), colour in zip(curves.items(), PALETTE):
        ax.plot(curve["units_share"], curve["value_share"], lw=2, color=colour, label=translate_label(label))
    ax.axvline(1 - top, color=PALETTE[3], lw=1, ls=":")
    ax.set_xlabel(tr("share of units, smallest first"))
    ax.set_ylabel(tr("share of net revenue"))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.legend(frameon=False, loc="upper left")
    return fig


def geographic_mix_figure(mix: pd.DataFrame) -> plt.Figure:
    """Horizontal bars of each country's share of net revenue (:func:`ecomops.diagnostics.geographic_mix`)."""
    shown = mix.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(shown) + 1.5))
    ax.barh([translate_label(c) for c in shown.index], shown["revenue_share"], color=PALETTE[0])
    ax.set_xlabel(tr("share of net revenue"))
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    return fig
