"""Marketing and promotion economics: media response curves, ROI/ROAS, promotions, incrementality.

Conventions
-----------
* Geometric adstock (Broadbent 1979): ``a_t = x_t + λ·a_{t−1}`` with ``a_{−1} = 0`` and carry-over rate
  ``0 ≤ λ < 1``. It is **not normalised**: a single unit of spend contributes ``1/(1 − λ)`` in total over time.
  Pass ``normalise=True`` to scale by ``(1 − λ)`` so that total adstock equals total spend.
* Hill saturation (Jin et al. 2017): ``f(x) = M·x^s / (x^s + k^s)``; ``k`` is the spend at which half of the
  maximum response ``M`` is reached, ``s > 0`` the shape (``s > 1`` gives an S-curve).
* ROAS = revenue / spend (what ad dashboards, and Chinese ones under the label "ROI" or 投产比, report).
  ROI is given in two 口径 (definitions), always named: **revenue-based** ``(R − S)/S`` and **margin-based**
  ``(R·m − S)/S``; only the margin-based one says whether the spend paid for itself. Break-even ROAS = ``1/m``.
* Gross margin ``m`` is the share of the (undiscounted) selling price left after the cost of goods, in (0, 1).
* Incrementality compares a treated group with a randomised holdout that saw no campaign; the holdout's counts are
  scaled to the treated group's size (``× n_treated / n_holdout``). Incremental ROAS (iROAS) = incremental
  revenue / spend. The intervals are stated in :func:`incremental_effect`.
* A bad argument raises ``ValueError`` naming the argument (:mod:`ecomops.checks`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
import scipy

from .checks import non_negative, open_unit, positive, whole_number
from .experiments import two_proportion_test, welch_t_test_from_stats
from .experiments._common import z_critical

__all__ = [
    "geometric_adstock",
    "hill_saturation",
    "hill_marginal_response",
    "roas",
    "roi_revenue_based",
    "roi_margin_based",
    "break_even_roas",
    "customer_acquisition_cost",
    "payback_months",
    "ltv_to_cac",
    "contribution_margin",
    "break_even_volume_uplift",
    "ThresholdDiscountResult",
    "threshold_discount_economics",
    "IncrementalResult",
    "incremental_effect",
    "CampaignEconomics",
    "campaign_economics",
]


def _nonnegative_array(values: ArrayLike, name: str) -> np.ndarray:
    """Return ``values`` as a float array, raising ``ValueError`` naming ``name`` if any is negative or not finite."""
    array = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    if np.any(array < 0):
        raise ValueError(f"{name} must be >= 0, got a minimum of {array.min()}")
    return array


def _positive(value: Any, name: str) -> float:
    """Return ``value`` as a float, raising ``ValueError`` naming ``name`` unless it is finite and > 0."""
    number = float(value)
    if not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return number


def geometric_adstock(spend: ArrayLike, decay: float, normalise: bool = False) -> np.ndarray:
    """Carry spend over time with geometric decay: ``a_t = x_t + decay·a_{t−1}``.

    Parameters
    ----------
    spend : array_like
        Spend (or exposure) per period, oldest first, all >= 0.
    decay : float
        Carry-over rate λ in [0, 1): the share of last period's adstock still working this period.
    normalise : bool, default False
        If True, multiply by ``1 − decay`` so that the weights ``(1 − λ)·λ^j`` sum to 1 (total adstock of a long
        series equals total spend). The default is the unnormalised recursion.

    Returns
    -------
    numpy.ndarray
        Adstock per period, same length as ``spend``.

    Examples
    --------
    Spend 100 in the first week only, λ = 0.5: 100, 50, 25.

    >>> geometric_adstock([100, 0, 0], 0.5).tolist()
    [100.0, 50.0, 25.0]
    """
    values = _nonnegative_array(spend, "spend")
    if values.ndim != 1:
        raise ValueError("spend must be one-dimensional (one value per period)")
    decay = float(decay)
    if not 0 <= decay < 1:
        raise ValueError(f"decay must be in [0, 1), got {decay}")
    adstock = scipy.signal.lfilter([1.0], [1.0, -decay], values)
    return adstock * (1.0 - decay) if normalise else adstock


def hill_saturation(
    spend: ArrayLike, half_saturation: float, shape: float, max_response: float = 1.0
) -> np.ndarray:
    """Diminishing returns to spend: ``max_response·x^shape / (x^shape + half_saturation^shape)``.

    Parameters
    ----------
    spend : array_like
        Spend (or adstock) levels, >= 0.
    half_saturation : float
        Spend ``k`` > 0 at which the response is half of ``max_response``.
    shape : float
        Hill exponent ``s`` > 0; ``s <= 1`` is concave throughout, ``s > 1`` S-shaped.
    max_response : float, default 1.0
        Response ``M`` > 0 approached as spend grows without limit.

    Returns
    -------
    numpy.ndarray
        Response at each spend level (same shape as ``spend``).

    Examples
    --------
    At the half-saturation point the response is half the maximum; with s = 2, k = 100, x = 200:
    M·40000/(40000 + 10000) = 0.8·M.

    >>> hill_saturation([100.0, 200.0], half_saturation=100.0, shape=2.0, max_response=10.0).tolist()
    [5.0, 8.0]
    """
    x = _nonnegative_array(spend, "spend")
    k = _positive(half_saturation, "half_saturation")
    s = _positive(shape, "shape")
    m = _positive(max_response, "max_response")
    ratio = (x / k) ** s  # written as (x/k)^s / (1 + (x/k)^s) to avoid overflow for large spend
    return m * ratio / (1.0 + ratio)


def hill_marginal_response(
    spend: ArrayLike, half_saturation: float, shape: float, max_response: float = 1.0
) -> np.ndarray:
    """Derivative of :func:`hill_saturation` with respect to spend (response per extra unit of spend).

    ``f'(x) = M·s·k^s·x^(s−1) / (x^s + k^s)^2``, written as ``M·s·r / (x·(1 + r)^2)`` with ``r = (x/k)^s``.
    At ``x = 0`` the limit is used: ``M/k`` for ``s = 1``, 0 for ``s > 1`` and ``+inf`` for ``s < 1``.

    Examples
    --------
    s = 1, k = 100, M = 10 at x = 100: 10·1·100 / (200)^2 = 0.025.

    >>> float(hill_marginal_response(100.0, 100.0, 1.0, 10.0))
    0.025
    """
    x = _nonnegative_array(spend, "spend")
    k = _positive(half_saturation, "half_saturation")
    s = _positive(shape, "shape")
    m = _positive(max_response, "max_response")
    safe_x = np.where(x > 0, x, 1.0)
    ratio = (safe_x / k) ** s
    interior = m * s * ratio / (safe_x * (1.0 + ratio) ** 2)
    at_zero = m / k if s == 1 else (0.0 if s > 1 else np.inf)
    result = np.where(x > 0, interior, at_zero)
    return result if result.ndim else result[()]


# ------------------------------------------------------------------------------------ ROI, ROAS and unit economics


def _spend(spend: Any) -> float:
    """Spend as a float > 0 (ROAS and ROI divide by it)."""
    return positive("spend", spend)


def roas(revenue: float, spend: float) -> float:
    """Return on ad spend: ``revenue / spend`` (a ratio, not a percentage).

    >>> roas(12_000, 4_000)
    3.0
    """
    return non_negative("revenue", revenue) / _spend(spend)


def roi_revenue_based(revenue: float, spend: float) -> float:
    """ROI on revenue (口径: revenue): ``(R − S)/S = ROAS − 1``. It ignores the cost of goods, so it overstates.

    >>> roi_revenue_based(12_000, 4_000)
    2.0
    """
    return roas(revenue, spend) - 1.0


def roi_margin_based(revenue: float, spend: float, gross_margin: float) -> float:
    """ROI on gross profit (口径: margin): ``(R·m − S)/S``; negative means the spend did not pay for itself.

    >>> round(roi_margin_based(12_000, 4_000, 0.30), 10)
    -0.1
    """
    margin = open_unit("gross_margin", gross_margin)
    return roas(revenue, spend) * margin - 1.0


def break_even_roas(gross_margin: float) -> float:
    """The ROAS at which gross profit just covers the spend: ``1/m`` (a 30 % margin needs ROAS 3.33).

    >>> break_even_roas(0.25)
    4.0
    """
    return 1.0 / open_unit("gross_margin", gross_margin)


def customer_acquisition_cost(spend: float, new_customers: float) -> float:
    """CAC = spend / new customers; ``math.inf`` when the spend bought no new customer (and spend > 0).

    The spend should be fully loaded (media, agency, coupons given to the new customers), which makes CAC larger
    than a platform's cost per acquisition (CPA). Zero spend with zero customers gives NaN (nothing to divide).

    >>> customer_acquisition_cost(9_000, 300)
    30.0
    """
    cost = non_negative("spend", spend)
    customers = non_negative("new_customers", new_customers)
    if customers == 0:
        return math.inf if cost > 0 else math.nan
    return cost / customers


def payback_months(cac: float, monthly_arpu: float, gross_margin: float) -> float:
    """Months of gross profit needed to earn back the acquisition cost: ``CAC / (monthly ARPU × m)``.

    ``monthly_arpu`` is the revenue per customer per month; the result assumes it stays level (no churn, no
    discounting), so it is a lower bound when customers lapse.

    >>> payback_months(120, 50, 0.4)
    6.0
    """
    cost = non_negative("cac", cac)
    arpu = positive("monthly_arpu", monthly_arpu)
    return cost / (arpu * open_unit("gross_margin", gross_margin))


def ltv_to_cac(ltv: float, cac: float) -> float:
    """LTV:CAC, with LTV the (gross-margin) value of a customer over its lifetime; 3 is a common rule of thumb.

    >>> ltv_to_cac(360, 120)
    3.0
    """
    return non_negative("ltv", ltv) / positive("cac", cac)


def contribution_margin(
    revenue: float, gross_margin: float, spend: float = 0.0, other_variable_costs: float = 0.0
) -> float:
    """Campaign contribution: ``R·m − spend − other variable costs`` (e.g. coupons paid, extra shipping).

    >>> contribution_margin(10_000, 0.4, spend=2_500, other_variable_costs=300)
    1200.0
    """
    margin = open_unit("gross_margin", gross_margin)
    return (
        non_negative("revenue", revenue) * margin
        - non_negative("spend", spend)
        - non_negative("other_variable_costs", other_variable_costs)
    )


# ----------------------------------------------------------------------------------------- promotion economics


def break_even_volume_uplift(discount: float, gross_margin: float) -> float:
    """Relative increase in units a price cut needs to keep gross profit unchanged: ``Δq/q = d/(m − d)``.

    With price p, unit cost ``c = p(1 − m)`` and a cut to ``p(1 − d)``, profit is unchanged when
    ``(p(1 − d) − c)·q' = (p − c)·q``, i.e. ``q'/q = m/(m − d)``. A cut as large as the margin (``d >= m``)
    loses money on every unit, so no volume recovers it and a ``ValueError`` is raised.

    >>> round(break_even_volume_uplift(0.10, 0.30), 10)
    0.5
    """
    d = open_unit("discount", discount)
    margin = open_unit("gross_margin", gross_margin)
    if d >= margin:
        raise ValueError(
            f"discount ({d}) must be below gross_margin ({margin}): at or above it every unit sold loses money"
        )
    return d / (margin - d)


@dataclass(frozen=True)
class ThresholdDiscountResult:
    """Economics of a threshold discount (满减, "spend ``threshold``, get ``discount_amount`` off").

    Attributes
    ----------
    orders : int
        Orders in the distribution given.
    qualifying_share : float
        Share of orders at or above the threshold *before* anyone changes their basket.
    effective_discount_rate : float
        Discount as a share of the value of the qualifying orders: ``D / mean(qualifying order value)``.
    max_discount_rate : float
        The rate on an order of exactly the threshold, ``D / threshold`` (the headline rate customers see).
    discount_cost_per_order : float
        Discount paid per order of the whole distribution if nobody changes behaviour: ``D × qualifying_share``.
    break_even_basket_increase : float
        Extra basket value (list price) a discounted order needs to pay for the discount: ``D / m``.
    break_even_basket_increase_pct : float
        The same relative to the mean qualifying order: ``D / (m × mean qualifying order value)``.
    profitable_top_up_below : float
        An order of value ``v`` below the threshold that is topped up to exactly the threshold gains
        ``(threshold − v)·m − D``: profitable only for ``v < threshold − D/m``. Orders between this value and the
        threshold that top up cost more than they add.
    unprofitable_top_up_share : float
        Share of orders in ``[threshold − D/m, threshold)``: the customers whose top-up loses money.
    """

    orders: int
    qualifying_share: float
    effective_discount_rate: float
    max_discount_rate: float
    discount_cost_per_order: float
    break_even_basket_increase: float
    break_even_basket_increase_pct: float
    profitable_top_up_below: float
    unprofitable_top_up_share: float


def threshold_discount_economics(
    order_values: ArrayLike, threshold: float, discount_amount: float, gross_margin: float
) -> ThresholdDiscountResult:
    """Effective rate, reach and break-even basket building of a 满减 (threshold) discount.

    Assumptions: one discount per order (no "每满" repetition, no stacking with coupons); the gross margin
    ``m`` applies to the undiscounted list price of every item, including items added to reach the threshold;
    ``order_values`` is the distribution of order values (list price) without the promotion.

    Profit of an order of list value ``v`` is ``m·v`` without and ``m·v' − D`` with the discount, so a
    discounted order breaks even when its basket grows by ``D/m``.

    Examples
    --------
    Orders of 150, 250, 300 and 500, "满 200 减 20", m = 0.4 (by hand): three of four qualify (75 %), their mean
    value is 350 so the effective rate is 20/350 = 5.7 % against the headline 20/200 = 10 %; a discounted order
    must grow by 20/0.4 = 50 to break even, and a top-up from below 200 − 50 = 150 is profitable.

    >>> r = threshold_discount_economics([150, 250, 300, 500], 200, 20, 0.4)
    >>> r.qualifying_share, round(r.effective_discount_rate, 4), r.break_even_basket_increase
    (0.75, 0.0571, 50.0)
    """
    values = np.asarray(order_values, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError("order_values must be a non-empty 1-D array of order values")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("order_values must all be finite and >= 0")
    limit = positive("threshold", threshold)
    discount = positive("discount_amount", discount_amount)
    if discount >= limit:
        raise ValueError(f"discount_amount ({discount}) must be below threshold ({limit})")
    margin = open_unit("gross_margin", gross_margin)
    qualifying = values >= limit
    share = float(qualifying.mean())
    mean_qualifying = float(values[qualifying].mean()) if qualifying.any() else limit
    top_up_floor = limit - discount / margin
    return ThresholdDiscountResult(
        orders=int(values.size),
        qualifying_share=share,
        effective_discount_rate=discount / mean_qualifying,
        max_discount_rate=discount / limit,
        discount_cost_per_order=discount * share,
        break_even_basket_increase=discount / margin,
        break_even_basket_increase_pct=discount / (margin * mean_qualifying),
        profitable_top_up_below=float(top_up_floor),
        unprofitable_top_up_share=float(np.mean((values >= top_up_floor) & (values < limit))),
    )


# ------------------------------------------------------------------------------------------------ incrementality


@dataclass(frozen=True)
class IncrementalResult:
    """Incremental effect of a campaign measured against a holdout, scaled to the treated group's size.

    Every ``*_ci`` is a two-sided ``1 − alpha`` interval; ``revenue_ci_method`` says how the revenue interval
    (and so the profit and iROAS intervals) was formed.
    """

    treated_users: int
    holdout_users: int
    scale: float
    treated_rate: float
    holdout_rate: float
    baseline_conversions: float
    baseline_revenue: float
    conversions: float
    conversions_ci: tuple[float, float]
    revenue: float
    revenue_ci: tuple[float, float]
    profit: float
    profit_ci: tuple[float, float]
    iroas: float
    iroas_ci: tuple[float, float]
    roi: float
    p_value: float
    conversions_ci_method: str
    revenue_ci_method: str
    alpha: float


def _group_counts(users: Any, conversions: Any, revenue: Any, group: str) -> tuple[int, int, float]:
    """Users (>= 1), conversions (<= users) and revenue (>= 0) of one group, with messages naming the field."""
    n = whole_number(f"{group}_users", users, minimum=1)
    c = whole_number(f"{group}_conversions", conversions, minimum=0)
    if c > n:
        raise ValueError(f"{group}_conversions must be <= {group}_users ({n}), got {conversions}")
    r = non_negative(f"{group}_revenue", revenue)
    if c == 0 and r > 0:
        raise ValueError(f"{group}_revenue must be 0 when {group}_conversions is 0, got {revenue}")
    return n, c, r


def incremental_effect(
    treated_users: int,
    treated_conversions: int,
    treated_revenue: float,
    holdout_users: int,
    holdout_conversions: int,
    holdout_revenue: float,
    spend: float,
    gross_margin: float,
    alpha: float = 0.05,
    treated_revenue_sd: float | None = None,
    holdout_revenue_sd: float | None = None,
) -> IncrementalResult:
    """Incremental conversions, revenue, profit and iROAS from a treated group and a randomised holdout.

    The holdout is scaled to the treated group: ``scale = n_T / n_H``, baseline conversions ``c_H × scale`` and
    baseline revenue ``R_H × scale``; incremental conversions ``c_T − c_H·scale``, incremental revenue
    ``R_T − R_H·scale``, incremental profit ``m × incremental revenue − spend``, ``iROAS = incremental revenue /
    spend`` and incremental ROI ``= profit / spend`` (margin-based).

    Intervals (two-sided, ``1 − alpha``):

    * conversions: the unpooled Wald interval for ``p_T − p_H`` of
      :func:`ecomops.experiments.two_proportion_test`, multiplied by ``n_T``; ``p_value`` is that function's
      pooled z test.
    * revenue, with only totals given (the default): revenue per conversion ``v_T = R_T/c_T`` and
      ``v_H = R_H/c_H`` are treated as known constants, so revenue per user is ``v·p`` and by the delta method
      ``Var = v_T² p_T(1 − p_T)/n_T + v_H² p_H(1 − p_H)/n_H``; the interval is ``n_T × (v_T p_T − v_H p_H ±
      z·√Var)``. It ignores the variance of order values, so it is too narrow when order values vary a lot.
      With equal revenue per conversion it is the conversion interval times revenue per conversion.
    * revenue, when ``treated_revenue_sd`` and ``holdout_revenue_sd`` (standard deviations of revenue per user,
      zeros included, ddof = 1) are given: Welch's interval for the difference in mean revenue per user
      (:func:`ecomops.experiments.welch_t_test_from_stats`), multiplied by ``n_T``. This accounts for order-value
      variance and is the one to use when per-user data exist.
    * profit and iROAS: the revenue interval mapped through ``m·x − spend`` and ``x / spend`` (spend is known).

    Examples
    --------
    20,000 treated users with 600 orders and 30,000 revenue; 5,000 held out with 100 orders and 5,000 revenue;
    spend 6,000 at m = 0.4 (by hand): scale 4, baseline 400 orders and 20,000 revenue, so 200 incremental orders,
    10,000 incremental revenue, profit 0.4·10,000 − 6,000 = −2,000 and iROAS 10,000/6,000 = 1.67 (against an
    attributed ROAS of 30,000/6,000 = 5).

    >>> r = incremental_effect(20_000, 600, 30_000, 5_000, 100, 5_000, spend=6_000, gross_margin=0.4)
    >>> r.conversions, r.revenue, r.profit, round(r.iroas, 4)
    (200.0, 10000.0, -2000.0, 1.6667)
    """
    a = open_unit("alpha", alpha)
    n_t, c_t, r_t = _group_counts(treated_users, treated_conversions, treated_revenue, "treated")
    n_h, c_h, r_h = _group_counts(holdout_users, holdout_conversions, holdout_revenue, "holdout")
    cost = _spend(spend)
    margin = open_unit("gross_margin", gross_margin)
    scale = n_t / n_h
    test = two_proportion_test(c_h, n_h, c_t, n_t, alpha=a)
    incremental_conversions = c_t - c_h * scale
    incremental_revenue = r_t - r_h * scale
    if (treated_revenue_sd is None) != (holdout_revenue_sd is None):
        raise ValueError("treated_revenue_sd and holdout_revenue_sd must be given together (or neither)")
    if treated_revenue_sd is None:
        p_t, p_h = c_t / n_t, c_h / n_h
        v_t = r_t / c_t if c_t else 0.0
        v_h = r_h / c_h if c_h else 0.0
        se = math.sqrt(v_t**2 * p_t * (1 - p_t) / n_t + v_h**2 * p_h * (1 - p_h) / n_h)
        half = z_critical(a) * se * n_t
        revenue_ci = (incremental_revenue - half, incremental_revenue + half)
        revenue_method = "delta_fixed_revenue_per_conversion"
    else:
        welch = welch_t_test_from_stats(
            r_h / n_h, non_negative("holdout_revenue_sd", holdout_revenue_sd), n_h,
            r_t / n_t, non_negative("treated_revenue_sd", treated_revenue_sd), n_t, alpha=a,
        )  # fmt: skip
        revenue_ci = (welch.ci[0] * n_t, welch.ci[1] * n_t)
        revenue_method = "welch_revenue_per_user"
    lo, hi = (float(v) for v in revenue_ci)
    return IncrementalResult(
        treated_users=n_t,
        holdout_users=n_h,
        scale=scale,
        treated_rate=c_t / n_t,
        holdout_rate=c_h / n_h,
        baseline_conversions=c_h * scale,
        baseline_revenue=r_h * scale,
        conversions=float(incremental_conversions),
        conversions_ci=(test.abs_ci[0] * n_t, test.abs_ci[1] * n_t),
        revenue=float(incremental_revenue),
        revenue_ci=(lo, hi),
        profit=margin * incremental_revenue - cost,
        profit_ci=(margin * lo - cost, margin * hi - cost),
        iroas=incremental_revenue / cost,
        iroas_ci=(lo / cost, hi / cost),
        roi=(margin * incremental_revenue - cost) / cost,
        p_value=test.p_value,
        conversions_ci_method="wald_difference_times_treated_users",
        revenue_ci_method=revenue_method,
        alpha=a,
    )


# -------------------------------------------------------------------------------- one campaign, both views


@dataclass(frozen=True)
class CampaignEconomics:
    """A campaign seen two ways: as the ad platform attributes it, and as the holdout measures it.

    ``roi`` is the margin-based ROI of the *attributed* revenue, ``(R_attr·m − S)/S``, next to the revenue-based
    one; ``incremental.roi`` is the margin-based ROI of the incremental revenue. Quantities that need an optional
    input (LTV, monthly revenue per customer, a discount rate) are ``None`` without it; ``cac`` is ``math.inf``
    when the campaign brought no new customer.
    """

    spend: float
    revenue_attributed: float
    gross_margin: float
    roas: float
    roi_revenue_based: float
    roi_margin_based: float
    break_even_roas: float
    attributed_profit: float
    incremental: IncrementalResult
    non_incremental_revenue: float
    new_customers: float
    cac: float
    payback_months: float | None
    ltv_to_cac: float | None
    break_even_uplift: float | None

    @property
    def roi(self) -> float:
        """The headline ROI: margin-based, on attributed revenue."""
        return self.roi_margin_based


def campaign_economics(
    spend: float,
    revenue_attributed: float,
    gross_margin: float,
    treated_users: int,
    treated_conversions: int,
    treated_revenue: float,
    holdout_users: int,
    holdout_conversions: int,
    holdout_revenue: float,
    new_customers: float,
    ltv_per_customer: float | None = None,
    discount_rate: float | None = None,
    monthly_revenue_per_customer: float | None = None,
    alpha: float = 0.05,
) -> CampaignEconomics:
    """Attributed and incremental economics of one campaign (the ``campaign_roi`` template's core).

    Attributed view: ROAS, both ROIs and ``R_attr·m − S``. Incremental view: :func:`incremental_effect`.
    Customer view: CAC (spend / new customers), payback in months (with ``monthly_revenue_per_customer``),
    LTV:CAC (with ``ltv_per_customer``, a gross-margin value). Promotion view: the break-even volume uplift of
    ``discount_rate`` (:func:`break_even_volume_uplift`).

    Examples
    --------
    Spend 6,000; the platform attributes 30,000; m = 0.4; holdout test as in :func:`incremental_effect`;
    150 new customers. ROAS 5 and attributed margin ROI (12,000 − 6,000)/6,000 = 1.0, but iROAS 1.67 (below
    break-even 2.5); CAC 40.

    >>> c = campaign_economics(6_000, 30_000, 0.4, 20_000, 600, 30_000, 5_000, 100, 5_000, new_customers=150)
    >>> c.roas, c.roi, c.break_even_roas, round(c.incremental.iroas, 3), c.cac
    (5.0, 1.0, 2.5, 1.667, 40.0)
    """
    cost = _spend(spend)
    attributed = non_negative("revenue_attributed", revenue_attributed)
    margin = open_unit("gross_margin", gross_margin)
    effect = incremental_effect(
        treated_users, treated_conversions, treated_revenue, holdout_users, holdout_conversions, holdout_revenue,
        spend=cost, gross_margin=margin, alpha=alpha,
    )
    cac = customer_acquisition_cost(cost, new_customers)
    finite_cac = math.isfinite(cac) and cac > 0
    payback = None
    if monthly_revenue_per_customer is not None and finite_cac:
        payback = payback_months(cac, monthly_revenue_per_customer, margin)
    ratio = ltv_to_cac(ltv_per_customer, cac) if ltv_per_customer is not None and finite_cac else None
    uplift = break_even_volume_uplift(discount_rate, margin) if discount_rate is not None else None
    return CampaignEconomics(
        spend=cost,
        revenue_attributed=attributed,
        gross_margin=margin,
        roas=roas(attributed, cost),
        roi_revenue_based=roi_revenue_based(attributed, cost),
        roi_margin_based=roi_margin_based(attributed, cost, margin),
        break_even_roas=break_even_roas(margin),
        attributed_profit=attributed * margin - cost,
        incremental=effect,
        non_incremental_revenue=attributed - effect.revenue,
        new_customers=non_negative("new_customers", new_customers),
        cac=cac,
        payback_months=payback,
        ltv_to_cac=ratio,
        break_even_uplift=uplift,
    )
