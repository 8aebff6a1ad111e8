"""Figures of chapter 2 (market expansion): the online share of retail, the choice of k for k-means, response
curves with a budget split, a store catchment and an adoption curve."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import PALETTE

__all__ = [
    "online_share_figure",
    "cluster_quality_figure",
    "cluster_scatter_figure",
    "response_curves_figure",
    "catchment_figure",
    "adoption_fit_figure",
]


def online_share_figure(table: pd.DataFrame, marks: dict[str, str] | None = None) -> plt.Figure:
    """Online share of retail by quarter (:func:`ecomops.expansion.online_share_by_quarter` output), with
    optional labelled quarters (``{"2020Q2": "first COVID-19 quarter"}``)."""
    fig, ax = plt.subplots(figsize=(8.5, 4.0))
    x = table.index.to_timestamp()
    ax.plot(x, table["online_share"] * 100, color=PALETTE[0], lw=1.8)
    for quarter, label in (marks or {}).items():
        period = pd.Period(quarter, "Q")
        y = float(table.loc[period, "online_share"]) * 100
        ax.annotate(label, (period.to_timestamp(), y), xytext=(-110, 12), textcoords="offset points",
                    arrowprops={"arrowstyle": "->", "color": "grey"}, fontsize=9)
    ax.set_ylabel("online share of retail sales (%)")
    ax.set_xlabel("quarter")
    ax.set_ylim(bottom=0)
    return fig


def cluster_quality_figure(quality: pd.DataFrame, chosen_k: int | None = None) -> plt.Figure:
    """Within-cluster sum of squares (the elbow) and mean silhouette against k, side by side
    (:func:`ecomops.expansion.cluster_quality` output)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
    left.plot(quality.index, quality["within_ss"], marker="o", color=PALETTE[0])
    left.set_xlabel("number of clusters k")
    left.set_ylabel("within-cluster sum of squares")
    silhouette = quality["silhouette"].dropna()
    right.plot(silhouette.index, silhouette, marker="o", color=PALETTE[1])
    right.set_xlabel("number of clusters k")
    right.set_ylabel("mean silhouette width")
    if chosen_k is not None:
        for ax in (left, right):
            ax.axvline(chosen_k, color="grey", ls="--", lw=1)
    return fig


def cluster_scatter_figure(features: pd.DataFrame, labels: np.ndarray, x: str, y: str,
                           names: dict[int, str] | None = None, xlabel: str | None = None,
                           ylabel: str | None = None) -> plt.Figure:
    """Customers on two of their features (log axes), coloured by cluster; axis labels default to the columns."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for cluster in np.unique(labels):
        part = features[labels == cluster]
        label = (names or {}).get(int(cluster), f"cluster {cluster}")
        ax.scatter(part[x], part[y], s=14, alpha=0.7, color=PALETTE[int(cluster) % len(PALETTE)], label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    ax.legend(fontsize=9)
    return fig


def response_curves_figure(channels, allocation: pd.DataFrame, max_spend: float, xlabel: str, ylabel: str) -> plt.Figure:
    """Each channel's response curve up to ``max_spend``, with its allocated spend marked
    (:class:`ecomops.expansion.HillChannel` objects and :func:`ecomops.expansion.allocate_budget` output)."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    spend = np.linspace(0.0, max_spend, 400)
    for number, channel in enumerate(channels):
        colour = PALETTE[number % len(PALETTE)]
        ax.plot(spend, channel.response(spend), color=colour, lw=1.8, label=channel.name)
        chosen = allocation.loc[channel.name]
        ax.plot([chosen["spend"]], [chosen["response"]], marker="o", ms=8, color=colour)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(title="channel (dot: allocated spend)", fontsize=9)
    return fig


def catchment_figure(zone_xy: np.ndarray, zone_size: np.ndarray, share: np.ndarray, store_xy: np.ndarray,
                     store_names: list[str], share_label: str) -> plt.Figure:
    """Zones as circles sized by households and shaded by one store's Huff share; stores as labelled squares."""
    fig, ax = plt.subplots(figsize=(6.5, 5.2))
    points = ax.scatter(zone_xy[:, 0], zone_xy[:, 1], s=np.asarray(zone_size) / np.max(zone_size) * 900,
                        c=share, cmap="Blues", vmin=0, vmax=1, edgecolors="grey")
    ax.scatter(store_xy[:, 0], store_xy[:, 1], marker="s", s=90, color=PALETTE[1])
    for (sx, sy), name in zip(store_xy, store_names):
        ax.annotate(name, (sx, sy), xytext=(6, 6), textcoords="offset points", fontsize=9)
    fig.colorbar(points, ax=ax, label=share_label)
    ax.set_xlabel("km east")
    ax.set_ylabel("km north")
    ax.set_aspect("equal")
    ax.margins(0.18)
    return fig


def adoption_fit_figure(periods: np.ndarray, observed: np.ndarray, fitted: dict[str, np.ndarray],
                        xlabel: str, ylabel: str) -> plt.Figure:
    """Observed new adopters per period (bars) and one or more fitted or forecast curves (lines)."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.bar(periods[: len(observed)], observed, color="lightgrey", label="observed")
    for number, (label, values) in enumerate(fitted.items()):
        ax.plot(periods[: len(values)], values, marker="o", ms=4, color=PALETTE[number % len(PALETTE)], label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=9)
    return fig
