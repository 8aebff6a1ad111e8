"""The shared chart kinds of the course pages (ecomops.plots.course) draw exactly the numbers they are given, and
two figures of the package keep their texts clear of their data: the EMV bars' legend and the waterfall's interval."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecomops import plots  # noqa: E402
from ecomops.operations import abc_classification  # noqa: E402
from ecomops.plots.course import (  # noqa: E402
    abc_curve_figure,
    curves_figure,
    demand_variability_figure,
    interval_series_figure,
    marked_histogram_figure,
    metric_panels_figure,
    resolution_by_week_figure,
)
from ecomops.risk import response_options_table  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_marked_histogram_draws_the_bins_and_one_line_per_marker():
    counts, edges = np.histogram([0.5, 1.5, 1.6, 2.5, 2.6, 2.7], bins=[0, 1, 2, 3])
    fig = marked_histogram_figure(counts, edges, {"mean: 1.9": 1.9, "p95: 2.7": 2.7}, "seconds", "views")
    (ax,) = fig.axes
    values, drawn_edges, _ = ax.patches[0].get_data()
    np.testing.assert_allclose(values, [1, 2, 3])
    np.testing.assert_allclose(drawn_edges, [0, 1, 2, 3])
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [1.9, 2.7]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["mean: 1.9", "p95: 2.7"]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_xscale()) == ("seconds", "views", "linear")
    fig = marked_histogram_figure(counts, edges, {}, "x", "share", shares=True, log_x=True)
    np.testing.assert_allclose(fig.axes[0].patches[0].get_data()[0], [1 / 6, 2 / 6, 3 / 6])  # shares of all six
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_legend() is None


def test_the_lead_time_histogram_is_a_marked_histogram_of_shares():
    from ecomops.risk import simulate_supply_risk

    sim = simulate_supply_risk(demand_mean=100, demand_sd=20, lead_time_mean=5, lead_time_sd=1, reorder_point=600,
                               order_quantity=1000, service_level=0.95, n_draws=5_000, seed=3)
    fig = plots.lead_time_demand_figure(sim, {"textbook reorder point": 600.0})
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.patches[0].get_data()[0], sim.histogram_counts / sim.histogram_counts.sum())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["textbook reorder point: 600"]


def test_curves_figure_draws_each_column_and_styles_the_reference_lines_in_order():
    x = np.array([0.0, 0.1, 0.2])
    curves = pd.DataFrame({"A": [-2.0, 0.0, 2.0], "B": [1.0, 2.0, 3.0]}, index=x)
    fig = curves_figure(curves, "rate", "benefit", vlines={"break-even": 0.05, "best": 0.15}, hlines={"floor": 1.5})
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["A"].get_xdata(), x)
    np.testing.assert_allclose(lines["B"].get_ydata(), [1.0, 2.0, 3.0])
    assert [lines[k].get_linestyle() for k in ("break-even", "best", "floor")] == [":", "--", "-."]
    assert lines["floor"].get_ydata()[0] == 1.5 and lines["best"].get_xdata()[0] == 0.15
    zero = [line for line in ax.get_lines() if line.get_label().startswith("_")]
    assert len(zero) == 1 and zero[0].get_ydata()[0] == 0  # curve A crosses zero
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B", "break-even", "best", "floor"]
    fig = curves_figure(curves[["B"]], "day", "p", hlines={"p = 0.05": 0.05}, log_y=True)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 2  # no zero line when nothing crosses zero
    assert ax.get_lines()[1].get_linestyle() == ":" and (ax.get_xlabel(), ax.get_ylabel()) == ("day", "p")


def test_interval_series_figure_draws_the_estimates_their_bars_the_reference_and_the_span():
    x, estimate, half = [1, 2, 3], [5.0, 7.0, -1.0], [1.0, 2.0, 0.5]
    fig = interval_series_figure(x, estimate, half, "week", "NPS", label="weekly", reference=7.4,
                                 reference_label="truth", span=(1.5, 2.5), span_label="incident")
    (ax,) = fig.axes
    (container,) = ax.containers
    np.testing.assert_allclose(np.asarray(container.lines[0].get_ydata(), dtype=float), estimate)
    bars = [np.asarray(s, dtype=float)[:, 1] for s in container.lines[2][0].get_segments()]
    np.testing.assert_allclose(bars, [[4.0, 6.0], [5.0, 9.0], [-1.5, -0.5]])
    assert container.lines[0].get_linestyle() == "None"  # points only unless connect=True
    reference = [line for line in ax.get_lines() if line.get_label() == "truth"][0]
    assert reference.get_ydata()[0] == 7.4 and reference.get_linestyle() == "--"
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"weekly", "truth", "incident"}
    assert all(tick == int(tick) for tick in ax.get_xticks())  # weeks are whole numbers
    fig = interval_series_figure([1, 2], [0.05, 0.1], [0.01, 0.01], "looks", "share", reference=0.05, connect=True,
                                 share=True)
    ax = fig.axes[0]
    assert ax.containers[0].lines[0].get_linestyle() == "-" and ax.get_ylim()[0] == 0
    assert ax.get_legend() is None and ax.yaxis.get_major_formatter().format_pct(0.05, 1.0) == "5%"


def test_metric_panels_figure_draws_one_panel_per_labelled_column():
    months = pd.period_range("2011-01", periods=3, freq="M")
    table = pd.DataFrame({"gmv": [10.0, 12.0, 9.0], "customers": [3, 4, 2], "aov": [2.0, 2.5, 3.0],
                          "unused": [0, 0, 0]}, index=months)
    fig = metric_panels_figure(table, {"gmv": "GMV", "customers": "customers", "aov": "AOV"})
    assert len(fig.axes) == 3  # a 2 × 2 grid with the fourth panel removed
    assert [ax.get_ylabel() for ax in fig.axes] == ["GMV", "customers", "AOV"]
    for ax, column in zip(fig.axes, ["gmv", "customers", "aov"]):
        np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), table[column])
    x = matplotlib.dates.num2date(fig.axes[0].get_lines()[0].get_xdata(orig=False))
    assert [d.strftime("%Y-%m-%d") for d in x] == ["2011-01-01", "2011-02-01", "2011-03-01"]


def test_abc_curve_figure_draws_the_classes_and_the_cutoffs():
    frame = pd.DataFrame({"item": list("abcde"), "revenue": [50.0, 30.0, 12.0, 5.0, 3.0]})
    abc = abc_classification(frame, "item", "revenue")  # share before each: 0, 0.5, 0.8, 0.92, 0.97: A A B B C
    fig = abc_curve_figure(abc, xlabel="share of codes", ylabel="share of revenue")
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["class A"].get_xdata(), [0.2, 0.4])
    np.testing.assert_allclose(lines["class A"].get_ydata(), [0.5, 0.8])
    np.testing.assert_allclose(lines["class B"].get_ydata(), [0.92, 0.97])
    np.testing.assert_allclose(lines["class C"].get_xdata(), [1.0])
    cuts = [line.get_ydata()[0] for line in ax.get_lines() if line.get_label().startswith("_")]
    assert cuts == [0.80, 0.95]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("share of codes", "share of revenue")


def test_resolution_by_week_figure_draws_the_percentiles_and_the_share():
    weekly = pd.DataFrame({"p50": [5.0, 9.0], "mean": [8.0, 15.0], "p90": [20.0, 40.0], "within_24h": [0.9, 0.6]},
                          index=[1, 2])
    fig = resolution_by_week_figure(weekly)
    left, right = fig.axes
    assert [line.get_label() for line in left.get_lines()] == ["p50", "mean", "p90"]
    np.testing.assert_allclose(left.get_lines()[2].get_ydata(), [20.0, 40.0])
    assert [bar.get_height() for bar in right.patches] == pytest.approx([0.9, 0.6])
    assert (left.get_ylabel(), right.get_ylabel()) == ("hours to resolution", "share resolved within 24 h")


def test_demand_variability_figure_plots_mean_against_cv_with_plain_log_ticks():
    stats = pd.DataFrame({"mean": [0.5, 4.0, 30.0], "cv": [2.0, 0.4, 0.25]})
    fig = demand_variability_figure(stats, threshold=0.5, period="week")
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.collections[0].get_offsets(), stats[["mean", "cv"]].to_numpy())
    assert ax.get_lines()[0].get_ydata()[0] == 0.5 and ax.get_legend().get_texts()[0].get_text() == "CV = 0.5"
    assert ax.get_xscale() == ax.get_yscale() == "log"
    fig.canvas.draw()
    ticks = {t.get_text() for t in ax.get_yticklabels() if ax.get_ylim()[0] <= t.get_position()[1] <= ax.get_ylim()[1]}
    assert {"0.5", "1", "2"} <= ticks
    assert ax.get_xlabel() == "mean units per week (log scale)"


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_the_emv_legend_overlaps_no_bar_and_no_label():
    options = response_options_table([  # the longest bar is the last response, drawn at the bottom
        {"response": "reduce", "probability": 0.05, "impact": 500_000, "cost": 30_000},
        {"response": "transfer", "probability": 0.2, "impact": 50_000, "cost": 40_000},
        {"response": "accept", "probability": 0.2, "impact": 500_000, "cost": 0},
    ])
    fig = plots.emv_figure(options)
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    for artist in [*ax.patches, *ax.texts, ax.xaxis.label]:
        assert not _overlaps(legend, artist.get_window_extent(renderer)), artist


def test_the_waterfall_draws_the_profit_interval_on_its_last_bar():
    total = {"revenue_attributed": 90_000, "incremental_revenue": 58_000, "incremental_profit": 300, "spend": 20_000}
    fig = plots.profit_waterfall_figure(total, profit_ci=(-5_000, 5_600))
    ax = fig.axes[0]
    (container,) = ax.containers[-1:]  # the bars come first, the error bar last
    (segment,) = container.lines[2][0].get_segments()
    np.testing.assert_allclose(np.asarray(segment, dtype=float), [[6, -5_000], [6, 5_600]])
    assert not [c for c in plots.profit_waterfall_figure(total).axes[0].containers
                if isinstance(c, matplotlib.container.ErrorbarContainer)]
