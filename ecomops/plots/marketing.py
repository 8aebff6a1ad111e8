"""Figures of chapter 4 and the ``campaign_roi`` template: attributed vs incremental ROAS, the waterfall from
revenue to incremental profit, and the media response curves (geometric adstock, Hill saturation)."""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter
import numpy as np
import pandas as pd

from ..i18n import tr, translate_label
from ..marketing import geometric_adstock, hill_marginal_response, hill_saturation
from . import PALETTE

__all__ = ["roas_comparison_figure", "profit_waterfall_figure", "media_response_figure"]


def roas_comparison_figure(table: pd.DataFrame) -> plt.Figure:
    """Per campaign, side by side: the ROAS the platform attributes, the incremental ROAS with its interval, and
    the break-even ROAS (a black tick).

    ``table`` has the columns ``campaign``, ``roas``, ``iroas``, ``iroas_ci_low``, ``iroas_ci_high`` and
    ``break_even_roas`` (:func:`ecomops.playbook.campaign_roi.campaign_table`).
    """
    x = np.arange(len(table))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(table) + 3), 4.5))
    ax.bar(x - 0.2, table["roas"], 0.4, color=PALETTE[5], label=tr("ROAS as attributed"))
    err = np.vstack([table["iroas"] - table["iroas_ci_low"], table["iroas_ci_high"] - table["iroas"]])
    ax.bar(x + 0.2, table["iroas"], 0.4, color=PALETTE[0], yerr=err, capsize=4, label=tr("incremental ROAS"))
    ax.hlines(table["break_even_roas"], x - 0.45, x + 0.45, colors="black", linewidth=2, label=tr("break-even ROAS"))
    ax.axhline(0, color="#8c8c8c", linewidth=0.8)
    ax.set_xticks(x, [translate_label(c) for c in table["campaign"]], rotation=20 if len(table) > 3 else 0,
                  ha="right" if len(table) > 3 else "center")
    ax.set_ylabel(tr("revenue per unit of spend"))
    ax.legend(frameon=False)
    return fig


def profit_waterfall_figure(total: Mapping[str, Any], profit_ci: tuple[float, float] | None = None) -> plt.Figure:
    """From the revenue the platform attributes to the incremental profit: minus the revenue that would have come
    anyway (holdout), minus the cost of goods, minus the spend.

    Parameters
    ----------
    total : Mapping[str, Any]
        ``revenue_attributed``, ``incremental_revenue``, ``incremental_profit`` and ``spend`` (one campaign or a
        portfolio, :func:`ecomops.playbook.campaign_roi.portfolio`).
    profit_ci : tuple of float, optional
        ``(low, high)`` of an interval for the incremental profit, drawn as an error bar on the last bar.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: seven bars, the subtotals from zero and the steps between them floating, each labelled.
    """
    attributed, incremental = float(total["revenue_attributed"]), float(total["incremental_revenue"])
    spend, profit = float(total["spend"]), float(total["incremental_profit"])
    gross = profit + spend
    steps = [  # (label, start, end, is a subtotal)
        (tr("attributed revenue"), 0.0, attributed, True),
        (tr("not incremental"), attributed, incremental, False),
        (tr("incremental revenue"), 0.0, incremental, True),
        (tr("cost of goods"), incremental, gross, False),
        (tr("incremental gross profit"), 0.0, gross, True),
        (tr("spend"), gross, profit, False),
        (tr("incremental profit"), 0.0, profit, True),
    ]
    fig, ax = plt.subplots(figsize=(10, 4.8))
    for i, (label, start, end, subtotal) in enumerate(steps):
        colour = PALETTE[0] if subtotal else (PALETTE[3] if end < start else PALETTE[2])
        if subtotal and i == len(steps) - 1:
            colour = PALETTE[2] if end >= 0 else PALETTE[3]
        ax.bar(i, end - start, 0.6, bottom=start, color=colour)
        ax.text(i, max(start, end), f"{end - start:+,.0f}" if not subtotal else f"{end:,.0f}", ha="center",
                va="bottom", fontsize=9)
        if i < len(steps) - 1:
            ax.plot([i + 0.3, i + 0.7], [end, end], color="#8c8c8c", linewidth=0.8)
    if profit_ci is not None:
        ax.errorbar([len(steps) - 1], [profit], yerr=[[profit - profit_ci[0]], [profit_ci[1] - profit]], fmt="none",
                    color="black", capsize=5)
    ax.axhline(0, color="#8c8c8c", linewidth=0.8)
    ax.set_xticks(range(len(steps)), [label for label, *_ in steps], rotation=15, ha="right")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.set_ylabel(tr("amount (currency)"))
    return fig


def media_response_figure(
    decay: float, half_saturation: float, shape: float, max_response: float = 1.0, periods: int = 12
) -> plt.Figure:
    """Two panels: the carry-over of one unit of spend (geometric adstock) over ``periods`` periods, and the Hill
    response curve with its marginal response per extra unit of spend."""
    pulse = np.zeros(periods)
    pulse[0] = 1.0
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.bar(np.arange(periods), geometric_adstock(pulse, decay), color=PALETTE[0])
    left.set_xlabel(tr("periods after the spend"))
    left.set_ylabel(tr("adstock of one unit of spend"))
    spend = np.linspace(0, 4 * half_saturation, 200)
    right.plot(spend, hill_saturation(spend, half_saturation, shape, max_response), color=PALETTE[0],
               label=tr("response"))
    right.set_xlabel(tr("spend per period"))
    right.set_ylabel(tr("response"))
    twin = right.twinx()
    twin.plot(spend[1:], hill_marginal_response(spend[1:], half_saturation, shape, max_response), color=PALETTE[1],
              linestyle="--", label=tr("marginal response"))
    twin.set_ylabel(tr("marginal response"))
    twin.grid(False)
    right.axvline(half_saturation, color="#8c8c8c", linewidth=0.8)
    return fig
