"""Operational risk: the likelihood × impact matrix, FMEA risk priority numbers, expected monetary value of
responses, and a Monte Carlo of replenishment cycles under demand, lead-time and supplier-disruption risk.

Conventions (stated because they differ between sources):

* **Risk score** ``score = likelihood × impact`` on two 1–5 scales (the 5×5 consequence/likelihood matrix that
  IEC 31010:2019 catalogues; ISO 31000:2018 prescribes no scale or bands). The bands are this book's convention:
  **low 1–4, medium 5–9, high 10–16, critical 20–25** (17–19 cannot occur). A register is sorted by score, then
  impact, both descending, then by name. Calibrate each axis level to a probability and to money before use.
* **FMEA** ``RPN = severity × occurrence × detection``, each 1–10 (a higher detection score means *harder* to
  detect), so 1 ≤ RPN ≤ 1000. Only 120 distinct values occur and very different triples share one value; the
  AIAG-VDA FMEA Handbook (2019) ranks by Action Priority instead, giving any severity of 9–10 high priority. The
  table here flags those rows whatever their RPN.
* **EMV of a response** ``EMV = probability × impact + cost``: the expected cost of choosing that response
  (avoid, reduce, transfer, accept), where ``probability`` and ``impact`` are the risk's chance and money loss
  *after* the response and ``cost`` is what the response itself costs. Lower is better.
* **Monte Carlo of a replenishment cycle** (continuous review, order at the reorder point R): the lead time is
  ``L ~ N(lead_time_mean, lead_time_sd²)`` clipped at 0, except in a disrupted cycle (probability
  ``disruption_probability``), whose lead time is ``lead_time_mean + disruption_extra_lead_time``; demand per
  period is independent ``N(demand_mean, demand_sd²)``, so lead-time demand given L is
  ``N(demand_mean·L, demand_sd²·L)``. A cycle stocks out when lead-time demand exceeds R; its shortage is
  ``max(D − R, 0)`` and the fill rate ``1 − E[shortage]/Q``. Cost per cycle is
  ``holding_cost_per_unit·max(R − D, 0) + shortage_cost_per_unit·max(D − R, 0)``.
  Draws are made in chunks, so memory does not grow with ``n_draws``; percentiles are the mean of per-batch
  percentiles (batch means), with the standard error from their spread.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .checks import finite_number, non_negative, open_unit, positive, values_array, whole_number
from .i18n import N_

__all__ = [
    "BANDS",
    "BAND_ORDER",
    "BAND_LABELS",
    "risk_score",
    "risk_band",
    "score_register",
    "heat_map_counts",
    "band_grid",
    "risk_priority_number",
    "fmea_table",
    "rpn_distribution",
    "triples_with_rpn",
    "expected_monetary_value",
    "response_options_table",
    "scenario_summary",
    "expected_value_of_perfect_information",
    "SupplyRiskSimulation",
    "simulate_supply_risk",
]

#: the book's banding of the 5×5 score: (band, lowest score, highest score)
BANDS: tuple[tuple[str, int, int], ...] = (("low", 1, 4), ("medium", 5, 9), ("high", 10, 16), ("critical", 20, 25))
BAND_ORDER: tuple[str, ...] = tuple(band for band, _, _ in BANDS)
#: how tables, figures and memos name the bands (marked for translation; a zh report shows the Chinese)
BAND_LABELS = {"low": N_("low risk"), "medium": N_("medium risk"), "high": N_("high risk"),
               "critical": N_("critical risk")}


def _bad_level(value: Any, top: int) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return True
    return not (math.isfinite(number) and number == math.floor(number) and 1 <= number <= top)


def _scale(
    name: str, values: ArrayLike, top: int, names: Sequence[Any] | None = None, rows: Sequence[int] | None = None
) -> np.ndarray:
    """``values`` as an int array of whole numbers 1…top; the message names the first bad row and field.

    ``rows`` gives each value's position in the whole register when ``values`` is a subset of it.
    """
    raw = np.atleast_1d(np.asarray(values, dtype=object))
    bad = [i for i, value in enumerate(raw) if _bad_level(value, top)]  # registers are short
    if bad:
        i = bad[0]
        value = raw[i]
        shown = "empty" if value is None or (isinstance(value, float) and math.isnan(value)) else repr(value)
        if names is None and rows is None:
            where = "the value" if raw.size == 1 else f"value {i + 1} of {raw.size}"
        else:
            where = f"row {(rows[i] if rows is not None else i) + 2}"
            if names is not None:
                where += f" (risk {str(names[i])!r})"
        raise ValueError(f"{where}: {name} must be a whole number from 1 to {top}, got {shown}")
    return raw.astype(float).astype(np.int64)


def risk_score(likelihood: ArrayLike, impact: ArrayLike) -> np.ndarray:
    """Risk score likelihood × impact, each a whole number 1–5 (so 1…25).

    Parameters
    ----------
    likelihood, impact : array-like of int
        Levels on the 1–5 scales, one per risk.

    Returns
    -------
    numpy.ndarray of int

    Raises
    ------
    ValueError
        Naming the first row (spreadsheet numbering) and field outside 1–5 or not whole.
    """
    return _scale("likelihood", likelihood, 5) * _scale("impact", impact, 5)


def risk_band(score: ArrayLike) -> np.ndarray:
    """Band of each score under :data:`BANDS`: low 1–4, medium 5–9, high 10–16, critical 20–25."""
    values = np.atleast_1d(np.asarray(score, dtype=float))
    if np.any(~np.isfinite(values)) or np.any((values < 1) | (values > 25)):
        raise ValueError(f"risk scores must be between 1 and 25, got {values.tolist()}")
    upper = np.array([high for _, _, high in BANDS], dtype=float)
    # scores 17–19 cannot come from two 1–5 levels; were one given, it would fall in the band above
    return np.array(BAND_ORDER, dtype=object)[np.searchsorted(upper, values, side="left")]


def score_register(register: pd.DataFrame) -> pd.DataFrame:
    """The register with ``score`` and ``band``, sorted by score, impact (descending) and risk name.

    Parameters
    ----------
    register : pandas.DataFrame
        Columns ``risk``, ``likelihood`` (1–5), ``impact`` (1–5); any others are kept.

    Returns
    -------
    pandas.DataFrame
        A copy with ``likelihood`` and ``impact`` as int, ``score`` and ``band`` added, the index reset.

    Raises
    ------
    ValueError
        When a column is missing or a level is outside 1–5 (the message names the row and field).
    """
    missing = [c for c in ("risk", "likelihood", "impact") if c not in register.columns]
    if missing:
        raise ValueError(f"the risk register has no {', '.join(repr(c) for c in missing)} column; "
                         f"found {list(register.columns)}")
    names = register["risk"].tolist()
    out = register.copy()
    out["likelihood"] = _scale("likelihood", register["likelihood"], 5, names)
    out["impact"] = _scale("impact", register["impact"], 5, names)
    out["score"] = out["likelihood"] * out["impact"]
    out["band"] = risk_band(out["score"])
    out["_name"] = out["risk"].astype(str)
    out = out.sort_values(["score", "impact", "_name"], ascending=[False, False, True], kind="mergesort")
    return out.drop(columns="_name").reset_index(drop=True)


def heat_map_counts(register: pd.DataFrame) -> pd.DataFrame:
    """Number of risks in each cell of the 5×5 matrix: rows impact 5…1 (top to bottom), columns likelihood 1…5."""
    scored = score_register(register)
    counts = pd.crosstab(scored["impact"], scored["likelihood"])
    counts = counts.reindex(index=range(5, 0, -1), columns=range(1, 6), fill_value=0)
    counts.index.name, counts.columns.name = "impact", "likelihood"
    return counts.astype(int)


def band_grid() -> pd.DataFrame:
    """Band of every cell of the 5×5 matrix, laid out as :func:`heat_map_counts`."""
    impact = np.arange(5, 0, -1)[:, None]
    likelihood = np.arange(1, 6)[None, :]
    bands = risk_band((impact * likelihood).ravel()).reshape(5, 5)
    grid = pd.DataFrame(bands, index=pd.Index(range(5, 0, -1), name="impact"),
                        columns=pd.Index(range(1, 6), name="likelihood"))
    return grid


def risk_priority_number(severity: ArrayLike, occurrence: ArrayLike, detection: ArrayLike) -> np.ndarray:
    """FMEA risk priority number S × O × D, each a whole number 1–10 (so 1…1000)."""
    return _scale("severity", severity, 10) * _scale("occurrence", occurrence, 10) * _scale("detection", detection, 10)


def fmea_table(register: pd.DataFrame) -> pd.DataFrame:
    """Risks with ``severity``, ``occurrence`` and ``detection`` scored as RPN, sorted by RPN then severity.

    Rows whose three FMEA cells are all empty are left out (a register may score only some risks). The
    ``high_severity`` column flags severity 9–10 (AIAG-VDA action priority high whatever the RPN); ``rpn_rank``
    is the rank by RPN alone (ties share the smallest rank), which is what a severity-first reading overturns.

    Raises
    ------
    ValueError
        When a column is missing or a score is outside 1–10 (naming the row and field).
    """
    columns = ["risk", "severity", "occurrence", "detection"]
    missing = [c for c in columns if c not in register.columns]
    if missing:
        raise ValueError(f"the FMEA needs the column(s) {', '.join(repr(c) for c in missing)}; "
                         f"found {list(register.columns)}")
    present = register[columns[1:]].notna().any(axis=1).to_numpy()
    scored = register[present]
    names = scored["risk"].tolist()
    rows = np.flatnonzero(present).tolist()
    values = {name: _scale(name, scored[name], 10, names, rows) for name in columns[1:]}
    out = pd.DataFrame({"risk": names, **values})
    for extra in ("category", "owner", "response"):
        if extra in scored.columns:
            out[extra] = scored[extra].to_numpy()
    out["rpn"] = out["severity"] * out["occurrence"] * out["detection"]
    out["high_severity"] = out["severity"] >= 9
    out = out.sort_values(["rpn", "severity", "risk"], ascending=[False, False, True], kind="mergesort")
    out["rpn_rank"] = out["rpn"].rank(method="min", ascending=False).astype(int)
    return out.reset_index(drop=True)


def rpn_distribution() -> pd.DataFrame:
    """How many of the 1,000 (S, O, D) triples give each RPN value: ``rpn``, ``n_triples``, ``cumulative_share``.

    Only 120 of the numbers 1…1000 occur, unevenly: the known flaw of ranking by RPN.
    """
    levels = np.arange(1, 11)
    products = (levels[:, None, None] * levels[None, :, None] * levels[None, None, :]).ravel()
    values, counts = np.unique(products, return_counts=True)
    return pd.DataFrame({"rpn": values, "n_triples": counts, "cumulative_share": np.cumsum(counts) / counts.sum()})


def triples_with_rpn(rpn: int) -> pd.DataFrame:
    """Every (severity, occurrence, detection) triple of 1–10 scores with S × O × D equal to ``rpn``."""
    target = whole_number("rpn", rpn, minimum=1)
    levels = np.arange(1, 11)
    s, o, d = np.meshgrid(levels, levels, levels, indexing="ij")
    hit = (s * o * d) == target
    return pd.DataFrame({"severity": s[hit], "occurrence": o[hit], "detection": d[hit]})


def expected_monetary_value(probability: ArrayLike, impact: ArrayLike, cost: ArrayLike = 0.0) -> np.ndarray:
    """Expected cost of a response, probability × impact + cost (money), element-wise.

    Parameters
    ----------
    probability : array-like
        Chance (0–1) that the risk still occurs after the response.
    impact : array-like
        Money lost if it occurs (≥ 0).
    cost : array-like, default 0
        Cost of the response itself (≥ 0).
    """
    p = np.atleast_1d(np.asarray(probability, dtype=float))
    loss = np.atleast_1d(np.asarray(impact, dtype=float))
    spend = np.atleast_1d(np.asarray(cost, dtype=float))
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError(f"probability must be between 0 and 1, got {p.tolist()}")
    if np.any(~np.isfinite(loss)) or np.any(loss < 0):
        raise ValueError(f"impact must be finite and >= 0, got {loss.tolist()}")
    if np.any(~np.isfinite(spend)) or np.any(spend < 0):
        raise ValueError(f"cost must be finite and >= 0, got {spend.tolist()}")
    return p * loss + spend


def response_options_table(options: pd.DataFrame | Sequence[dict]) -> pd.DataFrame:
    """Response options with their EMV (expected cost), sorted cheapest first, the best one flagged.

    Parameters
    ----------
    options : DataFrame or list of dicts
        Columns ``response`` (e.g. avoid, reduce, transfer, accept), ``probability``, ``impact``, ``cost``; an
        optional ``risk`` column groups options of several risks (the best is flagged per risk).

    Returns
    -------
    pandas.DataFrame
        The options with ``expected_loss`` (probability × impact), ``emv`` and ``best``.
    """
    table = pd.DataFrame(options).copy()
    missing = [c for c in ("response", "probability", "impact", "cost") if c not in table.columns]
    if missing:
        raise ValueError(f"response options need the column(s) {', '.join(repr(c) for c in missing)}")
    if table.empty:
        raise ValueError("response options must list at least one option")
    table["expected_loss"] = expected_monetary_value(table["probability"], table["impact"])
    table["emv"] = table["expected_loss"] + expected_monetary_value(0.0, 0.0, table["cost"])
    keys = ["risk"] if "risk" in table.columns else []
    table = table.sort_values([*keys, "emv", "response"], kind="mergesort").reset_index(drop=True)
    first = table.groupby(keys, sort=False).cumcount() == 0 if keys else pd.Series(table.index == 0)
    table["best"] = first.to_numpy()
    return table


def scenario_summary(probabilities: ArrayLike, values: ArrayLike) -> dict[str, float]:
    """Expected value, standard deviation and probability of a loss of one option across scenarios.

    ``probabilities`` must be non-negative and sum to 1 (within 1e-9); ``values`` are the scenario outcomes
    (money, gains positive).
    """
    p = values_array("probabilities", probabilities, min_size=1)
    v = values_array("values", values, min_size=1)
    if p.size != v.size:
        raise ValueError(f"probabilities and values must have the same length, got {p.size} and {v.size}")
    if np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"probabilities must be >= 0 and sum to 1, got {p.tolist()}")
    mean = float(p @ v)
    return {"emv": mean, "sd": float(math.sqrt(p @ (v - mean) ** 2)), "probability_of_loss": float(p[v < 0].sum())}


def expected_value_of_perfect_information(probabilities: ArrayLike, payoffs: ArrayLike) -> float:
    """EVPI = E[max over options] − max over options of E[payoff].

    ``payoffs`` has one row per option and one column per scenario (an option such as "do nothing" is a row of
    zeros).
    """
    p = values_array("probabilities", probabilities, min_size=1)
    table = np.asarray(payoffs, dtype=float)
    if table.ndim != 2 or table.shape[1] != p.size or not np.all(np.isfinite(table)):
        raise ValueError(f"payoffs must be a finite options × scenarios table with {p.size} columns")
    if np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"probabilities must be >= 0 and sum to 1, got {p.tolist()}")
    return float(p @ table.max(axis=0) - (table @ p).max())


# ----------------------------------------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class SupplyRiskSimulation:
    """Result of :func:`simulate_supply_risk` (units per replenishment cycle; money for the costs).

    Every estimate has its Monte Carlo standard error in ``standard_errors`` under the same name.
    ``histogram_edges``/``histogram_counts`` bin the simulated lead-time demand for a figure.
    """

    n_draws: int
    reorder_point: float
    service_level: float
    stockout_probability: float
    fill_rate: float
    expected_shortage: float
    mean_lead_time_demand: float
    sd_lead_time_demand: float
    reorder_point_with_disruption: float
    cost_p5: float
    cost_p50: float
    cost_p95: float
    disrupted_share: float
    standard_errors: dict[str, float] = field(default_factory=dict)
    histogram_edges: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    histogram_counts: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def mc_standard_error(self) -> float:
        """Monte Carlo standard error of :attr:`stockout_probability`."""
        return self.standard_errors["stockout_probability"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no histogram): the estimates, ``mc_standard_error`` and ``standard_errors``."""
        out = {k: v for k, v in asdict(self).items() if not k.startswith("histogram")}
        out["mc_standard_error"] = self.mc_standard_error
        return out


def _progress_callback(progress: bool | Callable[[int, int], None] | None, total: int):
    """A ``(done, total)`` callback and a closer: ``True`` draws a tqdm bar, a callable is used as given."""
    if progress is None or progress is False:
        return (lambda done, total: None), (lambda: None)
    if callable(progress):
        return progress, (lambda: None)
    import sys

    from tqdm import tqdm  # the text bar on stderr: shown while a notebook runs, kept out of its report

    bar = tqdm(total=total, unit="draw", unit_scale=True, desc="Monte Carlo", file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.update(done - bar.n)

    return update, bar.close


def simulate_supply_risk(
    *,
    demand_mean: float,
    demand_sd: float,
    lead_time_mean: float,
    lead_time_sd: float,
    reorder_point: float,
    order_quantity: float,
    service_level: float,
    disruption_probability: float = 0.0,
    disruption_extra_lead_time: float = 0.0,
    holding_cost_per_unit: float = 1.0,
    shortage_cost_per_unit: float = 10.0,
    n_draws: int = 100_000,
    seed: int = 20240601,
    chunk_size: int = 50_000,
    progress: bool | Callable[[int, int], None] | None = None,
    histogram_bins: int = 120,
) -> SupplyRiskSimulation:
    """Simulate ``n_draws`` replenishment cycles and measure the given reorder point against them.

    Parameters
    ----------
    demand_mean, demand_sd : float
        Mean (≥ 0) and standard deviation (≥ 0) of demand per period (units).
    lead_time_mean, lead_time_sd : float
        Mean (> 0) and standard deviation (≥ 0) of the lead time in periods, outside disruptions.
    reorder_point : float
        The reorder point R under test (units), e.g. :func:`ecomops.inventory.reorder_point`.
    order_quantity : float
        Lot size Q (units, > 0) for the fill rate 1 − E[shortage]/Q.
    service_level : float
        Target cycle service level in (0, 1); ``reorder_point_with_disruption`` is the simulated lead-time
        demand quantile at this level (the R that meets it once disruption is counted).
    disruption_probability : float
        Chance in [0, 1) that a cycle is disrupted.
    disruption_extra_lead_time : float
        Periods (≥ 0) a disruption adds: a disrupted cycle's lead time is ``lead_time_mean + extra``.
    holding_cost_per_unit, shortage_cost_per_unit : float
        Cost (≥ 0) of a unit left over when the order arrives and of a unit short.
    n_draws : int
        Cycles to simulate (≥ 1,000).
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    chunk_size : int
        Largest number of cycles drawn at once; bounds memory (about 100 bytes per cycle in a chunk, some 5 MB
        at the default), so 10 million draws take no more memory than 1 million.
    progress : bool or callable, optional
        ``True`` shows a tqdm progress bar; a callable is called as ``progress(done, total)`` after each batch.
    histogram_bins : int
        Bins of the lead-time demand histogram.

    Returns
    -------
    SupplyRiskSimulation
        Stock-out probability per cycle (SE √(p(1−p)/n)), fill rate and expected shortage (SE from the sample
        variance of the shortage), lead-time demand mean and SD, the reorder point meeting ``service_level`` and
        the cost percentiles P5/P50/P95 (batch means of per-batch percentiles; SE from their spread).
    """
    d = non_negative("demand_mean", demand_mean)
    sd_d = non_negative("demand_sd", demand_sd)
    mu_l = positive("lead_time_mean", lead_time_mean)
    sd_l = non_negative("lead_time_sd", lead_time_sd)
    rop = finite_number("reorder_point", reorder_point)
    q = positive("order_quantity", order_quantity)
    level = open_unit("service_level", service_level)
    p_dis = non_negative("disruption_probability", disruption_probability)
    if p_dis >= 1:
        raise ValueError(f"disruption_probability must be >= 0 and < 1, got {disruption_probability}")
    extra = non_negative("disruption_extra_lead_time", disruption_extra_lead_time)
    hold = non_negative("holding_cost_per_unit", holding_cost_per_unit)
    short_cost = non_negative("shortage_cost_per_unit", shortage_cost_per_unit)
    n = whole_number("n_draws", n_draws, minimum=1000)
    chunk = whole_number("chunk_size", chunk_size, minimum=1000)
    bins = whole_number("histogram_bins", histogram_bins, minimum=5)
    rng = np.random.default_rng(whole_number("seed", seed))

    # fixed histogram range from the two components' moments, so the counts can be accumulated chunk by chunk
    spread_normal = math.sqrt(mu_l * sd_d**2 + d**2 * sd_l**2)
    spread_dis = sd_d * math.sqrt(mu_l + extra)
    low = min(d * mu_l - 5 * spread_normal, d * (mu_l + extra) - 5 * spread_dis if p_dis > 0 else math.inf)
    high = max(d * mu_l + 5 * spread_normal, d * (mu_l + extra) + 5 * spread_dis if p_dis > 0 else -math.inf, rop)
    low = min(max(low, 0.0) if d > 0 else low, rop)
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    counts = np.zeros(bins, dtype=np.int64)

    batch = min(chunk, max(math.ceil(n / 20), 50))  # ≥ 20 batches for the percentile standard errors
    levels = np.array([0.05, 0.50, 0.95])
    sums = dict(stockouts=0, shortage=0.0, shortage_sq=0.0, demand=0.0, demand_sq=0.0, disrupted=0)
    batch_sizes, cost_quantiles, rop_quantiles = [], [], []
    report, close = _progress_callback(progress, n)
    done = 0
    try:
        while done < n:
            m = min(batch, n - done)
            disrupted = rng.random(m) < p_dis
            lead = mu_l + sd_l * rng.standard_normal(m)
            lead = np.where(disrupted, mu_l + extra, np.maximum(lead, 0.0))
            demand = d * lead + sd_d * np.sqrt(lead) * rng.standard_normal(m)
            shortage = np.maximum(demand - rop, 0.0)
            cost = hold * np.maximum(rop - demand, 0.0) + short_cost * shortage
            sums["stockouts"] += int(np.count_nonzero(demand > rop))
            sums["shortage"] += float(shortage.sum())
            # einsum, not a BLAS dot: the BLAS thread pool stalls on a busy machine for vectors this size
            sums["shortage_sq"] += float(np.einsum("i,i->", shortage, shortage))
            sums["demand"] += float(demand.sum())
            sums["demand_sq"] += float(np.einsum("i,i->", demand, demand))
            sums["disrupted"] += int(np.count_nonzero(disrupted))
            bin_index = ((demand - edges[0]) * (bins / (edges[-1] - edges[0]))).astype(np.int64)
            counts += np.bincount(np.clip(bin_index, 0, bins - 1), minlength=bins)
            batch_sizes.append(m)
            cost_quantiles.append(np.quantile(cost, levels))
            rop_quantiles.append(np.quantile(demand, level))
            done += m
            report(done, n)
    finally:
        close()

    weights = np.asarray(batch_sizes, dtype=float) / n
    cost_q = np.asarray(cost_quantiles)
    rop_q = np.asarray(rop_quantiles)

    def batch_mean_and_se(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = weights @ values
        k = len(weights)
        variance = (weights[:, None] * (values.reshape(k, -1) - np.atleast_1d(mean)) ** 2).sum(axis=0) * k / (k - 1)
        return np.atleast_1d(mean), np.sqrt(variance / k)

    cost_mean, cost_se = batch_mean_and_se(cost_q)
    rop_mean, rop_se = batch_mean_and_se(rop_q)
    p_out = sums["stockouts"] / n
    mean_short = sums["shortage"] / n
    var_short = max(sums["shortage_sq"] / n - mean_short**2, 0.0) * n / (n - 1)
    mean_demand = sums["demand"] / n
    var_demand = max(sums["demand_sq"] / n - mean_demand**2, 0.0) * n / (n - 1)
    standard_errors = {
        "stockout_probability": math.sqrt(p_out * (1 - p_out) / n),
        "fill_rate": math.sqrt(var_short / n) / q,
        "expected_shortage": math.sqrt(var_short / n),
        "mean_lead_time_demand": math.sqrt(var_demand / n),
        "reorder_point_with_disruption": float(rop_se[0]),
        "cost_p5": float(cost_se[0]),
        "cost_p50": float(cost_se[1]),
        "cost_p95": float(cost_se[2]),
    }
    return SupplyRiskSimulation(
        n_draws=n,
        reorder_point=rop,
        service_level=level,
        stockout_probability=p_out,
        fill_rate=1.0 - mean_short / q,
        expected_shortage=mean_short,
        mean_lead_time_demand=mean_demand,
        sd_lead_time_demand=math.sqrt(var_demand),
        reorder_point_with_disruption=float(rop_mean[0]),
        cost_p5=float(cost_mean[0]),
        cost_p50=float(cost_mean[1]),
        cost_p95=float(cost_mean[2]),
        disrupted_share=sums["disrupted"] / n,
        standard_errors=standard_errors,
        histogram_edges=edges,
        histogram_counts=counts,
    )
