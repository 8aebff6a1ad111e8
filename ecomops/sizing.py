"""Market sizing: driver chains (TAM → SAM → SOM), triangulation, tornado sensitivity, Monte Carlo sizing and
Bass diffusion.

Conventions
-----------
* A *driver* is one named number of a sizing chain with its unit, its source and an evidence-based low/high
  range (``low ≤ value ≤ high``; without a range, low = high = value).
* A chain is the product of its drivers. ``TAM = Π tam_drivers``, ``SAM = TAM × Π sam_filters`` (each filter a
  share in [0, 1]) and ``SOM_y = SAM × share_y`` for each year *y* (shares in [0, 1]).
* Triangulation compares two independent estimates *a* and *b* (top-down and bottom-up). The relative gap is
  ``|a − b| / min(a, b)``: how far the larger estimate is above the smaller one. The range is
  ``[min(a, b), max(a, b)]`` and the reconciled value is the geometric mean ``√(a·b)`` (the midpoint on a
  log scale, fitting numbers built as products). A gap above ``warn_gap`` (30 %) sets a warning: the two chains
  probably define the market differently, which should be reconciled rather than averaged away.
* Tornado sensitivity moves one driver at a time to its low and to its high value, the others at base, and ranks
  the drivers by swing ``|Y(high) − Y(low)|``.
* Monte Carlo sizing draws each driver independently. Log-normal drivers are fitted so that *low* and *high* are
  the P5 and P95 of the driver: ``μ = (ln low + ln high) / 2``, ``σ = (ln high − ln low) / (2 · 1.6449)``, hence
  the driver's median is ``√(low·high)``, which need not equal its stated value. A product of independent
  log-normals is log-normal, so :func:`lognormal_product_quantiles` gives the exact quantiles the simulation must
  approach. Triangular drivers use (low, value, high) as (minimum, mode, maximum).
* Bass (1969) diffusion in continuous time: ``F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p)·e^{−(p+q)t})``, cumulative
  adopters ``m·F(t)``, density ``m·f(t)``, peak time ``t* = ln(q/p) / (p + q)``. New adopters *per period* are the
  differences of the cumulative curve, ``m·[F(t) − F(t − 1)]`` (period *t* runs from t − 1 to t). The density
  form ``m·f(t)`` is what the published VCR fit (Das, *Data Science: Theories, Models, Algorithms, and Analytics*)
  uses, so :func:`fit_bass` offers both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "Driver",
    "as_drivers",
    "chain_value",
    "SizingChain",
    "sizing_chain",
    "check_sam_filters",
    "chain_table",
    "Triangulation",
    "triangulate",
    "tornado",
    "MonteCarloResult",
    "monte_carlo_sizing",
    "lognormal_parameters",
    "lognormal_product_quantiles",
    "bass_cumulative_share",
    "bass_cumulative",
    "bass_density",
    "bass_new_adopters",
    "bass_peak_time",
    "BassFit",
    "fit_bass",
    "Z_95",
    "CURRENCY_ZH",
]

#: Chinese names of currencies, for amounts written with 万/亿 in Chinese reports (other codes are kept as they are)
CURRENCY_ZH = {"CNY": "元", "RMB": "元", "USD": "美元", "EUR": "欧元", "GBP": "英镑", "JPY": "日元", "HKD": "港元"}

#: standard-normal quantile of 0.95: a log-normal driver's low/high sit this many σ below/above its log-median
Z_95 = NormalDist().inv_cdf(0.95)


def _number(name: str, field_name: str, value: Any) -> float:
    """``value`` as a finite float, or a ValueError naming the driver and the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"driver {name!r}: {field_name} is missing")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"driver {name!r}: {field_name} must be a number, got {value!r}") from None
    if math.isnan(number):
        raise ValueError(f"driver {name!r}: {field_name} is missing")
    if not math.isfinite(number):
        raise ValueError(f"driver {name!r}: {field_name} must be finite, got {value!r}")
    return number


@dataclass(frozen=True)
class Driver:
    """One named number of a sizing chain.

    Parameters
    ----------
    name
        What the number is, e.g. ``"online households"``.
    value
        Base value (≥ 0).
    unit
        Its unit, e.g. ``"households"``, ``"CNY per order"``, ``"share"``.
    source
        Where the number comes from (publication and year), or ``"hypothetical: …"``.
    low, high
        Evidence-based low and high values, ``0 ≤ low ≤ value ≤ high``; each defaults to ``value``.

    Raises
    ------
    ValueError
        Naming the driver and the field: a missing or negative value, low > high, or value outside [low, high].
    """

    name: str
    value: float
    unit: str = ""
    source: str = ""
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        name = str(self.name).strip() if self.name is not None else ""
        if not name or name.lower() == "nan":
            raise ValueError(f"a driver has no name (value {self.value!r}); every driver needs a name")
        value = _number(name, "value", self.value)
        low = value if _is_blank(self.low) else _number(name, "low", self.low)
        high = value if _is_blank(self.high) else _number(name, "high", self.high)
        for field_name, number in (("value", value), ("low", low), ("high", high)):
            if number < 0:
                raise ValueError(f"driver {name!r}: {field_name} must be ≥ 0, got {number:g}")
        if low > high:
            raise ValueError(f"driver {name!r}: low ({low:g}) is above high ({high:g})")
        if not low <= value <= high:
            raise ValueError(f"driver {name!r}: value ({value:g}) is outside [low, high] = [{low:g}, {high:g}]")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "unit", "" if _is_blank(self.unit) else str(self.unit))
        object.__setattr__(self, "source", "" if _is_blank(self.source) else str(self.source))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "Driver":
        """A driver from a mapping with keys ``name, value, unit, source, low, high`` (extra keys ignored)."""
        return cls(name=values.get("name"), value=values.get("value"), unit=values.get("unit", ""),
                   source=values.get("source", ""), low=values.get("low"), high=values.get("high"))


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def as_drivers(drivers: Sequence[Driver | Mapping[str, Any]] | Any) -> list[Driver]:
    """Drivers from :class:`Driver` objects, mappings or objects with the same attributes (pydantic models)."""
    out = []
    for item in drivers:
        if isinstance(item, Driver):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(Driver.from_mapping(item))
        else:
            out.append(Driver(**{k: getattr(item, k, None) for k in ("name", "value", "unit", "source", "low",
                                                                     "high")}))
    return out


def _exponents(drivers: Sequence[Driver], exponents: Sequence[float] | None) -> np.ndarray:
    if exponents is None:
        return np.ones(len(drivers))
    powers = np.asarray(exponents, dtype=float)
    if powers.shape != (len(drivers),):
        raise ValueError(f"exponents must give one number per driver ({len(drivers)}), got {len(powers)}")
    return powers


def chain_value(drivers: Sequence[Driver | Mapping[str, Any]], exponents: Sequence[float] | None = None) -> float:
    """The product of the drivers' values, ``Π value_i ** exponent_i`` (exponents default to 1).

    >>> chain_value([Driver("households", 2e6), Driver("orders per household", 3.0), Driver("price", 50.0)])
    300000000.0
    """
    items = as_drivers(drivers)
    values = np.array([d.value for d in items], dtype=float)
    return float(np.prod(values ** _exponents(items, exponents)))


def _check_shares(shares: Sequence[float], label: str) -> list[float]:
    out = []
    for year, share in enumerate(shares, start=1):
        number = _number(f"{label} year {year}", "share", share)
        if not 0 <= number <= 1:
            raise ValueError(f"{label}: the share of year {year} is {number:g}; a share must be between 0 and 1")
        out.append(number)
    return out


def check_sam_filters(filters: Sequence[Driver | Mapping[str, Any]]) -> None:
    """Raise ValueError naming the first SAM filter whose value or high is above 1 (a filter is a share)."""
    for item in as_drivers(filters):
        if item.high > 1:
            bound = "value" if item.value > 1 else "high"
            raise ValueError(f"driver {item.name!r}: {bound} ({getattr(item, bound):g}) is above 1; a SAM filter "
                             "is a share between 0 and 1")


@dataclass(frozen=True)
class SizingChain:
    """TAM, SAM and SOM by year of one chain (see the module's conventions)."""

    tam: float
    sam: float
    som: tuple[float, ...]
    tam_drivers: tuple[Driver, ...] = field(default=(), repr=False)
    sam_filters: tuple[Driver, ...] = field(default=(), repr=False)
    som_shares: tuple[float, ...] = field(default=(), repr=False)

    @property
    def som_final(self) -> float:
        """The SOM of the last year (the SAM when no shares were given)."""
        return self.som[-1] if self.som else self.sam


def sizing_chain(
    tam_drivers: Sequence[Driver | Mapping[str, Any]],
    sam_filters: Sequence[Driver | Mapping[str, Any]] = (),
    som_shares: Sequence[float] = (),
) -> SizingChain:
    """One sizing chain: ``TAM = Π tam_drivers``, ``SAM = TAM × Π sam_filters``, ``SOM_y = SAM × share_y``.

    Parameters
    ----------
    tam_drivers
        At least one driver; their product is the TAM (its unit is the product of their units).
    sam_filters
        Shares of the TAM the offer can serve (regions delivered, platforms, price band …), each in [0, 1].
    som_shares
        Obtainable share of the SAM by year, each in [0, 1].

    Raises
    ------
    ValueError
        No TAM driver, a filter above 1, a share outside [0, 1], or any driver error (see :class:`Driver`).

    Examples
    --------
    >>> chain = sizing_chain([Driver("spend", 1000.0)], [Driver("online", 0.3)], [0.01, 0.02])
    >>> chain.tam, chain.sam, chain.som
    (1000.0, 300.0, (3.0, 6.0))
    """
    tam_items = as_drivers(tam_drivers)
    if not tam_items:
        raise ValueError("a sizing chain needs at least one TAM driver")
    filters = as_drivers(sam_filters)
    check_sam_filters(filters)
    shares = _check_shares(som_shares, "som_shares")
    tam = chain_value(tam_items)
    sam = tam * chain_value(filters) if filters else tam
    return SizingChain(tam=tam, sam=sam, som=tuple(sam * s for s in shares), tam_drivers=tuple(tam_items),
                       sam_filters=tuple(filters), som_shares=tuple(shares))


def chain_table(
    tam_drivers: Sequence[Driver | Mapping[str, Any]],
    sam_filters: Sequence[Driver | Mapping[str, Any]] = (),
    som_shares: Sequence[float] = (),
) -> pd.DataFrame:
    """The chain as a tidy table, one row per step: ``stage`` (TAM, SAM or SOM), ``driver``, ``value``, ``unit``,
    ``source``, ``low``, ``high`` and ``result``.

    ``result`` is the running product after the step: the last TAM row holds the TAM, the last SAM row the SAM,
    and each SOM row (``driver`` = ``"share year y"``) the SOM of year *y* (the SAM times that year's share).
    """
    chain = sizing_chain(tam_drivers, sam_filters, som_shares)
    steps = [("TAM", d) for d in chain.tam_drivers] + [("SAM", d) for d in chain.sam_filters]
    values = np.array([d.value for _, d in steps], dtype=float)
    rows = pd.DataFrame({
        "stage": [stage for stage, _ in steps],
        "driver": [d.name for _, d in steps],
        "value": values,
        "unit": [d.unit for _, d in steps],
        "source": [d.source for _, d in steps],
        "low": [d.low for _, d in steps],
        "high": [d.high for _, d in steps],
        "result": np.cumprod(values),
    })
    shares = np.array(chain.som_shares, dtype=float)
    som_rows = pd.DataFrame({
        "stage": "SOM",
        "driver": [f"share year {y}" for y in range(1, len(shares) + 1)],
        "value": shares,
        "unit": "share",
        "source": "som_shares",
        "low": shares,
        "high": shares,
        "result": chain.sam * shares,
    })
    return pd.concat([rows, som_rows], ignore_index=True) if len(shares) else rows


@dataclass(frozen=True)
class Triangulation:
    """Two independent estimates, their relative gap ``|a − b| / min(a, b)``, the range and the reconciled
    value (geometric mean); ``warning`` is true when the gap exceeds the threshold."""

    top_down: float
    bottom_up: float
    gap: float
    low: float
    high: float
    reconciled: float
    warning: bool
    warn_gap: float


def triangulate(top_down: float, bottom_up: float, warn_gap: float = 0.30) -> Triangulation:
    """Compare a top-down and a bottom-up estimate of the same market.

    Parameters
    ----------
    top_down, bottom_up
        The two estimates (> 0, same unit and definition).
    warn_gap
        Relative gap above which ``warning`` is set (default 0.30, i.e. 30 %).

    Returns
    -------
    Triangulation
        ``gap = |a − b| / min(a, b)``, ``low = min(a, b)``, ``high = max(a, b)``, ``reconciled = √(a·b)``.

    Examples
    --------
    >>> t = triangulate(120.0, 100.0)
    >>> round(t.gap, 3), t.low, t.high, round(t.reconciled, 4), t.warning
    (0.2, 100.0, 120.0, 109.5445, False)
    """
    for label, number in (("top_down", top_down), ("bottom_up", bottom_up)):
        if not (math.isfinite(float(number)) and float(number) > 0):
            raise ValueError(f"triangulate: the {label} estimate must be a positive number, got {number!r}")
    if not warn_gap > 0:
        raise ValueError(f"triangulate: warn_gap must be > 0, got {warn_gap!r}")
    a, b = float(top_down), float(bottom_up)
    low, high = min(a, b), max(a, b)
    gap = (high - low) / low
    return Triangulation(top_down=a, bottom_up=b, gap=gap, low=low, high=high, reconciled=math.sqrt(a * b),
                         warning=bool(gap > warn_gap), warn_gap=float(warn_gap))


def tornado(
    drivers: Sequence[Driver | Mapping[str, Any]],
    exponents: Sequence[float] | None = None,
    scale: float = 1.0,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of ``scale × Π value_i ** exponent_i`` to each driver.

    Parameters
    ----------
    drivers
        The drivers of the product (their low/high should be asymmetric and evidence-based: for a product, equal
        ±x % ranges give every driver the same swing).
    exponents
        Power of each driver in the product (default 1; ½ for the drivers of a geometric mean of two chains).
    scale
        A constant factor of the output (a fixed share, a currency conversion).

    Returns
    -------
    DataFrame
        Columns ``driver``, ``low`` (the output with this driver at its low value, the others at base), ``high``
        (at its high value) and ``swing = |high − low|``, sorted by swing, largest first (ties keep input order).
    """
    items = as_drivers(drivers)
    if not items:
        raise ValueError("tornado needs at least one driver")
    powers = _exponents(items, exponents)
    base = np.array([d.value for d in items], dtype=float)
    lows = np.array([d.low for d in items], dtype=float)
    highs = np.array([d.high for d in items], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        base_terms = base ** powers
        others = np.array([np.prod(np.delete(base_terms, i)) for i in range(len(items))])
    at_low = scale * others * lows ** powers
    at_high = scale * others * highs ** powers
    table = pd.DataFrame({"driver": [d.name for d in items], "low": at_low, "high": at_high,
                          "swing": np.abs(at_high - at_low)})
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class MonteCarloResult:
    """Simulated outputs (``draws``) and their P5, P50, P95 and mean."""

    draws: np.ndarray = field(repr=False)
    p5: float
    p50: float
    p95: float
    mean: float
    distribution: str

    @property
    def mean_standard_error(self) -> float:
        """Monte Carlo standard error of the mean, ``sd / √n``."""
        return float(np.std(self.draws, ddof=1) / math.sqrt(len(self.draws)))


def lognormal_parameters(drivers: Sequence[Driver | Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """``(μ, σ)`` of each driver's log-normal with P5 = low and P95 = high (σ = 0 when low = high).

    Raises ValueError naming the driver when its low is 0 (a log-normal is positive).
    """
    items = as_drivers(drivers)
    for item in items:
        if item.low <= 0:
            raise ValueError(f"driver {item.name!r}: low must be > 0 for a log-normal distribution, got "
                             f"{item.low:g}")
    log_low = np.log(np.array([d.low for d in items], dtype=float))
    log_high = np.log(np.array([d.high for d in items], dtype=float))
    return (log_low + log_high) / 2, (log_high - log_low) / (2 * Z_95)


def lognormal_product_quantiles(
    drivers: Sequence[Driver | Mapping[str, Any]],
    q: float | Sequence[float],
    exponents: Sequence[float] | None = None,
    scale: float = 1.0,
) -> np.ndarray:
    """Exact quantiles of ``scale × Π X_i ** e_i`` for independent log-normal drivers (P5 = low, P95 = high).

    ``ln Y = ln scale + Σ e_i ln X_i`` is normal with mean ``ln scale + Σ e_i μ_i`` and standard deviation
    ``√(Σ e_i² σ_i²)``, so the *q*-quantile is ``exp(mean + sd · Φ⁻¹(q))``.
    """
    items = as_drivers(drivers)
    mu, sigma = lognormal_parameters(items)
    powers = _exponents(items, exponents)
    probabilities = np.atleast_1d(np.asarray(q, dtype=float))
    if np.any((probabilities <= 0) | (probabilities >= 1)):
        raise ValueError(f"quantile levels must be strictly between 0 and 1, got {q!r}")
    z = np.array([NormalDist().inv_cdf(float(p)) for p in probabilities])
    location = math.log(scale) + float(np.sum(powers * mu))
    spread = math.sqrt(float(np.sum((powers * sigma) ** 2)))
    return np.exp(location + spread * z)


def monte_carlo_sizing(
    drivers: Sequence[Driver | Mapping[str, Any]],
    n_draws: int = 10_000,
    seed: int | None = 0,
    distribution: Literal["lognormal", "triangular"] = "lognormal",
    exponents: Sequence[float] | None = None,
    scale: float = 1.0,
) -> MonteCarloResult:
    """Simulate ``scale × Π X_i ** e_i`` with independent drivers and report P5, P50, P95 and the mean.

    Parameters
    ----------
    drivers
        The drivers; a driver with low = high is held at its value.
    n_draws
        Number of simulated markets (≥ 100).
    seed
        Seed of :func:`numpy.random.default_rng` (same seed, same draws).
    distribution
        ``"lognormal"`` (low/high are the driver's P5/P95; its median is √(low·high)) or ``"triangular"``
        (minimum low, mode value, maximum high).
    exponents, scale
        As in :func:`tornado`.
    """
    items = as_drivers(drivers)
    if not items:
        raise ValueError("monte_carlo_sizing needs at least one driver")
    if int(n_draws) != n_draws or n_draws < 100:
        raise ValueError(f"n_draws must be a whole number ≥ 100, got {n_draws!r}")
    powers = _exponents(items, exponents)
    rng = np.random.default_rng(seed)
    n = int(n_draws)
    if distribution == "lognormal":
        mu, sigma = lognormal_parameters(items)
        log_draws = mu + sigma * rng.standard_normal((n, len(items)))
        outputs = scale * np.exp(log_draws @ powers)
    elif distribution == "triangular":
        low = np.array([d.low for d in items], dtype=float)
        mode = np.array([d.value for d in items], dtype=float)
        high = np.array([d.high for d in items], dtype=float)
        uniform = rng.random((n, len(items)))
        width = high - low
        with np.errstate(divide="ignore", invalid="ignore"):
            cut = np.where(width > 0, (mode - low) / width, 0.0)
            left = low + np.sqrt(uniform * width * (mode - low))
            right = high - np.sqrt((1 - uniform) * width * (high - mode))
        values = np.where(uniform < cut, left, right)
        outputs = scale * np.prod(values ** powers, axis=1)
    else:
        raise ValueError(f"distribution must be 'lognormal' or 'triangular', got {distribution!r}")
    p5, p50, p95 = np.percentile(outputs, [5, 50, 95])
    return MonteCarloResult(draws=outputs, p5=float(p5), p50=float(p50), p95=float(p95),
                            mean=float(np.mean(outputs)), distribution=distribution)


def _check_bass(p: float, q: float, m: float | None = None) -> None:
    if not (math.isfinite(p) and p > 0):
        raise ValueError(f"Bass p (coefficient of innovation) must be > 0, got {p!r}")
    if not (math.isfinite(q) and q >= 0):
        raise ValueError(f"Bass q (coefficient of imitation) must be ≥ 0, got {q!r}")
    if m is not None and not (math.isfinite(m) and m > 0):
        raise ValueError(f"Bass m (market potential) must be > 0, got {m!r}")


def bass_cumulative_share(t: Any, p: float, q: float) -> np.ndarray:
    """The Bass adopted share ``F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p)·e^{−(p+q)t})`` (0 for t ≤ 0)."""
    _check_bass(p, q)
    time = np.clip(np.asarray(t, dtype=float), 0.0, None)
    decay = np.exp(-(p + q) * time)
    return (1 - decay) / (1 + (q / p) * decay)


def bass_cumulative(t: Any, p: float, q: float, m: float) -> np.ndarray:
    """Cumulative adopters by time *t*, ``m·F(t)``."""
    _check_bass(p, q, m)
    return m * bass_cumulative_share(t, p, q)


def bass_density(t: Any, p: float, q: float, m: float) -> np.ndarray:
    """Adoption rate at time *t*, ``m·f(t) = m·((p+q)²/p)·e^{−(p+q)t} / (1 + (q/p)·e^{−(p+q)t})²``."""
    _check_bass(p, q, m)
    time = np.asarray(t, dtype=float)
    decay = np.exp(-(p + q) * time)
    return m * ((p + q) ** 2 / p) * decay / (1 + (q / p) * decay) ** 2


def bass_new_adopters(t: Any, p: float, q: float, m: float) -> np.ndarray:
    """New adopters in period *t* (from t − 1 to t): ``m·[F(t) − F(t − 1)]``, the differences of the cumulative
    curve, so the periods add up exactly to the cumulative adopters."""
    time = np.asarray(t, dtype=float)
    return bass_cumulative(time, p, q, m) - bass_cumulative(time - 1, p, q, m)


def bass_peak_time(p: float, q: float) -> float:
    """Time of the adoption peak, ``t* = ln(q/p) / (p + q)`` (0 when q ≤ p: adoption is highest at launch)."""
    _check_bass(p, q)
    if q <= p:
        return 0.0
    return math.log(q / p) / (p + q)


@dataclass(frozen=True)
class BassFit:
    """Bass parameters fitted by non-linear least squares, with their standard errors and the residual SE."""

    p: float
    q: float
    m: float
    se_p: float
    se_q: float
    se_m: float
    residual_se: float
    form: str

    @property
    def peak_time(self) -> float:
        """``t* = ln(q/p) / (p + q)`` of the fitted curve."""
        return bass_peak_time(self.p, self.q)


def fit_bass(
    periods: Any,
    new_adopters: Any,
    form: Literal["increment", "density"] = "increment",
) -> BassFit:
    """Fit ``m, p, q`` of the Bass model to adoption counts by non-linear least squares.

    Parameters
    ----------
    periods
        Period numbers, 1 for the first period after launch (t = 0).
    new_adopters
        New adopters (or sales) in each period, ≥ 0, at least three periods.
    form
        ``"increment"`` fits ``m·[F(t) − F(t − 1)]`` (the per-period convention of :func:`bass_new_adopters`);
        ``"density"`` fits ``m·f(t)`` at integer *t*, the form of the published VCR fit.

    Returns
    -------
    BassFit
        Estimates, standard errors from the Jacobian (``s²·(JᵀJ)⁻¹``) and the residual standard error
        ``√(SSE / (n − 3))``.

    Notes
    -----
    :func:`scipy.optimize.least_squares` runs from a few starting points (p ∈ {0.01, 0.03}, q ∈ {0.3, 0.5},
    m ∈ {1.2, 2, 4} × the adopters so far) within bounds p ∈ (1e-6, 1), q ∈ [0, 3], m ≥ the adopters so far,
    and keeps the smallest sum of squares.
    """
    from scipy.optimize import least_squares

    time = np.asarray(periods, dtype=float)
    sales = np.asarray(new_adopters, dtype=float)
    if time.shape != sales.shape or time.ndim != 1:
        raise ValueError(f"periods and new_adopters must be 1-D of the same length, got {time.shape} and "
                         f"{sales.shape}")
    if len(sales) < 4:
        raise ValueError(f"fit_bass needs at least 4 periods to fit 3 parameters, got {len(sales)}")
    if not (np.all(np.isfinite(sales)) and np.all(np.isfinite(time))):
        raise ValueError("periods and new_adopters must be finite numbers (no missing values)")
    if np.any(sales < 0):
        raise ValueError("new_adopters must be ≥ 0 in every period")
    total = float(sales.sum())
    if total <= 0:
        raise ValueError("new_adopters are all zero: there is no adoption to fit")
    if form not in ("increment", "density"):
        raise ValueError(f"form must be 'increment' or 'density', got {form!r}")
    curve = bass_new_adopters if form == "increment" else bass_density

    def residuals(theta: np.ndarray) -> np.ndarray:  # m is fitted as a multiple of the adopters so far
        p, q, m_multiple = theta
        return curve(time, p, q, m_multiple * total) - sales

    best = None
    for p0 in (0.01, 0.03):
        for q0 in (0.3, 0.5):
            for m0 in (1.2, 2.0, 4.0):
                fit = least_squares(residuals, x0=[p0, q0, m0], bounds=([1e-6, 0.0, 1.0], [1.0, 3.0, 1e3]),
                                    x_scale=[0.01, 0.1, 1.0], xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=5000)
                if best is None or fit.cost < best.cost:
                    best = fit
    p, q, m_multiple = best.x
    dof = len(sales) - 3
    sse = 2 * best.cost
    residual_se = math.sqrt(sse / dof) if dof > 0 else float("nan")
    jacobian = np.array(best.jac, dtype=float)
    jacobian[:, 2] /= total  # derivative with respect to m, not to its multiple
    try:
        covariance = np.linalg.inv(jacobian.T @ jacobian) * residual_se ** 2
        errors = np.sqrt(np.diag(covariance))
    except np.linalg.LinAlgError:
        errors = np.full(3, np.nan)
    return BassFit(p=float(p), q=float(q), m=float(m_multiple * total), se_p=float(errors[0]),
                   se_q=float(errors[1]), se_m=float(errors[2]), residual_se=residual_se, form=form)
