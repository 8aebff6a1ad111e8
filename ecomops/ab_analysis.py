"""A/B test analysis on per-variant sufficient statistics: the steps of the ``ab_test_analysis`` template.

Every function takes a *summary* table with one row per variant (``variant, users, conversions`` and, when
revenue was measured, ``revenue_sum, revenue_sum_sq``; with a pre-period covariate also ``pre_revenue_sum,
pre_revenue_sum_sq, revenue_pre_revenue_sum``) — what :mod:`ecomops.abdata` computes from an event log, or what a
warehouse ``GROUP BY variant`` query returns. The statistics themselves are in :mod:`ecomops.experiments`:

* conversion rate: pooled z test p-value (Fisher's exact test when an expected cell count of the 2×2 table is
  below 5), unpooled (Wald) interval for the difference, delta-method interval
  for the relative lift, exact beta-binomial probability to beat control with a Beta(1, 1) prior;
* revenue per user: Welch's t test from (mean, sd, n), delta-method relative interval;
* p-values across treatment arms are Holm-adjusted per metric; segment results are exploratory and
  Benjamini–Hochberg-adjusted.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from . import experiments as ex
from .abdata import cuped_arm_stats, revenue_per_user_stats

__all__ = [
    "arm_table",
    "srm_from_summary",
    "compare_arms",
    "cuped_comparison",
    "segment_comparisons",
    "cumulative_effect",
    "decision_memo",
]


def _has_revenue(summary: pd.DataFrame) -> bool:
    return {"revenue_sum", "revenue_sum_sq"} <= set(summary.columns)


def arm_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per variant: users, conversions, conversion rate and, with revenue, revenue per user and its sd."""
    table = summary[["variant", "users", "conversions"]].copy()
    table["conversion_rate"] = table["conversions"] / table["users"]
    if _has_revenue(summary):
        stats = [revenue_per_user_stats(row) for _, row in summary.iterrows()]
        table["revenue_per_user"] = [s[0] for s in stats]
        table["revenue_sd"] = [s[1] for s in stats]
    return table


def srm_from_summary(summary: pd.DataFrame, expected_split: Sequence[float] | None = None) -> ex.SrmResult:
    """Sample-ratio-mismatch check of the users per variant (in the summary's order) against the designed split."""
    return ex.srm_check(summary["users"].astype(int).tolist(), list(expected_split) if expected_split else None)


def _conversion_row(control: pd.Series, arm: pd.Series, alpha: float) -> dict[str, Any]:
    ca, na, cb, nb = int(control["conversions"]), int(control["users"]), int(arm["conversions"]), int(arm["users"])
    test = ex.recommended_proportion_test(ca, na, cb, nb, alpha=alpha)
    lift = ex.relative_lift_proportions(ca, na, cb, nb, alpha=alpha, method="delta")
    bayes = ex.beta_binomial_prob_beat(ca, na, cb, nb)
    return {
        "variant": str(arm["variant"]),
        "metric": "conversion_rate",
        "control_value": test.rate_a,
        "variant_value": test.rate_b,
        "abs_lift": test.abs_lift,
        "abs_ci": list(test.abs_ci),
        "rel_lift": lift.relative_lift,
        "rel_ci": list(lift.ci),
        "p_value": test.p_value,
        "test": test.method,
        "prob_beat_control": bayes.prob_b_beats_a,
        "expected_loss": bayes.expected_loss_b,
    }


def _revenue_row(control: pd.Series, arm: pd.Series, alpha: float) -> dict[str, Any]:
    mean_a, sd_a, n_a = revenue_per_user_stats(control)
    mean_b, sd_b, n_b = revenue_per_user_stats(arm)
    test = ex.welch_t_test_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b, alpha=alpha)
    if mean_a > 0:
        lift = ex.relative_lift_interval(mean_a, sd_a**2 / n_a, mean_b, sd_b**2 / n_b, alpha=alpha, method="delta")
        rel, rel_ci = lift.relative_lift, list(lift.ci)
    else:
        rel, rel_ci = float("nan"), [float("nan"), float("nan")]
    return {
        "variant": str(arm["variant"]),
        "metric": "revenue_per_user",
        "control_value": mean_a,
        "variant_value": mean_b,
        "abs_lift": test.difference,
        "abs_ci": list(test.ci),
        "rel_lift": rel,
        "rel_ci": rel_ci,
        "p_value": test.p_value,
        "test": test.method,
        "prob_beat_control": None,
        "expected_loss": None,
    }


def compare_arms(summary: pd.DataFrame, control: str, alpha: float = 0.05) -> pd.DataFrame:
    """Every treatment against the control on conversion rate (and revenue per user when present).

    Columns: ``variant, metric, control_value, variant_value, abs_lift, abs_ci, rel_lift, rel_ci, p_value,
    p_value_adjusted, test (which test gave the p-value), prob_beat_control, expected_loss``. ``p_value_adjusted`` is Holm across the treatment arms,
    separately for each metric (equal to ``p_value`` with one treatment).
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
    for metric, part in table.groupby("metric", sort=False):
        table.loc[part.index, "p_value_adjusted"] = ex.holm_adjust(part["p_value"].to_numpy())
    order = ["variant", "metric", "control_value", "variant_value", "abs_lift", "abs_ci", "rel_lift", "rel_ci",
             "p_value", "p_value_adjusted", "test", "prob_beat_control", "expected_loss"]
    return table[order]


def cuped_comparison(summary: pd.DataFrame, control: str, variant: str, alpha: float = 0.05) -> ex.CupedResult:
    """Revenue per user of one variant against the control, adjusted with the pre-period revenue (CUPED)."""
    rows = summary.set_index("variant", drop=False)
    return ex.cuped_from_stats(cuped_arm_stats(rows.loc[control]), cuped_arm_stats(rows.loc[variant]), alpha=alpha)


def segment_comparisons(by_segment: pd.DataFrame, segment_column: str, control: str, alpha: float = 0.05) -> pd.DataFrame:
    """Conversion comparisons within each segment (exploratory), with Benjamini–Hochberg-adjusted p-values across
    all segment × variant comparisons. Segments where an arm has fewer than 2 users are skipped."""
    rows = []
    for segment, part in by_segment.groupby(segment_column, sort=True):
        part = part.reset_index(drop=True)
        if control not in set(part["variant"]) or (part["users"] < 2).any():
            continue
        table = compare_arms(part[["variant", "users", "conversions"]], control, alpha)
        table.insert(0, "segment", str(segment))
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


def decision_memo(comparisons: pd.DataFrame, srm: ex.SrmResult, alpha: float = 0.05) -> dict[str, str]:
    """The decision in one line and the reasoning, from the primary metric (conversion rate), the revenue
    guardrail and the SRM gate. Returns ``{"decision": "ship" | "keep control" | "inconclusive" | "blocked",
    "headline": ..., "text": ...}``."""
    level = f"{1 - alpha:.0%}"
    if srm.status == "block":
        return {
            "decision": "blocked",
            "headline": f"Do not decide: the split of users is off (SRM p = {srm.p_value:.2g}).",
            "text": "The arms did not receive the designed shares of users, so the comparison is not trustworthy. "
            "Find the cause (bots, redirects, logging that depends on the variant) before reading any result.",
        }
    primary = comparisons[comparisons["metric"] == "conversion_rate"].copy()
    winners = primary[(primary["p_value_adjusted"] < alpha) & (primary["abs_lift"] > 0)]
    guard = comparisons[comparisons["metric"] == "revenue_per_user"].set_index("variant")
    caution = " Note: the split of users is borderline (SRM warning); check the assignment." if srm.status == "warn" else ""
    if len(winners):
        best = winners.loc[winners["rel_lift"].idxmax()]
        harmed = (
            best["variant"] in guard.index
            and guard.loc[best["variant"], "p_value_adjusted"] < alpha
            and guard.loc[best["variant"], "abs_lift"] < 0
        )
        lift = (f"{best['rel_lift']:+.1%} conversion, {level} CI {best['rel_ci'][0]:+.1%} to {best['rel_ci'][1]:+.1%}"
                f" (adjusted p = {best['p_value_adjusted']:.2g}, P(beats control) = {best['prob_beat_control']:.1%})")
        if harmed:
            return {
                "decision": "keep control",
                "headline": f"Do not ship {best['variant']} yet: {lift}, but revenue per user fell.",
                "text": "The primary metric improved but the revenue guardrail moved significantly the wrong way; "
                "investigate before shipping." + caution,
            }
        return {
            "decision": "ship",
            "headline": f"Ship {best['variant']}: {lift}.",
            "text": "The improvement in conversion is significant after the Holm correction for the number of "
            "variants, and no guardrail moved significantly the wrong way." + caution,
        }
    losers = primary[(primary["p_value_adjusted"] < alpha) & (primary["abs_lift"] < 0)]
    if len(losers) == len(primary):
        return {
            "decision": "keep control",
            "headline": "Keep the control: every variant converts significantly worse.",
            "text": "Each treatment's conversion rate is significantly below the control's." + caution,
        }
    best = primary.loc[primary["rel_lift"].idxmax()]
    return {
        "decision": "inconclusive",
        "headline": (f"No clear winner: the best variant, {best['variant']}, is {best['rel_lift']:+.1%} "
                     f"({level} CI {best['rel_ci'][0]:+.1%} to {best['rel_ci'][1]:+.1%}, adjusted p = "
                     f"{best['p_value_adjusted']:.2g})."),
        "text": "The data are compatible with no effect. Keep the control, or run to the pre-registered sample "
        "size if it has not been reached; do not extend the test just because the result is close." + caution,
    }
