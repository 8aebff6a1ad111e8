"""Experiments: design and analysis of online A/B tests.

Every public name of the submodules is available from here (``from ecomops import experiments as ex;
ex.two_proportion_test(...)``):

================= ==========================================================================================
``design``        sample size (proportions, means), duration in whole weeks, the design tables
``proportions``   pooled two-proportion z test, Fisher's exact test, the rule choosing between them
``means``         Welch's t test from summary statistics or raw values
``ratios``        relative-lift intervals (delta, Fieller), ratio metrics by the delta method
``cuped``         CUPED variance reduction, from raw values or per-arm sums
``multiplicity``  Holm and Benjamini–Hochberg adjustments
``bayes``         exact beta-binomial probability to beat control and expected loss
``sequential``    mSPRT, asymptotic confidence sequences, the cost of peeking
``srm``           sample-ratio-mismatch check
``sufficient``    summary-level input (one row per variant) and the statistics taken from it
``events``        event files of any size reduced to per-variant sums with DuckDB
``results``       the frozen result dataclasses
================= ==========================================================================================

Conventions used throughout
---------------------------
* Arm **A is the control**, arm **B the treatment**; every difference is **treatment − control** (B − A) and
  the relative lift is ``mean_b / mean_a − 1``. With more than two arms the control comes first.
* ``alpha`` is always **two-sided**; intervals are ``1 − alpha`` intervals.
* Sample standard deviations and variances use ``ddof = 1``; the variance of a proportion is ``p(1 − p)``.
* Sample sizes are **rounded up** (``ceil``) to whole users, per arm; durations are rounded up to whole days
  and then to whole weeks (at least one week).
* The two-proportion p-value is the **pooled** z test (identical to Pearson's χ² on the 2×2 table **without**
  Yates' correction); its interval is the **unpooled** (Wald) interval. ``scipy.stats.chi2_contingency``
  applies Yates' correction by default, so its p-value differs (see :func:`two_proportion_test`).
* Revenue-type metrics use **Welch's** t test, never Student's.
* Ratio metrics whose denominator is not the randomisation unit (AOV = revenue / orders with visitors
  randomised) use the **delta method** on unit-level sums (Deng, Knoblich & Lu 2018).
* Counts are Python integers: 10¹² users per arm work everywhere.
* Randomness only through ``numpy.random.default_rng(seed)``.
* A bad argument raises ``ValueError`` with one message naming the argument, the value and what is allowed
  (:mod:`ecomops.checks`); a problem with input data raises :class:`ecomops.data.DataError`.

Importing the package does not import DuckDB; the event-file functions import it when first called.

Main references: Kohavi, Tang & Xu, *Trustworthy Online Controlled Experiments* (CUP 2020); Fleiss, Levin &
Paik, *Statistical Methods for Rates and Proportions* (3rd ed. 2003); the other sources are cited per
function.
"""

from __future__ import annotations

from . import bayes, cuped, design, events, means, multiplicity, proportions, ratios, results, sequential, srm
from . import sufficient

# explicit re-exports (``name as name``) for readers and static tools; ``__all__`` at the end is built from the
# submodules' own lists, so a new public name is added in its module only (and a test checks it is imported here)
from .bayes import (
    beta_binomial_prob_beat as beta_binomial_prob_beat,
)
from .cuped import (
    CUPED_STAT_KEYS as CUPED_STAT_KEYS,
    cuped_adjust as cuped_adjust,
    cuped_from_stats as cuped_from_stats,
)
from .design import (
    SAMPLE_SIZE_METHODS as SAMPLE_SIZE_METHODS,
    duration_for_sample_size as duration_for_sample_size,
    mde_duration_table as mde_duration_table,
    power_curve_table as power_curve_table,
    sample_size_alternatives as sample_size_alternatives,
    sample_size_means as sample_size_means,
    sample_size_two_proportions as sample_size_two_proportions,
)
from .events import (
    CHECK_SAMPLE_ROWS as CHECK_SAMPLE_ROWS,
    EVENT_FILE_TYPES as EVENT_FILE_TYPES,
    check_event_file as check_event_file,
    event_columns as event_columns,
    summarise_events as summarise_events,
    summarise_events_by as summarise_events_by,
)
from .means import (
    welch_t_test as welch_t_test,
    welch_t_test_from_stats as welch_t_test_from_stats,
)
from .multiplicity import (
    benjamini_hochberg_adjust as benjamini_hochberg_adjust,
    holm_adjust as holm_adjust,
)
from .proportions import (
    fisher_exact_test as fisher_exact_test,
    recommended_proportion_test as recommended_proportion_test,
    two_proportion_test as two_proportion_test,
)
from .ratios import (
    ratio_arm_stats as ratio_arm_stats,
    ratio_metric_delta as ratio_metric_delta,
    ratio_metric_delta_from_stats as ratio_metric_delta_from_stats,
    relative_lift_interval as relative_lift_interval,
    relative_lift_proportions as relative_lift_proportions,
)
from .results import (
    BayesResult as BayesResult,
    CupedResult as CupedResult,
    DurationResult as DurationResult,
    MeanTestResult as MeanTestResult,
    ProportionTestResult as ProportionTestResult,
    RatioArmStats as RatioArmStats,
    RatioMetricResult as RatioMetricResult,
    RelativeLiftResult as RelativeLiftResult,
    SampleSizeResult as SampleSizeResult,
    SequentialResult as SequentialResult,
    SrmResult as SrmResult,
)
from .sequential import (
    confidence_sequence_difference as confidence_sequence_difference,
    confidence_sequence_proportions as confidence_sequence_proportions,
    msprt_two_proportions as msprt_two_proportions,
    simulate_peeking_false_positive_rate as simulate_peeking_false_positive_rate,
)
from .srm import (
    srm_check as srm_check,
)
from .sufficient import (
    TOTALS_LABELS as TOTALS_LABELS,
    cuped_arm_stats as cuped_arm_stats,
    load_summary as load_summary,
    normalise_variant as normalise_variant,
    revenue_per_user_stats as revenue_per_user_stats,
    summary_row as summary_row,
    validate_summary as validate_summary,
)

SUBMODULES = (results, design, proportions, means, ratios, cuped, multiplicity, bayes, sequential, srm,
              sufficient, events)
"""The topic modules, in the order of the table above; each lists its public names in ``__all__``."""

__all__ = [name for module in SUBMODULES for name in module.__all__]
