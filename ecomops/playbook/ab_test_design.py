"""The ``ab_test_design`` template (chapter 3.5): users per arm and whole weeks an A/B test needs, with the three
common sample-size formulas side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import Field, model_validator

from .. import experiments
from ..i18n import N_, current_language, tr, translate_label
from .base import TemplateParams, TemplateResults, TemplateSpec, param

__all__ = ["Params", "Results", "SPEC", "Design", "design", "arm_table", "formula_table", "mde_trade_off",
           "recommendation", "report_tables", "key_figures", "summary_preview", "build_results", "MDE_FACTORS"]

#: multiples of the chosen MDE shown in the MDE–duration trade-off
MDE_FACTORS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 2.0, 3.0)


class Params(TemplateParams):
    """Parameters of the ``ab_test_design`` template."""

    baseline_rate: float = param(0.20, unit="probability", gt=0.0, lt=1.0, help="Conversion rate of the control today")
    mde: float = param(
        0.05, unit="probability (absolute) or fraction of baseline (relative)", gt=0.0, lt=10.0,
        help="Smallest change worth detecting: points of rate (absolute) or a share of the baseline (relative)",
    )
    mde_kind: Literal["absolute", "relative"] = param(
        "absolute", unit="choice", help="absolute: 0.05 means +5 points; relative: 0.05 means +5 % of the baseline",
    )
    alpha: float = param(0.05, unit="probability", gt=0.0, le=0.2, help="Two-sided false-positive rate of each test")
    power: float = param(0.8, unit="probability", ge=0.5, lt=1.0, help="Chance of detecting a true effect of size mde")
    method: Literal["pooled", "evan_miller", "arcsine"] = param(
        "pooled", unit="choice",
        help="Sample-size formula: pooled (R power.prop.test), evan_miller (baseline variance under the null) or "
        "arcsine (Cohen's h)",
    )
    n_arms: int = param(
        2, unit="arms", ge=2, le=10, help="Number of arms, control included (Bonferroni across treatment-vs-control)",
    )
    allocation: list[float] = param(
        unit="shares", default_factory=list,
        help="Share of traffic per arm, control first, summing to 1; empty for an equal split",
    )
    daily_visitors: float = param(
        1000.0, unit="users per day", gt=0.0, help="Eligible visitors per day entering the test, all arms together",
    )

    @model_validator(mode="after")
    def _allocation_fits_arms(self) -> "Params":
        if self.allocation:
            if len(self.allocation) != self.n_arms:
                raise ValueError(
                    f"allocation has {len(self.allocation)} shares but n_arms is {self.n_arms}; give one share per arm"
                )
            if any(share <= 0 for share in self.allocation) or abs(sum(self.allocation) - 1) > 1e-6:
                raise ValueError(f"allocation shares must be positive and sum to 1, got {self.allocation}")
        treatment = self.baseline_rate + self.mde if self.mde_kind == "absolute" else self.baseline_rate * (1 + self.mde)
        if not 0 < treatment < 1:
            raise ValueError(
                f"baseline_rate {self.baseline_rate} with mde {self.mde} ({self.mde_kind}) gives a treatment rate of "
                f"{treatment:g}, outside (0, 1)"
            )
        return self

    def design_arguments(self) -> dict[str, Any]:
        """The keyword arguments every sample-size function of :mod:`ecomops.experiments` takes from these."""
        return dict(baseline_rate=self.baseline_rate, mde=self.mde, mde_kind=self.mde_kind, alpha=self.alpha,
                    allocation=self.allocation or None, n_arms=self.n_arms)


@dataclass(frozen=True)
class Design:
    """The chosen design, its duration, and the same design under each formula."""

    size: experiments.SampleSizeResult
    duration: experiments.DurationResult
    alternatives: dict[str, experiments.SampleSizeResult]


def design(params: Params) -> Design:
    """Users per arm with the chosen formula, the duration at the given traffic, and the other formulas."""
    size = experiments.sample_size_two_proportions(power=params.power, method=params.method, **params.design_arguments())
    alternatives = experiments.sample_size_alternatives(power=params.power, **params.design_arguments())
    return Design(size, experiments.duration_for_sample_size(size.n_total, params.daily_visitors), alternatives)


def arm_table(result: Design) -> pd.DataFrame:
    """Users needed in each arm, control first."""
    arms = [tr("control")] + [tr("treatment {k}", k=k) for k in range(1, len(result.size.n_per_arm))]
    return pd.DataFrame({"arm": arms, "users": result.size.n_per_arm})


def formula_table(result: Design, daily_visitors: float) -> pd.DataFrame:
    """The three formulas side by side: users in the largest arm, in total, and whole weeks."""
    sizes = result.alternatives.values()
    return pd.DataFrame(
        {
            N_("formula"): list(result.alternatives),
            N_("users in the largest arm"): [max(r.n_per_arm) for r in sizes],
            N_("users in total"): [r.n_total for r in sizes],
            N_("weeks"): [experiments.duration_for_sample_size(r.n_total, daily_visitors).weeks for r in sizes],
        }
    )


def mde_trade_off(params: Params) -> pd.DataFrame:
    """Whole weeks needed for a range of MDEs around the chosen one (see :data:`MDE_FACTORS`)."""
    arguments = {k: v for k, v in params.design_arguments().items() if k != "mde"}
    return experiments.mde_duration_table(
        mde_values=[params.mde * f for f in MDE_FACTORS], daily_visitors=params.daily_visitors,
        power=params.power, method=params.method, **arguments,
    )


def recommendation(params: Params, result: Design) -> str:
    """Plain-language design summary: users per arm, whole weeks, and what the other formulas would say."""
    size, duration = result.size, result.duration
    change = (tr("{points:g} points", points=params.mde * 100) if params.mde_kind == "absolute"
              else tr("{share:.0%} of the baseline", share=params.mde))
    arms = len(size.n_per_arm)
    per_arm = (
        tr("{n:,} users per arm", n=size.n_per_arm[0]) if len(set(size.n_per_arm)) == 1
        else tr("users per arm {counts} (control first)", counts=" / ".join(f"{n:,}" for n in size.n_per_arm))
    )
    others = tr(", ").join(
        tr("{formula} {n:,}", formula=translate_label(name), n=max(r.n_per_arm))
        for name, r in result.alternatives.items() if name != size.method
    )
    bonferroni = tr(" (Bonferroni: {alpha:.4g} per comparison)", alpha=size.alpha_per_comparison) if arms > 2 else ""
    return tr(
        "Run the test for {weeks} whole week(s) ({days_to_run} days; the traffic needs {days}) with {per_arm}, "
        "{total:,} in total over {arms} arms, to detect a change of {change} from a baseline of {baseline:.2%} "
        "with {power:.0%} power at a two-sided α of {alpha:g}{bonferroni}. Formula: {formula}; the other formulas "
        "would ask for {others} users in the largest arm. Decide the stopping day now and do not stop early on a "
        "good-looking p-value.",
        weeks=duration.weeks, days_to_run=duration.days_to_run, days=duration.days, per_arm=per_arm,
        total=size.n_total, arms=arms, change=change, baseline=params.baseline_rate, power=params.power,
        alpha=params.alpha, bonferroni=bonferroni, formula=translate_label(size.method),
        others=others,
    )


def report_tables(params: Params, result: Design) -> dict[str, pd.DataFrame]:
    """The report's main tables for ``results.xlsx``: users per arm, the three formulas, the MDE trade-off."""
    return {N_("Users per arm"): arm_table(result), N_("Formulas"): formula_table(result, params.daily_visitors),
            N_("MDE and duration"): mde_trade_off(params)}


def key_figures(params: Params, result: Design) -> list[dict[str, Any]]:
    """The report's headline figures: users per arm, users in total, whole weeks, and the effect sized for."""
    size, duration = result.size, result.duration
    return [
        {"label": tr("Users in the largest arm"), "value": f"{max(size.n_per_arm):,}"},
        {"label": tr("Users in total"), "value": f"{size.n_total:,}"},
        {"label": tr("Whole weeks to run"), "value": f"{duration.weeks}",
         "interval": tr("{days} days of traffic", days=duration.days)},
        {"label": tr("Conversion rate: control → treatment"),
         "value": f"{params.baseline_rate:.2%} → {size.treatment_rate:.2%}"},
        {"label": tr("Power at α"), "value": f"{params.power:.0%} @ {params.alpha:g}"},
    ]


class Results(TemplateResults):
    """``results.json`` of ``ab_test_design``."""

    template: Literal["ab_test_design"] = Field(description="`ab_test_design`")
    method: str = Field(description="the sample-size formula used: `pooled`, `evan_miller` or `arcsine`")
    n_per_arm: int = Field(description="users in the largest arm, rounded up to whole users")
    n_by_arm: list[int] = Field(description="users per arm, control first")
    n_total: int = Field(description="users over all arms")
    treatment_rate: float | None = Field(description="the treatment conversion rate the test is sized to detect")
    alpha_per_comparison: float = Field(description="α per treatment-vs-control comparison (Bonferroni)")
    duration_days: int = Field(description="days the traffic needs")
    duration_weeks: int = Field(description="whole weeks to run (at least one)")
    alternatives: dict[str, int] = Field(description="users in the largest arm under each of the three formulas")


def build_results(params: Params, result: Design, text: str) -> Results:
    """The validated ``results.json`` content of a run."""
    size = result.size
    return Results(
        template="ab_test_design", method=size.method, n_per_arm=max(size.n_per_arm), n_by_arm=size.n_per_arm,
        n_total=size.n_total, treatment_rate=size.treatment_rate, alpha_per_comparison=size.alpha_per_comparison,
        duration_days=result.duration.days, duration_weeks=result.duration.weeks,
        alternatives={name: max(r.n_per_arm) for name, r in result.alternatives.items()}, recommendation=text,
        language=current_language(), summary={"key_figures": key_figures(params, result)},
    )


def summary_preview(languages: tuple[str, ...] = ("en", "zh")) -> str:
    """The first screen of the default design's report in each language, side by side (HTML, for the book)."""
    from ..i18n import use_language
    from ..report import summary_html

    before, parts = current_language(), []
    try:
        for language in languages:
            use_language(language)
            params = Params(language=language)
            result = design(params)
            results = build_results(params, result, recommendation(params, result)).model_dump(mode="json")
            parts.append(f'<div style="flex:1;min-width:18rem;border:1px solid #d9dee3;padding:.5rem 1rem" '
                         f'lang="{language}">{summary_html(tr(SPEC.title), tr(SPEC.question), results, title_tag="strong")}</div>')
    finally:
        use_language(before)
    return '<div style="display:flex;gap:1rem;flex-wrap:wrap">' + "".join(parts) + "</div>"


SPEC = TemplateSpec(
    name="ab_test_design",
    purpose="Users per arm and whole weeks an A/B test needs, with three sample-size formulas compared",
    chapter="3.5 Continuous optimisation",
    title="A/B test design",
    question="How many users, and how many whole weeks, does this test need to detect the effect we care about?",
    params=Params,
    results=Results,
)
