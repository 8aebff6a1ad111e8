"""The ``market_sizing`` template (chapter 2): how big a new market or channel is, in two independent ways,
which drivers matter most, how uncertain the answer is, and how fast the market can be won.

Conventions (the notebook and the memo state them too):

* each chain is the product of its drivers: ``TAM = Π drivers``, ``SAM = TAM × Π sam_filters`` and
  ``SOM_y = SAM × som_shares[y]``; both chains share the SAM filters and the SOM shares;
* ``som`` of a chain in ``results.json`` is the SOM of the **final year** of ``som_shares`` (``som_by_year``
  holds every year);
* triangulation compares the two final-year SOMs (the gap is the same at TAM, SAM and SOM level, because the
  filters and shares are shared): ``gap = |TD − BU| / min(TD, BU)``, range ``[min, max]``, reconciled value the
  geometric mean ``√(TD·BU)``, and a warning above 30 %;
* the tornado and the Monte Carlo work on the reconciled final-year SOM, ``√(Π TD drivers × Π BU drivers) ×
  Π filters × final share``: each chain driver enters with the power ½, each filter with 1; Monte Carlo drivers
  are log-normal with their low/high as P5/P95 (:mod:`ecomops.sizing`);
* the adoption forecast is Bass diffusion with ``m`` = the reconciled SAM: by year *t* a share ``F(t)`` of the
  eventual market has adopted, worth ``SAM × F(t)`` a year. ``p`` and ``q`` are given, or fitted (per-period
  increments ``m·[F(t) − F(t−1)]``) to the adoption series of ``adoption_data_path`` — usually an analogous
  product (estimation by analogy); that series' own ``m`` is reported as ``fitted_m``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .. import sizing
from ..data import DataError, load_table, resolve_input
from ..i18n import N_, current_language, tr, translate_label
from .base import InputFiles, ResultPart, TemplateParams, TemplateResults, TemplateSpec, param, styled

__all__ = [
    "DriverParam",
    "Params",
    "Results",
    "SPEC",
    "SizingInputs",
    "Sizing",
    "CHAINS",
    "DRIVER_COLUMNS",
    "REQUIRED_DRIVER_COLUMNS",
    "drivers_from_table",
    "adoption_from_table",
    "analyse",
    "reconciled_drivers",
    "chain_frame",
    "styled_chain",
    "triangulation_table",
    "styled_triangulation",
    "styled_tornado",
    "monte_carlo_table",
    "styled_monte_carlo",
    "forecast_table",
    "styled_forecast",
    "money_text",
    "recommendation",
    "report_tables",
    "key_figures",
    "build_results",
]

#: the values of the driver file's ``chain`` column
CHAINS = ("top_down", "bottom_up", "sam_filter")
#: columns a driver file must have, and the optional ones
REQUIRED_DRIVER_COLUMNS = ("chain", "name", "value")
DRIVER_COLUMNS = ("chain", "name", "value", "unit", "source", "low", "high")
#: columns an adoption file must have
ADOPTION_COLUMNS = ("period", "new_adopters")



class DriverParam(BaseModel):
    """One driver of a chain: a named number with its unit, source and evidence-based low/high."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="what the number is")
    value: float | None = Field(None, description="base value, ≥ 0")
    unit: str = Field("", description="its unit")
    source: str = Field("", description="where it comes from; 'hypothetical: …' for an assumption")
    low: float | None = Field(None, description="low value (default: value)")
    high: float | None = Field(None, description="high value (default: value)")

    @field_validator("unit", "source", mode="before")
    @classmethod
    def _empty_text(cls, value: Any) -> Any:  # an empty workbook cell is null
        return "" if value is None else value

    @model_validator(mode="after")
    def _valid_driver(self) -> "DriverParam":
        self.as_driver()  # raises ValueError naming the driver and the field
        return self

    def as_driver(self) -> sizing.Driver:
        return sizing.Driver(self.name, self.value, self.unit or "", self.source or "", self.low, self.high)


class Params(TemplateParams):
    """Parameters of the ``market_sizing`` template."""

    input_path_fields = InputFiles(("drivers_path", "adoption_data_path"))

    top_down: list[DriverParam] = param(
        unit="list of {name, value, unit, source, low, high}", default_factory=list,
        help="Top-down TAM drivers (e.g. category spend × online share); empty to read them from drivers_path",
    )
    bottom_up: list[DriverParam] = param(
        unit="list of {name, value, unit, source, low, high}", default_factory=list,
        help="Bottom-up TAM drivers (e.g. customers × purchases a year × price); empty to read them from "
        "drivers_path",
    )
    sam_filters: list[DriverParam] = param(
        unit="list of {name, value, unit, source, low, high}", default_factory=list,
        help="Shares of the TAM the offer can serve (regions, platforms, price band), each in [0, 1]",
    )
    som_shares: list[float] = param(
        unit="shares by year", default_factory=lambda: [0.01, 0.025, 0.04], min_length=1,
        help="Obtainable share of the SAM in year 1, 2, …, each in [0, 1]",
    )
    drivers_path: str = param(
        "datasets/market_sizing_drivers.csv", unit="file path",
        help="CSV or XLSX (first sheet), one row per driver: chain (top_down, bottom_up or sam_filter), name, "
        "value, unit, source, low, high; read when top_down and bottom_up are empty",
    )
    n_draws: int = param(20_000, unit="draws", ge=1_000, le=1_000_000,
                         help="Monte Carlo draws of the reconciled SOM")
    seed: int = param(20261202, unit="integer", ge=0, help="Seed of the Monte Carlo random numbers")
    bass_p: float = param(
        0.0, unit="per year", ge=0.0, lt=1.0,
        help="Bass coefficient of innovation p; 0 = not given: fit p and q to adoption_data_path",
    )
    bass_q: float = param(
        0.0, unit="per year", ge=0.0, lt=3.0,
        help="Bass coefficient of imitation q (used when bass_p is given)",
    )
    adoption_data_path: str = param(
        "datasets/bass_vcr_sales.csv", unit="file path",
        help="Adoption series (columns period, new_adopters) of an analogous product, to fit p and q; read "
        "when bass_p is 0",
    )
    years: int = param(10, unit="years", ge=1, le=50, help="Years of the adoption forecast")
    currency: str = param("CNY", unit="currency code", min_length=1, max_length=8,
                          help="Currency of the money drivers and of the results, e.g. CNY or USD")

    @field_validator("bass_p", "bass_q", mode="before")
    @classmethod
    def _blank_is_zero(cls, value: Any) -> Any:  # null, or an empty workbook cell, means "not given"
        return 0.0 if value is None or (isinstance(value, str) and not value.strip()) else value

    @model_validator(mode="after")
    def _inputs_are_given_once(self) -> "Params":
        if bool(self.top_down) != bool(self.bottom_up):
            given, empty = ("top_down", "bottom_up") if self.top_down else ("bottom_up", "top_down")
            raise ValueError(f"{given} is given but {empty} is empty; give both chains as parameters, or leave "
                             "both empty to read them from drivers_path")
        if self.uses_drivers_file():
            if not self.drivers_path.strip():
                raise ValueError("top_down and bottom_up are empty and drivers_path is empty; give the drivers "
                                 "as parameters or in a driver file")
            if self.sam_filters:
                raise ValueError("sam_filters is given while the chains come from drivers_path; put the SAM "
                                 "filters in the driver file (chain sam_filter) or give every chain as parameters")
        if self.bass_p == 0 and self.bass_q != 0:
            raise ValueError(f"bass_q is {self.bass_q:g} but bass_p is 0 (not given); give both p and q, or set "
                             "both to 0 to fit them to adoption_data_path")
        if self.bass_p == 0 and not self.adoption_data_path.strip():
            raise ValueError("bass_p is 0 (not given) and adoption_data_path is empty; give p and q, or an "
                             "adoption series to fit them to")
        if len(self.som_shares) > self.years:
            raise ValueError(f"som_shares has {len(self.som_shares)} years but the forecast covers only "
                             f"{self.years} (years); make years at least {len(self.som_shares)}")
        sizing.check_sam_filters([d.as_driver() for d in self.sam_filters])
        for year, share in enumerate(self.som_shares, start=1):
            if not 0 <= share <= 1:
                raise ValueError(f"som_shares: the share of year {year} is {share:g}; a share must be between "
                                 "0 and 1")
        return self

    def uses_drivers_file(self) -> bool:
        """True when the chains are read from ``drivers_path`` (``top_down`` and ``bottom_up`` are empty)."""
        return not self.top_down and not self.bottom_up

    def fits_bass(self) -> bool:
        """True when p and q are fitted to ``adoption_data_path`` (``bass_p`` is 0: not given)."""
        return self.bass_p == 0

    def used_input_fields(self, candidates: tuple[str, ...]) -> tuple[str, ...]:
        """The driver file only when the chains are not given as parameters, the adoption file only when
        ``bass_p``/``bass_q`` are not given."""
        used = []
        if self.uses_drivers_file():
            used.append("drivers_path")
        if self.fits_bass():
            used.append("adoption_data_path")
        return tuple(used)

    def _path(self, field: str) -> Any:
        return resolve_input(getattr(self, field), None, Params.model_fields[field].default)

    def check_inputs(self) -> None:
        """Read and check the (small) input files as the run will."""
        self.load_inputs()

    def load_inputs(self) -> "SizingInputs":
        """The three driver lists (from the parameters or the driver file) and the adoption series, if used."""
        if self.uses_drivers_file():
            path = self._path("drivers_path")
            chains = drivers_from_table(load_table(path), str(path))
        else:
            chains = {"top_down": [d.as_driver() for d in self.top_down],
                      "bottom_up": [d.as_driver() for d in self.bottom_up],
                      "sam_filter": [d.as_driver() for d in self.sam_filters]}
        adoption = None
        if self.fits_bass():
            path = self._path("adoption_data_path")
            adoption = adoption_from_table(load_table(path), str(path))
        return SizingInputs(top_down=chains["top_down"], bottom_up=chains["bottom_up"],
                            sam_filters=chains["sam_filter"], adoption=adoption)


@dataclass(frozen=True)
class SizingInputs:
    """The drivers of the two chains, the shared SAM filters, and the adoption series (None when p, q given)."""

    top_down: list[sizing.Driver]
    bottom_up: list[sizing.Driver]
    sam_filters: list[sizing.Driver]
    adoption: pd.DataFrame | None


def drivers_from_table(frame: pd.DataFrame, source: str = "driver file") -> dict[str, list[sizing.Driver]]:
    """The drivers of a driver file by chain (``top_down``, ``bottom_up``, ``sam_filter``).

    Raises :class:`~ecomops.data.DataError`: one message naming every missing required column; a row whose
    ``chain`` is not one of :data:`CHAINS`; a driver error (missing, negative, outside [low, high]) with its row
    (spreadsheet numbering: the header is row 1); a chain without drivers.
    """
    source = frame.attrs.get("source", source)
    missing = [c for c in REQUIRED_DRIVER_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: the driver file lacks the column(s) {', '.join(missing)}; a driver file needs "
                        f"the columns {', '.join(REQUIRED_DRIVER_COLUMNS)} (optional: unit, source, low, high); "
                        f"columns present: {', '.join(map(str, frame.columns))}")
    table = frame.reindex(columns=list(DRIVER_COLUMNS))
    chains: dict[str, list[sizing.Driver]] = {chain: [] for chain in CHAINS}
    for position, row in enumerate(table.to_dict("records")):
        chain = str(row["chain"]).strip().lower() if not pd.isna(row["chain"]) else ""
        if chain not in chains:
            raise DataError(f"{source}: row {position + 2} has chain {row['chain']!r}; chain must be one of "
                            f"{', '.join(CHAINS)}")
        try:
            chains[chain].append(sizing.Driver(row["name"], row["value"], row["unit"], row["source"], row["low"],
                                               row["high"]))
        except ValueError as exc:
            raise DataError(f"{source}: row {position + 2}: {exc}") from None
    for chain in ("top_down", "bottom_up"):
        if not chains[chain]:
            raise DataError(f"{source}: no row has chain {chain}; a sizing needs both a top_down and a bottom_up "
                            "chain")
    try:
        sizing.sizing_chain(chains["top_down"], chains["sam_filter"])
    except ValueError as exc:
        raise DataError(f"{source}: {exc}") from None
    return chains


def adoption_from_table(frame: pd.DataFrame, source: str = "adoption file") -> pd.DataFrame:
    """The adoption series (``period``, ``new_adopters``) as numbers, sorted by period; at least four periods."""
    source = frame.attrs.get("source", source)
    missing = [c for c in ADOPTION_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: the adoption file lacks the column(s) {', '.join(missing)}; it needs the "
                        f"columns {', '.join(ADOPTION_COLUMNS)}")
    series = frame[list(ADOPTION_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    bad = series.isna().any(axis=1)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(f"{source}: row {row + 2} has a missing or non-numeric period or new_adopters")
    if len(series) < 4 or (series["new_adopters"] < 0).any():
        raise DataError(f"{source}: an adoption series needs at least 4 periods of new_adopters ≥ 0, got "
                        f"{len(series)} period(s)")
    return series.sort_values("period").reset_index(drop=True)


@dataclass(frozen=True)
class Sizing:
    """Everything the notebook shows: both chains, the triangulation, the tornado, the Monte Carlo and Bass."""

    top_down: sizing.SizingChain
    bottom_up: sizing.SizingChain
    triangulation: sizing.Triangulation
    tornado: pd.DataFrame
    monte_carlo: sizing.MonteCarloResult
    exact_quantiles: tuple[float, float, float]
    bass_p: float
    bass_q: float
    bass_fit: sizing.BassFit | None
    market_potential: float
    forecast: pd.DataFrame
    n_years: int

    @property
    def peak_year(self) -> float:
        """Bass peak time t* = ln(q/p)/(p+q), in years after launch."""
        return sizing.bass_peak_time(self.bass_p, self.bass_q)


def reconciled_drivers(inputs: SizingInputs) -> tuple[list[sizing.Driver], list[float], list[str]]:
    """The drivers of the reconciled SOM ``√(Π TD × Π BU) × Π filters`` with their powers and their chains."""
    drivers = inputs.top_down + inputs.bottom_up + inputs.sam_filters
    powers = [0.5] * (len(inputs.top_down) + len(inputs.bottom_up)) + [1.0] * len(inputs.sam_filters)
    chains = (["top_down"] * len(inputs.top_down) + ["bottom_up"] * len(inputs.bottom_up)
              + ["sam_filter"] * len(inputs.sam_filters))
    return drivers, powers, chains


def analyse(params: Params, inputs: SizingInputs) -> Sizing:
    """Both chains, their triangulation, the tornado and Monte Carlo of the reconciled final-year SOM, and the
    Bass adoption forecast."""
    shares = list(params.som_shares)
    top_down = sizing.sizing_chain(inputs.top_down, inputs.sam_filters, shares)
    bottom_up = sizing.sizing_chain(inputs.bottom_up, inputs.sam_filters, shares)
    for label, chain in (("top_down", top_down), ("bottom_up", bottom_up)):
        if not chain.som_final > 0:
            raise ValueError(f"the {label} chain gives a final-year SOM of {chain.som_final:g}; every driver and "
                             "the final share must be above 0 to size a market")
    triangulation = sizing.triangulate(top_down.som_final, bottom_up.som_final)
    drivers, powers, chains = reconciled_drivers(inputs)
    table = sizing.tornado(drivers, exponents=powers, scale=shares[-1])
    chain_of = dict(zip([d.name for d in drivers], chains))
    table.insert(1, "chain", [chain_of[name] for name in table["driver"]])
    simulated = sizing.monte_carlo_sizing(drivers, n_draws=params.n_draws, seed=params.seed, exponents=powers,
                                          scale=shares[-1])
    exact = sizing.lognormal_product_quantiles(drivers, [0.05, 0.5, 0.95], exponents=powers, scale=shares[-1])
    fit = None
    if params.fits_bass():
        fit = sizing.fit_bass(inputs.adoption["period"], inputs.adoption["new_adopters"], form="increment")
        p, q = fit.p, fit.q
    else:
        p, q = float(params.bass_p), float(params.bass_q)
    potential = math.sqrt(top_down.sam * bottom_up.sam)
    years = np.arange(1, params.years + 1)
    adopted = sizing.bass_cumulative_share(years, p, q)
    forecast = pd.DataFrame({
        "year": years,
        "adopted_share": adopted,
        "new_adopters_share": np.diff(np.concatenate([[0.0], adopted])),
        "market_value": potential * adopted,
        "planned_share": np.concatenate([shares, np.full(params.years - len(shares), np.nan)]),
    })
    return Sizing(top_down=top_down, bottom_up=bottom_up, triangulation=triangulation, tornado=table,
                  monte_carlo=simulated, exact_quantiles=tuple(float(v) for v in exact), bass_p=p, bass_q=q, bass_fit=fit, market_potential=potential,
                  forecast=forecast, n_years=len(shares))


def money_text(value: float, currency: str) -> str:
    """An amount for a sentence: ``CNY 1.23 bn`` / ``CNY 456.7 m`` in English, ``12.3 亿元`` / ``4,567 万元`` in
    Chinese (the house style of the Chinese reports)."""
    if not math.isfinite(value):
        return "—"
    if current_language() == "zh":
        unit = sizing.CURRENCY_ZH.get(currency.upper(), f" {currency}")
        if abs(value) >= 1e8:
            return f"{value / 1e8:,.3g} 亿{unit}" if abs(value) < 1e11 else f"{value / 1e8:,.0f} 亿{unit}"
        if abs(value) >= 1e4:
            return f"{value / 1e4:,.3g} 万{unit}" if abs(value) < 1e7 else f"{value / 1e4:,.0f} 万{unit}"
        return f"{value:,.0f} {unit}".replace("  ", " ")
    for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"{currency} {value / size:,.3g} {suffix}" if abs(value) < size * 1e3 else \
                f"{currency} {value / size:,.0f} {suffix}"
    return f"{currency} {value:,.0f}"


CHAIN_FORMATS = {"base value": "{:,.4g}", "low": "{:,.4g}", "high": "{:,.4g}", "result": "{:,.4g}"}


def chain_frame(chain: sizing.SizingChain) -> pd.DataFrame:
    """One chain as its step table (:func:`ecomops.sizing.chain_table`), the SOM rows labelled in the run's
    language."""
    table = sizing.chain_table(chain.tam_drivers, chain.sam_filters, chain.som_shares)
    is_share = table["stage"] == "SOM"
    table.loc[is_share, "driver"] = [tr("share in year {year}", year=y) for y in range(1, int(is_share.sum()) + 1)]
    return table.rename(columns={"stage": "level", "value": "base value"})


def styled_chain(chain: sizing.SizingChain) -> Any:
    """:func:`chain_frame` formatted for the notebook."""
    return styled(chain_frame(chain), CHAIN_FORMATS)


def triangulation_table(result: Sizing, currency: str) -> pd.DataFrame:
    """The two estimates of the final-year SOM, their range and the reconciled value."""
    t = result.triangulation
    labels = [N_("top-down"), N_("bottom-up"), N_("low"), N_("high"), N_("reconciled (geometric mean)")]
    return pd.DataFrame({"estimate": labels, "amount": [t.top_down, t.bottom_up, t.low, t.high, t.reconciled],
                         "currency": currency})


def styled_triangulation(result: Sizing, currency: str) -> Any:
    return styled(triangulation_table(result, currency), {"amount": "{:,.4g}"})


def styled_tornado(result: Sizing) -> Any:
    return styled(result.tornado, {"low": "{:,.4g}", "high": "{:,.4g}", "swing": "{:,.4g}"})


def monte_carlo_table(result: Sizing) -> pd.DataFrame:
    """P5, P50 and P95 of the simulated reconciled SOM, beside the exact quantiles of the log-normal product
    (:func:`ecomops.sizing.lognormal_product_quantiles`): the two columns agree when the draws are enough."""
    mc = result.monte_carlo
    return pd.DataFrame({"statistic": ["P5", "P50", "P95"], "simulated": [mc.p5, mc.p50, mc.p95],
                         "exact": list(result.exact_quantiles)})


def styled_monte_carlo(result: Sizing) -> Any:
    return styled(monte_carlo_table(result), {"simulated": "{:,.4g}", "exact": "{:,.4g}"})


def forecast_table(result: Sizing) -> pd.DataFrame:
    """The adoption forecast by year (see the module docstring)."""
    return result.forecast


def styled_forecast(result: Sizing) -> Any:
    return styled(result.forecast, {"adopted_share": "{:.1%}", "new_adopters_share": "{:.1%}",
                                    "market_value": "{:,.4g}", "planned_share": "{:.1%}"})


def _top_two(result: Sizing) -> list[tuple[str, float]]:
    rows = result.tornado.head(2)
    return list(zip(rows["driver"], rows["swing"]))


def _plan_check(result: Sizing) -> str:
    """A sentence when the planned share of some year exceeds the share of the market adopted by then."""
    plan = result.forecast.dropna(subset=["planned_share"])
    over = plan[plan["planned_share"] > plan["adopted_share"]]
    if over.empty:
        return ""
    first = over.iloc[0]
    return tr(" Warning: the plan's share of year {year} ({planned:.1%}) is above the share of the market adopted "
              "by then ({adopted:.1%}); the SOM plan outruns adoption.", year=int(first["year"]),
              planned=first["planned_share"], adopted=first["adopted_share"])


def recommendation(params: Params, result: Sizing) -> str:
    """The memo: the range of the final-year SOM, the gap between the two chains, the two drivers that matter
    most, and the adoption outlook — every number taken from the results."""
    t, mc, cur = result.triangulation, result.monte_carlo, params.currency
    (first, first_swing), (second, second_swing) = (_top_two(result) + [("", 0.0)])[:2]
    first, second = translate_label(first), translate_label(second) if second else ""
    gap_text = (tr(" The gap is above {limit:.0%}: the two chains probably define the market differently; "
                   "reconcile the definitions before using the number.", limit=t.warn_gap) if t.warning else "")
    drivers = (tr("{first} (swing {first_swing}) and {second} (swing {second_swing})", first=first,
                  first_swing=money_text(first_swing, cur), second=second,
                  second_swing=money_text(second_swing, cur)) if second
               else tr("{first} (swing {first_swing})", first=first, first_swing=money_text(first_swing, cur)))
    peak = result.peak_year
    final = result.forecast.iloc[result.n_years - 1]
    return tr(
        "Year-{year} SOM is about {reconciled} (Monte Carlo P5–P95: {p5} to {p95}, median {p50}); the top-down "
        "({top_down}) and bottom-up "
        "({bottom_up}) estimates differ by {gap:.0%}.{gap_text} The drivers that matter most are {drivers}: "
        "pin these down before anything else. Adoption (Bass p = {p:.4g}, q = {q:.3g}) peaks about {peak:.1f} "
        "years after launch; by year {year}, {adopted:.0%} of the eventual market has adopted.{plan}",
        year=result.n_years, reconciled=money_text(t.reconciled, cur), p5=money_text(mc.p5, cur),
        p95=money_text(mc.p95, cur), p50=money_text(mc.p50, cur), top_down=money_text(t.top_down, cur), bottom_up=money_text(t.bottom_up, cur),
        gap=t.gap, gap_text=gap_text, drivers=drivers, p=result.bass_p, q=result.bass_q, peak=peak,
        adopted=final["adopted_share"], plan=_plan_check(result),
    )


def report_tables(result: Sizing, currency: str) -> dict[str, pd.DataFrame]:
    """The report's tables for ``results.xlsx``: both chains, the triangulation, the tornado, the Monte Carlo
    summary and the adoption forecast."""
    return {N_("Top-down chain"): chain_frame(result.top_down), N_("Bottom-up chain"): chain_frame(result.bottom_up),
            N_("Triangulation"): triangulation_table(result, currency), N_("Tornado"): result.tornado,
            N_("Monte Carlo"): monte_carlo_table(result), N_("Adoption forecast"): result.forecast}


def key_figures(params: Params, result: Sizing) -> list[dict[str, Any]]:
    """The headline: the reconciled SOM with its P5–P95, both estimates and their gap, the top driver, the
    adoption peak."""
    t, mc, cur = result.triangulation, result.monte_carlo, params.currency
    top = result.tornado.iloc[0]
    return [
        {"label": tr("Year-{year} SOM (reconciled)", year=result.n_years), "value": money_text(t.reconciled, cur),
         "interval": tr("P5–P95: {low} to {high}", low=money_text(mc.p5, cur), high=money_text(mc.p95, cur))},
        {"label": tr("Top-down vs bottom-up"), "value": f"{money_text(t.top_down, cur)} / "
         f"{money_text(t.bottom_up, cur)}", "interval": tr("gap {gap:.0%}", gap=t.gap)},
        {"label": tr("SAM (reconciled)"), "value": money_text(result.market_potential, cur)},
        {"label": tr("Driver that matters most"), "value": str(translate_label(top["driver"])),
         "interval": tr("swing {swing}", swing=money_text(float(top["swing"]), cur))},
        {"label": tr("Adoption peak (Bass)"),
         "value": tr("{years:.1f} years after launch", years=result.peak_year)},
    ]


class ChainResult(ResultPart):
    tam: float = Field(description="TAM: the product of the chain's drivers (currency per year)")
    sam: float = Field(description="SAM: TAM × the SAM filters")
    som: float = Field(description="SOM of the final year of som_shares: SAM × the final share")
    som_by_year: list[float] = Field(description="SOM of each year: SAM × som_shares[y]")


class TriangulationResult(ResultPart):
    gap: float = Field(description="|top-down − bottom-up| ÷ the smaller, on the final-year SOM")
    low: float = Field(description="the smaller of the two final-year SOMs")
    high: float = Field(description="the larger of the two final-year SOMs")
    reconciled: float = Field(description="geometric mean √(top-down × bottom-up) of the final-year SOMs")
    warning: bool = Field(description="true when gap exceeds warn_gap")
    warn_gap: float = Field(description="the gap above which the warning is set (0.30)")


class TornadoRow(ResultPart):
    driver: str = Field(description="the driver's name")
    chain: str = Field(description="top_down, bottom_up or sam_filter")
    low: float = Field(description="reconciled final-year SOM with this driver at its low value")
    high: float = Field(description="reconciled final-year SOM with this driver at its high value")
    swing: float = Field(description="|high − low|; rows sorted by swing, largest first")


class MonteCarloPart(ResultPart):
    p5: float = Field(description="5th percentile of the simulated reconciled final-year SOM")
    p50: float = Field(description="median")
    p95: float = Field(description="95th percentile")
    mean: float = Field(description="mean of the draws")
    n_draws: int = Field(description="draws simulated")
    seed: int = Field(description="seed of the random numbers")
    distribution: str = Field(description="driver distribution: lognormal with low/high as P5/P95")


class ForecastRow(ResultPart):
    year: int = Field(description="year after launch (1 = first year)")
    adopted_share: float = Field(description="Bass F(year): share of the eventual market adopted by the year's end")
    new_adopters_share: float = Field(description="F(year) − F(year − 1): share adopting during the year")
    market_value: float = Field(description="m × F(year), m = the reconciled SAM (currency per year)")
    planned_share: float | None = Field(description="the SOM share planned for the year; null beyond som_shares")


class BassPart(ResultPart):
    p: float = Field(description="coefficient of innovation (given, or fitted)")
    q: float = Field(description="coefficient of imitation (given, or fitted)")
    m: float = Field(description="market potential of the forecast: the reconciled SAM")
    peak_year: float = Field(description="t* = ln(q/p)/(p+q): years after launch when adoption peaks")
    source: Literal["given", "fitted"] = Field(description="given (bass_p, bass_q) or fitted to adoption_data_path")
    fitted_m: float | None = Field(description="m of the fitted adoption series, in its own units; null if given")
    forecast: list[ForecastRow] = Field(description="one row per year of the forecast")


class Results(TemplateResults):
    """``results.json`` of ``market_sizing``."""

    template: Literal["market_sizing"] = Field(description="`market_sizing`")
    currency: str = Field(description="currency of every amount")
    top_down: ChainResult = Field(description="the top-down chain")
    bottom_up: ChainResult = Field(description="the bottom-up chain")
    triangulation: TriangulationResult = Field(description="the two final-year SOMs compared")
    tornado: list[TornadoRow] = Field(description="one-at-a-time sensitivity of the reconciled final-year SOM")
    monte_carlo: MonteCarloPart = Field(description="simulated reconciled final-year SOM")
    bass: BassPart = Field(description="Bass adoption forecast")


def _chain_result(chain: sizing.SizingChain) -> dict[str, Any]:
    return {"tam": chain.tam, "sam": chain.sam, "som": chain.som_final, "som_by_year": list(chain.som)}


def build_results(params: Params, result: Sizing, text: str) -> Results:
    """The validated ``results.json`` content of a run."""
    t, mc = result.triangulation, result.monte_carlo
    return Results(
        template="market_sizing", currency=params.currency,
        top_down=_chain_result(result.top_down), bottom_up=_chain_result(result.bottom_up),
        triangulation={"gap": t.gap, "low": t.low, "high": t.high, "reconciled": t.reconciled,
                       "warning": t.warning, "warn_gap": t.warn_gap},
        tornado=result.tornado.to_dict("records"),
        monte_carlo={"p5": mc.p5, "p50": mc.p50, "p95": mc.p95, "mean": mc.mean, "n_draws": params.n_draws,
                     "seed": params.seed, "distribution": mc.distribution},
        bass={"p": result.bass_p, "q": result.bass_q, "m": result.market_potential,
              "peak_year": result.peak_year,
              "source": "fitted" if result.bass_fit else "given",
              "fitted_m": result.bass_fit.m if result.bass_fit else None,
              "forecast": result.forecast.to_dict("records")},
        recommendation=text, language=current_language(),
        summary={"key_figures": key_figures(params, result)},
    )


#: column names and categories of the template's tables, marked for translation
TABLE_LABELS = (N_("level"), N_("estimate"), N_("amount"), N_("base value"), N_("currency"), N_("driver"), N_("chain"), N_("low"), N_("high"),
                N_("swing"), N_("statistic"), N_("simulated"), N_("exact"), N_("year"), N_("adopted_share"),
                N_("new_adopters_share"), N_("market_value"), N_("planned_share"), N_("unit"), N_("source"),
                N_("result"), N_("top_down"), N_("bottom_up"), N_("sam_filter"), N_("som_shares"), N_("share"))

#: the names, units and sources written in the default driver file (datasets/market_sizing_drivers.csv), so that a
#: Chinese report shows them in Chinese (a user's own drivers are shown as written)
DEFAULT_DRIVER_TEXTS = (
    N_("online retail sales"), N_("category share of online retail"), N_("internet users"),
    N_("buyers of the category"), N_("spend per buyer"), N_("regions served"), N_("price band"),
    N_("CNY per year"), N_("people"), N_("share of users"), N_("CNY per buyer per year"),
    N_("NBS, 2023 online retail sales (154,264 亿元)"), N_("hypothetical: analyst's assumption"),
    N_("CNNIC, 53rd report (December 2023)"), N_("hypothetical: delivery network plan"),
    N_("hypothetical: price survey to run"),
)

SPEC = TemplateSpec(
    name="market_sizing",
    purpose="TAM, SAM and SOM of a new market or channel from two independent chains, triangulated, with a "
    "tornado, a Monte Carlo range and a Bass adoption forecast",
    chapter="2.1 Market research and positioning",
    title="Market sizing",
    question="How large is the market we could win, how sure are we, and how fast will it adopt?",
    params=Params,
    results=Results,
)
