"""Market expansion: online share, segment attractiveness, customer clustering, budget allocation, catchments,
market share and customer flows (chapter 2 of the course).

Conventions
-----------
* Online share of retail: quarterly e-commerce sales divided by the sum of the quarter's three monthly retail
  sales (both in the same currency unit, both seasonally adjusted or both not). Quarters with fewer than three
  monthly values are dropped, never scaled up.
* Segment attractiveness: each criterion is min–max normalised to 0–1 across the candidate segments (1 = the best
  segment on that criterion, so a criterion where lower is better is reversed), then weighted with
  :func:`ecomops.operations.weighted_scores`.
* Customer features (RFM style): recency = whole days from the customer's last order date to the reference date
  (by default the day after the last order date in the data); frequency = distinct orders; monetary = total
  revenue. For clustering they are log-transformed with ``log(1 + x)`` and standardised to mean 0 and standard
  deviation 1 (population convention, ``ddof=0``).
* k-means minimises the within-cluster sum of squared Euclidean distances (within-SS); the silhouette of point *i*
  is ``(b − a) / max(a, b)`` with *a* its mean distance to the other members of its cluster and *b* the smallest
  mean distance to the members of another cluster (Rousseeuw 1987); a point alone in its cluster gets 0.
* Budget allocation over Hill response curves (:func:`ecomops.marketing.hill_saturation`): spend is split so that
  every funded channel has the same marginal response (the Lagrange condition of maximising total response under a
  fixed budget); channels that are not worth funding get nothing.
* Huff model (Huff 1964): the probability that a shopper in zone *i* uses store *j* is
  ``A_j^α d_ij^(−β) / Σ_k A_k^α d_ik^(−β)``.
* Market share growth: ``(1 + own growth) = (1 + market growth) × (1 + share growth)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.cluster.vq import ClusterError, kmeans2
from scipy.optimize import brentq
from scipy.spatial.distance import cdist

from .data import require_columns
from .marketing import hill_marginal_response, hill_saturation
from .operations import weighted_scores

__all__ = [
    "online_share_by_quarter",
    "segment_attractiveness",
    "customer_features",
    "standardised_log_features",
    "KMeansResult",
    "kmeans_clusters",
    "within_cluster_ss",
    "silhouette_samples",
    "silhouette_score",
    "cluster_quality",
    "HillChannel",
    "allocate_budget",
    "huff_probabilities",
    "huff_store_demand",
    "share_growth",
    "customer_flows",
]


# ----------------------------------------------------------------------------------------------- online share


def online_share_by_quarter(ecommerce_quarterly: pd.Series, retail_monthly: pd.Series) -> pd.DataFrame:
    """Quarterly online share of retail sales from a quarterly e-commerce series and a monthly retail series.

    Parameters
    ----------
    ecommerce_quarterly : pandas.Series
        E-commerce sales per quarter, indexed by a date in the quarter (e.g. its first day).
    retail_monthly : pandas.Series
        Total retail sales per month, indexed by a date in the month, in the same unit.

    Returns
    -------
    pandas.DataFrame
        Indexed by quarter (``Period[Q]``), for quarters present in both series with three monthly values:
        ``ecommerce``, ``retail`` (sum of the three months) and ``online_share`` (= ecommerce / retail).
    """
    monthly = pd.Series(retail_monthly.to_numpy(dtype=float), index=pd.DatetimeIndex(retail_monthly.index))
    quarters = monthly.groupby(monthly.index.to_period("Q")).agg(["sum", "count"])
    retail = quarters.loc[quarters["count"] == 3, "sum"]
    ecommerce = pd.Series(
        ecommerce_quarterly.to_numpy(dtype=float), index=pd.DatetimeIndex(ecommerce_quarterly.index).to_period("Q")
    )
    table = pd.DataFrame({"ecommerce": ecommerce, "retail": retail}).dropna()
    table["online_share"] = table["ecommerce"] / table["retail"]
    table.index.name = "quarter"
    return table


# -------------------------------------------------------------------------------------- segment attractiveness


def segment_attractiveness(
    criteria: pd.DataFrame, weights: Mapping[str, float], lower_is_better: Sequence[str] = ()
) -> pd.DataFrame:
    """Score candidate segments on criteria measured in different units, and rank them.

    Parameters
    ----------
    criteria : pandas.DataFrame
        One row per segment (index = segment name), one column per criterion in its own unit (customers, growth
        rate, margin, competitor count, ...).
    weights : mapping
        Criterion -> non-negative weight (normalised to sum to 1 by :func:`~ecomops.operations.weighted_scores`).
    lower_is_better : sequence of str
        Criteria for which a smaller raw value is more attractive (e.g. competitor count, cost to serve).

    Returns
    -------
    pandas.DataFrame
        The normalised criteria (0 = worst segment, 1 = best; a criterion equal across all segments gets 0.5),
        ``weighted_score`` in [0, 1] and ``rank`` (1 = most attractive), best first.
    """
    require_columns(criteria, list(weights), "segment criteria")
    unknown = [c for c in lower_is_better if c not in weights]
    if unknown:
        raise ValueError(f"lower_is_better names criteria without a weight: {unknown}")
    raw = criteria[list(weights)].astype(float)
    if not np.isfinite(raw.to_numpy()).all():
        raise ValueError("segment criteria must be finite numbers")
    low, high = raw.min(), raw.max()
    span = (high - low).replace(0.0, np.nan)
    normalised = ((raw - low) / span).fillna(0.5)
    for column in lower_is_better:
        normalised[column] = 1.0 - normalised[column]
    return weighted_scores(normalised, weights)


# ------------------------------------------------------------------------------------------ customer features


def customer_features(
    lines: pd.DataFrame,
    customer_column: str = "CustomerID",
    date_column: str = "InvoiceDate",
    invoice_column: str = "InvoiceNo",
    revenue_column: str = "revenue",
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer from order lines (orders only, no cancellations).

    Parameters
    ----------
    lines : pandas.DataFrame
        One row per order line, e.g. :func:`ecomops.customers.clean_retail_transactions` output (which drops the
        cancellations and adds ``revenue``). Rows without a customer are ignored.
    as_of : date, optional
        Reference date for recency; default the day after the last order date in ``lines``.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted): ``recency_days`` (whole days from the last order's date to ``as_of``),
        ``frequency`` (distinct orders) and ``monetary`` (sum of revenue, in the currency of the data).
    """
    require_columns(lines, [customer_column, date_column, invoice_column, revenue_column], "order lines")
    sales = lines.dropna(subset=[customer_column])
    dates = pd.to_datetime(sales[date_column]).dt.normalize()
    reference = dates.max() + pd.Timedelta(days=1) if as_of is None else pd.Timestamp(as_of).normalize()
    grouped = sales.assign(_day=dates).groupby(customer_column)
    features = pd.DataFrame({
        "recency_days": (reference - grouped["_day"].max()).dt.days,
        "frequency": grouped[invoice_column].nunique(),
        "monetary": grouped[revenue_column].sum(),
    })
    if (features["recency_days"] < 0).any():
        raise ValueError(f"as_of ({reference.date()}) is before some customers' last order")
    return features.sort_index()


def standardised_log_features(features: pd.DataFrame) -> pd.DataFrame:
    """``log(1 + x)`` of each (non-negative) column, then standardised to mean 0 and standard deviation 1
    (``ddof=0``). The log tames the long right tails of frequency and monetary value, which would otherwise
    dominate the Euclidean distances of k-means."""
    values = features.astype(float)
    if (values < 0).to_numpy().any():
        bad = [c for c in values.columns if (values[c] < 0).any()]
        raise ValueError(f"columns must be >= 0 for log(1 + x): {bad}")
    logged = np.log1p(values)
    spread = logged.std(ddof=0).replace(0.0, np.nan)
    if spread.isna().any():
        raise ValueError(f"columns without variation cannot be standardised: {list(spread[spread.isna()].index)}")
    return (logged - logged.mean()) / spread


# ------------------------------------------------------------------------------------------------- clustering


@dataclass(frozen=True)
class KMeansResult:
    """A k-means partition: ``labels`` (0 = the largest cluster), ``centres`` (k × features) and ``within_ss``."""

    labels: np.ndarray
    centres: np.ndarray
    within_ss: float


def within_cluster_ss(points: ArrayLike, labels: ArrayLike) -> float:
    """Sum over points of the squared Euclidean distance to the mean of their cluster."""
    x = np.asarray(points, dtype=float)
    codes = np.unique(np.asarray(labels), return_inverse=True)[1]
    counts = np.bincount(codes)
    means = np.stack([np.bincount(codes, weights=x[:, j]) / counts for j in range(x.shape[1])], axis=1)
    return float(((x - means[codes]) ** 2).sum())


def kmeans_clusters(points: ArrayLike, k: int, n_restarts: int = 20, seed: int = 0, iterations: int = 100) -> KMeansResult:
    """k-means (Lloyd's algorithm, k-means++ starts, :func:`scipy.cluster.vq.kmeans2`) with seeded restarts.

    The restart with the smallest within-SS is kept; restarts that end with an empty cluster are discarded.
    Clusters are renumbered by size, largest first (ties by the first point's position), so labels are stable.
    """
    x = np.asarray(points, dtype=float)
    if x.ndim != 2 or not np.isfinite(x).all():
        raise ValueError("points must be a finite 2-D array (one row per point)")
    if not 1 <= int(k) <= len(x):
        raise ValueError(f"k must be between 1 and the number of points ({len(x)}), got {k}")
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray] | None = None
    for _ in range(int(n_restarts)):
        try:
            _, labels = kmeans2(x, int(k), iter=iterations, minit="++", missing="raise", rng=rng)
        except ClusterError:
            continue
        ss = within_cluster_ss(x, labels)
        if best is None or ss < best[0] - 1e-12:
            best = (ss, labels)
    if best is None:
        raise ValueError(f"every k-means restart left a cluster empty (k = {k}); use a smaller k")
    ss, labels = best
    sizes = np.bincount(labels, minlength=int(k))
    first_seen = np.array([np.argmax(labels == c) for c in range(int(k))])
    order = np.lexsort((first_seen, -sizes))  # largest cluster first
    relabel = np.empty(int(k), dtype=int)
    relabel[order] = np.arange(int(k))
    labels = relabel[labels]
    centres = np.stack([x[labels == c].mean(axis=0) for c in range(int(k))])
    return KMeansResult(labels=labels, centres=centres, within_ss=ss)


def silhouette_samples(points: ArrayLike, labels: ArrayLike) -> np.ndarray:
    """Silhouette width of every point (Euclidean distances; a point alone in its cluster gets 0)."""
    x = np.asarray(points, dtype=float)
    codes = np.unique(np.asarray(labels), return_inverse=True)[1]
    if codes.max() < 1:
        raise ValueError("the silhouette needs at least two clusters")
    distances = cdist(x, x)
    members = np.eye(codes.max() + 1)[codes]  # one-hot, n × k
    sums = distances @ members  # total distance from each point to each cluster
    counts = members.sum(axis=0)
    own_size = counts[codes]
    a = sums[np.arange(len(x)), codes] / np.maximum(own_size - 1, 1)
    means = sums / counts
    means[np.arange(len(x)), codes] = np.inf
    b = means.min(axis=1)
    widths = (b - a) / np.maximum(a, b)
    return np.where(own_size > 1, widths, 0.0)


def silhouette_score(points: ArrayLike, labels: ArrayLike) -> float:
    """Mean silhouette width over all points (between −1 and 1; higher = better separated clusters)."""
    return float(silhouette_samples(points, labels).mean())


def cluster_quality(points: ArrayLike, ks: Sequence[int], n_restarts: int = 20, seed: int = 0) -> pd.DataFrame:
    """Within-SS (for the elbow) and mean silhouette of the best k-means partition for each k in ``ks``.

    Returns a DataFrame indexed by ``k`` with ``within_ss``, ``within_ss_drop`` (the share of the previous k's
    within-SS removed by one more cluster; NaN for the first k) and ``silhouette`` (NaN for k = 1).
    """
    rows = []
    for k in ks:
        result = kmeans_clusters(points, int(k), n_restarts=n_restarts, seed=seed)
        silhouette = silhouette_score(points, result.labels) if k > 1 else np.nan
        rows.append({"k": int(k), "within_ss": result.within_ss, "silhouette": silhouette})
    table = pd.DataFrame(rows).set_index("k")
    table.insert(1, "within_ss_drop", 1.0 - table["within_ss"] / table["within_ss"].shift())
    return table


# ------------------------------------------------------------------------------------------- budget allocation


@dataclass(frozen=True)
class HillChannel:
    """A channel's response curve ``max_response·x^shape / (x^shape + half_saturation^shape)``."""

    name: str
    half_saturation: float
    shape: float
    max_response: float = 1.0

    def response(self, spend: ArrayLike) -> np.ndarray:
        return hill_saturation(spend, self.half_saturation, self.shape, self.max_response)

    def marginal(self, spend: ArrayLike) -> np.ndarray:
        return hill_marginal_response(spend, self.half_saturation, self.shape, self.max_response)

    def peak_spend(self) -> float:
        """Spend at which the marginal response is highest (the inflection point; 0 when shape <= 1)."""
        s = self.shape
        return 0.0 if s <= 1 else self.half_saturation * ((s - 1) / (s + 1)) ** (1 / s)


def _spend_at_marginal(channel: HillChannel, price: float) -> float:
    """The spend past the channel's peak marginal response at which its marginal response equals ``price``
    (``price`` must be below the peak marginal response)."""
    start = max(channel.peak_spend(), 1e-12 * channel.half_saturation)  # s < 1: the marginal is infinite at 0
    upper = max(2.0 * start, channel.half_saturation)
    while float(channel.marginal(upper)) > price:
        upper *= 2.0
    return brentq(lambda x: float(channel.marginal(x)) - price, start, upper, xtol=1e-12, rtol=1e-14, maxiter=500)


def _equal_marginal_split(channels: Sequence[HillChannel], budget: float) -> np.ndarray | None:
    """Spends past each channel's peak with one common marginal response, summing to ``budget``; None when the
    budget is too small to take every channel past its peak."""
    if len(channels) == 1:
        return np.array([budget])
    peaks = [max(c.peak_spend(), 1e-12 * c.half_saturation) for c in channels]
    top = min(float(c.marginal(x)) for c, x in zip(channels, peaks))  # above this, some channel has no solution

    def excess(log_price: float) -> float:
        return sum(_spend_at_marginal(c, np.exp(log_price)) for c in channels) - budget

    high = np.log(top) - 1e-12
    if excess(high) > 0:
        return None
    low = high - 1.0
    while excess(low) < 0:
        low -= 1.0
    price = np.exp(brentq(excess, low, high, xtol=1e-14, maxiter=500))
    return np.array([_spend_at_marginal(c, price) for c in channels])


def allocate_budget(channels: Sequence[HillChannel], total_budget: float) -> pd.DataFrame:
    """Split ``total_budget`` over channels with Hill response curves by equalising marginal responses.

    At the best split every funded channel has the same marginal response (the Lagrange condition), and with
    S-shaped curves (shape > 1) each funded channel sits past its inflection point, where its curve is concave.
    Because an S-shaped channel may be better left unfunded, every subset of channels is tried: for each, the
    spends with one common marginal response that use the whole budget are found (by root finding on the common
    marginal response), and the subset with the largest total response wins. A single funded channel takes the
    whole budget. Splits in which one funded channel is still below its inflection point are not searched; they
    are rarely optimal, and never when every shape is <= 1.

    Parameters
    ----------
    channels : sequence of HillChannel
        At most 10 channels (the subsets are enumerated).
    total_budget : float
        Budget > 0, in the unit of the curves' spend.

    Returns
    -------
    pandas.DataFrame
        Indexed by channel: ``spend`` (sums to ``total_budget``), ``response``, ``marginal_response`` and
        ``average_response`` (response per unit of spend, NaN where nothing is spent).
    """
    budget = float(total_budget)
    if not np.isfinite(budget) or budget <= 0:
        raise ValueError(f"total_budget must be a positive number, got {total_budget}")
    if not 1 <= len(channels) <= 10:
        raise ValueError(f"allocate_budget needs 1 to 10 channels, got {len(channels)}")
    best_total, best = -np.inf, np.zeros(len(channels))
    for size in range(1, len(channels) + 1):
        for subset in combinations(range(len(channels)), size):
            split = _equal_marginal_split([channels[i] for i in subset], budget)
            if split is None:
                continue
            total = sum(float(channels[i].response(x)) for i, x in zip(subset, split))
            if total > best_total + 1e-12:
                best_total, best = total, np.zeros(len(channels))
                best[list(subset)] = split
    names = [c.name for c in channels]
    response = np.array([float(c.response(x)) for c, x in zip(channels, best)])
    marginal = np.array([float(c.marginal(x)) for c, x in zip(channels, best)])
    return pd.DataFrame(
        {"spend": best, "response": response, "marginal_response": marginal,
         "average_response": np.divide(response, best, out=np.full(len(names), np.nan), where=best > 0)},
        index=pd.Index(names, name="channel"),
    )


# -------------------------------------------------------------------------------------------------- catchments


def huff_probabilities(
    attractiveness: ArrayLike, distance: ArrayLike, attractiveness_exponent: float = 1.0, distance_decay: float = 2.0
) -> np.ndarray:
    """Huff (1964) store-choice probabilities: zones × stores, each row summing to 1.

    Parameters
    ----------
    attractiveness : array_like, shape (stores,)
        Store attractiveness ``A_j`` > 0 (e.g. floor area or assortment size).
    distance : array_like, shape (zones, stores)
        Distance or travel time ``d_ij`` > 0 from each zone to each store.
    attractiveness_exponent, distance_decay : float
        α >= 0 and β >= 0; a larger β makes distance matter more.
    """
    a = np.asarray(attractiveness, dtype=float)
    d = np.atleast_2d(np.asarray(distance, dtype=float))
    if a.ndim != 1 or d.shape[1] != a.size:
        raise ValueError(f"distance must have one column per store ({a.size}), got shape {d.shape}")
    if (a <= 0).any() or (d <= 0).any() or not (np.isfinite(a).all() and np.isfinite(d).all()):
        raise ValueError("attractiveness and distance must be positive finite numbers")
    if attractiveness_exponent < 0 or distance_decay < 0:
        raise ValueError("attractiveness_exponent and distance_decay must be >= 0")
    utility = a**attractiveness_exponent * d ** (-float(distance_decay))
    return utility / utility.sum(axis=1, keepdims=True)


def huff_store_demand(zone_demand: ArrayLike, probabilities: ArrayLike) -> np.ndarray:
    """Expected demand captured by each store: ``Σ_i demand_i × P_ij`` (shape (stores,))."""
    demand = np.asarray(zone_demand, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    if demand.shape != (p.shape[0],):
        raise ValueError(f"zone_demand needs one value per zone ({p.shape[0]}), got shape {demand.shape}")
    return demand @ p


# ----------------------------------------------------------------------------------- share and customer growth


def share_growth(own: ArrayLike, market: ArrayLike) -> pd.DataFrame:
    """Market share per period and the split of own growth into market growth and share growth.

    ``own`` and ``market`` are sales (or customers) per period in the same unit. Returns one row per period:
    ``own``, ``market``, ``share`` (= own / market), ``own_growth``, ``market_growth`` and ``share_growth``
    (period on period, NaN for the first), with ``1 + own_growth = (1 + market_growth)(1 + share_growth)``, and
    ``share_change_points`` (percentage points).
    """
    own_values = np.asarray(own, dtype=float)
    market_values = np.asarray(market, dtype=float)
    if own_values.shape != market_values.shape or own_values.ndim != 1:
        raise ValueError("own and market must be one-dimensional and of the same length")
    if (market_values <= 0).any() or (own_values < 0).any() or (own_values > market_values).any():
        raise ValueError("need 0 <= own <= market and market > 0 in every period")
    table = pd.DataFrame({"own": own_values, "market": market_values})
    table["share"] = table["own"] / table["market"]
    for column in ("own", "market", "share"):
        table[f"{column}_growth"] = table[column].pct_change()
    table["share_change_points"] = table["share"].diff() * 100
    return table


def customer_flows(
    lines: pd.DataFrame, customer_column: str = "CustomerID", date_column: str = "InvoiceDate", freq: str = "Q"
) -> pd.DataFrame:
    """Active customers per period and the flows that change them.

    A customer is *active* in a period with at least one order line in it; *new* in the period of their first
    order in the data; *retained* when active in this period and the previous one; *reactivated* when active now,
    not in the previous period, and not new; *lost* when active in the previous period but not in this one. So
    ``active = previous active − lost + new + reactivated`` and ``active = new + retained + reactivated``.
    Periods are calendar periods of ``freq`` (``"Q"``, ``"M"``, ...); every period from the first to the last in
    the data is listed.
    """
    require_columns(lines, [customer_column, date_column], "order lines")
    sales = lines.dropna(subset=[customer_column])
    periods = pd.to_datetime(sales[date_column]).dt.to_period(freq)
    span = pd.period_range(periods.min(), periods.max(), freq=periods.dt.freq)
    active = pd.crosstab(sales[customer_column], periods).reindex(columns=span, fill_value=0).to_numpy() > 0
    before = np.zeros_like(active[:, :1])
    previous = np.hstack([before, active[:, :-1]])
    first = np.cumsum(active, axis=1) == 1
    new = active & first & ~previous
    table = pd.DataFrame({
        "active": active.sum(axis=0),
        "new": new.sum(axis=0),
        "retained": (active & previous).sum(axis=0),
        "reactivated": (active & ~previous & ~new).sum(axis=0),
        "lost": (previous & ~active).sum(axis=0),
    }, index=pd.Index(span, name="period"))
    return table
