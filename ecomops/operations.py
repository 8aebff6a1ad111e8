"""Operations foundations: the KPI tree, funnels with intervals, ABC classification, weighted scoring.

Conventions
-----------
* KPI tree: ``GMV = visitors × conversion rate × average order value (AOV)``; orders = visitors × conversion.
* A change in a product of factors is split between the factors with the logarithmic mean Divisia index
  (LMDI-I, Ang 2004): the contribution of factor *i* is ``L(Y1, Y0) · ln(x1_i / x0_i)`` where
  ``L(a, b) = (a − b) / (ln a − ln b)``. The contributions add up exactly to ``Y1 − Y0``.
* Funnel rates carry Wilson score intervals (Wilson 1927), which stay inside [0, 1] and behave well for small
  counts and rates near 0 or 1, unlike the Wald interval ``p ± z·√(p(1−p)/n)``.
* ABC analysis ranks items by value (descending). An item is in class A while the cumulative share *before* it is
  below the A cut-off (default 80 %), so the item that crosses the cut-off is still A; likewise B up to 95 %.
* Weighted scoring normalises the weights to sum to 1 and reports the weighted sum of the criterion scores.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .data import DataError

__all__ = [
    "FunnelStage",
    "kpi_tree",
    "decompose_change_lmdi",
    "sequential_contributions",
    "wilson_interval",
    "funnel_table",
    "weakest_step",
    "abc_classification",
    "weighted_scores",
    "price_elasticity_loglog",
    "step_uplift_impact",
    "interval_relation",
    "compare_funnel_segments",
    "first_place_shares",
]

COMPARISONS = {
    "gt": np.greater,
    "ge": np.greater_equal,
    "lt": np.less,
    "le": np.less_equal,
    "eq": np.equal,
    "ne": np.not_equal,
}
#: symbolic spellings accepted for the comparison names above
OPERATOR_ALIASES = {">": "gt", ">=": "ge", "<": "lt", "<=": "le", "==": "eq", "!=": "ne"}


def kpi_tree(visitors: float, conversion_rate: float, average_order_value: float) -> dict[str, float]:
    """Return the top of the KPI tree: orders and GMV from visitors, conversion rate and AOV.

    >>> kpi_tree(10_000, 0.02, 50.0)["gmv"]
    10000.0
    """
    if visitors < 0:
        raise ValueError(f"visitors must be >= 0, got {visitors}")
    if not 0 <= conversion_rate <= 1:
        raise ValueError(f"conversion_rate must be between 0 and 1, got {conversion_rate}")
    if average_order_value < 0:
        raise ValueError(f"average_order_value must be >= 0, got {average_order_value}")
    orders = visitors * conversion_rate
    return {
        "visitors": float(visitors),
        "conversion_rate": float(conversion_rate),
        "orders": float(orders),
        "average_order_value": float(average_order_value),
        "gmv": float(orders * average_order_value),
    }


def _log_mean(a: float, b: float) -> float:
    """Logarithmic mean L(a, b) = (a − b)/(ln a − ln b), with L(a, a) = a."""
    if np.isclose(a, b, rtol=1e-12, atol=0.0):
        return float(a)
    return float((a - b) / (np.log(a) - np.log(b)))


def decompose_change_lmdi(before: Mapping[str, float], after: Mapping[str, float]) -> pd.DataFrame:
    """Split the change of a product of factors into one additive contribution per factor (LMDI-I).

    ``before`` and ``after`` map factor names (e.g. visitors, conversion_rate, average_order_value) to
    strictly positive values; the product of the factors is the outcome (e.g. GMV). Returns one row per factor
    with columns ``factor, before, after, change_pct, contribution, share_of_change``; the contributions sum
    exactly to ``product(after) − product(before)``.
    """
    if set(before) != set(after):
        raise ValueError(f"before and after must name the same factors, got {sorted(before)} and {sorted(after)}")
    if not before:
        raise ValueError("before and after must name at least one factor")
    for label, values in (("before", before), ("after", after)):
        for name, value in values.items():
            if not value > 0:
                raise ValueError(f"{label}[{name!r}] must be > 0 for a log decomposition, got {value}")
    names = list(before)
    y0 = float(np.prod([before[n] for n in names]))
    y1 = float(np.prod([after[n] for n in names]))
    weight = _log_mean(y1, y0)
    rows = []
    total = y1 - y0
    for name in names:
        contribution = weight * np.log(after[name] / before[name])
        rows.append(
            {
                "factor": name,
                "before": float(before[name]),
                "after": float(after[name]),
                "change_pct": float(after[name] / before[name] - 1.0),
                "contribution": float(contribution),
                "share_of_change": float(contribution / total) if total != 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def sequential_contributions(before: Mapping[str, float], after: Mapping[str, float]) -> pd.DataFrame:
    """Credit each factor of a product by switching the factors from ``before`` to ``after`` one at a time, for
    every order of switching.

    The contribution of a factor is the change in the product at the moment that factor is switched, so it
    depends on which factors were switched before it. This is the decomposition that
    :func:`decompose_change_lmdi` replaces: in every order the contributions add up to the whole change, but the
    credit given to each factor differs from order to order.

    Parameters
    ----------
    before, after
        Factor name → value before and after; the same names in both.

    Returns
    -------
    pandas.DataFrame
        One row per order of switching (``k!`` rows for ``k`` factors), one column per factor, and the column
        ``order`` naming the factors in the order they were switched.
    """
    if set(before) != set(after):
        raise ValueError(f"before and after must name the same factors, got {sorted(before)} and {sorted(after)}")
    if not before:
        raise ValueError("before and after must name at least one factor")
    names = list(before)
    old = np.array([before[n] for n in names], dtype=float)
    new = np.array([after[n] for n in names], dtype=float)
    orders = np.array(list(itertools.permutations(range(len(names)))))  # (orders, steps): factor switched per step
    steps = np.arange(len(names))
    # rank[o, f] = step at which factor f is switched in order o; switched[o, s, f] after step s
    rank = np.argsort(orders, axis=1)
    switched = rank[:, None, :] <= steps[None, :, None]
    products = np.where(switched, new, old).prod(axis=2)  # (orders, steps): the product after each step
    previous = np.concatenate([np.full((len(orders), 1), old.prod()), products[:, :-1]], axis=1)
    by_step = products - previous
    contributions = np.take_along_axis(by_step, rank, axis=1)  # back from steps to factors
    table = pd.DataFrame(contributions, columns=names)
    table.insert(0, "order", [" → ".join(names[f] for f in order) for order in orders])
    return table


def wilson_interval(successes: Any, trials: Any, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (two-sided, level 1 − alpha).

    Works element-wise on arrays. Where ``trials`` is 0 the interval is (nan, nan).
    Agrees with ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha}")
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    x, n = np.broadcast_arrays(x, n)
    bad = (x < 0) | (n < 0) | (x > n)
    if np.any(bad):
        i = int(np.flatnonzero(bad.ravel())[0])
        where = f" at element {i}" if bad.ndim else ""
        raise ValueError(
            "successes must satisfy 0 <= successes <= trials, got "
            f"successes={x.ravel()[i]:g} and trials={n.ravel()[i]:g}{where}"
        )
    z = NormalDist().inv_cdf(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    # The exact bounds at the edges are 0 (no successes) and 1 (all successes); rounding must not push them
    # outside [0, 1] or leave them a hair inside it.
    low = np.where((x == 0) & (n > 0), 0.0, low)
    high = np.where((x == n) & (n > 0), 1.0, high)
    return low[()], high[()]


@dataclass(frozen=True)
class FunnelStage:
    """One step of a funnel: rows where ``column <op> value`` (and all earlier steps) hold.

    ``column=None`` means "every row" (the entry of the funnel, e.g. all sessions). ``op`` is one of
    ``gt ge lt le eq ne`` (or the symbols ``> >= < <= == !=``).
    """

    name: str
    column: str | None = None
    op: str = "ge"
    value: Any = 1

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean mask of rows meeting this stage's own condition."""
        if self.column is None:
            return np.ones(len(frame), dtype=bool)
        if self.column not in frame.columns:
            raise DataError(
                f"funnel stage {self.name!r} uses column {self.column!r}, which is not in the data; "
                f"columns are: {', '.join(map(str, frame.columns))}"
            )
        op = OPERATOR_ALIASES.get(self.op, self.op)
        if op not in COMPARISONS:
            allowed = list(COMPARISONS) + list(OPERATOR_ALIASES)
            raise ValueError(f"funnel stage {self.name!r}: op must be one of {allowed}, got {self.op!r}")
        series = frame[self.column]
        value = self.value
        if isinstance(value, bool) or pd.api.types.is_bool_dtype(series):
            series = series.astype(bool)
        result = COMPARISONS[op](series.to_numpy(), value)
        return np.asarray(result, dtype=bool)


def _coerce_stages(stages: Sequence[FunnelStage | Mapping[str, Any]]) -> list[FunnelStage]:
    out = []
    for stage in stages:
        out.append(stage if isinstance(stage, FunnelStage) else FunnelStage(**dict(stage)))
    if len(out) < 2:
        raise ValueError(f"a funnel needs at least 2 stages, got {len(out)}")
    return out


def _funnel_counts(frame: pd.DataFrame, stages: list[FunnelStage]) -> list[int]:
    reached = np.ones(len(frame), dtype=bool)
    counts = []
    for stage in stages:
        reached &= stage.mask(frame)
        counts.append(int(reached.sum()))
    return counts


def funnel_table(
    frame: pd.DataFrame,
    stages: Sequence[FunnelStage | Mapping[str, Any]],
    segment_by: str | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Count how many rows reach each stage of a sequential funnel, with conversion rates and Wilson intervals.

    A row counts at stage *k* only if it meets the conditions of stages 1..k (a strict funnel). Returns one row
    per (segment, stage) with ``segment, stage, step, count, rate_from_previous, ci_low, ci_high,
    rate_from_start, start_ci_low, start_ci_high``. The intervals are Wilson intervals of the step rate
    (count / previous count) and of the cumulative rate (count / entry count). Without ``segment_by`` the
    segment is ``"all"``.
    """
    stage_list = _coerce_stages(stages)
    if segment_by is not None and segment_by not in frame.columns:
        raise DataError(
            f"segment_by column {segment_by!r} is not in the data; columns are: {', '.join(map(str, frame.columns))}"
        )
    groups = [("all", frame)] if segment_by is None else list(frame.groupby(segment_by, sort=True, observed=True))
    tables = []
    for segment, part in groups:
        counts = np.array(_funnel_counts(part, stage_list), dtype=float)
        previous = np.concatenate([[counts[0]], counts[:-1]])
        low, high = wilson_interval(counts, previous, alpha)
        start_low, start_high = wilson_interval(counts, np.full_like(counts, counts[0]), alpha)
        with np.errstate(invalid="ignore", divide="ignore"):
            tables.append(
                pd.DataFrame(
                    {
                        "segment": str(segment),
                        "stage": [s.name for s in stage_list],
                        "step": np.arange(1, len(stage_list) + 1),
                        "count": counts.astype(int),
                        "rate_from_previous": counts / previous,
                        "ci_low": low,
                        "ci_high": high,
                        "rate_from_start": counts / counts[0],
                        "start_ci_low": start_low,
                        "start_ci_high": start_high,
                    }
                )
            )
    return pd.concat(tables, ignore_index=True)


def _interval_ends(name: str, interval: Sequence[float]) -> tuple[float, float]:
    ends = np.asarray(interval, dtype=float).ravel()
    if ends.size != 2 or not np.isfinite(ends).all() or ends[0] > ends[1]:
        raise ValueError(
            f"{name} must be an interval (low, high) with finite ends and low <= high, got {ends.tolist()}"
        )
    return float(ends[0]), float(ends[1])


def interval_relation(first: Sequence[float], second: Sequence[float]) -> str:
    """Where the interval ``first`` lies relative to the interval ``second``, in words for generated prose.

    Parameters
    ----------
    first, second : sequence of two floats
        Each interval as ``(low, high)`` with ``low <= high``, for example a Wilson interval.

    Returns
    -------
    str
        ``"lies entirely above"`` when the low end of ``first`` is above the high end of ``second``,
        ``"lies entirely below"`` in the mirror case, and ``"overlaps"`` otherwise (touching ends overlap).

    Raises
    ------
    ValueError
        If an interval does not have two finite ends with ``low <= high``.
    """
    (low_a, high_a), (low_b, high_b) = _interval_ends("first", first), _interval_ends("second", second)
    if low_a > high_b:
        return "lies entirely above"
    if high_a < low_b:
        return "lies entirely below"
    return "overlaps"


def compare_funnel_segments(
    funnel: pd.DataFrame, segment_a: str, segment_b: str, alpha: float = 0.05
) -> pd.DataFrame:
    """Test, step by step, whether two segments of a funnel convert at different rates.

    For every step after the entry, segment B's step rate (count / previous count) is compared with segment A's
    by the pooled two-proportion z test (:func:`ecomops.experiments.two_proportion_test`); the p-values are then
    adjusted across the steps with Holm's method (:func:`ecomops.experiments.holm_adjust`), because testing
    several steps gives several chances of a false alarm.

    Parameters
    ----------
    funnel : pandas.DataFrame
        :func:`funnel_table` output with a ``segment_by`` column, holding both segments.
    segment_a, segment_b : str
        The two segment labels as they appear in ``funnel["segment"]`` (A is the reference).
    alpha : float
        Two-sided level of the interval for the difference.

    Returns
    -------
    pandas.DataFrame
        One row per step after the entry, indexed by stage name, with ``rate_a, rate_b, difference`` (B − A),
        ``ci_low, ci_high`` (Wald interval of the difference), ``p_value``, ``p_holm`` and ``intervals`` (how
        B's Wilson interval lies relative to A's, from :func:`interval_relation`).
    """
    from .experiments import holm_adjust, two_proportion_test  # the experiments package is not needed elsewhere

    parts = {}
    for segment in (segment_a, segment_b):
        part = funnel[funnel["segment"] == segment].sort_values("step")
        if part.empty:
            known = sorted(map(str, funnel["segment"].unique()))
            raise DataError(f"segment {segment!r} is not in the funnel; segments are {known}")
        parts[segment] = part.reset_index(drop=True)
    a, b = parts[segment_a], parts[segment_b]
    rows = []
    for k in range(1, len(a)):
        test = two_proportion_test(int(a["count"][k]), int(a["count"][k - 1]), int(b["count"][k]),
                                   int(b["count"][k - 1]), alpha=alpha)
        rows.append({"stage": a["stage"][k], "rate_a": test.rate_a, "rate_b": test.rate_b,
                     "difference": test.abs_lift, "ci_low": test.abs_ci[0], "ci_high": test.abs_ci[1],
                     "p_value": test.p_value,
                     "intervals": interval_relation((b["ci_low"][k], b["ci_high"][k]),
                                                    (a["ci_low"][k], a["ci_high"][k]))})
    table = pd.DataFrame(rows).set_index("stage")
    table.insert(table.columns.get_loc("p_value") + 1, "p_holm", holm_adjust(table["p_value"]))
    return table


def weakest_step(funnel: pd.DataFrame) -> pd.Series:
    """Return the funnel row (step ≥ 2) with the lowest step conversion rate, using the first segment present."""
    first_segment = funnel["segment"].iloc[0]
    steps = funnel[(funnel["segment"] == first_segment) & (funnel["step"] > 1)]
    if steps.empty:
        raise ValueError("the funnel has no step after its entry stage")
    return steps.loc[steps["rate_from_previous"].idxmin()]


def abc_classification(
    frame: pd.DataFrame,
    item_column: str,
    value_column: str,
    a_cutoff: float = 0.80,
    b_cutoff: float = 0.95,
) -> pd.DataFrame:
    """Classify items into A/B/C by their share of total value (Pareto / ABC analysis).

    Values are summed per item, ranked in descending order (ties broken by item name for a stable result), and
    the cumulative share computed. An item is A while the cumulative share before it is below ``a_cutoff``,
    B while it is below ``b_cutoff``, otherwise C. Items with zero or negative total value are C.
    Returns ``item, value, share, cumulative_share, rank, abc_class`` sorted by rank.
    """
    for column in (item_column, value_column):
        if column not in frame.columns:
            raise DataError(f"column {column!r} is not in the data; columns are: {', '.join(map(str, frame.columns))}")
    if not 0 < a_cutoff < b_cutoff < 1:
        raise ValueError(f"cut-offs must satisfy 0 < a_cutoff < b_cutoff < 1, got {a_cutoff} and {b_cutoff}")
    totals = frame.groupby(item_column, observed=True)[value_column].sum().rename("value").reset_index()
    totals = totals.rename(columns={item_column: "item"})
    totals = totals.sort_values(["value", "item"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    positive_total = totals["value"].clip(lower=0).sum()
    if positive_total <= 0:
        raise ValueError(f"column {value_column!r} has no positive total value to classify")
    positive = totals["value"].clip(lower=0)
    share = positive / positive_total
    # Cumulate the values, not the rounded shares: summing shares such as 0.1 drifts (eight of them give
    # 0.7999999999999999), which would put an item whose preceding share is exactly the cut-off in the wrong class.
    cumulative = positive.cumsum() / positive_total
    before = (positive.cumsum() - positive) / positive_total
    tolerance = 1e-12
    abc = np.where(before < a_cutoff - tolerance, "A", np.where(before < b_cutoff - tolerance, "B", "C"))
    abc = np.where(totals["value"] > 0, abc, "C")
    totals["share"] = share
    totals["cumulative_share"] = cumulative
    totals["rank"] = np.arange(1, len(totals) + 1)
    totals["abc_class"] = abc
    return totals


def weighted_scores(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Rank options by a weighted sum of criterion scores (a weighted scoring matrix).

    ``scores`` has one row per option (index = option name) and one column per criterion, on a common scale
    (e.g. 1–5, higher is better). ``weights`` maps each criterion to a non-negative weight; weights are
    normalised to sum to 1. Returns the scores with ``weighted_score`` and ``rank`` (1 = best; ties share the
    lower rank), sorted best first.
    """
    missing = [c for c in weights if c not in scores.columns]
    if missing:
        raise DataError(f"weights name criteria not in the score table: {missing}; columns are {list(scores.columns)}")
    w = pd.Series(weights, dtype=float)
    if not np.isfinite(w).all():
        raise ValueError(f"weights must be finite numbers, got { {k: float(v) for k, v in w[~np.isfinite(w)].items()} }")
    if (w < 0).any():
        raise ValueError(f"weights must be >= 0, got { {k: float(v) for k, v in w[w < 0].items()} }")
    if w.sum() <= 0:
        raise ValueError("weights must not all be zero")
    total_weight = w.sum()
    result = scores.copy()
    # Weighted sum with the raw weights, divided once by their total: with whole-number weights the common ties
    # (e.g. 4·1 + 4·2 and 2·1 + 5·2, both 12/3) come out exactly equal.
    result["weighted_score"] = scores[list(w.index)].to_numpy(dtype=float) @ w.to_numpy() / total_weight
    # Rank on scores rounded well below any meaningful difference, so floating-point noise never splits a tie.
    result["rank"] = result["weighted_score"].round(9).rank(ascending=False, method="min").astype(int)
    return result.sort_values("rank", kind="mergesort")


def first_place_shares(
    scores: pd.DataFrame,
    weights: Mapping[str, float],
    concentration: float = 50.0,
    n_draws: int = 2_000,
    seed: int = 0,
) -> pd.Series:
    """How often each option ranks first when the weights of a scoring matrix are perturbed at random.

    The weights are drawn from a Dirichlet distribution centred on the agreed weights: with ``w`` the agreed
    weights normalised to sum to 1, each draw is a weight vector with non-negative entries summing to 1, expected
    value ``w`` and standard deviation ``√(w_i (1 − w_i) / (concentration + 1))`` per criterion, so a larger
    ``concentration`` means smaller perturbations. Each draw is scored with :func:`weighted_scores`.

    Parameters
    ----------
    scores, weights
        As in :func:`weighted_scores`; every weight must be > 0.
    concentration : float
        The Dirichlet concentration (> 0).
    n_draws : int
        Number of weight vectors drawn (>= 1).
    seed : int
        Seed of ``numpy.random.default_rng``, so that the result is reproducible.

    Returns
    -------
    pandas.Series
        For every option that ranked first at least once, the share of draws in which it did, largest first,
        named ``"share of draws ranked first"``. Ties for first place go to the option listed first in ``scores``.
    """
    from .checks import positive, whole_number

    concentration = positive("concentration", concentration)
    n_draws = whole_number("n_draws", n_draws, minimum=1)
    centre = pd.Series(weights, dtype=float)
    if not (centre > 0).all():
        raise ValueError(f"weights must all be > 0 for a perturbation test, got {dict(centre)}")
    draws = np.random.default_rng(seed).dirichlet(centre.to_numpy() / centre.sum() * concentration, size=n_draws)
    weighted = scores[list(centre.index)].to_numpy(dtype=float) @ draws.T  # options × draws
    winners = pd.Series(np.asarray(scores.index)[np.argmax(weighted.round(9), axis=0)])
    return winners.value_counts(normalize=True).rename("share of draws ranked first")


def price_elasticity_loglog(prices: Any, quantities: Any) -> dict[str, float]:
    """Constant price elasticity from a log–log regression ``ln Q = a + ε ln P`` (ordinary least squares).

    Returns the elasticity ε, its standard error and the R². Prices and quantities must be positive.
    """
    p = np.asarray(prices, dtype=float)
    q = np.asarray(quantities, dtype=float)
    if p.shape != q.shape or p.size < 3:
        raise ValueError(f"prices and quantities must have the same length (>= 3), got {p.size} and {q.size}")
    for label, values in (("prices", p), ("quantities", q)):
        bad = ~(values > 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{label} must all be > 0 for a log-log fit, got {values[i]:g} at position {i} "
                f"({int(bad.sum())} such value(s) in all)"
            )
    from scipy import stats  # imported here: scipy.stats is slow to import and only this function needs it

    fit = stats.linregress(np.log(p), np.log(q))
    return {"elasticity": float(fit.slope), "std_error": float(fit.stderr), "r_squared": float(fit.rvalue**2)}


def step_uplift_impact(funnel: pd.DataFrame, uplift_absolute: float = 0.01) -> pd.DataFrame:
    """Extra final conversions if one step's rate rose by ``uplift_absolute`` (e.g. 0.01 = one point), others fixed.

    In a multiplicative funnel, final = entries × Π r_k, so raising step k from r_k to r_k + u adds
    ``final · u / r_k``: the same absolute gain is worth most at the step with the lowest rate. (A *relative*
    gain of x % at any step adds the same x % to the final count, which is why the comparison uses points.)
    Returns ``stage, rate_from_previous, new_rate, extra_conversions, extra_conversions_pct`` for steps ≥ 2.
    """
    if not 0 < uplift_absolute < 1:
        raise ValueError(f"uplift_absolute must be strictly between 0 and 1, got {uplift_absolute}")
    if funnel["segment"].nunique() != 1:
        raise ValueError("step_uplift_impact needs the rows of exactly one segment")
    rows = funnel.sort_values("step")
    final = float(rows["count"].iloc[-1])
    steps = rows[rows["step"] > 1]
    rate = steps["rate_from_previous"].to_numpy(dtype=float)
    new_rate = np.minimum(rate + uplift_absolute, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        extra = np.where(rate > 0, final * (new_rate / rate - 1.0), np.nan)
    return pd.DataFrame(
        {
            "stage": steps["stage"].to_numpy(),
            "rate_from_previous": rate,
            "new_rate": new_rate,
            "extra_conversions": extra,
            "extra_conversions_pct": extra / final if final else np.nan,
        }
    )


# ------------------------------------------------------------------------------ unit economics (section 1.2)

__all__ += ["order_contribution", "break_even_take_rate"]


def order_contribution(
    price: Any,
    fee_rate: Any,
    landed_cost: Any,
    fulfilment: Any = 0.0,
    returns: Any = 0.0,
    ads_per_order: Any = 0.0,
) -> Any:
    """Contribution of one order after the platform's percentage fees and the per-order costs.

    ``m = price · (1 − fee_rate) − landed_cost − fulfilment − returns − ads_per_order``, where ``fee_rate`` is
    the sum of every fee charged as a share of the price (commission, technical service fee, payment) and the
    other arguments are amounts per order in the currency of ``price`` (``returns``: the expected cost of
    returns per order; ``ads_per_order``: advertising cost per order). Scalars, NumPy arrays and pandas Series
    broadcast; a missing fee rate (NaN, a rate not yet sourced) gives NaN rather than an invented number.
    """
    return price * (1 - fee_rate) - landed_cost - fulfilment - returns - ads_per_order


def break_even_take_rate(
    price: float, landed_cost: float, fulfilment: float = 0.0, returns: float = 0.0, ads_per_order: float = 0.0
) -> float:
    """The fee rate at which :func:`order_contribution` is exactly zero: ``1 − (costs per order) / price``.

    A platform whose percentage fees for the category exceed this rate loses money on every order at this price
    and cost. Negative when the costs alone exceed the price. Raises ``ValueError`` unless ``price > 0``.
    """
    if not price > 0:
        raise ValueError(f"price must be positive to have a break-even fee rate, got {price!r}")
    return float(1 - (landed_cost + fulfilment + returns + ads_per_order) / price)
