"""Figures of the course pages that are not part of a template: the p-chart of section 1.5, the interval plots of
sections 1.4 and 3.1, the running lift and p-value of section 3.5.3, and the chart kinds several pages share (a
histogram with marked values, curves with reference lines, estimates with their intervals, small multiples)."""

from __future__ import annotations

import itertools
from typing import Mapping, Sequence

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
    "marked_histogram_figure",
    "curves_figure",
    "interval_series_figure",
    "metric_panels_figure",
    "abc_curve_figure",
    "resolution_by_week_figure",
    "demand_variability_figure",
]

#: line styles of successive reference lines, so that the text can name each one (dotted, dashed, dash-dot)
REFERENCE_STYLES = (":", "--", "-.")


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


def marked_histogram_figure(counts: np.ndarray, edges: np.ndarray, markers: Mapping[str, float], xlabel: str,
                            ylabel: str, shares: bool = False, log_x: bool = False,
                            figsize: tuple[float, float] | None = None) -> plt.Figure:
    """A histogram with a dashed vertical line at each marked value (a mean, percentiles, a budget).

    Parameters
    ----------
    counts, edges : numpy.ndarray
        The bins, as :func:`numpy.histogram` returns them (``len(edges) == len(counts) + 1``).
    markers : Mapping[str, float]
        Legend label → position on the x axis, one line each in the palette's colours after the first.
    xlabel, ylabel : str
        Axis labels.
    shares : bool
        Draw each bin's share of all counts (the y axis in percent) rather than the counts.
    log_x : bool
        A logarithmic x axis (give logarithmically spaced edges, e.g. :func:`numpy.geomspace`).
    figsize : tuple of float, optional
        Width and height in inches; the house style's size when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: the bins as one filled step outline, then the marker lines in the order given.
    """
    counts = np.asarray(counts, dtype=float)
    fig, ax = plt.subplots(figsize=figsize)
    ax.stairs(counts / counts.sum() if shares else counts, edges, fill=True, color=PALETTE[0], alpha=0.6)
    for i, (label, value) in enumerate(markers.items()):
        ax.axvline(value, color=PALETTE[(i + 1) % len(PALETTE)], lw=2, ls="--", label=label)
    if log_x:
        ax.set_xscale("log")
    if shares:
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if markers:
        ax.legend(frameon=False)
    return fig


def _reference_lines(ax: plt.Axes, vlines: Mapping[str, float], hlines: Mapping[str, float]) -> None:
    """Grey vertical, then horizontal, reference lines in :data:`REFERENCE_STYLES` order, labelled for the legend."""
    lines = [(ax.axvline, label, value) for label, value in vlines.items()]
    lines += [(ax.axhline, label, value) for label, value in hlines.items()]
    for (draw, label, value), style in zip(lines, itertools.cycle(REFERENCE_STYLES)):
        draw(value, color="grey", lw=1.2, ls=style, label=label)


def curves_figure(curves: pd.DataFrame, xlabel: str, ylabel: str, vlines: Mapping[str, float] | None = None,
                  hlines: Mapping[str, float] | None = None, log_y: bool = False) -> plt.Figure:
    """One line per column against the index, with labelled reference lines; a solid line at zero when the curves
    cross it.

    Parameters
    ----------
    curves : pandas.DataFrame
        Index = the x values; one column per curve, the column name its legend label.
    xlabel, ylabel : str
        Axis labels.
    vlines, hlines : Mapping[str, float], optional
        Legend label → position of a grey vertical (horizontal) reference line. The reference lines are dotted,
        dashed, then dash-dotted, the vertical ones first, in the order given.
    log_y : bool
        A logarithmic y axis.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, with a legend of the curves and reference lines.
    """
    fig, ax = plt.subplots()
    x = curves.index.to_numpy(dtype=float)
    for i, column in enumerate(curves.columns):
        ax.plot(x, curves[column].to_numpy(dtype=float), lw=2, color=PALETTE[i % len(PALETTE)], label=str(column))
    values = curves.to_numpy(dtype=float)
    if np.nanmin(values) < 0 < np.nanmax(values):
        ax.axhline(0, color="black", lw=0.8)
    _reference_lines(ax, vlines or {}, hlines or {})
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    return fig


def interval_series_figure(x: Sequence[float], estimate: Sequence[float], half_width: Sequence[float], xlabel: str,
                           ylabel: str, label: str = "", reference: float | None = None, reference_label: str = "",
                           span: tuple[float, float] | None = None, span_label: str = "", connect: bool = False,
                           share: bool = False) -> plt.Figure:
    """Estimates with symmetric error bars along an axis (weeks, numbers of looks), against a dashed reference.

    Parameters
    ----------
    x, estimate, half_width : array_like
        Position, estimate and half-width of the error bar, one value per point.
    xlabel, ylabel : str
        Axis labels.
    label : str
        Legend label of the estimates (none when empty).
    reference : float, optional
        Height of a dashed horizontal reference line (a promised rate, a true value), labelled ``reference_label``.
    span : tuple of float, optional
        ``(start, end)`` of a shaded stretch of the x axis (an incident), labelled ``span_label``.
    connect : bool
        Join the points with a line (for a quantity that changes smoothly along the x axis).
    share : bool
        The estimates are shares: the y axis in percent, from zero.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, whole-number ticks when every x is a whole number; a legend above it when any label is given.
    """
    fig, ax = plt.subplots()
    ax.errorbar(x, estimate, yerr=half_width, fmt="o-" if connect else "o", lw=2 if connect else 1.5, capsize=3,
                color=PALETTE[0], label=label)
    if reference is not None:
        ax.axhline(reference, color=PALETTE[1], lw=1.5, ls="--", label=reference_label)
    if span is not None:
        ax.axvspan(*span, color=PALETTE[5], alpha=0.15, label=span_label)
    if share:
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
        ax.set_ylim(0, None)
    if np.all(np.mod(np.asarray(x, dtype=float), 1) == 0):
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if label or reference_label or span_label:
        ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2)  # above the axes: clear of the bars
    return fig


def metric_panels_figure(table: pd.DataFrame, labels: Mapping[str, str], columns: int = 2) -> plt.Figure:
    """Small multiples: one panel per metric over the same periods, each a line with points.

    Parameters
    ----------
    table : pandas.DataFrame
        Index = the periods (a :class:`pandas.PeriodIndex` is drawn as dates); one column per metric.
    labels : Mapping[str, str]
        Column → y-axis label, in panel order (left to right, then top to bottom); other columns are not drawn.
    columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        ``ceil(len(labels) / columns)`` rows of panels sharing the x axis; unused panels are removed.
    """
    rows = -(-len(labels) // columns)
    fig, axes = plt.subplots(rows, columns, sharex=True, figsize=(4.5 * columns, 2.75 * rows), squeeze=False)
    x = table.index.to_timestamp() if isinstance(table.index, pd.PeriodIndex) else table.index
    for ax, (column, label) in zip(axes.flat, labels.items()):
        ax.plot(x, table[column], marker="o", lw=2, color=PALETTE[0])
        ax.set_ylabel(label)
    for ax in axes.flat[len(labels):]:
        fig.delaxes(ax)
    fig.autofmt_xdate()
    return fig


def abc_curve_figure(abc: pd.DataFrame, cutoffs: Sequence[float] = (0.80, 0.95),
                     xlabel: str = "cumulative share of items", ylabel: str = "cumulative share of value") -> plt.Figure:
    """The Pareto curve of an ABC classification: cumulative share of value against cumulative share of items,
    one colour per class, with the class cut-offs dashed.

    Parameters
    ----------
    abc : pandas.DataFrame
        :func:`ecomops.operations.abc_classification` output (``rank``, ``cumulative_share``, ``abc_class``).
    cutoffs : sequence of float
        The cumulative shares that separate the classes (the ``a_cutoff`` and ``b_cutoff`` used).
    xlabel, ylabel : str
        Axis labels (what the items and the value are).

    Returns
    -------
    matplotlib.figure.Figure
        One axes, both axes in percent; the items ranked by value, the largest first.
    """
    item_share = abc["rank"] / len(abc)
    fig, ax = plt.subplots()
    for i, (label, part) in enumerate(abc.groupby("abc_class")):
        ax.plot(item_share[part.index], part["cumulative_share"], lw=2, color=PALETTE[i % len(PALETTE)],
                label=f"class {label}")
    for cut in cutoffs:
        ax.axhline(cut, color="grey", lw=1, ls="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.legend(frameon=False)
    return fig


def resolution_by_week_figure(weekly: pd.DataFrame, share_column: str = "within_24h",
                              share_label: str = "share resolved within 24 h") -> plt.Figure:
    """Two panels by week: the median, mean and 90th percentile of the hours to resolution (left), and the share
    resolved within a target time (right).

    Parameters
    ----------
    weekly : pandas.DataFrame
        Index = week; columns ``p50``, ``mean`` and ``p90`` (hours) and ``share_column`` (a share from 0 to 1).
    share_column, share_label : str
        The column of the right panel and its y-axis label.

    Returns
    -------
    matplotlib.figure.Figure
        The two axes in that order.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for stat, colour in [("p50", PALETTE[0]), ("mean", PALETTE[5]), ("p90", PALETTE[1])]:
        left.plot(weekly.index, weekly[stat], marker="o", color=colour, label=stat)
    left.set_xlabel("week")
    left.set_ylabel("hours to resolution")
    left.legend(frameon=False)
    right.bar(weekly.index, weekly[share_column], color=PALETTE[2])
    right.set_xlabel("week")
    right.set_ylabel(share_label)
    right.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    return fig


def demand_variability_figure(stats: pd.DataFrame, threshold: float = 0.5, period: str = "week") -> plt.Figure:
    """Each product's mean demand per period against its coefficient of variation, both on log scales, with a
    dashed line at the CV that separates steady from lumpy demand.

    Parameters
    ----------
    stats : pandas.DataFrame
        One row per product; columns ``mean`` (units per period, positive) and ``cv``.
    threshold : float
        The CV of the dashed line.
    period : str
        The period of the demand, for the x-axis label.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; ticks written as plain numbers (0.2, 0.5, 1, 2, 5 on the CV axis).
    """
    fig, ax = plt.subplots()
    ax.scatter(stats["mean"], stats["cv"], s=10, alpha=0.5, color=PALETTE[0])
    ax.axhline(threshold, color=PALETTE[1], lw=1.5, ls="--", label=f"CV = {threshold:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(mpl.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(mpl.ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    ax.minorticks_off()
    ax.set_xlabel(f"mean units per {period} (log scale)")
    ax.set_ylabel("coefficient of variation (log scale)")
    ax.legend(frameon=False)
    return fig
