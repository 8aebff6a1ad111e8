"""The ``risk_assessment`` template (chapter 6): the risk register scored on the 5×5 matrix, FMEA priority
numbers, the expected monetary value of responses, safety stock and reorder point, and a Monte Carlo of what a
supplier disruption does to that reorder point; it ends with a contingency memo.

Conventions (public): ``safety_stock`` and ``reorder_point`` are the textbook values from demand and lead-time
variability alone, ignoring disruption (:mod:`ecomops.inventory`); the Monte Carlo (:func:`ecomops.risk.
simulate_supply_risk`) then tests that reorder point against the disruption risk and reports the stock-out
probability per cycle it really gives, and the reorder point that meets ``service_level`` once disruption is
counted. Its notebook reads the inputs once (:meth:`Params.load_inputs`) and calls the functions below.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from .. import inventory, risk
from ..risk import BAND_LABELS
from ..data import DataError, load_table, require_columns, require_numeric, resolve_input
from ..i18n import N_, current_language, tr, translate_label
from .base import InputFiles, ResultPart, TemplateParams, TemplateResults, TemplateSpec, param, styled

__all__ = [
    "Params",
    "Results",
    "SPEC",
    "RiskInputs",
    "InventoryPlan",
    "read_register",
    "demand_from_history",
    "inventory_plan",
    "simulate",
    "response_table",
    "emv_options",
    "inventory_table",
    "simulation_table",
    "styled_register",
    "styled_fmea",
    "styled_responses",
    "styled_inventory",
    "styled_simulation",
    "rpn_flaw_note",
    "contingency_memo",
    "recommendation",
    "report_tables",
    "report_summary",
    "build_results",
    "BAND_CONVENTION",
]

#: the bands as the report states them
BAND_CONVENTION = N_("low 1–4, medium 5–9, high 10–16, critical 20–25 (this book's convention)")
#: draws from which the simulation shows a progress bar
PROGRESS_FROM_DRAWS = 1_000_000
FMEA_COLUMNS = ("severity", "occurrence", "detection")
#: risks the contingency memo lists
TOP_RISKS = 3
#: a one-row-per-item demand history: the columns holding the periods (W0, W1, … as in UCI Sales Transactions)
PERIOD_COLUMN = re.compile(r"^W\d+$")
TEXT_COLUMNS = ("category", "owner", "response")

#: the text of the shipped example registers (datasets/risk_register_*.csv), translated in a zh report
EXAMPLE_REGISTER_LABELS = (
    N_("Single supplier outage"), N_("Peak-season courier delays"), N_("Payment gateway failure"),
    N_("Customer data breach"), N_("Price war on bestsellers"), N_("Stock-out of top products"),
    N_("Warehouse fire"), N_("Fake review penalty"), N_("Cold-chain break in transit"), N_("Late courier pick-up"),
    N_("Wrong shipping label"), N_("Spoilage in storage"), N_("Food safety recall"), N_("Heatwave demand spike"),
    N_("supply"), N_("logistics"), N_("technology"), N_("data"), N_("market"), N_("facility"), N_("platform"),
    N_("operations"), N_("compliance"),
    N_("Purchasing lead"), N_("Logistics lead"), N_("Tech lead"), N_("Data protection officer"),
    N_("Category manager"), N_("Inventory planner"), N_("Warehouse manager"), N_("Shop manager"),
    N_("Cold-chain lead"), N_("Warehouse lead"), N_("Quality manager"), N_("Demand planner"),
    N_("Qualify a second supplier"), N_("Book backup courier capacity"), N_("Add a second payment provider"),
    N_("Encrypt and limit access"), N_("Set a price floor"), N_("Raise the reorder point"), N_("Insure the stock"),
    N_("Audit review requests"), N_("Temperature loggers in every box"), N_("Fixed pick-up slots"),
    N_("Scan labels at packing"), N_("First-expired first-out picking"), N_("Batch tracing"),
    N_("Extra stock before heatwaves"), N_("Drop the product line"), N_("Insurance with a deductible"),
    N_("Switch to a bonded warehouse"), N_("Refrigerated courier"),
)
TABLE_LABELS = (
    N_("risk"), N_("category"), N_("likelihood"), N_("impact"), N_("score"), N_("band"), N_("owner"),
    N_("response"), N_("severity"), N_("occurrence"), N_("detection"), N_("rpn"), N_("rpn_rank"),
    N_("high_severity"), N_("action"), N_("probability"), N_("cost"), N_("emv"), N_("best"),
    N_("avoid"), N_("reduce"), N_("transfer"), N_("accept"),
    N_("indicator"), N_("computed value"), N_("simulated value"), N_("standard error"), N_("textbook reorder point"),
    N_("reorder point with disruption"), N_("yes"), N_("no"), N_("planned response"), N_("response type"),
)


#: the default ``costs``: units per order and the cost of a unit left over / a unit short
DEFAULT_COSTS: dict[str, float] = {"order_quantity": 1800.0, "holding_cost_per_unit": 2.0,
                                   "shortage_cost_per_unit": 25.0}
#: columns of a response-options file
RESPONSE_COLUMNS = ("risk", "response", "action", "probability", "impact", "cost")
RESPONSE_KINDS = ("avoid", "reduce", "transfer", "accept")


class Params(TemplateParams):
    """Parameters of the ``risk_assessment`` template (lead times and demand in the same period: days, weeks)."""

    input_path_fields = InputFiles(("register_path", "responses_path"), optional=("demand_history_path",))

    register_path: str = param(
        "datasets/risk_register_example.csv", unit="file path",
        help="Risk register, CSV or XLSX (first sheet): risk, category, likelihood 1–5, impact 1–5, optional "
        "owner, response and severity, occurrence, detection 1–10 for the FMEA",
    )
    demand_mean: float = param(120.0, unit="units per period", ge=0.0,
                               help="Mean demand per period; ignored when demand_history_path is given")
    demand_sd: float = param(30.0, unit="units per period", ge=0.0,
                             help="Standard deviation of demand per period; ignored with demand_history_path")
    demand_history_path: str = param(
        "", unit="file path",
        help="Optional demand history (CSV or XLSX): one row per period with a demand column, or one row per item "
        "with period columns W0, W1, … (summed over the items); empty to use demand_mean and demand_sd",
    )
    lead_time_mean: float = param(10.0, unit="periods", gt=0.0, help="Mean replenishment lead time, no disruption")
    lead_time_sd: float = param(3.0, unit="periods", ge=0.0, help="Standard deviation of the lead time")
    service_level: float = param(0.95, unit="probability", gt=0.0, lt=1.0,
                                 help="Target cycle service level: chance of no stock-out in a replenishment cycle")
    disruption_probability: float = param(0.08, unit="probability", ge=0.0, lt=1.0,
                                          help="Chance that a replenishment cycle is hit by a supplier disruption")
    disruption_extra_lead_time: float = param(
        20.0, unit="periods", ge=0.0,
        help="Periods a disruption adds: a disrupted cycle's lead time is lead_time_mean plus this",
    )
    n_draws: int = param(200_000, unit="draws", ge=1_000, le=50_000_000,
                         help="Replenishment cycles simulated; a progress bar shows from 1,000,000")
    seed: int = param(20261202, unit="integer", ge=0, help="Seed of the Monte Carlo random numbers")
    responses_path: str = param(
        "datasets/risk_responses_example.csv", unit="file path",
        help="Response options, CSV or XLSX: risk, response (avoid, reduce, transfer or accept), action, "
        "probability and impact after the response, cost; empty for no EMV comparison",
    )
    costs: dict[str, float] = param(
        unit="mapping of order_quantity, holding_cost_per_unit, shortage_cost_per_unit",
        help="Units ordered per cycle (for the fill rate), and the cost of a unit left in stock when the order "
        "arrives and of a unit short (for the cost per cycle)",
        default_factory=lambda: dict(DEFAULT_COSTS),
    )

    @field_validator("costs")
    @classmethod
    def _known_costs(cls, costs: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(costs) - set(DEFAULT_COSTS))
        if unknown:
            raise ValueError(f"costs has unknown key(s) {', '.join(map(repr, unknown))}; keys are: "
                             f"{', '.join(DEFAULT_COSTS)}")
        merged = {**DEFAULT_COSTS, **{k: float(v) for k, v in costs.items()}}
        if not (math.isfinite(merged["order_quantity"]) and merged["order_quantity"] > 0):
            raise ValueError(f"costs: order_quantity must be > 0, got {merged['order_quantity']:g}")
        for key in ("holding_cost_per_unit", "shortage_cost_per_unit"):
            if not (math.isfinite(merged[key]) and merged[key] >= 0):
                raise ValueError(f"costs: {key} must be >= 0, got {merged[key]:g}")
        return merged

    def _path(self, field: str) -> Any:
        return resolve_input(getattr(self, field), None, Params.model_fields[field].default)

    def check_inputs(self) -> None:
        """Read and check the register and the demand history (both small) as the run will."""
        self.load_inputs()

    def load_inputs(self) -> "RiskInputs":
        """The register (checked and scored), the response options and the demand per period (from the
        parameters or the history)."""
        path = self._path("register_path")
        register = read_register(load_table(path), str(path))
        responses = None
        if self.responses_path.strip():
            options = self._path("responses_path")
            responses = read_responses(load_table(options), str(options), register)
        if self.demand_history_path.strip():
            history = self._path("demand_history_path")
            values = demand_from_history(load_table(history), str(history))
            mean, sd = float(values.mean()), float(values.std(ddof=1))
            source, periods = history.name, int(values.size)
        else:
            mean, sd, source, periods = self.demand_mean, self.demand_sd, None, None
        return RiskInputs(register=register, responses=responses, demand_mean=mean, demand_sd=sd,
                          demand_source=source, demand_periods=periods)


@dataclass(frozen=True)
class RiskInputs:
    """The scored register, the response options (None: not given) and the demand per period the run uses
    (``demand_source`` None: from the parameters)."""

    register: pd.DataFrame
    responses: pd.DataFrame | None
    demand_mean: float
    demand_sd: float
    demand_source: str | None
    demand_periods: int | None


def read_register(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check a register table and score it (:func:`ecomops.risk.score_register`); text cells left empty
    become empty text, never NaN.

    Raises
    ------
    DataError
        Naming the file, the row (spreadsheet numbering) and the field of the first problem.
    """
    source = frame.attrs.get("source", source)
    require_columns(frame, ["risk", "likelihood", "impact"], source)
    names = frame["risk"]
    blank = names.isna() | names.astype(str).str.strip().eq("")
    if blank.any():
        row = int(np.flatnonzero(blank.to_numpy())[0]) + 2
        raise DataError(f"{source}: row {row}: risk is empty; every row of the register needs a risk name")
    present = [c for c in FMEA_COLUMNS if c in frame.columns]
    if present and len(present) < len(FMEA_COLUMNS):
        missing = [c for c in FMEA_COLUMNS if c not in frame.columns]
        raise DataError(f"{source}: the FMEA columns come together; found {', '.join(present)} but not "
                        f"{', '.join(missing)}")
    register = frame.copy()
    register["risk"] = names.astype(str).str.strip()
    for column in TEXT_COLUMNS:
        values = register[column] if column in register.columns else pd.Series("", index=register.index)
        register[column] = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    try:
        scored = risk.score_register(register)
        if present:
            risk.fmea_table(register)  # checks the 1–10 scores, naming the row
    except ValueError as error:
        raise DataError(f"{source}: {error}") from None
    return scored


def demand_from_history(frame: pd.DataFrame, source: str) -> np.ndarray:
    """Demand per period read from a history table: its ``demand`` column (one row per period), or else the sum
    over its rows of the period columns ``W0``, ``W1``, … (one row per item, as UCI Sales Transactions Weekly);
    for one item's demand, keep only that item's row in the file.

    Raises
    ------
    DataError
        When neither layout is found, a value is not a number or is negative, or fewer than two periods remain.
    """
    source = frame.attrs.get("source", source)
    if "demand" in frame.columns:
        values = require_numeric(frame, ["demand"], source)["demand"].to_numpy(dtype=float)
    else:
        columns = [c for c in frame.columns if PERIOD_COLUMN.match(str(c))]
        if len(columns) < 2:
            raise DataError(f"{source}: a demand history needs a 'demand' column (one row per period) or period "
                            f"columns W0, W1, … (one row per item); columns present: "
                            f"{', '.join(map(str, frame.columns[:12]))}")
        values = require_numeric(frame, columns, source)[columns].to_numpy(dtype=float).sum(axis=0)
    if values.size < 2:
        raise DataError(f"{source}: the demand history needs at least two periods, got {values.size}")
    if np.any(values < 0):
        raise DataError(f"{source}: demand must be >= 0 in every period; found {values.min():g}")
    return values


def read_responses(frame: pd.DataFrame, source: str, register: pd.DataFrame) -> pd.DataFrame:
    """Check a response-options table (:data:`RESPONSE_COLUMNS`; ``action`` may be empty) against the register.

    Raises
    ------
    DataError
        Naming the file, the row and the field: a missing column, an unknown kind of response, a probability
        outside [0, 1], a negative impact or cost, or a risk that is not in the register.
    """
    source = frame.attrs.get("source", source)
    require_columns(frame, [c for c in RESPONSE_COLUMNS if c != "action"], source)
    options = require_numeric(frame, ["probability", "impact", "cost"], source).copy()
    action = options["action"] if "action" in options.columns else pd.Series("", index=options.index)
    options["action"] = action.astype(object).where(action.notna(), "").astype(str).str.strip()
    for column in ("risk", "response"):
        options[column] = options[column].astype(str).str.strip()
    known = set(register["risk"])
    for position, row in enumerate(options.itertuples(index=False), start=2):
        if row.risk not in known:
            raise DataError(f"{source}: row {position}: risk {row.risk!r} is not in the register; risks are: "
                            f"{', '.join(map(repr, register['risk']))}")
        if row.response not in RESPONSE_KINDS:
            raise DataError(f"{source}: row {position}: response must be one of {', '.join(RESPONSE_KINDS)}, "
                            f"got {row.response!r}")
        if not 0 <= row.probability <= 1:
            raise DataError(f"{source}: row {position}: probability must be between 0 and 1, got {row.probability:g}")
        for field in ("impact", "cost"):
            if getattr(row, field) < 0:
                raise DataError(f"{source}: row {position}: {field} must be >= 0, got {getattr(row, field):g}")
    return options[list(RESPONSE_COLUMNS)]


@dataclass(frozen=True)
class InventoryPlan:
    """Textbook safety stock and reorder point (no disruption), with the lead-time demand and its spread."""

    demand_mean: float
    demand_sd: float
    lead_time_demand: float
    sd_lead_time_demand: float
    safety_stock: float
    reorder_point: float
    fill_rate: float


def inventory_plan(params: Params, inputs: RiskInputs) -> InventoryPlan:
    """SS = z·√(L·σ_d² + d²·σ_L²), ROP = d·L + SS and the textbook fill rate 1 − ESC/Q, ignoring disruption."""
    point = inventory.reorder_point(inputs.demand_mean, inputs.demand_sd, params.lead_time_mean,
                                    params.service_level, params.lead_time_sd)
    sigma = inventory.demand_sd_over_lead_time(inputs.demand_mean, inputs.demand_sd, params.lead_time_mean,
                                               params.lead_time_sd)
    rate = inventory.fill_rate(point["safety_stock"], sigma, params.costs["order_quantity"]) if sigma > 0 else 1.0
    return InventoryPlan(inputs.demand_mean, inputs.demand_sd, point["lead_time_demand"], sigma,
                         point["safety_stock"], point["reorder_point"], rate)


def simulate(params: Params, inputs: RiskInputs, plan: InventoryPlan) -> risk.SupplyRiskSimulation:
    """The Monte Carlo of the textbook reorder point under disruption (a progress bar from 1,000,000 draws)."""
    return risk.simulate_supply_risk(
        demand_mean=inputs.demand_mean, demand_sd=inputs.demand_sd, lead_time_mean=params.lead_time_mean,
        lead_time_sd=params.lead_time_sd, reorder_point=plan.reorder_point, order_quantity=params.costs["order_quantity"],
        service_level=params.service_level, disruption_probability=params.disruption_probability,
        disruption_extra_lead_time=params.disruption_extra_lead_time,
        holding_cost_per_unit=params.costs["holding_cost_per_unit"],
        shortage_cost_per_unit=params.costs["shortage_cost_per_unit"],
        n_draws=params.n_draws, seed=params.seed, progress=params.n_draws >= PROGRESS_FROM_DRAWS,
    )


def response_table(inputs: "RiskInputs") -> pd.DataFrame:
    """The response options with their EMV, risks in register order and each risk's cheapest option first;
    empty when none are given."""
    if inputs.responses is None or inputs.responses.empty:
        return pd.DataFrame(columns=[*RESPONSE_COLUMNS, "expected_loss", "emv", "best"])
    table = risk.response_options_table(inputs.responses)
    rank = {name: position for position, name in enumerate(inputs.register["risk"])}
    order = table["risk"].map(rank)
    return table.assign(_rank=order).sort_values(["_rank", "emv"], kind="mergesort").drop(columns="_rank").reset_index(
        drop=True)


def emv_options(responses: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """The options of the highest-ranked register risk that has any (for the EMV figure); empty if none."""
    for name in register["risk"]:
        options = responses[responses["risk"] == name]
        if len(options):
            return options.reset_index(drop=True)
    return responses.iloc[0:0]


REGISTER_FORMATS: dict[str, str] = {}
FMEA_FORMATS: dict[str, str] = {}


def styled_register(register: pd.DataFrame) -> Any:
    """The register sorted and banded, as the notebook shows it."""
    shown = register.assign(band=register["band"].map(BAND_LABELS)).rename(columns={"response": "planned response"})
    return styled(shown, REGISTER_FORMATS, ["risk", "category", "likelihood", "impact", "score", "band", "owner",
                                            "planned response"])


def _yes_no(flags: pd.Series) -> pd.Series:
    return flags.map({True: "yes", False: "no"})


def styled_fmea(register: pd.DataFrame) -> Any:
    """The FMEA table (RPN = S × O × D, sorted) or a note when the register has no FMEA columns."""
    if not set(FMEA_COLUMNS) <= set(register.columns):
        from IPython.display import Markdown

        return Markdown(tr("The register has no severity, occurrence and detection columns: no FMEA."))
    table = risk.fmea_table(register)
    return styled(table.assign(high_severity=_yes_no(table["high_severity"])), FMEA_FORMATS,
                  ["risk", "severity", "occurrence", "detection", "rpn", "rpn_rank", "high_severity"])


def rpn_flaw_note(register: pd.DataFrame) -> str:
    """One paragraph computed from the numbers: how few RPN values exist, which value the most triples share,
    and (when the register has one) a severity 9–10 row that RPN ranks below a milder one."""
    distribution = risk.rpn_distribution()
    busiest = distribution.loc[distribution["n_triples"].idxmax()]
    example = risk.triples_with_rpn(int(busiest["rpn"]))
    text = tr(
        "Only {distinct} of the numbers 1–1000 can be an RPN, and very different risks share one: {rpn} comes "
        "from {n} triples, among them S×O×D = {a} and {b}, severity {low} and {high} with the same priority.",
        distinct=len(distribution), rpn=int(busiest["rpn"]), n=int(busiest["n_triples"]),
        a="×".join(map(str, example.iloc[0])), b="×".join(map(str, example.iloc[-1])),
        low=int(example["severity"].iloc[0]), high=int(example["severity"].iloc[-1]),
    )
    if set(FMEA_COLUMNS) <= set(register.columns):
        table = risk.fmea_table(register)
        severe = table[table["high_severity"]]
        if len(severe):
            worst = severe.iloc[-1]
            above = int((table["rpn"] > worst["rpn"]).sum())
            if above:
                text += " " + tr(
                    "In this register '{risk}' has severity {severity} but RPN {rpn}, ranked below {above} "
                    "milder risk(s): rank severity 9–10 first, as the AIAG-VDA action priority does.",
                    risk=translate_label(worst["risk"]), severity=int(worst["severity"]), rpn=int(worst["rpn"]),
                    above=above,
                )
    return text


def styled_responses(table: pd.DataFrame) -> Any:
    """The response options with expected loss and EMV."""
    if table.empty:
        from IPython.display import Markdown

        return Markdown(tr("No response options given (`responses_path` is empty)."))
    money = "{:,.0f}"
    shown = table.assign(best=_yes_no(table["best"])).rename(columns={"response": "response type"})
    return styled(shown, {"probability": "{:.1%}", "impact": money, "cost": money, "expected_loss": money,
                          "emv": money},
                  ["risk", "response type", "action", "probability", "impact", "cost", "expected_loss", "emv",
                   "best"])


def inventory_table(params: Params, plan: InventoryPlan) -> pd.DataFrame:
    """The textbook quantities as rows (quantity, value)."""
    rows = [
        (tr("Demand per period (mean)"), plan.demand_mean),
        (tr("Demand per period (standard deviation)"), plan.demand_sd),
        (tr("Lead-time demand d·L"), plan.lead_time_demand),
        (tr("Standard deviation of lead-time demand √(L·σ_d² + d²·σ_L²)"), plan.sd_lead_time_demand),
        (tr("Safety stock z·σ_LT at {level:.1%}", level=params.service_level), plan.safety_stock),
        (tr("Reorder point d·L + safety stock"), plan.reorder_point),
        (tr("Fill rate 1 − ESC/Q (no disruption)"), plan.fill_rate),
    ]
    return pd.DataFrame(rows, columns=["indicator", "computed value"])


def styled_inventory(params: Params, plan: InventoryPlan) -> Any:
    """:func:`inventory_table` formatted (the fill rate as a percentage)."""
    table = inventory_table(params, plan)
    shown = [f"{v:.2%}" if i == len(table) - 1 else f"{v:,.1f}" for i, v in enumerate(table["computed value"])]
    return styled(table.assign(**{"computed value": shown}), {})


def simulation_table(params: Params, sim: risk.SupplyRiskSimulation) -> pd.DataFrame:
    """The simulation's estimates with their Monte Carlo standard errors (quantity, value, standard error)."""
    se = sim.standard_errors
    rows = [
        (tr("Stock-out probability per cycle at the textbook reorder point"), f"{sim.stockout_probability:.2%}",
         f"{se['stockout_probability']:.2%}"),
        (tr("Target stock-out probability (1 − service level)"), f"{1 - params.service_level:.2%}", ""),
        (tr("Fill rate"), f"{sim.fill_rate:.2%}", f"{se['fill_rate']:.2%}"),
        (tr("Cycles hit by a disruption"), f"{sim.disrupted_share:.2%}", ""),
        (tr("Reorder point meeting the service level with disruption"), f"{sim.reorder_point_with_disruption:,.1f}",
         f"{se['reorder_point_with_disruption']:,.1f}"),
        (tr("Cost per cycle P5"), f"{sim.cost_p5:,.0f}", f"{se['cost_p5']:,.1f}"),
        (tr("Cost per cycle P50"), f"{sim.cost_p50:,.0f}", f"{se['cost_p50']:,.1f}"),
        (tr("Cost per cycle P95"), f"{sim.cost_p95:,.0f}", f"{se['cost_p95']:,.1f}"),
    ]
    return pd.DataFrame(rows, columns=["indicator", "simulated value", "standard error"])


def styled_simulation(params: Params, sim: risk.SupplyRiskSimulation) -> Any:
    """:func:`simulation_table` as the notebook shows it."""
    return styled(simulation_table(params, sim), {})


def _who_and_how(row: pd.Series) -> tuple[str, str]:
    owner = translate_label(row["owner"]) if row["owner"] else tr("no owner named yet")
    response = translate_label(row["response"]) if row["response"] else tr("no response recorded yet")
    return owner, response


def contingency_memo(params: Params, register: pd.DataFrame, plan: InventoryPlan,
                     sim: risk.SupplyRiskSimulation) -> str:
    """The contingency memo (Markdown): the top risks with score, band, owner and response, and the reorder
    point that disruption calls for; every figure comes from the run."""
    lines = [tr("**Contingency memo: the top {n} risk(s)**", n=min(TOP_RISKS, len(register))), ""]
    for number, (_, row) in enumerate(register.head(TOP_RISKS).iterrows(), start=1):
        owner, response = _who_and_how(row)
        lines.append(tr(
            "{number}. {risk}: likelihood {likelihood} × impact {impact} = {score} ({band}); owner: {owner}; "
            "response: {response}.", number=number, risk=translate_label(row["risk"]),
            likelihood=int(row["likelihood"]), impact=int(row["impact"]), score=int(row["score"]),
            band=translate_label(BAND_LABELS[row["band"]]), owner=owner, response=response,
        ))
    lines += ["", _stock_sentence(params, plan, sim)]
    return "\n".join(lines)


def _stock_sentence(params: Params, plan: InventoryPlan, sim: risk.SupplyRiskSimulation) -> str:
    gap = sim.reorder_point_with_disruption - plan.reorder_point
    return tr(
        "Stock: the textbook reorder point of {rop:,.0f} units targets a {target:.1%} service level but, with "
        "disruptions (probability {p_dis:.1%} per cycle) adding {extra:g} period(s), it stocks out in {p_out:.1%} "
        "of cycles (Monte Carlo standard error {se:.2%}). About {rop2:,.0f} units ({gap:+,.0f}) would meet the "
        "target once disruption is counted.",
        rop=plan.reorder_point, target=params.service_level, p_dis=params.disruption_probability,
        extra=params.disruption_extra_lead_time,
        p_out=sim.stockout_probability, se=sim.mc_standard_error, rop2=sim.reorder_point_with_disruption, gap=gap,
    )


def recommendation(params: Params, register: pd.DataFrame, responses: pd.DataFrame, plan: InventoryPlan,
                   sim: risk.SupplyRiskSimulation) -> str:
    """The run's recommendation: the top risk with its owner and the cheapest response for it (by EMV) when
    options were given, then the stock-out risk the textbook reorder point really carries."""
    top = register.iloc[0]
    owner, response = _who_and_how(top)
    text = tr("Act first on '{risk}' (score {score}, {band}; owner: {owner}).", risk=translate_label(top["risk"]),
              score=int(top["score"]), band=translate_label(BAND_LABELS[top["band"]]), owner=owner)
    best = responses[responses["best"].astype(bool) & (responses["risk"] == top["risk"])] if len(responses) else responses
    if len(best):
        option = best.iloc[0]
        text += " " + tr(
            "Of the responses compared, '{response}' ({action}) has the lowest expected cost: {emv:,.0f}.",
            response=translate_label(option["response"]), emv=option["emv"],
            action=translate_label(option["action"]) if option["action"] else translate_label(option["response"]),
        )
    else:
        text += " " + tr("Planned response: {response}.", response=response)
    return text + " " + _stock_sentence(params, plan, sim)


def report_tables(register: pd.DataFrame, responses: pd.DataFrame, params: Params, plan: InventoryPlan,
                  sim: risk.SupplyRiskSimulation) -> dict[str, Any]:
    """The report's tables for ``results.xlsx``: register, FMEA, responses, inventory and simulation."""
    tables: dict[str, Any] = {N_("Risk register"): styled_register(register)}
    if set(FMEA_COLUMNS) <= set(register.columns):
        tables[N_("FMEA")] = styled_fmea(register)
    if len(responses):
        tables[N_("Responses by EMV")] = styled_responses(responses)
    tables[N_("Safety stock")] = inventory_table(params, plan)
    tables[N_("Monte Carlo")] = simulation_table(params, sim)
    return tables


class RegisterRow(ResultPart):
    risk: str = Field(description="the risk's name")
    category: str = Field(description="its category (empty when not given)")
    likelihood: int = Field(description="likelihood level 1–5")
    impact: int = Field(description="impact level 1–5")
    score: int = Field(description="likelihood × impact, 1–25")
    band: Literal["low", "medium", "high", "critical"] = Field(description="band of the score")
    owner: str = Field(description="who owns the risk (empty when not given)")
    response: str = Field(description="the planned response (empty when not given)")


class FmeaRow(ResultPart):
    risk: str = Field(description="the risk's name")
    severity: int = Field(description="S, 1–10")
    occurrence: int = Field(description="O, 1–10")
    detection: int = Field(description="D, 1–10 (higher: harder to detect)")
    rpn: int = Field(description="risk priority number S × O × D")
    rpn_rank: int = Field(description="rank by RPN (ties share the smaller rank)")
    high_severity: bool = Field(description="severity 9–10: high action priority whatever the RPN")


class ResponseRow(ResultPart):
    risk: str = Field(description="the risk the option answers")
    response: str = Field(description="avoid, reduce, transfer or accept")
    action: str = Field(description="what is done")
    probability: float = Field(description="chance the risk still occurs after the response")
    impact: float = Field(description="loss if it occurs, after the response (currency)")
    cost: float = Field(description="cost of the response (currency)")
    expected_loss: float = Field(description="probability × impact")
    emv: float = Field(description="expected cost: expected_loss + cost")
    best: bool = Field(description="lowest EMV for its risk")


class MonteCarloResult(ResultPart):
    n_draws: int = Field(description="replenishment cycles simulated")
    seed: int = Field(description="seed of the random numbers")
    stockout_probability: float = Field(description="share of cycles whose lead-time demand exceeds reorder_point")
    fill_rate: float = Field(description="1 − mean shortage per cycle ÷ order_quantity")
    mc_standard_error: float = Field(description="Monte Carlo standard error of stockout_probability")
    standard_errors: dict[str, float] = Field(description="Monte Carlo standard error of each estimate, by name")
    reorder_point_with_disruption: float = Field(
        description="simulated lead-time demand quantile at service_level: the reorder point meeting it")
    cost_p5: float = Field(description="5th percentile of the cost per cycle (holding + shortage)")
    cost_p50: float = Field(description="median cost per cycle")
    cost_p95: float = Field(description="95th percentile of the cost per cycle")
    expected_shortage: float = Field(description="mean units short per cycle")
    mean_lead_time_demand: float = Field(description="mean simulated lead-time demand")
    sd_lead_time_demand: float = Field(description="standard deviation of simulated lead-time demand")
    disrupted_share: float = Field(description="share of cycles hit by a disruption")


with warnings.catch_warnings():  # the public key "register" shares its name with ABCMeta.register
    warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)

    class Results(TemplateResults):
        """``results.json`` of ``risk_assessment``."""

        template: Literal["risk_assessment"] = Field(description="`risk_assessment`")
        band_convention: str = Field(description="the score bands used")
        register: list[RegisterRow] = Field(description="the register sorted by score, impact and name, banded")
        heat_map: list[list[int]] = Field(description="risks per cell: rows impact 5…1, columns likelihood 1…5")
        band_counts: dict[str, int] = Field(description="risks per band")
        fmea: list[FmeaRow] = Field(description="FMEA rows sorted by RPN (empty without FMEA columns)")
        responses: list[ResponseRow] = Field(description="response options with their EMV, cheapest first per risk")
        demand_mean: float = Field(description="demand per period used")
        demand_sd: float = Field(description="standard deviation of demand per period used")
        demand_source: str | None = Field(description="file the demand was estimated from; null: from the parameters")
        demand_periods: int | None = Field(description="periods in the demand history; null without one")
        sd_lead_time_demand: float = Field(description="√(L·σ_d² + d²·σ_L²)")
        safety_stock: float = Field(description="z·σ_LT for service_level, ignoring disruption")
        reorder_point: float = Field(description="d·L + safety_stock, ignoring disruption")
        fill_rate_textbook: float = Field(description="1 − ESC/Q at reorder_point with normal demand, no disruption")
        monte_carlo: MonteCarloResult = Field(description="the simulation of reorder_point with disruption")
        contingency_memo: str = Field(description="the memo: top risks with owner and response, and the stock line")


def report_summary(params: Params, inputs: RiskInputs, plan: InventoryPlan,
                   sim: risk.SupplyRiskSimulation) -> dict[str, Any]:
    """The headline: the top risk, risks rated high or critical, the textbook reorder point, the stock-out
    probability it gives with disruption, and the reorder point that meets the target."""
    register = inputs.register
    top = register.iloc[0]
    serious = int(register["band"].isin(["high", "critical"]).sum())
    low, high = (sim.stockout_probability - 1.96 * sim.mc_standard_error,
                 sim.stockout_probability + 1.96 * sim.mc_standard_error)
    figures = [
        {"label": tr("Top risk: {risk}", risk=translate_label(top["risk"])),
         "value": tr("{score} ({band})", score=int(top["score"]), band=translate_label(BAND_LABELS[top["band"]]))},
        {"label": tr("Risks rated high or critical"), "value": f"{serious} / {len(register)}"},
        {"label": tr("Textbook reorder point (safety stock)"),
         "value": f"{plan.reorder_point:,.0f} ({plan.safety_stock:,.0f})"},
        {"label": tr("Stock-out probability per cycle with disruption"), "value": f"{sim.stockout_probability:.2%}",
         "interval": tr("Monte Carlo 95% interval {low:.2%} to {high:.2%}", low=max(low, 0.0), high=high)},
        {"label": tr("Reorder point meeting {level:.1%} with disruption", level=params.service_level),
         "value": f"{sim.reorder_point_with_disruption:,.0f}"},
    ]
    return {"key_figures": figures, "rows_used": len(register)}


def build_results(params: Params, inputs: RiskInputs, responses: pd.DataFrame, plan: InventoryPlan,
                  sim: risk.SupplyRiskSimulation, text: str, memo: str) -> Results:
    """The validated ``results.json`` content of a run."""
    register = inputs.register
    columns = ["risk", "category", "likelihood", "impact", "score", "band", "owner", "response"]
    has_fmea = set(FMEA_COLUMNS) <= set(register.columns)
    fmea = risk.fmea_table(register) if has_fmea else pd.DataFrame()
    keep_fmea = ["risk", "severity", "occurrence", "detection", "rpn", "rpn_rank", "high_severity"]
    counts = register["band"].value_counts()
    simulation = sim.to_dict()
    return Results(
        template="risk_assessment",
        band_convention=tr(BAND_CONVENTION),
        register=register[columns].to_dict("records"),
        heat_map=risk.heat_map_counts(register).to_numpy().tolist(),
        band_counts={band: int(counts.get(band, 0)) for band in risk.BAND_ORDER},
        fmea=fmea[keep_fmea].to_dict("records") if has_fmea else [],
        responses=responses[["risk", "response", "action", "probability", "impact", "cost", "expected_loss",
                             "emv", "best"]].to_dict("records"),
        demand_mean=inputs.demand_mean,
        demand_sd=inputs.demand_sd,
        demand_source=inputs.demand_source,
        demand_periods=inputs.demand_periods,
        sd_lead_time_demand=plan.sd_lead_time_demand,
        safety_stock=plan.safety_stock,
        reorder_point=plan.reorder_point,
        fill_rate_textbook=plan.fill_rate,
        monte_carlo={"seed": params.seed, **{k: simulation[k] for k in MonteCarloResult.model_fields if k != "seed"}},
        contingency_memo=memo,
        recommendation=text,
        language=current_language(),
        summary=report_summary(params, inputs, plan, sim),
    )


SPEC = TemplateSpec(
    name="risk_assessment",
    purpose="Risk register on the 5×5 matrix, FMEA, EMV of responses, safety stock and a supplier-disruption "
    "Monte Carlo, with a contingency memo",
    chapter="6 Operational risk control",
    title="Risk assessment and contingency plan",
    question="Which risks need a plan first, and does the reorder point still hold once a supplier disruption "
    "is counted?",
    params=Params,
    results=Results,
)
