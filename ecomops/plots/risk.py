"""Figures of chapter 6 and the ``risk_assessment`` template: the 5×5 heat map, EMV bars and the Monte Carlo
lead-time demand histogram with reorder points."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..i18n import tr, translate_label
from ..risk import BAND_LABELS, BAND_ORDER, band_grid
from . import PALETTE
from .course import marked_histogram_figure

__all__ = ["BAND_COLOURS", "risk_heat_map_figure", "emv_figure", "lead_time_demand_figure"]

#: cell colours of the bands low → critical (green, yellow, orange, red; light enough for black text)
BAND_COLOURS = {"low": "#b7dfc0", "medium": "#fbe7a1", "high": "#f6b87e", "critical": "#e8837c"}


def risk_heat_map_figure(counts: pd.DataFrame) -> plt.Figure:
    """The 5×5 likelihood–impact matrix coloured by band, each cell showing its score and number of risks.

    ``counts`` is :func:`ecomops.risk.heat_map_counts` output (rows impact 5…1, columns likelihood 1…5).
    """
    bands = band_grid()
    codes = np.vectorize(BAND_ORDER.index)(bands.to_numpy())
    cmap = mpl.colors.ListedColormap([BAND_COLOURS[b] for b in BAND_ORDER])
    fig, ax = plt.subplots(figsize=(6.2, 5.2))
    ax.imshow(codes, cmap=cmap, vmin=-0.5, vmax=len(BAND_ORDER) - 0.5)
    for row, impact in enumerate(counts.index):
        for col, likelihood in enumerate(counts.columns):
            n = int(counts.loc[impact, likelihood])
            ax.text(col, row - 0.18, f"{impact * likelihood}", ha="center", va="center", fontsize=9, color="#555555")
            ax.text(col, row + 0.15, str(n) if n else "", ha="center", va="center", fontsize=14, fontweight="bold")
    ax.set_xticks(range(5), [str(c) for c in counts.columns])
    ax.set_yticks(range(5), [str(i) for i in counts.index])
    ax.set_xlabel(tr("likelihood (1–5)"))
    ax.set_ylabel(tr("impact (1–5)"))
    ax.grid(False)
    handles = [mpl.patches.Patch(color=BAND_COLOURS[b], label=translate_label(BAND_LABELS[b])) for b in BAND_ORDER]
    ax.legend(handles=handles, title=tr("band"), frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def emv_figure(options: pd.DataFrame) -> plt.Figure:
    """Horizontal bars of each response's EMV split into expected loss and the response's own cost.

    ``options`` is :func:`ecomops.risk.response_options_table` output (one risk).
    """
    table = options.iloc[::-1]
    labels = [translate_label(r) for r in table["response"]]
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(table) + 2.0))
    ax.barh(labels, table["expected_loss"], color=PALETTE[0], label=tr("expected loss (probability × impact)"))
    ax.barh(labels, table["cost"], left=table["expected_loss"], color=PALETTE[1], label=tr("cost of the response"))
    for y, (emv, best) in enumerate(zip(table["emv"], table["best"])):
        ax.text(emv, y, f"  {emv:,.0f}" + (" ★" if best else ""), va="center", fontsize=10)
    ax.set_xlabel(tr("expected monetary value (expected cost)"))
    ax.set_xlim(0, float(table["emv"].max()) * 1.25 or 1.0)
    ax.xaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))  # 150,000, as the bar labels
    ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2)  # above the bars, never on them
    return fig


def lead_time_demand_figure(simulation, reorder_points: dict[str, float]) -> plt.Figure:
    """Histogram of simulated lead-time demand with vertical lines at the given reorder points.

    ``simulation`` is a :class:`ecomops.risk.SupplyRiskSimulation`; ``reorder_points`` maps a label (translated
    with :func:`~ecomops.i18n.translate_label`) to a reorder point in units.
    """
    markers = {f"{translate_label(label)}: {value:,.0f}": value for label, value in reorder_points.items()}
    return marked_histogram_figure(simulation.histogram_counts, simulation.histogram_edges, markers,
                                   tr("demand over the lead time (units)"), tr("share of simulated cycles"),
                                   shares=True, figsize=(9, 4.5))
