"""Figures of the course pages that are not part of a template: the p-chart of section 1.5, the interval plots of
sections 1.4 and 3.1, and the running lift and p-value of section 3.5.3."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import PALETTE

__all__ = [
    "p_chart_figure",
    "rate_intervals_figure",
    "segment_step_rates_figure",
    "lift_and_p_value_figure",
    "cohort_heatmap_figure",
    "pooled_retention_figure",
    "rates_and_distributions_figure",
]


def p_chart_figure(chart: pd.DataFrame, ylabel: str, xlabel: str = "", max_ticks: int = 14) -> plt.Figure:
    """Draw a p-chart: the rate of each period, the centre line and the 3σ limits, with the signals marked.

    Parameters
    ----------
    chart : pandas.DataFrame
        :func:`ecomops.quality.p_chart_limits` output; its index labels the periods on the x axis.
    ylabel, xlabel : str
        Axis labels.
    max_ticks : int
        At most this many period labels are written under the axis (every k-th one for long series).

    Returns
    -------
    matplotlib.figure.Figure
        One axes: the rates as a line with points (points beyond the limits in the second palette colour, points
        in a run on one side of the centre ringed), the centre as a dashed line and the limits as steps.
    """
    x = np.arange(len(chart))
    fig, ax = plt.subplots(figsize=(9, 4.2))
    ax.step(x, chart["ucl"], where="mid", color="grey", lw=1, label="3σ limits")
    ax.step(x, chart["lcl"], where="mid", color="grey", lw=1)
    ax.plot(x, chart["centre"], color="black", lw=1, ls="--", label="centre line")
    ax.plot(x, chart["rate"], color=PALETTE[0], lw=1.5, marker="o", ms=4, label="rate")
    beyond = (chart["beyond"] != "").to_numpy()
    ax.plot(x[beyond], chart["rate"].to_numpy()[beyond], ls="none", marker="o", ms=8, color=PALETTE[1],
            label="outside the limits")
    in_run = chart["in_run"].to_numpy(dtype=bool)
    if in_run.any():
        ax.plot(x[in_run], chart["rate"].to_numpy()[in_run], ls="none", marker="o", ms=11, mfc="none",
                mec=PALETTE[3], label="run on one side of the centre")
    step = max(1, int(np.ceil(len(chart) / max_ticks)))
    ax.set_xticks(x[::step], [str(label) for label in chart.index[::step]], rotation=45 if step > 1 else 0,
                  ha="right" if step > 1 else "center")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_ylim(0, None)
    ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def rate_intervals_figure(rates: pd.DataFrame, xlabel: str) -> plt.Figure:
    """Horizontal dot-and-whisker plot of rates with their intervals, one row per rate.

    Parameters
    ----------
    rates : pandas.DataFrame
        Index = the label of each row; columns ``rate``, ``low`` and ``high`` (shares from 0 to 1).
    xlabel : str
        Label of the x axis.

    Returns
    -------
    matplotlib.figure.Figure
        The first row at the top, the x axis from 0% to 100%.
    """
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.7 * len(rates)))
    err = np.vstack([rates["rate"] - rates["low"], rates["high"] - rates["rate"]])
    ax.errorbar(rates["rate"], [str(i) for i in rates.index], xerr=err, fmt="o", capsize=4, color=PALETTE[0])
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    return fig


def segment_step_rates_figure(funnel: pd.DataFrame, legend_title: str) -> plt.Figure:
    """Step conversion rates with their Wilson intervals, one colour per segment, steps side by side.

    Parameters
    ----------
    funnel : pandas.DataFrame
        :func:`ecomops.operations.funnel_table` output with several segments.
    legend_title : str
        Title of the legend (what the segments are).

    Returns
    -------
    matplotlib.figure.Figure
        The steps after the entry on the x axis; within a step the segments are spread apart so that their
        intervals do not hide each other. Segment names are shown in lower case with spaces for underscores.
    """
    steps = funnel[funnel["step"] > 1]
    segments = list(dict.fromkeys(steps["segment"]))
    fig, ax = plt.subplots()
    for i, segment in enumerate(segments):
        part = steps[steps["segment"] == segment]
        offset = (i - (len(segments) - 1) / 2) * 0.15
        err = np.vstack([part["rate_from_previous"] - part["ci_low"], part["ci_high"] - part["rate_from_previous"]])
        ax.errorbar(part["step"] + offset, part["rate_from_previous"], yerr=err, fmt="o", capsize=4, lw=2,
                    color=PALETTE[i % len(PALETTE)], label=str(segment).replace("_", " ").lower())
    names = steps.drop_duplicates("step").set_index("step")["stage"]
    ax.set_xticks(names.index.to_numpy(), list(names))
    ax.set_xlabel("funnel step")
    ax.set_ylabel("step conversion rate")
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.legend(title=legend_title)
    return fig


def lift_and_p_value_figure(day: np.ndarray, relative_lift: np.ndarray, p_value: np.ndarray) -> plt.Figure:
    """Two panels over the days of a running test: the cumulative relative lift, and the p-value on a log scale.

    Parameters
    ----------
    day, relative_lift, p_value : array_like
        One value per look: days since the start, the lift so far (treatment / control − 1) and the
        fixed-horizon p-value recomputed at that look.

    Returns
    -------
    matplotlib.figure.Figure
        The lift with a line at zero on top, the p-value with a dotted line at 0.05 below, sharing the day axis.
    """
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(8, 5))
    top.plot(day, relative_lift, lw=2, color=PALETTE[0])
    top.axhline(0, color="black", lw=1)
    top.set_ylabel("relative lift")
    top.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    bottom.plot(day, p_value, lw=2, color=PALETTE[1])
    bottom.axhline(0.05, color="grey", ls=":")
    bottom.set_yscale("log")
    bottom.set_ylabel("fixed-horizon p-value")
    bottom.set_xlabel("days since the start of the experiment")
    return fig


def cohort_heatmap_figure(retention: pd.DataFrame) -> plt.Figure:
    """Heat map of a cohort retention table from period 1 on, each cell labelled with its percentage.

    Parameters
    ----------
    retention : pandas.DataFrame
        :func:`ecomops.customers.cohort_retention` output; the row labels show each cohort with its size.

    Returns
    -------
    matplotlib.figure.Figure
        Rows are cohorts (month of first purchase, with n), columns months since the first purchase; empty cells
        lie beyond the end of the data.
    """
    rates = retention.drop(columns="cohort_size")
    fig, ax = plt.subplots(figsize=(9, 5.5))
    sns.heatmap(rates.iloc[:, 1:], annot=True, fmt=".0%", cmap="Blues", cbar=False, annot_kws={"size": 8},
                yticklabels=[f"{c} (n={n})" for c, n in retention["cohort_size"].items()], ax=ax)
    ax.grid(False)
    ax.set_xlabel("months since first purchase")
    ax.set_ylabel("cohort (month of first purchase)")
    return fig


def pooled_retention_figure(pooled: pd.DataFrame, reference: pd.Series, pooled_label: str,
                            reference_label: str) -> plt.Figure:
    """Pooled retention by period with its Wilson intervals, against one reference curve (for example one cohort).

    Parameters
    ----------
    pooled : pandas.DataFrame
        :func:`ecomops.customers.pooled_retention` output.
    reference : pandas.Series
        Retention by period (index = period) of the curve to compare with.
    pooled_label, reference_label : str
        Legend entries of the two curves.

    Returns
    -------
    matplotlib.figure.Figure
        Periods on the x axis, retention from 0% up on the y axis.
    """
    fig, ax = plt.subplots()
    err = np.vstack([pooled["rate"] - pooled["ci_low"], pooled["ci_high"] - pooled["rate"]])
    ax.errorbar(pooled.index, pooled["rate"], yerr=err, fmt="o-", capsize=4, lw=2, color=PALETTE[0],
                label=pooled_label)
    ax.plot(reference.index, reference.to_numpy(dtype=float), "s--", lw=2, color=PALETTE[1], label=reference_label)
    ax.set_xlabel("months since first purchase")
    ax.set_ylabel("share of cohort ordering in the month")
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_ylim(0, None)
    ax.legend()
    return fig


def rates_and_distributions_figure(rates: pd.DataFrame, samples: dict, rate_xlabel: str, rate_ylabel: str,
                                   value_xlabel: str) -> plt.Figure:
    """Two panels: rates by group with their intervals (left), and the cumulative distributions of a positive
    quantity in a few groups on a log scale (right).

    Parameters
    ----------
    rates : pandas.DataFrame
        Index = group label (in display order); columns ``rate``, ``low`` and ``high``.
    samples : dict
        Legend label → array of positive values (for example minutes on product pages) to draw as an
        empirical cumulative distribution.
    rate_xlabel, rate_ylabel, value_xlabel : str
        Axis labels.

    Returns
    -------
    matplotlib.figure.Figure
        With the two axes in that order.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    x = np.arange(len(rates))
    err = np.vstack([rates["rate"] - rates["low"], rates["high"] - rates["rate"]])
    left.errorbar(x, rates["rate"], yerr=err, fmt="o", capsize=4, color=PALETTE[0])
    left.set_xticks(x, [str(label) for label in rates.index])
    left.set_xlabel(rate_xlabel)
    left.set_ylabel(rate_ylabel)
    left.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    for i, (label, values) in enumerate(samples.items()):
        ordered = np.sort(np.asarray(values, dtype=float))
        right.plot(ordered, np.arange(1, ordered.size + 1) / ordered.size, lw=2, label=label,
                   color=PALETTE[(i + 1) % len(PALETTE)])
    right.set_xscale("log")
    right.set_xlabel(value_xlabel)
    right.set_ylabel("share with at most this value")
    right.legend(frameon=False)
    return fig
