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
* ``marketing_touches.csv.gz``, ``marketing_users.csv.gz`` and ``marketing_touches_truth.csv`` — a simulated
  28-day campaign of four channels with each channel's true incremental conversions, for reach and frequency
  (section 4.1) and attribution (section 4.4) (seed ``SEED_TOUCHES``; ground truth in
  :func:`make_marketing_touches`).
* ``campaigns_synthetic.csv`` — six simulated campaigns of one shop, each with a randomised holdout, for the
  ``campaign_roi`` template (section 4.5) (seed ``SEED_CAMPAIGNS``; ground truth in :func:`campaigns_truth`).
* ``service_tickets.csv.gz`` — twelve weeks of a simulated customer-service desk: ticket times, channel, first
  response, handling and resolution times, a Chinese complaint text with its true category, and CSAT and NPS
  answers, for sections 5.2–5.4 (seed ``SEED_TICKETS``; ground truth in :func:`make_service_tickets` and
  :func:`ticket_truth`).
* ``online_retail_orders_gbk.csv`` — the shipped UCI Online Retail order lines (customers with an ID divisible by
  10) rolled up to one row per order, with Chinese column names (客户ID, 日期, 金额) and GBK encoding, as a
  Chinese shop's export looks, for the ``customer_value`` template (no random numbers; see
  :func:`make_online_retail_orders_gbk`).

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
import math
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


# ------------------------------------------------------------------------ marketing touches (chapter 4)

# A simulated 28-day campaign period of four channels over 10,000 users (section 4.1 reach and frequency, 4.4
# attribution). Every number below is an assumption of the simulation, not a fact about any platform.
SEED_TOUCHES = 20261111
TOUCH_USERS = 10_000
TOUCH_DAYS = 28
TOUCH_BASE_LOGIT = -4.0  # logit of conversion for a user of average intent who sees no ad
TOUCH_INTENT_LOGIT = 1.2  # logit per standard deviation of the user's hidden purchase intent
# channel: (touch type, base Poisson mean, intent elasticity of the mean, first day, CTR of an impression,
#           true effect β on the logit per log(1 + touches))
TOUCH_CHANNELS = {
    "display": ("impression", 2.0, 0.0, 0, 0.004, 0.25),
    "social": ("impression", 1.0, 0.3, 0, 0.010, 0.15),
    "paid_search": ("click", 0.3, 0.8, 21, 1.0, 0.50),
    "brand_search": ("click", 0.15, 1.5, 21, 1.0, 0.05),
}


def simulate_touches(seed: int = SEED_TOUCHES) -> dict[str, object]:
    """The hidden population and the touches of the marketing simulation (see :func:`make_marketing_touches`).

    Returns the intent ``z``, the touch ``counts`` per user and channel (users × channels), the conversion
    logit ``eta``, the drawn ``converted`` flags and the tidy ``touches`` frame before the conversion day is added.
    """
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(TOUCH_USERS)
    names = list(TOUCH_CHANNELS)
    counts = np.column_stack([rng.poisson(TOUCH_CHANNELS[c][1] * np.exp(TOUCH_CHANNELS[c][2] * z)) for c in names])
    beta = np.array([TOUCH_CHANNELS[c][5] for c in names])
    eta = TOUCH_BASE_LOGIT + TOUCH_INTENT_LOGIT * z + np.log1p(counts) @ beta
    converted = rng.random(TOUCH_USERS) < 1 / (1 + np.exp(-eta))
    frames = []
    for j, channel in enumerate(names):  # one vectorised block per channel, not per user
        kind, _, _, first_day, ctr, _ = TOUCH_CHANNELS[channel]
        users = np.repeat(np.arange(TOUCH_USERS), counts[:, j])
        frames.append(pd.DataFrame({
            "user": users, "hour": rng.integers(first_day * 24, TOUCH_DAYS * 24, users.size), "channel": channel,
            "touch_type": kind, "clicked": (rng.random(users.size) < ctr).astype(int),
        }))
    touches = pd.concat(frames, ignore_index=True).sort_values(["user", "hour"], kind="stable")
    return {"z": z, "counts": counts, "eta": eta, "converted": converted, "touches": touches, "channels": names}


def touches_truth(sim: dict[str, object]) -> pd.DataFrame:
    """Expected incremental conversions of each channel: Σ over users of P(convert | all touches) − P(convert |
    the same user without that channel's touches), from the simulation's own conversion model; the last row,
    ``all``, removes every touch."""
    eta, counts = sim["eta"], np.log1p(sim["counts"])
    beta = np.array([TOUCH_CHANNELS[c][5] for c in sim["channels"]])
    p_all = 1 / (1 + np.exp(-eta))
    p_without = 1 / (1 + np.exp(-(eta[:, None] - counts * beta)))
    p_none = 1 / (1 + np.exp(-(eta - counts @ beta)))
    incremental = np.append((p_all[:, None] - p_without).sum(axis=0), (p_all - p_none).sum())
    return pd.DataFrame({
        "channel": sim["channels"] + ["all"],
        "true_beta": np.append(beta, np.nan),
        "users_reached": np.append((sim["counts"] > 0).sum(axis=0), (sim["counts"] > 0).any(axis=1).sum()),
        "expected_incremental_conversions": np.round(incremental, 2),
    })


def make_marketing_touches(out_dir: Path) -> list[Path]:
    """A simulated 28-day multi-channel campaign with a known contribution of every channel.

    * 10,000 users, each with a hidden purchase intent z ~ N(0, 1).
    * Touches per channel: Poisson with mean ``base · exp(elasticity · z)`` (``TOUCH_CHANNELS``), each at an
      hour drawn uniformly: display and social are ad impressions in hours 0–671 (days 0–27), clicked with
      probability 0.4 % and 1.0 %; paid search and brand search are ad clicks in the last week, days 21–27
      (shoppers search when they are ready to buy), and brand search follows intent far more than the others.
    * Conversion (at most one per user): logit P = −4.0 + 1.2 z + Σ_c β_c · log(1 + touches_c), β = 0.25, 0.15,
      0.50, 0.05 for display, social, paid search, brand search. A converter converts in the hour of their last
      touch (a converter with no touch in an hour drawn uniformly from 0–671).
    * Ground truth (``marketing_touches_truth.csv``): each channel's expected incremental conversions, the sum
      over users of P(convert) − P(convert without that channel's touches), z and the other touches held fixed;
      the row ``all`` removes every touch (the conversions the whole campaign added).

    Files: ``marketing_touches.csv.gz`` (one row per touch: user_id, hour, channel, touch_type, clicked),
    ``marketing_users.csv.gz`` (one row per user: user_id, converted, conversion_hour, empty when not converted)
    and ``marketing_touches_truth.csv``.
    """
    sim = simulate_touches(SEED_TOUCHES)
    rng = np.random.default_rng(SEED_TOUCHES + 1)
    touches = sim["touches"]
    last_hour = touches.groupby("user")["hour"].max().reindex(range(TOUCH_USERS))
    conversion_hour = np.where(last_hour.notna(), last_hour.fillna(0), rng.integers(0, TOUCH_DAYS * 24, TOUCH_USERS))
    ids = np.array(_user_ids(TOUCH_USERS))
    touch_lines = ["user_id,hour,channel,touch_type,clicked"] + [
        f"{ids[u]},{d},{c},{k},{x}" for u, d, c, k, x in touches.itertuples(index=False, name=None)]
    user_lines = ["user_id,converted,conversion_hour"] + [
        f"{uid},{int(conv)},{int(hour) if conv else ''}"
        for uid, conv, hour in zip(ids.tolist(), sim["converted"].tolist(), conversion_hour.tolist())]
    paths = [out_dir / "marketing_touches.csv.gz", out_dir / "marketing_users.csv.gz",
             out_dir / "marketing_touches_truth.csv"]
    write_gzip_text(paths[0], "\n".join(touch_lines) + "\n")
    write_gzip_text(paths[1], "\n".join(user_lines) + "\n")
    write_text(paths[2], _csv_text(touches_truth(sim)))
    return paths


# ------------------------------------------------------------------------ campaign table (chapter 4.5)

# Six simulated campaigns of one shop, each measured with a randomised holdout (the campaign_roi template's
# multi-campaign table). Every number is an assumption of the simulation (yuan), not a fact about any platform.
SEED_CAMPAIGNS = 20261112
CAMPAIGN_ORDER_SIGMA = 0.5  # σ of log order value; one order per converting user
# campaign: (channel, spend, treated users, holdout users, holdout (baseline) conversion rate, true relative lift
#            of the conversion rate, mean order value, share of the treated group's revenue the platform
#            attributes to the campaign, share of converters who are new customers, gross margin, discount rate
#            or None, LTV per customer (gross margin) or None)
CAMPAIGNS = {
    "double11_discount": ("promotion", 120_000, 400_000, 40_000, 0.030, 0.35, 180.0, 0.90, 0.25, 0.40, 0.15, 260.0),
    "paid_search_generic": ("paid_search", 60_000, 200_000, 20_000, 0.020, 0.30, 150.0, 0.80, 0.35, 0.40, None, 260.0),
    "brand_search": ("paid_search", 30_000, 150_000, 50_000, 0.060, 0.03, 160.0, 0.70, 0.05, 0.40, None, 260.0),
    "lapsed_coupon": ("crm_coupon", 15_000, 50_000, 10_000, 0.015, 0.60, 120.0, 1.00, 0.00, 0.40, None, None),
    "display_retargeting": ("display", 40_000, 300_000, 75_000, 0.010, 0.08, 140.0, 0.60, 0.10, 0.40, None, 260.0),
    "affiliate_livestream": ("affiliate", 50_000, 250_000, 25_000, 0.012, 0.45, 130.0, 0.85, 0.40, 0.35, None, 200.0),
}


def campaigns_truth() -> pd.DataFrame:
    """The true incremental effect of each simulated campaign, from its parameters alone (no random numbers).

    Expected incremental conversions ``n_T · p_0 · lift``, incremental revenue ``× mean order value``, true
    iROAS ``= incremental revenue / spend``, break-even ROAS ``1/m`` and the true incremental profit
    ``m · incremental revenue − spend``.
    """
    rows = []
    for name, (channel, spend, n_t, _, p0, lift, aov, _, _, margin, _, _) in CAMPAIGNS.items():
        conversions = n_t * p0 * lift
        rows.append({"campaign": name, "incremental_conversions": conversions,
                     "incremental_revenue": conversions * aov, "iroas": conversions * aov / spend,
                     "break_even_roas": 1 / margin, "incremental_profit": margin * conversions * aov - spend})
    return pd.DataFrame(rows)


def _yuan(cents: int) -> str:
    """Integer cents as yuan with two decimals, exactly."""
    return f"{cents // 100}.{cents % 100:02d}"


def make_campaigns(out_dir: Path) -> Path:
    """``campaigns_synthetic.csv``: one row per simulated campaign with a randomised holdout (seed SEED_CAMPAIGNS).

    For each campaign (``CAMPAIGNS``): holdout conversions ~ Binomial(n_H, p_0), treated conversions ~
    Binomial(n_T, p_0 · (1 + lift)); one order per converter, order values LogNormal(mean = mean order value,
    σ_log 0.5), summed in cents; the platform's attributed revenue is the stated share of the treated group's
    revenue (baseline orders included, which is why attributed ROAS overstates); new customers ~
    Binomial(treated conversions, new share). Ground truth: :func:`campaigns_truth`.
    """
    rng = np.random.default_rng(SEED_CAMPAIGNS)
    lines = ["campaign,channel,spend,revenue_attributed,gross_margin,treated_users,treated_conversions,"
             "treated_revenue,holdout_users,holdout_conversions,holdout_revenue,new_customers,ltv_per_customer,"
             "discount_rate"]
    for name, (channel, spend, n_t, n_h, p0, lift, aov, attributed, new, margin, discount, ltv) in CAMPAIGNS.items():
        c_h, c_t = int(rng.binomial(n_h, p0)), int(rng.binomial(n_t, p0 * (1 + lift)))
        r_h = int(np.rint(_lognormal(rng, aov, CAMPAIGN_ORDER_SIGMA, c_h) * 100).sum())
        r_t = int(np.rint(_lognormal(rng, aov, CAMPAIGN_ORDER_SIGMA, c_t) * 100).sum())
        customers = int(rng.binomial(c_t, new))
        optional = ["" if ltv is None else f"{ltv:g}", "" if discount is None else f"{discount:g}"]
        lines.append(",".join([name, channel, str(spend), _yuan(round(r_t * attributed)), f"{margin:g}", str(n_t),
                               str(c_t), _yuan(r_t), str(n_h), str(c_h), _yuan(r_h), str(customers), *optional]))
    path = out_dir / "campaigns_synthetic.csv"
    write_text(path, "\n".join(lines) + "\n")
    return path


# ------------------------------------------------------------------------ service tickets (chapter 5)

# A simulated customer-service desk of one shop over twelve weeks (sections 5.2 service levels, 5.3 NPS and CSAT,
# 5.4 feedback). Every number below is an assumption of the simulation, not a fact about any shop or platform.
SEED_TICKETS = 20260505
TICKET_START = dt.date(2026, 3, 2)  # a Monday
TICKET_WEEKS = 12
#: Mean new tickets in each hour of the day, 00:00 to 23:00 (805 a day).
TICKET_HOURLY = (5, 3, 2, 2, 2, 3, 8, 15, 30, 45, 50, 50, 45, 45, 50, 50, 45, 40, 45, 55, 65, 70, 55, 25)
TICKET_DISRUPTION_WEEKS = (6, 7)  # weeks 7 and 8 (0-based 6, 7): a courier disruption
TICKET_DISRUPTION_EXTRA = 0.4  # 40 % more tickets in those weeks, every extra one about logistics
#: channel: (share, median first response in minutes, log-scale σ, median handling minutes)
TICKET_CHANNELS = {"chat": (0.60, 1.5, 1.0, 7.0), "phone": (0.25, 1.0, 0.9, 6.0), "email": (0.15, 240.0, 0.7, 5.0)}
#: category: (share in normal weeks, median hours to resolution, phrases of the complaint)
TICKET_CATEGORIES = {
    "物流": (0.30, 18.0, ("快递三天了还没到", "物流信息一直不更新", "发货太慢了", "包裹送到别人家了",
                        "配送员没打电话就放门口", "下单一周了东西还没收到", "显示签收了但我没拿到")),
    "质量": (0.20, 30.0, ("收到的杯子破损了", "衣服洗一次就掉色", "质量太差了", "做工很粗糙", "鞋子有异味",
                        "用了两天就坏了", "跟图片差别太大")),
    "退换货": (0.20, 50.0, ("申请退货一直没人处理", "想换一件大一码的", "退款什么时候到账", "七天无理由为什么不给退",
                         "退回的商品显示签收了怎么还没退款", "尺码不合适想换")),
    "客服": (0.10, 6.0, ("客服态度很差", "问了半天没人回复", "客服一直不理人", "回答很敷衍", "打电话一直占线")),
    "价格": (0.10, 10.0, ("刚买就降价了", "能不能补差价", "优惠券用不了", "满减没有算上", "比别家贵很多",
                        "买贵了想申请保价")),
    "其他": (0.10, 4.0, ("想问一下会员积分怎么用", "能不能开发票", "东西很好下次还来", "收货地址写错了想修改",
                       "什么时候上新款")),
}
TICKET_RESOLUTION_SIGMA = 1.0  # log-scale σ of hours to resolution
TICKET_DISRUPTION_LOGISTICS_MEDIAN = 40.0  # median hours to resolve a logistics ticket during the disruption
TICKET_SECOND_PHRASE = 0.15  # share of texts that add a phrase of another category after the main one
TICKET_OPENERS = ("", "你好，", "您好，", "在吗？")
TICKET_CLOSERS = ("", "，请尽快处理。", "，谢谢。", "！", "，希望给个说法。")
TICKET_SURVEY_RESPONSE = 0.10  # share of tickets whose customer answers the survey (both questions)
TICKET_FAST_HOURS = 24.0  # "fast" resolution: within a day
#: answer probabilities of CSAT 1–5 after a fast and a slow resolution (top-2-box 83 % and 58 %)
TICKET_CSAT = {"fast": (0.04, 0.04, 0.09, 0.35, 0.48), "slow": (0.12, 0.12, 0.18, 0.33, 0.25)}
#: shares of detractors (0–6), passives (7–8) and promoters (9–10) after a fast and a slow resolution
TICKET_NPS_GROUPS = {"fast": (0.20, 0.35, 0.45), "slow": (0.42, 0.33, 0.25)}
TICKET_NPS_WITHIN = ((0.05, 0.03, 0.05, 0.10, 0.12, 0.30, 0.35), (0.5, 0.5), (0.45, 0.55))  # 0–6, 7–8, 9–10


def ticket_truth() -> dict[str, float]:
    """Expected shares and scores of the ticket simulation in a normal week (no disruption).

    ``p_fast`` is P(resolution ≤ 24 h) = Σ_c share_c · Φ((ln 24 − ln median_c) / σ); CSAT and NPS mix the fast
    and slow answer distributions with it (a ticket's first response time is far below a day and is ignored).
    """
    phi = [0.5 * (1 + math.erf((math.log(TICKET_FAST_HOURS) - math.log(median)) / (TICKET_RESOLUTION_SIGMA
                                                                                  * math.sqrt(2))))
           for _, median, _ in TICKET_CATEGORIES.values()]
    p_fast = sum(share * p for (share, _, _), p in zip(TICKET_CATEGORIES.values(), phi))
    csat = {k: sum(v[3:]) for k, v in TICKET_CSAT.items()}
    nps = {k: 100 * (v[2] - v[0]) for k, v in TICKET_NPS_GROUPS.items()}
    return {"tickets_per_day": sum(TICKET_HOURLY), "p_fast": p_fast,
            "csat_fast": round(csat["fast"], 6), "csat_slow": round(csat["slow"], 6),
            "csat": p_fast * csat["fast"] + (1 - p_fast) * csat["slow"],
            "nps_fast": nps["fast"], "nps_slow": nps["slow"],
            "nps": p_fast * nps["fast"] + (1 - p_fast) * nps["slow"]}


def simulate_tickets(seed: int = SEED_TICKETS) -> pd.DataFrame:
    """The ticket log of the service-desk simulation (see :func:`make_service_tickets`), as text columns."""
    rng = np.random.default_rng(seed)
    days = TICKET_WEEKS * 7
    week = np.repeat(np.arange(TICKET_WEEKS), 7 * 24)
    disrupted = np.isin(week, TICKET_DISRUPTION_WEEKS)
    base = rng.poisson(np.tile(TICKET_HOURLY, days))
    extra = rng.poisson(np.tile(TICKET_HOURLY, days) * TICKET_DISRUPTION_EXTRA * disrupted)
    per_hour = base + extra
    hour_index = np.repeat(np.arange(days * 24), per_hour)
    position = np.arange(hour_index.size) - np.repeat(np.cumsum(per_hour) - per_hour, per_hour)  # 0, 1, … per hour
    is_extra = position >= np.repeat(base, per_hour)  # each hour's base tickets first, then the extra ones
    seconds = hour_index * 3600 + rng.integers(0, 3600, hour_index.size)
    order = np.argsort(seconds, kind="stable")
    seconds, is_extra, in_disruption = seconds[order], is_extra[order], disrupted[hour_index[order]]
    n = seconds.size
    names = list(TICKET_CATEGORIES)
    shares = np.array([TICKET_CATEGORIES[c][0] for c in names])
    category = np.where(is_extra, 0, rng.choice(len(names), size=n, p=shares))
    channels = list(TICKET_CHANNELS)
    channel = rng.choice(len(channels), size=n, p=[TICKET_CHANNELS[c][0] for c in channels])
    response_median = np.array([TICKET_CHANNELS[c][1] for c in channels])[channel]
    response_sigma = np.array([TICKET_CHANNELS[c][2] for c in channels])[channel]
    first_response = np.maximum(np.round(response_median * np.exp(response_sigma * rng.standard_normal(n)), 1), 0.1)
    handle = np.maximum(np.round(np.array([TICKET_CHANNELS[c][3] for c in channels])[channel]
                                 * np.exp(0.5 * rng.standard_normal(n)), 1), 0.5)
    resolution_median = np.array([TICKET_CATEGORIES[c][1] for c in names])[category]
    resolution_median = np.where((category == 0) & in_disruption, TICKET_DISRUPTION_LOGISTICS_MEDIAN,
                                 resolution_median)
    resolution = resolution_median * np.exp(TICKET_RESOLUTION_SIGMA * rng.standard_normal(n))
    resolution = np.maximum(np.round(resolution, 1), np.ceil(first_response / 6) / 10)  # not before the reply
    phrases = [np.array(TICKET_CATEGORIES[c][2]) for c in names]
    lengths = np.array([p.size for p in phrases])
    flat, first = np.concatenate(phrases), np.cumsum(lengths) - lengths  # all phrases, and where each list starts
    main = flat[first[category] + rng.integers(0, 1_000_000, n) % lengths[category]]
    second_category = (category + rng.integers(1, len(names), n)) % len(names)
    second = flat[first[second_category] + rng.integers(0, 1_000_000, n) % lengths[second_category]]
    add_second = rng.random(n) < TICKET_SECOND_PHRASE
    opener = np.array(TICKET_OPENERS)[rng.integers(0, len(TICKET_OPENERS), n)]
    closer = np.array(TICKET_CLOSERS)[rng.integers(0, len(TICKET_CLOSERS), n)]
    text = [o + m + ("，" + s if a else "") + c for o, m, s, a, c in zip(opener, main, second, add_second, closer)]
    answered = rng.random(n) < TICKET_SURVEY_RESPONSE
    fast = resolution <= TICKET_FAST_HOURS
    u_csat, u_group, u_within = rng.random(n), rng.random(n), rng.random(n)
    csat_cdf = np.cumsum([TICKET_CSAT["fast"], TICKET_CSAT["slow"]], axis=1)[np.where(fast, 0, 1)]
    csat = 1 + (u_csat[:, None] > csat_cdf[:, :-1]).sum(axis=1)
    group_cdf = np.cumsum([TICKET_NPS_GROUPS["fast"], TICKET_NPS_GROUPS["slow"]], axis=1)[np.where(fast, 0, 1)]
    group = (u_group[:, None] > group_cdf[:, :-1]).sum(axis=1)
    offsets, within = np.array([0, 7, 9]), [np.cumsum(w) for w in TICKET_NPS_WITHIN]
    nps = offsets[group] + np.select([group == g for g in range(3)],
                                     [(u_within[:, None] > w[:-1]).sum(axis=1) for w in within])
    start = dt.datetime.combine(TICKET_START, dt.time())
    created = (pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%d %H:%M:%S")
    return pd.DataFrame({
        "ticket_id": [f"T{i:06d}" for i in range(1, n + 1)],
        "created_at": created,
        "channel": np.array(channels)[channel],
        "category_true": np.array(names)[category],
        "text": text,
        "first_response_minutes": [f"{v:.1f}" for v in first_response],
        "handle_minutes": [f"{v:.1f}" for v in handle],
        "resolution_hours": [f"{v:.1f}" for v in resolution],
        "csat": np.where(answered, csat.astype(str), ""),
        "nps": np.where(answered, nps.astype(str), ""),
    })


def make_service_tickets(out_dir: Path) -> Path:
    """A simulated service desk: twelve weeks of tickets from Monday 2026-03-02, with texts and survey answers.

    * Arrivals: Poisson counts in every hour with the means ``TICKET_HOURLY`` (805 a day, peaking at 21:00),
      each ticket at a uniformly drawn second of its hour. In weeks 7 and 8 (2026-04-13 to 2026-04-26) a courier
      disruption adds Poisson(0.4 × the hourly mean) tickets, all about logistics (物流), whose median resolution
      time is 40 h instead of 18 h in those weeks.
    * Channel: chat 60 %, phone 25 %, email 15 %. First response (minutes): LogNormal with median 1.5, 1.0, 240
      and log-scale σ 1.0, 0.9, 0.7 by channel, rounded to 0.1; handling time (minutes of agent work): median 7,
      6, 5, σ 0.5.
    * Category (normal weeks): 物流 30 %, 质量 20 %, 退换货 20 %, 客服 10 %, 价格 10 %, 其他 10 %; hours to
      resolution LogNormal(median 18, 30, 50, 6, 10, 4; σ 1.0), never before the first response. The text is an
      optional greeting, one phrase of the ticket's category, in 15 % of tickets a phrase of another category,
      and an optional closing; some phrases contain no keyword of ``ecomops.feedback``'s default map, on purpose.
    * Survey (10 % of tickets, both questions): CSAT 1–5 and NPS 0–10 drawn from ``TICKET_CSAT`` and
      ``TICKET_NPS_GROUPS`` according to whether the ticket was resolved within 24 h: true CSAT 83 % vs 58 %,
      true NPS +25 vs −17 points; the mix of a normal week is in :func:`ticket_truth`.

    Columns: ticket_id, created_at, channel, category_true, text, first_response_minutes, handle_minutes,
    resolution_hours, csat and nps (empty when the survey was not answered).
    """
    path = out_dir / "service_tickets.csv.gz"
    write_gzip_text(path, simulate_tickets(SEED_TICKETS).to_csv(index=False, lineterminator="\n"))
    return path


def make_online_retail_orders_gbk(out_dir: Path, source_dir: Path = DATASETS_DIR) -> Path:
    """``online_retail_orders_gbk.csv``: the shipped UCI Online Retail lines of ``online_retail_customers_mod10.csv``
    as a Chinese shop's order export — one row per invoice that is not a cancellation, with the columns 客户ID
    (customer ID as a whole number), 日期 (``YYYY/MM/DD HH:MM``) and 金额 (the invoice's total, Σ quantity × unit
    price, two decimals; invoices whose total is not positive are left out), sorted by date and customer and
    encoded in GBK with ``\\r\\n`` line ends, as Excel on a Chinese Windows saves it. No random numbers."""
    lines = pd.read_csv(source_dir / "online_retail_customers_mod10.csv", dtype={"InvoiceNo": str})
    lines = lines[~lines["InvoiceNo"].str.startswith("C")]
    lines = lines.assign(amount=lines["Quantity"] * lines["UnitPrice"])
    orders = lines.groupby("InvoiceNo").agg(customer=("CustomerID", "first"), date=("InvoiceDate", "min"),
                                            amount=("amount", "sum"))
    orders = orders[orders["amount"].round(2) > 0]
    orders = orders.assign(date=pd.to_datetime(orders["date"])).sort_values(["date", "customer"], kind="stable")
    rows = [f"{int(c)},{d:%Y/%m/%d %H:%M},{a:.2f}" for c, d, a in zip(orders["customer"], orders["date"],
                                                                      orders["amount"])]
    path = out_dir / "online_retail_orders_gbk.csv"
    path.write_bytes(("\r\n".join(["客户ID,日期,金额", *rows]) + "\r\n").encode("gbk"))
    return path


GENERATORS: tuple[Callable[[Path], Path | list[Path]], ...] = (
    make_ab_test_events, make_ab_test_events_srm, make_three_arms_summary, make_asos_files, make_ab_test_event_log,
    make_marketing_touches, make_campaigns, make_service_tickets,
    make_online_retail_orders_gbk,
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
