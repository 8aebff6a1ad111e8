"""Generate the synthetic and derived data sets in ``datasets/``, byte for byte reproducibly.

Files written (their data cards in ``datasets/README.md`` repeat the ground truth stated here):

* ``ab_test_events.csv.gz`` — a simulated two-arm A/B test, one row per user (seed ``SEED_EVENTS``);
* ``ab_test_events_srm.csv.gz`` — a smaller simulated test whose split is broken by a bot filter that runs in
  the treatment arm only; true lift 0 (seed ``SEED_SRM``);
* ``ab_test_three_arms_summary.csv`` — summary statistics (one row per arm) of a simulated three-arm test
  (seed ``SEED_THREE_ARMS``);
* ``asos_binary_final_checkpoints.csv`` and ``asos_3c9dfd_summary.csv`` — derived without random numbers from
  the real ASOS Digital Experiments file (CC BY 4.0);
* ``ab_test_event_log.csv.gz`` — the raw tables of a small simulated test as a warehouse holds them (one row per
  assignment and per purchase), for the sufficient-statistics query of section 3.5 (seed ``SEED_EVENT_LOG``; its
  ground truth is in :func:`make_ab_test_event_log`).

The simulated users
-------------------
Every simulated user belongs to one of three hidden classes (``CLASSES``): *rare* (80 % of users),
*occasional* (17 %) and *loyal* (3 %). In the control arm a user converts (places at least one order in the
14-day test) with probability 1.125 %, 10 % and 80 % by class, so the true control conversion rate is exactly
0.80·0.01125 + 0.17·0.10 + 0.03·0.80 = 5.000 %. A treatment multiplies every class's conversion probability by
its ``multiplier`` (1.10 in the main test: a true relative lift of exactly +10 %, i.e. 5.500 %). A converter
places 1 + Poisson(0, 0.2, 1.5) orders; a user's order values are ``w · v`` with a user-level spending factor
w ~ LogNormal(mean 1, σ_log 0.4) and independent order values v ~ LogNormal(mean 60, σ_log 0.4) (currency units,
rounded to cents). The treatment changes neither the number of orders of a converter nor order values, so
revenue per user moves by the same +10 %: its true mean is 60 · Σ share · p · (1 + extra orders) = 5.364 in
control and 5.9004 in treatment. ``pre_revenue`` (the 4 weeks before the test) is the value of
Poisson(0.05, 0.6, 6.0) orders with the same w, so it predicts revenue (correlation ≈ 0.6: CUPED removes
roughly 35–40 % of the variance). The device depends on the class (``DEVICE_SHARES``), so devices differ in their
baseline rates while the relative lift is +10 % on every device and on every day. Exposure dates follow a weekly
pattern (``WEEKDAY_WEIGHTS``) over 14 days from Monday 2024-03-04; the effect does not change over time.

Reproducibility: ``numpy.random.default_rng(seed)``, integer cents formatted exactly, ``\\n`` line ends, gzip
with ``mtime=0``, no file name in the header and compression level 9. The bytes depend on NumPy's generator
streams and on zlib; ``--check`` reports whether a difference is in the content or only in the compression.

Usage: ``python scripts/make_datasets.py [--check] [--out DIR]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import io
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATASETS_DIR = ROOT / "datasets"

SEED_EVENTS = 20240304
# The SRM file is small, so chance alone can move its humans' conversion rates apart as much as the bots do.
# Its seed is the first from 20240305 upward whose humans differ by less than 1 SE between the arms
# (srm_humans_z), so that the spurious lift in the file comes from the bots, as the lesson needs.
SEED_SRM = 20240306
SEED_THREE_ARMS = 20240307
# The event log was first generated inside the page of section 3.5 with this seed; the file keeps its draws, so
# the page shows the same numbers as before.
SEED_EVENT_LOG = 35

ORDER_VALUE_MEAN = 60.0  # currency units per order
ORDER_VALUE_SIGMA = 0.4  # σ of log order value
SPEND_FACTOR_SIGMA = 0.4  # σ of the log user-level spending factor (mean 1)


@dataclass(frozen=True)
class UserClass:
    """A hidden class of users: share, control conversion probability in the test, extra orders per converter
    (Poisson mean) and orders in the 4-week pre-period (Poisson mean)."""

    name: str
    share: float
    conversion: float
    extra_orders: float
    pre_orders: float


CLASSES = (
    UserClass("rare", 0.80, 0.01125, 0.0, 0.05),
    UserClass("occasional", 0.17, 0.10, 0.2, 0.6),
    UserClass("loyal", 0.03, 0.80, 1.5, 6.0),
)
DEVICES = ("mobile", "desktop", "tablet")
DEVICE_SHARES = {  # P(device | class)
    "rare": (0.65, 0.28, 0.07),
    "occasional": (0.55, 0.37, 0.08),
    "loyal": (0.45, 0.47, 0.08),
}
TEST_START = dt.date(2024, 3, 4)  # a Monday
TEST_DAYS = 14
WEEKDAY_WEIGHTS = (1.00, 0.95, 0.95, 1.00, 1.10, 1.30, 1.25)  # Monday … Sunday: more first visits at weekends

EVENTS_USERS = 40_000
EVENTS_MULTIPLIER = 1.10  # true relative lift on conversion (and on revenue per user)
SRM_HUMANS = 10_000
SRM_BOTS = 800
THREE_ARMS_USERS = 120_000
THREE_ARMS = (("control", 1.00), ("treatment_1", 1.00), ("treatment_2", 1.12))

# The event log (make_ab_test_event_log): personal purchase rates, baskets and the calendar of the test.
EVENT_LOG_USERS = 4_000  # the first half of the user ids in variant A, the second half in B
EVENT_LOG_MULTIPLIER = 1.10  # B multiplies every user's purchase rate by this
EVENT_LOG_RATE = (0.25, 0.5)  # Gamma(shape, scale) of a user's purchases per week: mean 0.125
EVENT_LOG_BASKET = (2.0, 60.0)  # Gamma(shape, scale) of a user's typical basket, yuan: mean 120
EVENT_LOG_ORDER_SIGMA = 0.3  # an order's value is the basket times LogNormal(0, 0.3) (mean e^0.045)
EVENT_LOG_PRE_WEEKS = 4  # the pre-period holds Poisson(4 × weekly rate) purchases
EVENT_LOG_PRE_START = pd.Timestamp("2026-10-05")  # pre-period purchases fall in [2026-10-05, 2026-11-01)
EVENT_LOG_PRE_DAYS = 27
EVENT_LOG_TEST_START = pd.Timestamp("2026-11-02")  # assignments at whole hours of the first 13 days
EVENT_LOG_TEST_END = pd.Timestamp("2026-11-16")  # test purchases at least 1 hour before the end
EVENT_LOG_ASSIGN_HOURS = 13 * 24

ASOS_RAW = "asos_digital_experiments.csv"
ASOS_CASE = "3c9dfd"


# ------------------------------------------------------------------------------------------------ ground truth


def true_conversion(multiplier: float = 1.0, device: str | None = None) -> float:
    """True conversion rate of an arm whose class conversion probabilities are multiplied by ``multiplier``
    (over all users, or among the users of one ``device``)."""
    weights = np.array([c.share * (1.0 if device is None else DEVICE_SHARES[c.name][DEVICES.index(device)])
                        for c in CLASSES])
    rates = np.array([c.conversion * multiplier for c in CLASSES])
    return float(weights @ rates / weights.sum())


def true_revenue_per_user(multiplier: float = 1.0) -> float:
    """True mean revenue per user (currency units) of an arm, before rounding to cents."""
    return float(sum(c.share * c.conversion * multiplier * (1 + c.extra_orders) for c in CLASSES) * ORDER_VALUE_MEAN)


def event_log_truth(multiplier: float = 1.0) -> dict[str, float]:
    """True means per assigned user of an arm of the event-log test whose purchase rates are multiplied by
    ``multiplier``: the test-period purchase count, conversion (at least one purchase), revenue, and the
    pre-period revenue (the same for both arms).

    With weekly rate λ ~ Gamma(k, θ) and N ~ Poisson(m·λ): E[N] = m·k·θ, P(N ≥ 1) = 1 − (1 + m·θ)^(−k) (the
    Laplace transform of the gamma law), and revenue = Σ basket · LogNormal(0, σ) has mean E[N] · E[basket] · e^(σ²/2)
    because rate, basket and order noise are independent.
    """
    shape, scale = EVENT_LOG_RATE
    order_value = EVENT_LOG_BASKET[0] * EVENT_LOG_BASKET[1] * float(np.exp(EVENT_LOG_ORDER_SIGMA**2 / 2))
    purchases = multiplier * shape * scale
    return {
        "purchases_per_user": purchases,
        "conversion": 1 - (1 + multiplier * scale) ** -shape,
        "revenue_per_user": purchases * order_value,
        "pre_revenue_per_user": EVENT_LOG_PRE_WEEKS * shape * scale * order_value,
    }


def ground_truth() -> dict[str, dict[str, float]]:
    """The documented truth of each simulated file: conversion rates and revenue per user by arm."""
    def arm(multiplier: float) -> dict[str, float]:
        return {"conversion": true_conversion(multiplier), "revenue_per_user": true_revenue_per_user(multiplier)}

    log_a, log_b = event_log_truth(1.0), event_log_truth(EVENT_LOG_MULTIPLIER)

    return {
        "ab_test_events": {"control": arm(1.0), "treatment": arm(EVENTS_MULTIPLIER),
                           "relative_lift": EVENTS_MULTIPLIER - 1, "seed": SEED_EVENTS},
        "ab_test_events_srm": {"control_humans": arm(1.0), "treatment_humans": arm(1.0), "relative_lift": 0.0,
                               "bot_share": SRM_BOTS / (SRM_HUMANS + SRM_BOTS), "seed": SEED_SRM},
        "ab_test_three_arms_summary": {**{name: arm(m) for name, m in THREE_ARMS}, "seed": SEED_THREE_ARMS},
        "ab_test_event_log": {"A": log_a, "B": log_b,
                              "relative_lift_revenue": log_b["revenue_per_user"] / log_a["revenue_per_user"] - 1,
                              "relative_lift_conversion": log_b["conversion"] / log_a["conversion"] - 1,
                              "seed": SEED_EVENT_LOG},
    }


# ------------------------------------------------------------------------------------------------- simulation


def _lognormal(rng: np.random.Generator, mean: float, sigma: float, size: int) -> np.ndarray:
    """LogNormal draws with the given arithmetic mean and log-scale σ."""
    return np.exp(rng.normal(np.log(mean) - sigma**2 / 2, sigma, size))


def _order_totals(rng: np.random.Generator, orders: np.ndarray, spend: np.ndarray) -> np.ndarray:
    """Value of each user's ``orders`` (LogNormal order values times the user's spending factor), in cents."""
    values = _lognormal(rng, ORDER_VALUE_MEAN, ORDER_VALUE_SIGMA, int(orders.sum()))
    owner = np.repeat(np.arange(orders.size), orders)
    totals = spend * np.bincount(owner, weights=values, minlength=orders.size)
    return np.rint(totals * 100).astype(np.int64)


def simulate_users(rng: np.random.Generator, multiplier: np.ndarray) -> dict[str, np.ndarray]:
    """Simulate one user per entry of ``multiplier`` (the arm's conversion multiplier).

    Returns arrays: ``user_class`` (index into CLASSES), ``device`` (index into DEVICES), ``day`` (0–13),
    ``converted`` (0/1), ``revenue_cents`` and ``pre_revenue_cents`` (int64).
    """
    n = multiplier.size
    shares = np.array([c.share for c in CLASSES])
    user_class = rng.choice(len(CLASSES), size=n, p=shares)
    device_cdf = np.cumsum([DEVICE_SHARES[c.name] for c in CLASSES], axis=1)
    device_cdf[:, -1] = 1.0
    device = (rng.random(n)[:, None] > device_cdf[user_class]).sum(axis=1)
    weekday = np.array([WEEKDAY_WEIGHTS[(TEST_START.weekday() + d) % 7] for d in range(TEST_DAYS)])
    day = rng.choice(TEST_DAYS, size=n, p=weekday / weekday.sum())
    spend = _lognormal(rng, 1.0, SPEND_FACTOR_SIGMA, n)
    p = np.array([c.conversion for c in CLASSES])[user_class] * multiplier
    converted = (rng.random(n) < p).astype(np.int64)
    extra = rng.poisson(np.array([c.extra_orders for c in CLASSES])[user_class])
    revenue = _order_totals(rng, converted * (1 + extra), spend)
    pre_orders = rng.poisson(np.array([c.pre_orders for c in CLASSES])[user_class])
    pre_revenue = _order_totals(rng, pre_orders, spend)
    return {"user_class": user_class, "device": device, "day": day, "converted": converted,
            "revenue_cents": revenue, "pre_revenue_cents": pre_revenue}


# ---------------------------------------------------------------------------------------------------- writing


def format_cents(cents: int) -> str:
    """Exact decimal text of a non-negative amount in cents: 1234 → '12.34'."""
    return f"{cents // 100}.{cents % 100:02d}"


def _events_text(user_ids: list[str], variant: np.ndarray, users: dict[str, np.ndarray]) -> str:
    dates = [(TEST_START + dt.timedelta(days=d)).isoformat() for d in range(TEST_DAYS)]
    lines = ["user_id,variant,converted,revenue,pre_revenue,date,device"]
    for uid, arm, conv, rev, pre, day, dev in zip(
        user_ids, variant.tolist(), users["converted"].tolist(), users["revenue_cents"].tolist(),
        users["pre_revenue_cents"].tolist(), users["day"].tolist(), users["device"].tolist(),
    ):
        lines.append(f"{uid},{arm},{conv},{format_cents(rev)},{format_cents(pre)},{dates[day]},{DEVICES[dev]}")
    return "\n".join(lines) + "\n"


def write_gzip_text(path: Path, text: str) -> None:
    """Write UTF-8 text gzip-compressed, deterministically (mtime 0, no file name in the header, level 9)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    path.write_bytes(buffer.getvalue())


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text with ``\\n`` line ends on every platform."""
    path.write_bytes(text.encode("utf-8"))


def _user_ids(count: int) -> list[str]:
    return [f"u{i:07d}" for i in range(1, count + 1)]


def make_ab_test_events(out_dir: Path) -> Path:
    """The main A/B test: 40,000 users, 50/50 at random, true lift +10 % (see the module docstring)."""
    rng = np.random.default_rng(SEED_EVENTS)
    treated = rng.random(EVENTS_USERS) < 0.5
    users = simulate_users(rng, np.where(treated, EVENTS_MULTIPLIER, 1.0))
    variant = np.where(treated, "treatment", "control")
    path = out_dir / "ab_test_events.csv.gz"
    write_gzip_text(path, _events_text(_user_ids(EVENTS_USERS), variant, users))
    return path


def _srm_population(seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(is_bot, treated, users) of the SRM test before the bot filter, all from ``seed``."""
    rng = np.random.default_rng(seed)
    total = SRM_HUMANS + SRM_BOTS
    is_bot = np.zeros(total, dtype=bool)
    is_bot[rng.choice(total, size=SRM_BOTS, replace=False)] = True
    treated = rng.random(total) < 0.5
    return is_bot, treated, simulate_users(rng, np.ones(total))


def srm_humans_z(seed: int = SEED_SRM) -> float:
    """Pooled z of treatment − control conversion among the *humans* of the SRM test drawn with ``seed``."""
    is_bot, treated, users = _srm_population(seed)
    a = users["converted"][~is_bot & ~treated]
    b = users["converted"][~is_bot & treated]
    pooled = (a.sum() + b.sum()) / (a.size + b.size)
    return float((b.mean() - a.mean()) / np.sqrt(pooled * (1 - pooled) * (1 / a.size + 1 / b.size)))


def make_ab_test_events_srm(out_dir: Path) -> Path:
    """A test with a sample-ratio mismatch: 10,000 users and 800 bots randomised 50/50, true lift 0.

    Bots never buy and have no pre-period revenue; a bot filter that runs only on the treatment page drops the
    bots assigned to treatment, so control keeps ≈ 400 bots: ≈ 5,400 vs 5,000 users (52/48) and control's
    observed conversion is diluted to ≈ 4.63 % against 5 % in treatment — a spurious +8 % "lift".
    Rows are in user-id order; the dropped bots leave gaps in the ids.
    """
    total = SRM_HUMANS + SRM_BOTS
    is_bot, treated, users = _srm_population(SEED_SRM)
    for column in ("converted", "revenue_cents", "pre_revenue_cents"):
        users[column] = np.where(is_bot, 0, users[column])
    users["device"] = np.where(is_bot, DEVICES.index("desktop"), users["device"])
    keep = ~(is_bot & treated)
    kept = {k: v[keep] for k, v in users.items()}
    ids = [uid for uid, k in zip(_user_ids(total), keep.tolist()) if k]
    variant = np.where(treated[keep], "treatment", "control")
    path = out_dir / "ab_test_events_srm.csv.gz"
    write_gzip_text(path, _events_text(ids, variant, kept))
    return path


def make_three_arms_summary(out_dir: Path) -> Path:
    """Summary of a three-arm test: 120,000 users, a third each at random; true lifts 0 % and +12 %."""
    rng = np.random.default_rng(SEED_THREE_ARMS)
    arm = rng.choice(len(THREE_ARMS), size=THREE_ARMS_USERS)
    multipliers = np.array([m for _, m in THREE_ARMS])
    users = simulate_users(rng, multipliers[arm])
    lines = ["variant,users,conversions,revenue_sum,revenue_sum_sq"]
    for k, (name, _) in enumerate(THREE_ARMS):
        cents = [int(c) for c in users["revenue_cents"][arm == k]]
        sum_sq = sum(c * c for c in cents)  # exact, in cents²
        conversions = int(users["converted"][arm == k].sum())
        lines.append(f"{name},{len(cents)},{conversions},{format_cents(sum(cents))},"
                     f"{sum_sq // 10_000}.{sum_sq % 10_000:04d}")
    path = out_dir / "ab_test_three_arms_summary.csv"
    write_text(path, "\n".join(lines) + "\n")
    return path


def asos_final_checkpoints(raw: pd.DataFrame) -> pd.DataFrame:
    """The last checkpoint of every experiment × variant of the binary metric (metric_id 1) of the ASOS file.

    ``conversions = round(mean × count)`` per arm (the products are within 0.03 of whole numbers); ``days`` is
    ``time_since_start`` rounded to 6 decimals (removing floating-point noise such as 3.0000000000000004).
    """
    binary = raw[raw["metric_id"] == 1]
    last = binary.loc[binary.groupby(["experiment_id", "variant_id"])["time_since_start"].idxmax()]
    last = last.sort_values(["experiment_id", "variant_id"])
    return pd.DataFrame({
        "experiment_id": last["experiment_id"].astype(str),
        "variant_id": last["variant_id"].astype(np.int64),
        "days": last["time_since_start"].round(6),
        "users_control": last["count_c"].astype(np.int64),
        "users_treatment": last["count_t"].astype(np.int64),
        "rate_control": last["mean_c"].astype(float),
        "rate_treatment": last["mean_t"].astype(float),
        "conversions_control": np.rint(last["mean_c"] * last["count_c"]).astype(np.int64),
        "conversions_treatment": np.rint(last["mean_t"] * last["count_t"]).astype(np.int64),
    }).reset_index(drop=True)


def _csv_text(frame: pd.DataFrame) -> str:
    """CSV text with floats in Python's shortest round-trip form and ``\\n`` line ends."""
    def cell(value: object) -> str:
        return repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)

    rows = [",".join(frame.columns)]
    rows += [",".join(cell(v) for v in row) for row in frame.itertuples(index=False, name=None)]
    return "\n".join(rows) + "\n"


def read_asos_raw(source_dir: Path = DATASETS_DIR) -> pd.DataFrame:
    """The raw ASOS file with experiment ids kept as text."""
    return pd.read_csv(source_dir / ASOS_RAW, dtype={"experiment_id": str})


def make_asos_files(out_dir: Path, source_dir: Path = DATASETS_DIR) -> list[Path]:
    """``asos_binary_final_checkpoints.csv`` and the summary of experiment ``ASOS_CASE`` (variant 1)."""
    final = asos_final_checkpoints(read_asos_raw(source_dir))
    checkpoints = out_dir / "asos_binary_final_checkpoints.csv"
    write_text(checkpoints, _csv_text(final))
    case = final[final["experiment_id"] == ASOS_CASE]
    if len(case) != 1:
        raise SystemExit(f"experiment {ASOS_CASE} should have exactly one treatment variant, found {len(case)}")
    row = case.iloc[0]
    summary = out_dir / f"asos_{ASOS_CASE}_summary.csv"
    write_text(summary, "variant,users,conversions\n"
                        f"control,{row.users_control},{row.conversions_control}\n"
                        f"treatment,{row.users_treatment},{row.conversions_treatment}\n")
    return [checkpoints, summary]


def simulate_event_log(seed: int = SEED_EVENT_LOG) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two warehouse tables of the event-log test: ``assignments`` and ``events`` (see
    :func:`make_ab_test_event_log`), with times at full (nanosecond) precision, in the order drawn."""
    rng = np.random.default_rng(seed)
    n = EVENT_LOG_USERS
    users = pd.DataFrame({"user_id": np.arange(n), "variant": np.repeat(["A", "B"], n // 2)})
    users["assigned_at"] = EVENT_LOG_TEST_START + pd.to_timedelta(rng.integers(0, EVENT_LOG_ASSIGN_HOURS, n),
                                                                  unit="h")
    weekly_rate = rng.gamma(*EVENT_LOG_RATE, n)
    basket = rng.gamma(*EVENT_LOG_BASKET, n)
    n_pre = rng.poisson(weekly_rate * EVENT_LOG_PRE_WEEKS)
    n_test = rng.poisson(weekly_rate * np.where(users["variant"] == "B", EVENT_LOG_MULTIPLIER, 1.0))
    ids = users["user_id"].to_numpy()
    owner_pre, owner_test = np.repeat(ids, n_pre), np.repeat(ids, n_test)
    hours_left = (EVENT_LOG_TEST_END - users["assigned_at"]).dt.total_seconds().to_numpy() / 3600
    pre_times = EVENT_LOG_PRE_START + pd.to_timedelta(rng.uniform(0, EVENT_LOG_PRE_DAYS * 24, owner_pre.size),
                                                      unit="h")
    test_times = users["assigned_at"].to_numpy()[owner_test] + pd.to_timedelta(
        rng.uniform(0, hours_left[owner_test] - 1), unit="h")
    events = pd.concat(
        [pd.DataFrame({"user_id": owner_pre, "event_type": "purchase", "event_time": pre_times}),
         pd.DataFrame({"user_id": owner_test, "event_type": "purchase", "event_time": test_times})],
        ignore_index=True,
    )
    events["revenue"] = basket[events["user_id"]] * rng.lognormal(0, EVENT_LOG_ORDER_SIGMA, len(events))
    return users, events


def make_ab_test_event_log(out_dir: Path) -> Path:
    """Raw warehouse rows of a small A/B test, for the sufficient-statistics query (section 3.5).

    Ground truth (what is true in the simulated data, seed ``SEED_EVENT_LOG``):

    * 4,000 users; ids 0–1,999 are in variant A and 2,000–3,999 in B. Every user-level draw is independent of
      the id, so this split is as good as a random one (and exactly 2,000 per arm: no sample-ratio mismatch).
    * Each user is assigned at a whole hour of 2026-11-02 to 2026-11-14 (uniform over the 312 hours) and has a
      personal purchase rate λ ~ Gamma(shape 0.25, scale 0.5) per week (mean 0.125, very unequal between
      users) and a typical basket b ~ Gamma(shape 2, scale 60) yuan (mean 120).
    * Pre-period: Poisson(4λ) purchases, uniform in time over 2026-10-05 to 2026-10-31, the same law in both
      arms. Test period: Poisson(λ) purchases in A and Poisson(1.1 λ) in B, uniform between the user's
      assignment and one hour before 2026-11-16. Every purchase is worth b × LogNormal(0, 0.3) yuan.
    * So B raises every user's purchase rate, expected purchases and expected revenue per user by exactly
      +10 %: revenue per assigned user 15.690 (A) and 17.259 (B) yuan (0.125 × 120 × e^0.045 × 1.1),
      pre-period revenue 62.761 in both. Conversion (at least one test purchase) is 1 − 1.5^−0.25 = 9.640 % in A
      and 1 − 1.55^−0.25 = 10.378 % in B: +7.65 % relative, less than +10 % because a rise in the rate of
      users who already buy adds purchases, not buyers. The pre-period revenue predicts the test revenue
      (shared λ and b), which is what CUPED uses. Nothing else differs between the arms.

    File: one row per assignment (``event_type`` ``assignment``, with the ``variant``; no revenue) followed by
    one row per purchase (``event_type`` ``purchase``, with ``revenue``; no variant: the tracking pipeline does
    not know the arm), in the order drawn (pre-period purchases by user, then test-period purchases by user).
    ``event_time`` is cut to whole seconds; revenue is written in Python's shortest round-trip form, so that
    the file reproduces the floating-point draws exactly.
    """
    users, events = simulate_event_log(SEED_EVENT_LOG)

    def stamp(times: pd.Series) -> list[str]:
        return times.dt.floor("s").dt.strftime("%Y-%m-%d %H:%M:%S").tolist()

    lines = ["user_id,event_type,event_time,variant,revenue"]
    lines += [f"{uid},assignment,{when},{arm}," for uid, when, arm in
              zip(users["user_id"].tolist(), stamp(users["assigned_at"]), users["variant"].tolist())]
    lines += [f"{uid},purchase,{when},,{value!r}" for uid, when, value in
              zip(events["user_id"].tolist(), stamp(events["event_time"]), events["revenue"].tolist())]
    path = out_dir / "ab_test_event_log.csv.gz"
    write_gzip_text(path, "\n".join(lines) + "\n")
    return path


GENERATORS: tuple[Callable[[Path], Path | list[Path]], ...] = (
    make_ab_test_events, make_ab_test_events_srm, make_three_arms_summary, make_asos_files, make_ab_test_event_log,
)


def build_all(out_dir: Path) -> list[Path]:
    """Write every generated file into ``out_dir``; return their paths in a fixed order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for generate in GENERATORS:
        result = generate(out_dir)
        written += result if isinstance(result, list) else [result]
    return written


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _content(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def check(committed_dir: Path = DATASETS_DIR) -> list[str]:
    """Regenerate into a temporary folder; return one line per file that differs from ``committed_dir``."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="make-datasets-") as tmp:
        for fresh in build_all(Path(tmp)):
            committed = committed_dir / fresh.name
            if not committed.is_file():
                problems.append(f"{committed}: missing (run scripts/make_datasets.py)")
            elif committed.read_bytes() != fresh.read_bytes():
                where = ("content differs" if _content(committed) != _content(fresh)
                         else "same content, different compressed bytes (another zlib version?)")
                problems.append(f"{committed}: {where}; committed {sha256(committed)}, regenerated {sha256(fresh)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary folder and compare bytes with the committed files")
    parser.add_argument("--out", type=Path, default=DATASETS_DIR, help="output folder (default: datasets/)")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.out)
        for line in problems:
            print(line)
        print("all generated files are identical" if not problems else f"{len(problems)} file(s) differ")
        return 1 if problems else 0
    for path in build_all(args.out):
        print(f"{sha256(path)}  {path.stat().st_size:>9,} bytes  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
