"""One house style for the book's and the templates' figures (seaborn on matplotlib), and the figures by domain:
:mod:`ecomops.plots.operations` (funnels, KPI trees) and :mod:`ecomops.plots.experiments` (A/B tests)."""

from __future__ import annotations

import matplotlib as mpl
import seaborn as sns

__all__ = [
    "use_house_style",
    "PALETTE",
    "funnel_figure",
    "kpi_tree_figure",
    "power_curve_figure",
    "mde_weeks_figure",
    "lift_intervals_figure",
    "effect_over_time_figure",
]

PALETTE = ["#1f5f8b", "#e07b39", "#3a9a5b", "#b8403a", "#7a5195", "#8c8c8c"]


def use_house_style() -> None:
    """Apply the house style: white grid, a colour-blind-safe palette, readable font sizes, crisp output."""
    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=1.05)
    mpl.rcParams.update(
        {
            "figure.figsize": (8.0, 4.5),
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.autolayout": True,
        }
    )




# the figures by domain (imported after PALETTE, which they use)
from .experiments import effect_over_time_figure, lift_intervals_figure, mde_weeks_figure, power_curve_figure  # noqa: E402
from .operations import funnel_figure, kpi_tree_figure  # noqa: E402
