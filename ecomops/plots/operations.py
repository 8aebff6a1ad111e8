"""Figures of chapter 1 and the ``kpi_funnel`` template: the funnel with its intervals and the KPI tree."""

from __future__ import annotations

import textwrap

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..i18n import tr, translate_label
from . import PALETTE


def _wrap(label: str, width: int) -> str:
    """A tick or box label on several lines; Chinese (no spaces) is cut every ``width // 2`` characters."""
    if " " not in label and not label.isascii():
        step = max(1, width // 2)
        return "\n".join(label[i:i + step] for i in range(0, len(label), step))
    return textwrap.fill(label, width)

__all__ = ["funnel_figure", "kpi_tree_figure"]


def funnel_figure(funnel: pd.DataFrame) -> plt.Figure:
    """Two panels: share of entries reaching each stage, and each step's conversion rate with its interval.

    ``funnel`` is :func:`ecomops.operations.funnel_table` output (one or more segments).
    """
    stages = list(dict.fromkeys(funnel["stage"]))
    names = [_wrap(translate_label(s), 14) for s in stages]
    segments = list(dict.fromkeys(funnel["segment"]))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    width = 0.8 / len(segments)
    x = np.arange(len(stages))
    for i, segment in enumerate(segments):
        part = funnel[funnel["segment"] == segment].set_index("stage").loc[stages]
        colour = PALETTE[i % len(PALETTE)]
        left.bar(x + (i - (len(segments) - 1) / 2) * width, part["rate_from_start"], width, label=translate_label(segment), color=colour)
        steps = part.iloc[1:]
        xs = x[1:] + (i - (len(segments) - 1) / 2) * 0.12
        err = np.vstack([steps["rate_from_previous"] - steps["ci_low"], steps["ci_high"] - steps["rate_from_previous"]])
        right.errorbar(xs, steps["rate_from_previous"], yerr=err, fmt="o", capsize=4, color=colour, label=translate_label(segment))
    left.set_xticks(x, names)
    left.set_ylabel(tr("share of entries reaching the stage"))
    left.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    right.set_xticks(x[1:], names[1:])
    right.set_xlim(0.5, len(stages) - 0.5)
    right.set_ylabel(tr("conversion from the previous stage"))
    right.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    if len(segments) > 1:
        left.legend(title=tr("segment"), frameon=False, loc="upper right")
    return fig


def kpi_tree_figure(tree: dict) -> plt.Figure:
    """Draw the KPI tree GMV = orders × AOV, orders = entries × conversion, conversion = Π step rates.

    ``tree`` is :func:`ecomops.playbook.kpi_funnel.kpi_tree_from_funnel` output.
    """
    def box(ax: plt.Axes, xy: tuple[float, float], title: str, value: str) -> None:
        ax.text(*xy, f"{title}\n{value}", ha="center", va="center", fontsize=12,
                bbox={"boxstyle": "round,pad=0.5", "facecolor": "#eef3f8", "edgecolor": PALETTE[0]})

    def link(ax: plt.Axes, a: tuple[float, float], b: tuple[float, float]) -> None:
        ax.plot([a[0], b[0]], [a[1] - 0.06, b[1] + 0.06], color="#8c8c8c", lw=1)

    fig, ax = plt.subplots(figsize=(10, 5.2))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    gmv = tr("needs AOV") if tree["gmv"] is None else f"{tree['gmv']:,.0f}"
    aov = tr("not given") if tree["average_order_value"] is None else f"{tree['average_order_value']:,.2f}"
    top, orders, aov_xy = (0.5, 0.88), (0.3, 0.62), (0.72, 0.62)
    entries, conversion = (0.15, 0.38), (0.45, 0.38)
    box(ax, top, "GMV", gmv)
    box(ax, orders, tr("orders"), f"{tree['orders']:,}")
    box(ax, aov_xy, tr("average order value"), aov)
    box(ax, entries, tr("entries (sessions)"), f"{tree['entries']:,}")
    box(ax, conversion, tr("conversion rate"), f"{tree['conversion_rate']:.2%}")
    for child in (orders, aov_xy):
        link(ax, top, child)
    for child in (entries, conversion):
        link(ax, orders, child)
    rates = list(tree["step_rates"].items())
    for i, (stage, rate) in enumerate(rates):
        xy = (0.2 + 0.6 * (i + 0.5) / len(rates), 0.12)
        box(ax, xy, _wrap(translate_label(stage), 18), f"{rate:.1%}")
        link(ax, conversion, xy)
    return fig
