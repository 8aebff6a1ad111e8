"""Argument checks shared by the method modules (:mod:`ecomops.experiments`, :mod:`ecomops.inventory`).

Each function takes the argument's name and value, returns the value in its working type and raises
``ValueError`` with one sentence naming the argument, the value given and what is allowed, e.g.
``alpha must be strictly between 0 and 1, got 1.5``. Problems with input *files* are not handled here: they raise
:class:`ecomops.data.DataError` in the data layer.

NaN fails every range check (``positive("x", nan)`` says "x must be > 0, got nan"), so a missing value never
slips through as a number.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "finite_number",
    "open_unit",
    "positive",
    "non_negative",
    "whole_number",
    "choice",
    "values_array",
    "shares",
]


def _number(name: str, value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def finite_number(name: str, value: object) -> float:
    """``value`` as a float; it must be a number and neither NaN nor infinite.

    Parameters
    ----------
    name : str
        The argument's name, used in the message.
    value : object
        Anything ``float()`` accepts.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When ``value`` is not a number or is not finite.
    """
    out = _number(name, value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return out


def open_unit(name: str, value: object) -> float:
    """``value`` as a float strictly between 0 and 1 (a probability, a level ``alpha``, a service level).

    Raises
    ------
    ValueError
        When ``value`` is not a number, or not in (0, 1) (NaN and infinities included).
    """
    out = _number(name, value)
    if not 0 < out < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value}")
    return out


def positive(name: str, value: object) -> float:
    """``value`` as a finite float > 0.

    Raises
    ------
    ValueError
        "must be > 0" for zero, negative values and NaN; "must be a finite number" for +inf.
    """
    out = _number(name, value)
    if not out > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if math.isinf(out):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return out


def non_negative(name: str, value: object) -> float:
    """``value`` as a finite float >= 0.

    Raises
    ------
    ValueError
        "must be >= 0" for negative values and NaN; "must be a finite number" for +inf.
    """
    out = _number(name, value)
    if not out >= 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    if math.isinf(out):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return out


def whole_number(name: str, value: object, minimum: int = 0) -> int:
    """``value`` as a Python ``int`` >= ``minimum``; ``3.0`` is accepted, ``2.5`` is not.

    Integers (Python or NumPy) are converted exactly, without passing through a float, so counts beyond 2⁵³
    keep every digit and products of counts never overflow a fixed-width integer.

    Raises
    ------
    ValueError
        When ``value`` is not a number, not finite, not whole or below ``minimum``.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        out = int(value)
        if out < minimum:
            raise ValueError(f"{name} must be a whole number >= {minimum}, got {value}")
        return out
    number = finite_number(name, value)
    if number != math.floor(number) or number < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value}")
    return int(number)


def choice(name: str, value: object, allowed: Sequence[str]) -> str:
    """``value`` when it is one of ``allowed`` (compared exactly), else ``ValueError`` listing the options."""
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return str(value)


def values_array(name: str, values: ArrayLike, min_size: int = 2) -> np.ndarray:
    """``values`` as a 1-D float array of at least ``min_size`` finite numbers.

    Raises
    ------
    ValueError
        When the values are not numbers, not 1-D, too few, or include NaN or infinities (the message counts them).
    """
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D array of numbers, got {type(values).__name__}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} values, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf), got {bad} non-finite")
    return arr


def shares(name: str, value: ArrayLike | None, k: int) -> np.ndarray:
    """``k`` positive shares summing to 1 (within 1e-6) as a float array; ``None`` gives equal shares 1/k.

    Raises
    ------
    ValueError
        When the shares are not numbers, not exactly ``k`` of them, not all positive or do not sum to 1.
    """
    if value is None:
        return np.full(k, 1.0 / k)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must list one numeric share per arm ({k}), got {value!r}") from None
    if arr.ndim != 1 or arr.size != k:
        raise ValueError(f"{name} must list one share per arm ({k}), got {np.atleast_1d(arr).tolist()}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0) or abs(arr.sum() - 1.0) > 1e-6:
        raise ValueError(f"{name} must be positive shares summing to 1, got {arr.tolist()}")
    return arr
