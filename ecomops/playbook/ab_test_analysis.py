"""The ``ab_test_analysis`` template (chapter 3.5): an A/B test readout on per-variant sufficient statistics.

Every step takes a *summary* table with one row per variant (``variant, users, conversions`` and, when revenue
was measured, ``revenue_sum, revenue_sum_sq``; with a pre-period covariate also ``pre_revenue_sum,
pre_revenue_sum_sq, revenue_pre_revenue_sum``): what :func:`ecomops.experiments.summarise_events` computes from
an event log, or what a warehouse ``GROUP BY variant`` query returns. The statistics are in
:mod:`ecomops.experiments`:

* conversion rate: pooled z test p-value (Fisher's exact test when an expected cell count of the 2×2 table is
  below 5), unpooled (Wald) interval for the difference, delta-method interval for the relative lift, exact
  beta-binomial probability to beat control with a Beta(1, 1) prior;
* revenue per user: Welch's t test from (mean, sd, n), delta-method relative interval;
* p-values across treatment arms are Holm-adjusted per metric; segment results are exploratory and
  Benjamini–Hochberg-adjusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Mapping

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from .. import experiments as ex
from ..data import DataError, load_table, require_numeric, resolve_input
from ..i18n import N_, current_language, tr, translate_label
from .base import ResultPart, TemplateParams, TemplateResults, TemplateSpec, interval_text, param, styled

__all__ = [
    "Params",
    "Results",
    "SPEC",
    "Inputs",
    "arm_table",
    "srm_from_summary",
    "srm_table",
    "compare_arms",
    "cuped_comparison",
    "cuped_table",
    "segment_comparisons",
    "cumulative_effect",
    "effect_over_time",
    "preregistration_table",
    "decision_memo",
    "report_tables",
    "report_summary",
    "srm_gate_text",
    "styled_comparisons",
    "styled_multiplicity",
    "styled_segments",
    "build_results",
]


class Params(TemplateParams):
    """Parameters of the ``ab_test_analysis`` template."""

    input_path_fields = ("data_path",)

    data_path: str = param(
        "datasets/ab_test_events.csv.gz", unit="file path",
        help="Events (one row per user: variant, converted 0/1, optional revenue, pre_revenue, date) or a summary "
        "(one row per variant: variant, users, conversions, optional revenue_sum, revenue_sum_sq); CSV, CSV.gz, "
        "Parquet (XLSX for summaries)",
    )
    sheet: str | int = param(
        0, unit="sheet name or position",
        help="Worksheet of an XLSX summary: its name, or its position counting from 0; ignored for other files",
    )
    data_kind: Literal["events", "summary"] = param(
        "events", unit="choice",
        help="events: one row per user; summary: one row per variant, or per date (and segment_by value) and "
        "variant as `ecomops sql ab_test_analysis` computes them in a warehouse",
    )
    control: str = param(
        "control", unit="variant name", min_length=1, help="Name of the control variant as written in the data",
    )
    alpha: float = param(
        0.05, unit="probability", gt=0.0, le=0.2, help="Two-sided false-positive rate; intervals are 1 − alpha",
    )
    expected_split: dict[str, float] = param(
        unit="variant name: share", default_factory=dict,
        help="Designed share of users per variant, e.g. {control: 0.5, treatment: 0.5}, summing to 1; empty "
        "for an equal split",
    )
    segment_by: str = param(
        "", unit="column name", help="Column of the event data to break results down by (exploratory); empty for none",
    )

    @field_validator("control", mode="after")
    @classmethod
    def _strip_control(cls, control: str) -> str:
        return control.strip()

    @field_validator("expected_split", mode="before")
    @classmethod
    def _mapping_of_shares(cls, shares: Any) -> Any:
        if isinstance(shares, (list, tuple)):
            if not shares:
                return {}
            raise ValueError(
                "expected_split must name each variant with its share, e.g. {control: 0.5, treatment: 0.5}; a plain "
                "list of shares is not accepted because it cannot say which share belongs to which variant"
            )
        return shares

    @field_validator("expected_split", mode="after")
    @classmethod
    def _shares_sum_to_one(cls, shares: dict[str, float]) -> dict[str, float]:
        shares = {str(k).strip(): v for k, v in shares.items()}
        if shares and (any(s <= 0 for s in shares.values()) or abs(sum(shares.values()) - 1) > 1e-6):
            raise ValueError(f"shares must be positive and sum to 1, got {shares}")
        return shares

    def _path(self) -> Path:
        return resolve_input(self.data_path, None, Params.model_fields["data_path"].default)

    def _check_summary(self, summary: pd.DataFrame, source: str) -> pd.DataFrame:
        summary = ex.validate_summary(summary, source, self.control)
        if self.expected_split:
            variants = [str(v) for v in summary["variant"]]
            missing = [v for v in variants if v not in self.expected_split]
            unknown = [v for v in self.expected_split if v not in variants]
            if missing or unknown:
                problems = ([f"no share for {', '.join(map(repr, missing))}"] if missing else []) + (
                    [f"{', '.join(map(repr, unknown))} not in the data"] if unknown else [])
                raise DataError(
                    f"{source}: expected_split does not match the variants ({'; '.join(problems)}); the data's "
                    f"variants are: {', '.join(variants)}"
                )
        return summary

    def check_inputs(self) -> None:
        """Check the header, types and a bounded sample (events) or the whole small summary table."""
        path = self._path()
        if self.data_kind == "summary":
            self._summary_views(path)
            return
        columns = ex.check_event_file(path, segment_by=self.segment_by or None)
        if self.segment_by and self.segment_by not in columns:
            raise DataError(f"{path}: segment_by column {self.segment_by!r} is missing; columns present: "
                            f"{', '.join(columns)}")

    def load_inputs(self) -> "Inputs":
        """Reduce the data to per-variant sufficient statistics (DuckDB for events) and check them."""
        path = self._path()
        source = str(path)
        by_date = by_segment = None
        if self.data_kind == "summary":
            summary, by_date, by_segment = self._summary_views(path)
        else:
            columns = ex.event_columns(path)
            if self.segment_by and self.segment_by not in columns:
                raise DataError(f"{source}: segment_by column {self.segment_by!r} is missing; columns present: "
                                f"{', '.join(columns)}")
            groups = list(dict.fromkeys([*(["date"] if "date" in columns else []),
                                         *([self.segment_by.strip()] if self.segment_by else [])]))
            if not groups:
                summary = ex.summarise_events(path)
            else:  # one scan per (group…, variant); every view below is a sum of it
                cells = ex.summarise_events_by(path, groups)
                summary = _roll_up(cells, [])
                if "date" in groups:
                    by_date = _roll_up(cells, ["date"])[["date", "variant", "users", "conversions"]]
                if self.segment_by:
                    segment = self.segment_by.strip()
                    by_segment = _roll_up(cells, [segment])[[segment, "variant", "users", "conversions"]]
        summary = self._check_summary(summary, source)
        return Inputs(summary=summary, by_date=by_date, by_segment=by_segment, source=source)


    def _summary_views(self, path: Path) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
        """A summary file's per-variant sums, and its per-date and per-segment views when it has rows per
        ``date`` and/or per ``segment_by`` value (the sums add up, as for events)."""
        frame = load_table(path, sheet=self.sheet)
        source = str(frame.attrs.get("source") or path)
        segment = self.segment_by.strip()
        if segment and segment not in frame.columns:
            raise DataError(f"{source}: segment_by column {segment!r} is missing from the summary; columns present: "
                            f"{', '.join(map(str, frame.columns))}")
        keys = [*(["date"] if "date" in frame.columns else []), *([segment] if segment else [])]
        if not keys:
            return self._check_summary(ex.validate_summary(frame, source, None), source), None, None
        sums = [c for c in frame.columns if c in ("users", "conversions") or str(c).endswith(("_sum", "_sum_sq"))]
        cells = frame.assign(**require_numeric(frame, sums, source)[sums])
        if "date" in keys:
            cells["date"] = pd.to_datetime(cells["date"])
        summary = self._check_summary(ex.validate_summary(_roll_up(cells, []), source, None), source)
        by_date = _roll_up(cells, ["date"])[["date", "variant", "users", "conversions"]] if "date" in keys else None
        by_segment = _roll_up(cells, [segment])[[segment, "variant", "users", "conversions"]] if segment else None
        return summary, by_date, by_segment


def _roll_up(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per-(keys, variant) sums of finer per-(groups, variant) sums, sorted as a direct scan would sort them."""
    sums = [c for c in cells.columns if c == "users" or c == "conversions" or c.endswith("_sum")
            or c.endswith("_sum_sq")]
    rolled = cells.groupby([*keys, "variant"], dropna=False, sort=False, as_index=False)[sums].sum()
    rolled = rolled.sort_values([*keys, "variant"], na_position="first", kind="stable").reset_index(drop=True)
    rolled.attrs = dict(cells.attrs)
    return rolled


@dataclass(frozen=True)
class Inputs:
    """What the notebook works from: per-variant sums, and per date / per segment when the events allow."""

    summary: pd.DataFrame
    by_date: pd.DataFrame | None
    by_segment: pd.DataFrame | None
    source: str

    def treatments(self, control: str) -> list[str]:
        """Every variant but the control, in the data's order."""
        return [str(v) for v in self.summary["variant"] if v != control]


def _has_revenue(summary: pd.DataFrame) -> bool:
    return {"revenue_sum", "revenue_sum_sq"} <= set(summary.columns)


def arm_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per variant: users, conversions, conversion rate and, with revenue, revenue per user and its sd."""
    table = summary[["variant", "users", "conversions"]].copy()
    table["conversion_rate"] = table["conversions"] / table["users"]
    if _has_revenue(summary):
        stats = [ex.revenue_per_user_stats(row) for _, row in summary.iterrows()]
        table["revenue_per_user"] = [s[0] for s in stats]
        table["revenue_sd"] = [s[1] for s in stats]
    return table


def srm_from_summary(summary: pd.DataFrame, expected_split: Mapping[str, float] | None = None) -> ex.SrmResult:
    """Sample-ratio-mismatch check of the users per variant against the designed split (variant → share)."""
    shares = [expected_split[str(v)] for v in summary["variant"]] if expected_split else None
    return ex.srm_check([int(u) for u in summary["users"]], shares)


def srm_table(summary: pd.DataFrame, srm: ex.SrmResult) -> pd.DataFrame:
    """Users per variant with their observed and designed shares."""
    return pd.DataFrame({"variant": summary["variant"], "users": summary["users"],
                         "observed share": srm.observed_shares, "designed share": srm.expected_shares})


def _conversion_row(control: pd.Series, arm: pd.Series, alpha: float) -> dict[str, Any]:
    ca, na, cb, nb = int(control["conversions"]), int(control["users"]), int(arm["conversions"]), int(arm["users"])
    test = ex.recommended_proportion_test(ca, na, cb, nb, alpha=alpha)
    lift = ex.relative_lift_proportions(ca, na, cb, nb, alpha=alpha, method="delta")
    bayes = ex.beta_binomial_prob_beat(ca, na, cb, nb)
    return {
        "variant": str(arm["variant"]), "metric": "conversion_rate", "control_value": test.rate_a,
        "variant_value": test.rate_b, "abs_lift": test.abs_lift, "abs_ci": list(test.abs_ci),
        "rel_lift": lift.relative_lift, "rel_ci": list(lift.ci), "p_value": test.p_value, "test": test.method,
        "prob_beat_control": bayes.prob_b_beats_a, "expected_loss": bayes.expected_loss_b,
    }


def _revenue_row(control: pd.Series, arm: pd.Series, alpha: float) -> dict[str, Any]:
    mean_a, sd_a, n_a = ex.revenue_per_user_stats(control)
    mean_b, sd_b, n_b = ex.revenue_per_user_stats(arm)
    test = ex.welch_t_test_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b, alpha=alpha)
    if mean_a > 0:
        lift = ex.relative_lift_interval(mean_a, sd_a**2 / n_a, mean_b, sd_b**2 / n_b, alpha=alpha, method="delta")
        rel, rel_ci = lift.relative_lift, list(lift.ci)
    else:
        rel, rel_ci = float("nan"), [float("nan"), float("nan")]
    return {
        "variant": str(arm["variant"]), "metric": "revenue_per_user", "control_value": mean_a,
        "variant_value": mean_b, "abs_lift": test.difference, "abs_ci": list(test.ci), "rel_lift": rel,
        "rel_ci": rel_ci, "p_value": test.p_value, "test": test.method, "prob_beat_control": None,
        "expected_loss": None,
    }


COMPARISON_COLUMNS = ["variant", "metric", "control_value", "variant_value", "abs_lift", "abs_ci", "rel_lift",
                      "rel_ci", "p_value", "p_value_adjusted", "test", "prob_beat_control", "expected_loss"]


def compare_arms(summary: pd.DataFrame, control: str, alpha: float = 0.05) -> pd.DataFrame:
    """Every treatment against the control on conversion rate (and revenue per user when present).

    Columns: ``variant, metric, control_value, variant_value, abs_lift, abs_ci, rel_lift, rel_ci, p_value,
    p_value_adjusted, test (which test gave the p-value), prob_beat_control, expected_loss``.
    ``p_value_adjusted`` is Holm across the treatment arms, separately for each metric (equal to ``p_value``
    with one treatment).
    """
    if control not in set(summary["variant"]):
        raise ValueError(f"control {control!r} is not a variant; variants are {sorted(map(str, summary['variant']))}")
    control_row = summary[summary["variant"] == control].iloc[0]
    arms = summary[summary["variant"] != control]
    rows = [_conversion_row(control_row, arm, alpha) for _, arm in arms.iterrows()]
    if _has_revenue(summary):
        rows += [_revenue_row(control_row, arm, alpha) for _, arm in arms.iterrows()]
    table = pd.DataFrame(rows)
    table["p_value_adjusted"] = np.nan
    for _, part in table.groupby("metric", sort=False):
        table.loc[part.index, "p_value_adjusted"] = ex.holm_adjust(part["p_value"].to_numpy())
    return table[COMPARISON_COLUMNS]


def cuped_comparison(summary: pd.DataFrame, control: str, variant: str, alpha: float = 0.05) -> ex.CupedResult:
    """Revenue per user of one variant against the control, adjusted with the pre-period revenue (CUPED)."""
    rows = summary.set_index("variant", drop=False)
    return ex.cuped_from_stats(ex.cuped_arm_stats(rows.loc[control]), ex.cuped_arm_stats(rows.loc[variant]),
                               alpha=alpha)


def cuped_table(summary: pd.DataFrame, control: str, alpha: float = 0.05) -> pd.DataFrame:
    """Unadjusted and CUPED-adjusted revenue differences for every treatment (empty without a pre-period)."""
    if "pre_revenue_sum" not in summary:
        return pd.DataFrame()
    rows = []
    for variant in (str(v) for v in summary["variant"] if v != control):
        cuped = cuped_comparison(summary, control, variant, alpha)
        for label, result in (("unadjusted", cuped.unadjusted), ("CUPED", cuped.adjusted)):
            rows.append({"variant": variant, "analysis": label, "difference": result.difference, "se": result.se,
                         "ci_low": result.ci[0], "ci_high": result.ci[1], "p_value": result.p_value,
                         "variance_removed": cuped.variance_reduction if label == "CUPED" else np.nan})
    return pd.DataFrame(rows)


def segment_comparisons(by_segment: pd.DataFrame | None, segment_column: str, control: str,
                        alpha: float = 0.05) -> pd.DataFrame:
    """Conversion comparisons within each segment (exploratory), with Benjamini–Hochberg-adjusted p-values across
    all segment × variant comparisons. Segments where an arm has fewer than 2 users are skipped."""
    if by_segment is None:
        return pd.DataFrame()
    rows = []
    for segment, part in by_segment.groupby(segment_column, sort=True, dropna=False):
        part = part.reset_index(drop=True)
        if control not in set(part["variant"]) or (part["users"] < 2).any():
            continue
        table = compare_arms(part[["variant", "users", "conversions"]], control, alpha)
        table.insert(0, "segment", "(blank)" if pd.isna(segment) else str(segment))
        rows.append(table)
    if not rows:
        return pd.DataFrame()
    result = pd.concat(rows, ignore_index=True)
    result["p_value_bh"] = ex.benjamini_hochberg_adjust(result["p_value"].to_numpy())
    return result


def cumulative_effect(by_date: pd.DataFrame, control: str, variant: str, alpha: float = 0.05) -> pd.DataFrame:
    """The absolute conversion lift and its fixed-horizon interval as the data accumulated day by day, with the
    always-valid confidence sequence beside it (what a peeking analyst would have seen, and what is safe to see).
    """
    daily = by_date.pivot_table(index="date", columns="variant", values=["users", "conversions"], aggfunc="sum")
    daily = daily.sort_index().fillna(0).cumsum()
    users_a, users_b = daily["users"][control].to_numpy(), daily["users"][variant].to_numpy()
    conv_a, conv_b = daily["conversions"][control].to_numpy(), daily["conversions"][variant].to_numpy()
    keep = (users_a > 1) & (users_b > 1)
    rows = []
    for i in np.flatnonzero(keep):
        test = ex.two_proportion_test(int(conv_a[i]), int(users_a[i]), int(conv_b[i]), int(users_b[i]), alpha=alpha)
        rows.append({"date": daily.index[i], "abs_lift": test.abs_lift, "ci_low": test.abs_ci[0],
                     "ci_high": test.abs_ci[1], "p_value": test.p_value})
    table = pd.DataFrame(rows)
    if len(table):
        sequence = ex.confidence_sequence_proportions(
            conv_a[keep].astype(int), users_a[keep].astype(int), conv_b[keep].astype(int), users_b[keep].astype(int),
            alpha=alpha,
        )
        table["cs_low"] = sequence.ci_lower_by_look
        table["cs_high"] = sequence.ci_upper_by_look
    return table


def effect_over_time(by_date: pd.DataFrame | None, control: str, treatments: list[str],
                     alpha: float = 0.05) -> pd.DataFrame:
    """:func:`cumulative_effect` for every treatment, stacked with a ``variant`` column (empty without dates)."""
    if by_date is None:
        return pd.DataFrame()
    parts = [cumulative_effect(by_date, control, v, alpha).assign(variant=v) for v in treatments]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def preregistration_table(params: Params, inputs: Inputs) -> pd.DataFrame:
    """What was decided before the data came in: data, arms, metrics, α and the designed split."""
    summary = inputs.summary
    treatments = inputs.treatments(params.control)
    split = (" / ".join(f"{k} {v:.0%}" for k, v in params.expected_split.items())
             if params.expected_split else tr("equal"))
    items = [tr("data"), tr("control"), tr("treatments"), tr("primary metric"), tr("guardrail"),
             tr("α (two-sided)"), tr("designed split")]
    values = [Path(inputs.source).name, params.control, ", ".join(treatments), tr("conversion rate"),
              tr("revenue per user") if _has_revenue(summary) else tr("none measured"), f"{params.alpha:g}", split]
    return pd.DataFrame({N_("item"): items, N_("value"): values})


def decision_memo(comparisons: pd.DataFrame, srm: ex.SrmResult, alpha: float = 0.05) -> dict[str, str]:
    """The decision in one line and the reasoning, from the primary metric (conversion rate), the revenue
    guardrail and the SRM gate. Returns ``{"decision": "ship" | "keep control" | "inconclusive" | "blocked",
    "headline": ..., "text": ...}``."""
    level = f"{1 - alpha:.0%}"
    if srm.status == "block":
        return {
            "decision": "blocked",
            "headline": tr("Do not decide: the split of users is off (SRM p = {p:.2g}).", p=srm.p_value),
            "text": tr("The arms did not receive the designed shares of users, so the comparison is not "
                       "trustworthy. Find the cause (bots, redirects, logging that depends on the variant) before "
                       "reading any result."),
        }
    primary = comparisons[comparisons["metric"] == "conversion_rate"].copy()
    winners = primary[(primary["p_value_adjusted"] < alpha) & (primary["abs_lift"] > 0)]
    guard = comparisons[comparisons["metric"] == "revenue_per_user"].set_index("variant")
    caution = (tr(" Note: the split of users is borderline (SRM warning); check the assignment.")
               if srm.status == "warn" else "")
    if len(winners):
        best = winners.loc[winners["rel_lift"].idxmax()]
        harmed = (
            best["variant"] in guard.index
            and guard.loc[best["variant"], "p_value_adjusted"] < alpha
            and guard.loc[best["variant"], "abs_lift"] < 0
        )
        lift = tr("{lift:+.1%} conversion, {level} CI {low:+.1%} to {high:+.1%} (adjusted p = {p:.2g}, "
                  "P(beats control) = {prob:.1%})", lift=best["rel_lift"], level=level, low=best["rel_ci"][0],
                  high=best["rel_ci"][1], p=best["p_value_adjusted"], prob=best["prob_beat_control"])
        if harmed:
            return {
                "decision": "keep control",
                "headline": tr("Do not ship {variant} yet: {lift}, but revenue per user fell.",
                               variant=best["variant"], lift=lift),
                "text": tr("The primary metric improved but the revenue guardrail moved significantly the wrong "
                           "way; investigate before shipping.") + caution,
            }
        return {
            "decision": "ship",
            "headline": tr("Ship {variant}: {lift}.", variant=best["variant"], lift=lift),
            "text": tr("The improvement in conversion is significant after the Holm correction for the number of "
                       "variants, and no guardrail moved significantly the wrong way.") + caution,
        }
    losers = primary[(primary["p_value_adjusted"] < alpha) & (primary["abs_lift"] < 0)]
    if len(losers) == len(primary):
        return {
            "decision": "keep control",
            "headline": tr("Keep the control: every variant converts significantly worse."),
            "text": tr("Each treatment's conversion rate is significantly below the control's.") + caution,
        }
    best = primary.loc[primary["rel_lift"].idxmax()]
    return {
        "decision": "inconclusive",
        "headline": tr("No clear winner: the best variant, {variant}, is {lift:+.1%} ({level} CI {low:+.1%} to "
                       "{high:+.1%}, adjusted p = {p:.2g}).", variant=best["variant"], lift=best["rel_lift"],
                       level=level, low=best["rel_ci"][0], high=best["rel_ci"][1], p=best["p_value_adjusted"]),
        "text": tr("The data are compatible with no effect. Keep the control, or run to the pre-registered "
                   "sample size if it has not been reached; do not extend the test just because the result is "
                   "close.") + caution,
    }


SRM_GATE_TEXT = {
    "ok": N_("**SRM check passed**"),
    "warn": N_("**SRM WARNING**: the split is borderline; check the assignment before trusting the result"),
    "block": N_("**SRM BLOCK: the split of users is broken. The results below are reported for diagnosis only, "
                "not for a decision.**"),
}
ARM_FORMATS = {"users": "{:,}", "conversions": "{:,}", "conversion_rate": "{:.3%}", "revenue_per_user": "{:.3f}",
               "revenue_sd": "{:.3f}"}
CUPED_FORMATS = {"difference": "{:+.4f}", "se": "{:.4f}", "ci_low": "{:+.4f}", "ci_high": "{:+.4f}",
                 "p_value": "{:.3g}", "variance_removed": "{:.1%}"}
P_FORMATS = {"p_value": "{:.3g}", "p_value_adjusted": "{:.3g}", "p_value_bh": "{:.3g}"}


def srm_gate_text(srm: ex.SrmResult) -> str:
    """The SRM gate in one line (Markdown): passed, warning or block, with χ², df and p."""
    return tr(SRM_GATE_TEXT[srm.status]) + f" (χ² = {srm.chi2:.2f}, df = {srm.df}, p = {srm.p_value:.3g})."


def styled_comparisons(table: pd.DataFrame) -> Any:
    """One metric's comparisons as the notebook shows them, intervals written out."""
    shown = table.assign(
        abs_ci=table["abs_ci"].map(lambda ci: interval_text(ci[0], ci[1], "+.4f")),
        rel_ci=table["rel_ci"].map(lambda ci: interval_text(ci[0], ci[1], "+.1%")),
    )
    columns = ["variant", "control_value", "variant_value", "abs_lift", "abs_ci", "rel_lift", "rel_ci", "p_value",
               "p_value_adjusted"]
    formats = {"control_value": "{:.4f}", "variant_value": "{:.4f}", "abs_lift": "{:+.4f}", "rel_lift": "{:+.1%}",
               **P_FORMATS}
    return styled(shown, formats, columns)


def styled_multiplicity(comparisons: pd.DataFrame) -> Any:
    """Raw and Holm-adjusted p-values of every treatment and metric, or a note with one treatment."""
    if comparisons["variant"].nunique() < 2:
        from IPython.display import Markdown

        return Markdown(tr("One treatment: the adjusted p-value equals the p-value."))
    return styled(comparisons, P_FORMATS, ["variant", "metric", "p_value", "p_value_adjusted"])


def styled_segments(segments: pd.DataFrame) -> Any:
    """The exploratory per-segment results, or a note when there are none."""
    if segments.empty:
        from IPython.display import Markdown

        return Markdown(tr("No segment breakdown requested (`segment_by` is empty), or no segment has data in "
                           "every arm."))
    formats = {"control_value": "{:.4f}", "variant_value": "{:.4f}", "rel_lift": "{:+.1%}", **P_FORMATS}
    return styled(segments, formats, ["segment", "variant", "control_value", "variant_value", "rel_lift", "p_value",
                                      "p_value_bh"])


class SrmSummary(ResultPart):
    chi2: float = Field(description="Pearson χ² of the users per variant against the designed split")
    p_value: float = Field(description="its p-value")
    status: Literal["ok", "warn", "block"] = Field(description="`ok`, `warn` below p = 0.01, `block` below 0.001")


class ArmResult(ResultPart):
    variant: str = Field(description="variant name")
    users: int = Field(description="users in the variant")
    conversions: int = Field(description="users who converted")
    conversion_rate: float = Field(description="conversions ÷ users")


class ComparisonResult(ResultPart):
    variant: str = Field(description="the treatment compared with the control")
    metric: Literal["conversion_rate", "revenue_per_user"] = Field(description="the metric compared")
    control_value: float | None = Field(description="the control's value of the metric")
    variant_value: float | None = Field(description="the treatment's value")
    abs_lift: float | None = Field(description="treatment − control")
    abs_ci: list[float | None] = Field(description="interval of abs_lift (unpooled Wald; Welch for revenue)")
    rel_lift: float | None = Field(description="abs_lift ÷ control_value")
    rel_ci: list[float | None] = Field(description="interval of rel_lift (delta method)")
    p_value: float | None = Field(description="two-sided p-value of the test named in `test`")
    p_value_adjusted: float | None = Field(description="Holm-adjusted across treatments, per metric")
    test: str = Field(description="pooled z, Fisher's exact test (an expected count below 5) or Welch's t")
    prob_beat_control: float | None = Field(description="P(treatment rate > control rate), Beta(1, 1) prior")
    expected_loss: float | None = Field(description="expected rate given up if the treatment is shipped and worse")


class CupedResultRow(ResultPart):
    variant: str = Field(description="the treatment")
    analysis: Literal["unadjusted", "CUPED"] = Field(description="without or with the pre-period adjustment")
    difference: float | None = Field(description="revenue per user, treatment − control")
    se: float | None = Field(description="standard error of the difference")
    ci_low: float | None = Field(description="lower end of the interval")
    ci_high: float | None = Field(description="upper end of the interval")
    p_value: float | None = Field(description="two-sided p-value")
    variance_removed: float | None = Field(description="share of the variance CUPED removed (CUPED rows)")


class SegmentResultRow(ResultPart):
    segment: str = Field(description="value of segment_by")
    variant: str = Field(description="the treatment")
    rel_lift: float | None = Field(description="relative conversion lift within the segment")
    p_value: float | None = Field(description="p-value within the segment")
    p_value_bh: float | None = Field(description="Benjamini–Hochberg-adjusted over all segment × variant rows")


class Results(TemplateResults):
    """``results.json`` of ``ab_test_analysis``."""

    template: Literal["ab_test_analysis"] = Field(description="`ab_test_analysis`")
    alpha: float = Field(description="two-sided false-positive rate")
    srm: SrmSummary = Field(description="the sample-ratio check")
    arms: list[ArmResult] = Field(description="per variant: users, conversions, conversion rate")
    comparisons: list[ComparisonResult] = Field(description="per treatment and metric, against the control")
    cuped: list[CupedResultRow] = Field(description="revenue with and without CUPED (empty without pre_revenue)")
    segments: list[SegmentResultRow] = Field(description="exploratory per-segment conversion results")
    decision: Literal["ship", "keep control", "inconclusive", "blocked"] = Field(description="the decision")


def report_tables(params: Params, inputs: Inputs, srm: ex.SrmResult, comparisons: pd.DataFrame,
                  cuped: pd.DataFrame, segments: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The report's main tables for ``results.xlsx``: pre-registration, the SRM check, the arms, the
    comparisons, CUPED and segments (the last two when there are any)."""
    tables = {N_("Pre-registration"): preregistration_table(params, inputs),
              N_("Sample-ratio check"): srm_table(inputs.summary, srm), N_("Arms"): arm_table(inputs.summary),
              N_("Comparisons"): comparisons.drop(columns=["metric_label"], errors="ignore")}
    if len(cuped):
        tables[N_("CUPED")] = cuped
    if len(segments):
        tables[N_("Segments")] = segments
    return tables


def report_summary(params: Params, inputs: Inputs, srm: ex.SrmResult, comparisons: pd.DataFrame,
                   memo: Mapping[str, str]) -> dict[str, Any]:
    """The report's headline: the decision, the best treatment's lift with its interval, the rates, the SRM
    check and users; and the rows (users) and dates of the data."""
    level = f"{1 - params.alpha:.0%}"
    primary = comparisons[comparisons["metric"] == "conversion_rate"]
    best = primary.loc[primary["rel_lift"].idxmax()]
    figures = [
        {"label": tr("Decision"), "value": translate_label(memo["decision"])},
        {"label": tr("Relative lift in conversion, {variant}", variant=best["variant"]),
         "value": f"{best['rel_lift']:+.1%}",
         "interval": tr("{level} CI {interval}", level=level,
                        interval=interval_text(best["rel_ci"][0], best["rel_ci"][1], "+.1%"))},
        {"label": tr("Conversion rate: control → {variant}", variant=best["variant"]),
         "value": f"{best['control_value']:.2%} → {best['variant_value']:.2%}"},
        {"label": tr("Sample-ratio check"), "value": translate_label(srm.status), "interval": f"p = {srm.p_value:.3g}"},
        {"label": tr("Users"), "value": f"{int(inputs.summary['users'].sum()):,}"},
    ]
    dates = inputs.by_date["date"] if inputs.by_date is not None and len(inputs.by_date) else None
    return {
        "key_figures": figures,
        "rows_used": int(inputs.summary["users"].sum()) if params.data_kind == "events" else len(inputs.summary),
        "date_from": None if dates is None else str(pd.to_datetime(dates).min().date()),
        "date_to": None if dates is None else str(pd.to_datetime(dates).max().date()),
    }


def build_results(params: Params, inputs: Inputs, srm: ex.SrmResult, comparisons: pd.DataFrame,
                  cuped: pd.DataFrame, segments: pd.DataFrame, memo: Mapping[str, str]) -> Results:
    """The validated ``results.json`` content of a run."""
    segment_keys = ["segment", "variant", "rel_lift", "p_value", "p_value_bh"]
    return Results(
        template="ab_test_analysis",
        alpha=params.alpha,
        srm={"chi2": srm.chi2, "p_value": srm.p_value, "status": srm.status},
        arms=arm_table(inputs.summary)[["variant", "users", "conversions", "conversion_rate"]].to_dict("records"),
        comparisons=comparisons.to_dict("records"),
        cuped=cuped.to_dict("records") if len(cuped) else [],
        segments=segments[segment_keys].to_dict("records") if len(segments) else [],
        decision=memo["decision"],
        recommendation=f"{memo['headline']} {memo['text']}",
        language=current_language(),
        summary=report_summary(params, inputs, srm, comparisons, memo),
    )


SPEC = TemplateSpec(
    name="ab_test_analysis",
    purpose="A/B test readout: SRM gate, lifts with intervals, Holm across variants, Bayesian view, decision",
    chapter="3.5 Continuous optimisation",
    title="A/B test analysis",
    question="Did the change work: is the split healthy, how large is the effect, and should we ship it?",
    params=Params,
    results=Results,
)
