"""Bayesian readout of a conversion test: the exact beta-binomial probability to beat control and expected loss."""

from __future__ import annotations

import math

import numpy as np
import scipy  # SciPy loads a submodule on first use, so importing this module stays cheap

from ..checks import positive
from ._common import check_counts
from .results import BayesResult

__all__ = ["beta_binomial_prob_beat"]

_CLOSED_FORM_MAX_TERMS = 1_000_000


def _is_whole(v: float) -> bool:
    return float(v).is_integer()


def _prob_greater_closed(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X₁ > X₂), X₁ ~ Beta(a1, b1), X₂ ~ Beta(a2, b2), for whole a1 (Evan Miller 2015, in log space):
    Σ_{i=0}^{a1−1} B(a2 + i, b1 + b2) / ((b1 + i)·B(1 + i, b1)·B(a2, b2))."""
    i = np.arange(int(a1), dtype=float)
    log_terms = (
        scipy.special.betaln(a2 + i, b1 + b2) - np.log(b1 + i) - scipy.special.betaln(1 + i, b1) - scipy.special.betaln(a2, b2)
    )
    return float(np.exp(scipy.special.logsumexp(log_terms)))


def _prob_greater_quad(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X₁ > X₂) = ∫ f₂(x)·S₁(x) dx by adaptive quadrature over the window holding all but 2e-15 of X₂'s
    mass, split at the means so the narrow posterior peaks of large samples are resolved."""
    lo, hi = scipy.stats.beta.ppf(1e-15, a2, b2), scipy.stats.beta.isf(1e-15, a2, b2)
    cuts = sorted({lo, hi, *(m for m in (a1 / (a1 + b1), a2 / (a2 + b2)) if lo < m < hi)})
    total = 0.0
    for left, right in zip(cuts[:-1], cuts[1:]):
        value, _ = scipy.integrate.quad(
            lambda t: scipy.stats.beta.pdf(t, a2, b2) * scipy.stats.beta.sf(t, a1, b1),
            left,
            right,
            epsabs=1e-13,
            epsrel=1e-11,
            limit=200,
        )
        total += value
    return float(min(1.0, max(0.0, total)))


def _prob_greater(a1: float, b1: float, a2: float, b2: float) -> tuple[float, str]:
    if _is_whole(a1) and a1 <= min(a2 if _is_whole(a2) else math.inf, _CLOSED_FORM_MAX_TERMS):
        return _prob_greater_closed(a1, b1, a2, b2), "closed_form"
    if _is_whole(a2) and a2 <= _CLOSED_FORM_MAX_TERMS:
        return 1.0 - _prob_greater_closed(a2, b2, a1, b1), "closed_form"
    return _prob_greater_quad(a1, b1, a2, b2), "quadrature"


def beta_binomial_prob_beat(
    conversions_a: int,
    users_a: int,
    conversions_b: int,
    users_b: int,
    prior_alpha: float = 1.0,
    prior_beta: float = 1.0,
) -> BayesResult:
    """Exact posterior probability that B converts better than A, and the expected loss of each choice.

    Posteriors p_A ~ Beta(α₀ + c_A, β₀ + n_A − c_A), p_B likewise (same prior for both arms; Beta(1, 1)
    uniform by default, Beta(0.5, 0.5) is Jeffreys'). ``P(p_B > p_A)`` uses Evan Miller's closed-form sum
    ("Formulas for Bayesian A/B testing", 2015) evaluated in log space when a posterior α is a whole number
    (up to 10⁶ terms), otherwise adaptive quadrature ∫ f_A(x)·P(p_B > x) dx over the region holding the
    posterior mass; both are exact to ~1e-10, also for large samples (no normal approximation).
    Expected loss (Stucchio 2014) in closed form through the same function: with A⁺ ~ Beta(α_A + 1, β_A),
    ``E[max(p_A − p_B, 0)] = μ_A·P(A⁺ > B) − μ_B·P(A > B⁺)``.
    Example: 3/20 vs 7/20 with a uniform prior gives P(B > A) = 0.9205. A Bayesian readout is not protected
    against peeking: decide the stopping rule in advance. Counts of 10¹² users per arm work (the posteriors
    are then handled by quadrature).

    Parameters
    ----------
    conversions_a, users_a, conversions_b, users_b : int
        Counts per arm as in :func:`~ecomops.experiments.two_proportion_test`.
    prior_alpha, prior_beta : float
        The Beta prior of both arms (> 0).

    Returns
    -------
    BayesResult
        P(p_B > p_A), the expected loss of shipping B and of keeping A, the posterior means and parameters,
        and which method computed the probability (``"closed_form"`` or ``"quadrature"``).
    """
    ca, na = check_counts(conversions_a, users_a, "a")
    cb, nb = check_counts(conversions_b, users_b, "b")
    a0, b0 = positive("prior_alpha", prior_alpha), positive("prior_beta", prior_beta)
    aa, ba = a0 + ca, b0 + na - ca
    ab, bb = a0 + cb, b0 + nb - cb
    mean_a, mean_b = aa / (aa + ba), ab / (ab + bb)
    prob_b, how = _prob_greater(ab, bb, aa, ba)
    # E[max(p_A − p_B, 0)] and E[max(p_B − p_A, 0)]
    loss_b = mean_a * _prob_greater(aa + 1, ba, ab, bb)[0] - mean_b * _prob_greater(aa, ba, ab + 1, bb)[0]
    loss_a = mean_b * _prob_greater(ab + 1, bb, aa, ba)[0] - mean_a * _prob_greater(ab, bb, aa + 1, ba)[0]
    return BayesResult(
        prob_b_beats_a=prob_b,
        expected_loss_b=max(loss_b, 0.0),
        expected_loss_a=max(loss_a, 0.0),
        mean_a=mean_a,
        mean_b=mean_b,
        posterior_a=(aa, ba),
        posterior_b=(ab, bb),
        method=how,
    )
