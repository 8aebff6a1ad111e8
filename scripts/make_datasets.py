"""Generate the synthetic and derived data sets in ``datasets/``, byte for byte reproducibly.

Files written (their data cards in ``datasets/README.md`` repeat the ground truth stated here):

* ``ab_test_events.csv.gz`` — a simulated two-arm A/B test, one row per user (seed ``SEED_EVENTS``);
* ``ab_test_events_srm.csv.gz`` — a smaller simulated test whose split is broken by a bot filter that runs in
  the treatment arm only; true lift 0 (seed ``SEED_SRM``);
* ``ab_test_three_arms_summary.csv`` — summary statistics (one row per arm) of a simulated three-arm test
  (seed ``SEED_THREE_ARMS``);
* ``asos_binary_final_checkpoints.csv`` and ``asos_3c9dfd_summary.csv`` — derived without random numbers from
  the real ASOS Digital Experiments file (CC BY 4.0).

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


def ground_truth() -> dict[str, dict[str, float]]:
    """The documented truth of each simulated file: conversion rates and revenue per user by arm."""
    def arm(multiplier: float) -> dict[str, float]:
        return {"conversion": true_conversion(multiplier), "revenue_per_user": true_revenue_per_user(multiplier)}

    return {
        "ab_test_events": {"control": arm(1.0), "treatment": arm(EVENTS_MULTIPLIER),
                           "relative_lift": EVENTS_MULTIPLIER - 1, "seed": SEED_EVENTS},
        "ab_test_events_srm": {"control_humans": arm(1.0), "treatment_humans": arm(1.0), "relative_lift": 0.0,
                               "bot_share": SRM_BOTS / (SRM_HUMANS + SRM_BOTS), "seed": SEED_SRM},
        "ab_test_three_arms_summary": {**{name: arm(m) for name, m in THREE_ARMS}, "seed": SEED_THREE_ARMS},
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


GENERATORS: tuple[Callable[[Path], Path | list[Path]], ...] = (
    make_ab_test_events, make_ab_test_events_srm, make_three_arms_summary, make_asos_files,
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
