"""Customer lifetime value: the BG/NBD purchase model, the Gamma-Gamma spend model and discounted CLV.

Conventions (stated because the packages that implement these models differ on them):

* **Purchase occasion.** Transactions are counted per customer and calendar day: several orders on one day are one
  purchase, as in Fader, Hardie & Lee (2005) and ``lifetimes``. This holds for the calibration summary and for the
  holdout count alike.
* **BTYD recency** ``t_x`` is the time from a customer's first to last purchase in the calibration period (not the
  RFM recency, the time since the last purchase). **Frequency** ``x`` is the number of *repeat* purchases, **age**
  ``T`` is the time from the first purchase to the calibration end. All three are in ``time_unit`` (days, or weeks
  of 7 days).
* **Monetary value** is the mean spend of the repeat purchases (the first purchase is left out, as in Fader, Hardie
  & Lee 2005b), 0 for a customer without a repeat purchase.
* **Discounting** (:func:`discounted_clv`): the horizon is cut into months of 365.25/12 days; month *k*'s expected
  purchases ``E[Y(k·m)] − E[Y((k−1)·m)]`` are valued at the expected spend and discounted as if paid at the end of
  the month, by ``(1 + annual_discount_rate) ** (k / 12)``.

The BG/NBD likelihood depends on a customer only through ``(x, t_x, T)``: :func:`fit_bgnbd` fits on the distinct
triples with their counts, so its cost grows with the number of distinct triples, not with the customers.

References: Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "Counting your customers" the easy way: an
alternative to the Pareto/NBD model, *Marketing Science* 24(2), 275–284; Fader, P. S. & Hardie, B. G. S. (2013),
The Gamma-Gamma model of monetary value, note 025.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import scipy
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from .data import DataError, require_columns

__all__ = [
    "TIME_UNITS",
    "DAYS_PER_MONTH",
    "BgNbdFit",
    "GammaGammaFit",
    "purchase_days",
    "calibration_summary",
    "distinct_triples",
    "bgnbd_log_likelihood",
    "fit_bgnbd",
    "bgnbd_probability_alive",
    "bgnbd_expected_purchases",
    "bgnbd_expected_purchases_new",
    "gamma_gamma_log_likelihood",
    "fit_gamma_gamma",
    "gamma_gamma_expected_spend",
    "discounted_clv",
    "holdout_by_frequency",
    "simulate_bgnbd_transactions",
]

#: Length of one time unit in days.
TIME_UNITS: dict[str, float] = {"days": 1.0, "weeks": 7.0}
#: Mean length of a calendar month in days (365.25 / 12), the month of :func:`discounted_clv`.
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class BgNbdFit:
    """Maximum-likelihood BG/NBD parameters: purchase rates λ ~ Gamma(shape ``r``, rate ``alpha``), dropout
    probabilities p ~ Beta(``a``, ``b``); ``alpha`` is in the time unit of the data it was fitted on.
    ``log_likelihood`` is the total log-likelihood (eq. 6 of Fader, Hardie & Lee 2005) at the estimate."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def to_dict(self) -> dict[str, float]:
        """The fields as a plain dict of floats (for ``results.json``)."""
        return {key: float(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma parameters: a transaction's spend ~ Gamma(shape ``p``, rate ν), with
    ν ~ Gamma(shape ``q``, rate ``gamma``) across customers. ``log_likelihood`` is the total log density of the
    customers' mean spends given their frequencies."""

    p: float
    q: float
    gamma: float
    log_likelihood: float

    def to_dict(self) -> dict[str, float]:
        """The fields as a plain dict of floats (for ``results.json``)."""
        return {key: float(value) for key, value in asdict(self).items()}


def _unit_days(time_unit: str) -> float:
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit must be one of {sorted(TIME_UNITS)}, not {time_unit!r}")
    return TIME_UNITS[time_unit]


def purchase_days(
    transactions: pd.DataFrame, customer_col: str, date_col: str, amount_col: str | None = None
) -> pd.DataFrame:
    """Collapse transactions to purchase occasions: one row per customer and calendar day.

    Rows with a missing customer or date are left out. Returns columns ``customer``, ``day`` (midnight,
    ``datetime64``) and, when ``amount_col`` is given, ``amount`` (the day's total), sorted by customer and day.
    """
    columns = [customer_col, date_col] + ([amount_col] if amount_col else [])
    require_columns(transactions, columns, "transactions")
    data = transactions[columns].dropna(subset=[customer_col, date_col])
    frame = pd.DataFrame({
        "customer": data[customer_col].to_numpy(),
        "day": pd.to_datetime(data[date_col]).dt.normalize().to_numpy(),
    })
    if amount_col:
        frame["amount"] = pd.to_numeric(data[amount_col]).to_numpy(dtype=float)
        days = frame.groupby(["customer", "day"], sort=True, observed=True)["amount"].sum().reset_index()
    else:
        days = frame.drop_duplicates().sort_values(["customer", "day"]).reset_index(drop=True)
    return days


def calibration_summary(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str,
    calibration_end,
    time_unit: str = "days",
    observation_end=None,
) -> pd.DataFrame:
    """Per-customer BTYD summary of a calibration period and the holdout that follows it.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per order or order line with a customer, a date and an amount.
    customer_col, date_col, amount_col : str
        Column names.
    calibration_end : date-like
        Last day of the calibration period (inclusive). Purchases on later days form the holdout.
    time_unit : {"days", "weeks"}
        Unit of ``recency``, ``T`` and ``holdout_length``.
    observation_end : date-like, optional
        Last day of the holdout (inclusive); default the last purchase day in the data.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (only customers whose first purchase is on or before ``calibration_end``), sorted:
        ``frequency`` (x, repeat purchase days in calibration), ``recency`` (t_x, first to last purchase day),
        ``T`` (first purchase day to ``calibration_end``), ``monetary`` (mean spend per repeat purchase day, 0 if
        x = 0), ``holdout_purchases`` (purchase days after ``calibration_end`` up to ``observation_end``),
        ``holdout_amount`` (their spend) and ``holdout_length`` (the holdout's length, the same for all).
    """
    unit = _unit_days(time_unit)
    days = purchase_days(transactions, customer_col, date_col, amount_col)
    end = pd.Timestamp(calibration_end).normalize()
    last = days["day"].max() if observation_end is None else pd.Timestamp(observation_end).normalize()
    days = days[days["day"] <= last]
    in_calibration = days["day"] <= end
    calibration = days[in_calibration]
    if calibration.empty:
        raise DataError(f"no purchases on or before the calibration end {end.date()}")
    grouped = calibration.groupby("customer", sort=True)
    first = grouped["day"].min()
    latest = grouped["day"].max()
    count = grouped["day"].size()
    total = grouped["amount"].sum()
    first_amount = grouped["amount"].first()  # days are sorted within a customer
    frequency = (count - 1).astype(np.int64)
    repeat_spend = total - first_amount
    summary = pd.DataFrame({
        "frequency": frequency,
        "recency": (latest - first).dt.days / unit,
        "T": (end - first).dt.days / unit,
        "monetary": np.where(frequency > 0, repeat_spend / frequency.where(frequency > 0, 1), 0.0),
    })
    holdout = days[~in_calibration]
    holdout = holdout[holdout["customer"].isin(summary.index)].groupby("customer")["amount"].agg(["size", "sum"])
    summary["holdout_purchases"] = holdout["size"].reindex(summary.index, fill_value=0).astype(np.int64)
    summary["holdout_amount"] = holdout["sum"].reindex(summary.index, fill_value=0.0).astype(float)
    summary["holdout_length"] = max((last - end).days, 0) / unit
    summary.index.name = "customer"
    return summary


def distinct_triples(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ``(x, t_x, T)`` triples and how many customers share each: ``(x, t_x, T, counts)``."""
    stacked = np.column_stack([np.asarray(frequency, float), np.asarray(recency, float), np.asarray(T, float)])
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return unique[:, 0], unique[:, 1], unique[:, 2], counts.astype(float)


def _bgnbd_customer_ll(r, alpha, a, b, x, t_x, T, gradient: bool = False):
    """Log-likelihood of each customer (eq. 6 of Fader, Hardie & Lee 2005), computed in log space; with
    ``gradient`` also its derivatives with respect to (r, alpha, a, b), one row per parameter."""
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    log_a = common + betaln(a, b + x) - (r + x) * np.log(alpha + T)
    repeat = x > 0
    log_b = np.full_like(log_a, -np.inf)
    xr = x[repeat]
    log_b[repeat] = common[repeat] + betaln(a + 1, b + xr - 1) - (r + xr) * np.log(alpha + t_x[repeat])
    total = np.logaddexp(log_a, log_b)
    if not gradient:
        return total
    share_b = np.exp(log_b - total)  # weight of the "dropped out at t_x" term; 1 − share_b for the "alive" term
    share_a = 1 - share_b
    psi_abx = digamma(a + b + x)
    d_common = np.array([digamma(r + x) - digamma(r) + np.log(alpha), np.full_like(x, r / alpha),
                         np.full_like(x, digamma(a + b) - digamma(a)), np.full_like(x, digamma(a + b) - digamma(b))])
    d_a = np.array([-np.log(alpha + T), -(r + x) / (alpha + T), digamma(a) - psi_abx, digamma(b + x) - psi_abx])
    with np.errstate(divide="ignore", invalid="ignore"):
        d_b = np.array([-np.log(alpha + t_x), -(r + x) / (alpha + t_x), digamma(a + 1) - psi_abx,
                        digamma(b + x - 1) - psi_abx])
    d_b = np.where(repeat, d_b, 0.0)
    return total, d_common + share_a * d_a + share_b * d_b


def bgnbd_log_likelihood(params, frequency, recency, T, weights=None) -> float:
    """Total BG/NBD log-likelihood of ``params = (r, alpha, a, b)`` (each customer weighted by ``weights``)."""
    r, alpha, a, b = (float(value) for value in params)
    x, t_x, age = (np.asarray(v, float) for v in (frequency, recency, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, float)
    return float(np.sum(w * _bgnbd_customer_ll(r, alpha, a, b, x, t_x, age)))


def _check_btyd_inputs(x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> None:
    if x.size == 0:
        raise DataError("no customers to fit the model on")
    if np.any(~np.isfinite(x) | ~np.isfinite(t_x) | ~np.isfinite(age)):
        raise DataError("frequency, recency and T must be finite numbers")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > age + 1e-9) or np.any((x > 0) & (t_x <= 0)):
        raise DataError("need 0 ≤ recency ≤ T and recency > 0 for every customer with repeat purchases")


def fit_bgnbd(frequency, recency, T, weights=None, initial=(1.0, 1.0, 1.0, 1.0)) -> BgNbdFit:
    """Fit the BG/NBD model by maximum likelihood.

    Parameters
    ----------
    frequency, recency, T : array-like
        Repeat purchases x, recency t_x and age T of each customer (or of each distinct triple).
    weights : array-like, optional
        Number of customers with each row's triple. Without it, identical triples are grouped first (the fit is
        the same, only faster).
    initial : tuple of 4 floats
        Start values of ``(r, alpha, a, b)``; ``alpha`` is given relative to a time scale of max(T)/10 (the time
        axis is rescaled internally so that the optimiser works on numbers near 1).

    Returns
    -------
    BgNbdFit
        ``alpha`` and ``log_likelihood`` in the original time unit.

    Notes
    -----
    The likelihood is maximised over the log-parameters with L-BFGS-B (bounded to e^±30) and its analytic
    gradient (digamma terms), using the log-space terms ``betaln``/``gammaln``. Rescaling time by s multiplies alpha by s and the likelihood by s^(−Σx), which
    is undone exactly.
    """
    x, t_x, age = (np.asarray(v, float).ravel() for v in (frequency, recency, T))
    _check_btyd_inputs(x, t_x, age)
    if weights is None:
        x, t_x, age, w = distinct_triples(x, t_x, age)
    else:
        w = np.asarray(weights, float).ravel()
    scale = float(age.max()) / 10.0 if age.max() > 0 else 1.0
    ts, ages = t_x / scale, age / scale
    total = w.sum()

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        values, slopes = _bgnbd_customer_ll(*params, x, ts, ages, gradient=True)
        value = -np.sum(w * values) / total
        if not np.isfinite(value):
            return 1e10, np.zeros(4)
        return float(value), -(slopes @ w) / total * params  # chain rule: d/d log θ = θ · d/dθ

    start = np.log(np.asarray(initial, float))
    result = scipy.optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=[(-30.0, 30.0)] * 4,
                      options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10000, "maxcor": 20})
    r, alpha_scaled, a, b = np.exp(result.x)
    log_likelihood = -result.fun * total - float(np.sum(w * x)) * np.log(scale)
    return BgNbdFit(float(r), float(alpha_scaled * scale), float(a), float(b), float(log_likelihood))


def bgnbd_probability_alive(fit: BgNbdFit, frequency, recency, T) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) (FHL 2005, eq. 11)."""
    x, t_x, age = (np.asarray(v, float) for v in (frequency, recency, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds = (
            np.log(fit.a) - np.log(np.maximum(fit.b + x - 1, 1e-300))
            + (fit.r + x) * (np.log(fit.alpha + age) - np.log(fit.alpha + t_x))
        )
    return np.where(x > 0, expit(-log_odds), 1.0)


def bgnbd_expected_purchases(fit: BgNbdFit, t, frequency, recency, T) -> np.ndarray:
    """Expected purchases in the next ``t`` time units of a customer with history ``(x, t_x, T)``.

    E[Y(t) | x, t_x, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
    · P(alive) (FHL 2005, eq. 10), with the Gaussian hypergeometric function ``scipy.special.hyp2f1``.
    """
    x, t_x, age = (np.asarray(v, float) for v in (frequency, recency, T))
    t = np.asarray(t, float)
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    ratio = np.exp((r + x) * (np.log(alpha + age) - np.log(alpha + age + t)))
    hyper = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + age + t))
    expected = (a + b + x - 1) / (a - 1) * (1 - ratio * hyper)
    return expected * bgnbd_probability_alive(fit, x, t_x, age)


def bgnbd_expected_purchases_new(fit: BgNbdFit, t) -> np.ndarray:
    """Expected repeat purchases in (0, t] of a randomly chosen new customer (FHL 2005, eq. 9):
    E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))]."""
    t = np.asarray(t, float)
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))


def gamma_gamma_log_likelihood(params, frequency, monetary, weights=None) -> float:
    """Total log density of the mean spends z̄ given the frequencies x under Gamma-Gamma ``(p, q, gamma)``:
    ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄)."""
    p, q, gamma = (float(value) for value in params)
    x, z = np.asarray(frequency, float), np.asarray(monetary, float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, float)
    px = p * x
    density = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma) + (px - 1) * np.log(z)
               + px * np.log(x) - (px + q) * np.log(gamma + x * z))
    return float(np.sum(w * density))


def fit_gamma_gamma(frequency, monetary, weights=None, initial=(1.0, 1.0, 1.0)) -> GammaGammaFit:
    """Fit the Gamma-Gamma spend model by maximum likelihood on customers with repeat purchases.

    Customers with ``frequency == 0`` are left out (they have no repeat spend); every remaining ``monetary``
    must be > 0 (a mean spend of zero or below, e.g. net of returns, has no Gamma density). The time scale of
    spend is rescaled internally by its mean (γ scales with it; the log density shifts by Σ ln(scale)).
    """
    x, z = np.asarray(frequency, float).ravel(), np.asarray(monetary, float).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, float).ravel()
    keep = x > 0
    x, z, w = x[keep], z[keep], w[keep]
    if x.size == 0:
        raise DataError("Gamma-Gamma needs customers with at least one repeat purchase; there are none")
    if np.any(~np.isfinite(z)) or np.any(z <= 0):
        raise DataError("Gamma-Gamma needs a mean repeat spend > 0 for every repeat customer")
    scale = float(np.average(z, weights=w))
    zs = z / scale
    total = w.sum()

    log_x, log_z = np.log(x), np.log(zs)

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, gamma = np.exp(log_params)
        value = -gamma_gamma_log_likelihood((p, q, gamma), x, zs, w) / total
        if not np.isfinite(value):
            return 1e10, np.zeros(3)
        px, spread = p * x, np.log(gamma + x * zs)
        slopes = np.array([
            x * (digamma(px + q) - digamma(px) + log_z + log_x - spread),
            digamma(px + q) - digamma(q) + np.log(gamma) - spread,
            q / gamma - (px + q) / (gamma + x * zs),
        ])
        return float(value), -(slopes @ w) / total * np.array([p, q, gamma])

    start = np.log(np.asarray(initial, float))
    result = scipy.optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=[(-30.0, 30.0)] * 3,
                      options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10000})
    p, q, gamma_scaled = np.exp(result.x)
    log_likelihood = -result.fun * total - float(np.sum(w)) * np.log(scale)
    return GammaGammaFit(float(p), float(q), float(gamma_scaled * scale), float(log_likelihood))


def gamma_gamma_expected_spend(fit: GammaGammaFit, frequency, monetary) -> np.ndarray:
    """Expected spend per purchase: E[M | x, z̄] = p(γ + x z̄)/(px + q − 1) (Fader & Hardie 2013, eq. 5).

    For x = 0 this is the population mean pγ/(q − 1). Requires q > 1 (otherwise the mean is infinite).
    """
    x, z = np.asarray(frequency, float), np.asarray(monetary, float)
    z = np.where(x > 0, z, 0.0)
    return fit.p * (fit.gamma + x * z) / (fit.p * x + fit.q - 1)


def discounted_clv(
    bgnbd: BgNbdFit,
    gamma_gamma: GammaGammaFit,
    frequency,
    recency,
    T,
    monetary,
    horizon_months: int,
    annual_discount_rate: float,
    time_unit: str = "days",
    margin: float = 1.0,
    month_length: float | None = None,
) -> np.ndarray:
    """Discounted expected customer value over the next ``horizon_months`` months.

    CLV = margin · E[M] · Σ_{k=1..H} (E[Y(k·m)] − E[Y((k−1)·m)]) / (1 + annual_discount_rate)^(k/12),

    with E[M] from :func:`gamma_gamma_expected_spend`, E[Y] from :func:`bgnbd_expected_purchases` and m the
    month length in ``time_unit`` (default 365.25/12 days, or that divided by 7 in weeks; ``month_length``
    overrides it, e.g. 4.345 weeks as ``lifetimes`` uses). Cash flows are discounted at the end of each month.
    """
    if horizon_months < 1:
        raise ValueError("horizon_months must be at least 1")
    if annual_discount_rate <= -1:
        raise ValueError("annual_discount_rate must be > -1")
    m = DAYS_PER_MONTH / _unit_days(time_unit) if month_length is None else float(month_length)
    x, t_x, age = (np.asarray(v, float) for v in (frequency, recency, T))
    spend = gamma_gamma_expected_spend(gamma_gamma, x, monetary)
    # month by month (a loop over the horizon, vectorised over customers): memory stays at a few customer arrays
    value = np.zeros(np.broadcast(x, t_x, age).shape)
    previous = np.zeros_like(value)
    for k in range(1, horizon_months + 1):
        cumulative = bgnbd_expected_purchases(bgnbd, k * m, x, t_x, age)
        value += (cumulative - previous) / (1 + annual_discount_rate) ** (k / 12)
        previous = cumulative
    return margin * spend * value


def holdout_by_frequency(summary: pd.DataFrame, predicted, max_group: int = 7) -> pd.DataFrame:
    """Mean predicted and actual holdout purchases by calibration frequency (FHL 2005, figure 4).

    ``summary`` is a :func:`calibration_summary` table, ``predicted`` each customer's expected holdout purchases.
    Frequencies of ``max_group`` or more are pooled into one group labelled ``f"{max_group}+"``. Returns columns
    ``customers``, ``predicted`` and ``actual`` (means per customer), indexed by group label.
    """
    x = summary["frequency"].to_numpy()
    labels = np.where(x >= max_group, f"{max_group}+", x.astype(str))
    frame = pd.DataFrame({"group": labels, "order": np.minimum(x, max_group), "predicted": np.asarray(predicted),
                          "actual": summary["holdout_purchases"].to_numpy(dtype=float)})
    table = frame.groupby(["order", "group"]).agg(customers=("actual", "size"), predicted=("predicted", "mean"),
                                                  actual=("actual", "mean"))
    return table.reset_index(level="order", drop=True)


def simulate_bgnbd_transactions(
    n_customers: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    p: float,
    q: float,
    gamma: float,
    start="2024-01-01",
    acquisition_days: int = 90,
    observation_days: int = 365,
    seed: int = 0,
) -> pd.DataFrame:
    """Synthetic transactions drawn from a BG/NBD purchase process with Gamma-Gamma spend (known ground truth).

    Customer *i* makes a first purchase on a day uniformly drawn from the first ``acquisition_days`` days after
    ``start``; λ_i ~ Gamma(r, rate ``alpha`` per day), p_i ~ Beta(a, b), dropout after the J-th repeat purchase
    with J ~ Geometric(p_i); repeat purchases are the Poisson(λ_i) arrivals up to the dropout or the end of the
    ``observation_days`` window. Each purchase's spend ~ Gamma(p, rate ν_i), ν_i ~ Gamma(q, rate ``gamma``).
    Times are kept to the second, so a purchase day may hold two purchases (they merge into one occasion, as in
    real data). Returns columns ``customer_id`` (int), ``timestamp`` and ``amount``, sorted by customer and time.
    """
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1.0 / alpha, n_customers)
    dropout = rng.beta(a, b, n_customers)
    nu = rng.gamma(q, 1.0 / gamma, n_customers)
    birth = rng.uniform(0, acquisition_days, n_customers)
    window = observation_days - birth
    arrivals = rng.poisson(rate * window)
    last_alive = rng.geometric(dropout)
    repeats = np.minimum(arrivals, last_alive)
    # Given N(window) = n, the arrival times are n sorted uniforms; the first `repeats` of them are kept.
    owner = np.repeat(np.arange(n_customers), arrivals)
    times = rng.uniform(0, 1, owner.size) * window[owner]
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    starts = np.concatenate([[0], np.cumsum(arrivals)[:-1]])
    position = np.arange(owner.size) - starts[owner]
    kept = position < repeats[owner]
    customer = np.concatenate([np.arange(n_customers), owner[kept]])
    offset = np.concatenate([birth, birth[owner[kept]] + times[kept]])
    order = np.lexsort((offset, customer))
    customer, offset = customer[order], offset[order]
    amount = rng.gamma(p, 1.0 / nu[customer])
    timestamp = pd.Timestamp(start) + pd.to_timedelta(np.round(offset * 86400), unit="s")
    return pd.DataFrame({"customer_id": customer, "timestamp": timestamp, "amount": np.round(amount, 2)})
