"""Figures of chapter 3.5 and the A/B templates: power curves, the MDE–duration trade-off, lifts with their
intervals, and the effect as the data accumulated."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..i18n import tr, translate_label
from . import PALETTE

__all__ = ["power_curve_figure", "mde_weeks_figure", "lift_intervals_figure", "effect_over_time_figure"]


def power_curve_figure(curve: pd.DataFrame, target_power: float) -> plt.Figure:
    """Power against users in the largest arm, one line per formula, with the target power dashed.

    ``curve`` is :func:`ecomops.experiments.power_curve_table` output.
    """
    fig, ax = plt.subplots()
    sns.lineplot(data=curve, x="n_per_arm_max", y="power", hue="method", ax=ax, lw=2)
    ax.axhline(target_power, ls="--", color="grey", lw=1)
    ax.set_xlabel(tr("users in the largest arm"))
    ax.set_ylabel(tr("power"))
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, [translate_label(t) for t in labels], title=tr("formula"), frameon=False)
    return fig


def mde_weeks_figure(trade_off: pd.DataFrame, chosen_mde: float, mde_kind: str) -> plt.Figure:
    """Whole weeks needed against the minimum detectable effect, the chosen MDE dashed.

    ``trade_off`` is :func:`ecomops.experiments.mde_duration_table` output.
    """
    fig, ax = plt.subplots()
    ax.plot(trade_off["mde"], trade_off["weeks"], marker="o", lw=2, color=PALETTE[0])
    ax.axvline(chosen_mde, ls="--", color="grey", lw=1)
    unit = tr("points of rate") if mde_kind == "absolute" else tr("fraction of baseline")
    ax.set_xlabel(tr("minimum detectable effect ({unit})", unit=unit))
    ax.set_ylabel(tr("whole weeks needed"))
    return fig


def lift_intervals_figure(comparisons: pd.DataFrame, xlabel: str | None = None) -> plt.Figure:
    """Each treatment's relative lift with its interval, against a line at zero.

    ``comparisons`` holds one metric's rows of :func:`ecomops.playbook.ab_test_analysis.compare_arms`.
    """
    rows = comparisons.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.7 * len(rows)))
    low = rows["rel_lift"] - rows["rel_ci"].map(lambda ci: ci[0])
    high = rows["rel_ci"].map(lambda ci: ci[1]) - rows["rel_lift"]
    ax.errorbar(rows["rel_lift"], range(len(rows)), xerr=[low, high], fmt="o", capsize=5, lw=2, color=PALETTE[0])
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(range(len(rows)), rows["variant"])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(xlabel or tr("relative lift in conversion rate"))
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    return fig


def effect_over_time_figure(over_time: pd.DataFrame, control: str, level: str) -> plt.Figure:
    """The cumulative absolute lift of every treatment by date, with its fixed-horizon interval and the wider
    always-valid confidence sequence.

    ``over_time`` is :func:`ecomops.playbook.ab_test_analysis.effect_over_time` output (a ``variant`` column).
    """
    fig, ax = plt.subplots()
    if over_time.empty:
        ax.text(0.5, 0.5, tr("no dates in the data"), ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    for i, (variant, part) in enumerate(over_time.groupby("variant", sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        x = pd.to_datetime(part["date"])
        label = f"{variant} − {control}"
        ax.fill_between(x, part["cs_low"], part["cs_high"], alpha=0.12, color=colour,
                        label=tr("{label}: always-valid", label=label))
        ax.fill_between(x, part["ci_low"], part["ci_high"], alpha=0.3, color=colour,
                        label=tr("{label}: fixed-horizon {level}", label=label, level=level))
        ax.plot(x, part["abs_lift"], marker="o", lw=2, color=colour, label=label)
    ax.axhline(0, color="grey", lw=1)
    ax.set_ylabel(tr("absolute lift in conversion rate"))
    ax.set_xlabel(tr("date"))
    ax.legend(frameon=False, fontsize="small")
    fig.autofmt_xdate()
    return fig
