"""Figures of chapter 2 and the ``market_sizing`` template: the tornado chart, the Monte Carlo distribution, the
Bass adoption curve and the SOM by year."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..i18n import current_language, tr, translate_label
from ..sizing import CURRENCY_ZH
from . import PALETTE

__all__ = ["money_scale", "tornado_figure", "monte_carlo_figure", "bass_adoption_figure", "som_by_year_figure"]



def money_scale(largest: float, currency: str) -> tuple[float, str]:
    """A divisor and an axis unit for amounts up to ``largest``: ``(1e9, "CNY bn")`` in English,
    ``(1e8, "亿元")`` in Chinese (万 below 1 亿)."""
    if current_language() == "zh":
        unit = CURRENCY_ZH.get(currency.upper(), currency)
        return (1e8, f"亿{unit}") if abs(largest) >= 1e8 else (1e4, f"万{unit}")
    for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(largest) >= size:
            return size, f"{currency} {suffix}"
    return 1.0, currency


def tornado_figure(tornado: pd.DataFrame, base: float, currency: str) -> plt.Figure:
    """Horizontal bars from each driver's low to its high result around the base, largest swing on top.

    ``tornado`` has the columns ``driver``, ``low``, ``high``, ``swing`` (:func:`ecomops.sizing.tornado`).
    """
    rows = tornado.iloc[::-1]
    divisor, unit = money_scale(float(np.nanmax(rows[["low", "high"]].to_numpy())), currency)
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(rows) + 1.6))
    y = np.arange(len(rows))
    low, high = rows["low"].to_numpy() / divisor, rows["high"].to_numpy() / divisor
    centre = base / divisor
    ax.barh(y, np.minimum(low, centre) - centre, left=centre, color=PALETTE[1], label=tr("driver at its low value"))
    ax.barh(y, np.maximum(high, centre) - centre, left=centre, color=PALETTE[0], label=tr("driver at its high value"))
    ax.axvline(centre, color="#333333", lw=1)
    ax.set_yticks(y, [translate_label(name) for name in rows["driver"]])
    ax.set_xlabel(tr("reconciled final-year SOM ({unit})", unit=unit))
    ax.legend(frameon=False, loc="lower right")
    return fig


def monte_carlo_figure(draws: np.ndarray, p5: float, p50: float, p95: float, currency: str) -> plt.Figure:
    """Histogram of the simulated SOM with its P5, P50 and P95 marked."""
    divisor, unit = money_scale(float(np.percentile(draws, 99.5)), currency)
    fig, ax = plt.subplots(figsize=(9, 4))
    shown = draws[draws <= np.percentile(draws, 99.5)] / divisor
    ax.hist(shown, bins=60, color=PALETTE[0], alpha=0.75)
    for value, label, style in ((p5, "P5", ":"), (p50, "P50", "-"), (p95, "P95", ":")):
        ax.axvline(value / divisor, color=PALETTE[3], ls=style, lw=1.5)
        ax.annotate(f"{label} {value / divisor:,.3g}", (value / divisor, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=10)
    ax.set_xlabel(tr("reconciled final-year SOM ({unit})", unit=unit))
    ax.set_ylabel(tr("draws"))
    return fig


def bass_adoption_figure(forecast: pd.DataFrame, peak_year: float) -> plt.Figure:
    """The Bass adoption forecast: share adopted by each year (S curve) and the share adopting in the year, with
    the planned SOM shares and the peak time."""
    fig, ax = plt.subplots(figsize=(9, 4))
    years = forecast["year"].to_numpy()
    ax.plot(years, forecast["adopted_share"], marker="o", color=PALETTE[0], label=tr("share adopted by the year"))
    ax.bar(years, forecast["new_adopters_share"], color=PALETTE[0], alpha=0.3, label=tr("share adopting in the year"))
    planned = forecast.dropna(subset=["planned_share"])
    if len(planned):
        ax.plot(planned["year"], planned["planned_share"], marker="s", ls="--", color=PALETTE[1],
                label=tr("planned SOM share"))
    ax.axvline(peak_year, color="#8c8c8c", ls=":", lw=1)
    ax.annotate(tr("peak {years:.1f}", years=peak_year), (peak_year, 0.95), xycoords=("data", "axes fraction"),
                xytext=(4, 0), textcoords="offset points", fontsize=10, color="#52606d")
    ax.set_xlabel(tr("years after launch"))
    ax.set_ylabel(tr("share of the eventual market"))
    ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylim(0, 1.05)
    ax.legend(frameon=False, loc="center right")
    return fig


def som_by_year_figure(top_down: Sequence[float], bottom_up: Sequence[float], currency: str) -> plt.Figure:
    """Bars of the SOM by year for the two chains, side by side, with the reconciled (geometric-mean) SOM."""
    td, bu = np.asarray(top_down, dtype=float), np.asarray(bottom_up, dtype=float)
    reconciled = np.sqrt(td * bu)
    divisor, unit = money_scale(float(max(td.max(), bu.max())), currency)
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(1, len(td) + 1)
    ax.bar(x - 0.2, td / divisor, 0.4, color=PALETTE[0], label=tr("top-down"))
    ax.bar(x + 0.2, bu / divisor, 0.4, color=PALETTE[2], label=tr("bottom-up"))
    ax.plot(x, reconciled / divisor, marker="D", color=PALETTE[3], ls="none", label=tr("reconciled (geometric mean)"))
    ax.set_xticks(x, [tr("year {year}", year=int(v)) for v in x])
    ax.set_ylabel(tr("SOM ({unit})", unit=unit))
    ax.legend(frameon=False, loc="upper left")
    return fig
