"""scripts/make_datasets.py: byte-identical regeneration, the documented ground truth, the derived ASOS files."""

from __future__ import annotations

import importlib.util
import math
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import DATASETS, ROOT, sha256
from ecomops import experiments as ex

GENERATED = [
    "ab_test_events.csv.gz",
    "ab_test_events_srm.csv.gz",
    "ab_test_three_arms_summary.csv",
    "asos_binary_final_checkpoints.csv",
    "asos_3c9dfd_summary.csv",
    "ab_test_event_log.csv.gz",
    "marketing_touches.csv.gz",
    "marketing_users.csv.gz",
    "marketing_touches_truth.csv",
    "campaigns_synthetic.csv",
    "service_tickets.csv.gz",
    "online_retail_orders_gbk.csv",
]
GZIPPED = [name for name in GENERATED if name.endswith(".gz")]


@pytest.fixture(scope="module")
def make():
    spec = importlib.util.spec_from_file_location("make_datasets", ROOT / "scripts" / "make_datasets.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_datasets"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def regenerated(make, tmp_path_factory):
    folder = tmp_path_factory.mktemp("regenerated")
    return folder, make.build_all(folder)


def within(observed: float, truth: float, se: float, k: float = 4.0) -> bool:
    return abs(observed - truth) <= k * se


# ------------------------------------------------------------------------------------------- reproducibility


def test_regenerating_gives_identical_bytes(regenerated):
    folder, written = regenerated
    assert [p.name for p in written] == GENERATED
    for name in GENERATED:
        assert sha256(folder / name) == sha256(DATASETS / name), f"{name} differs: run scripts/make_datasets.py"


def test_gzip_header_is_deterministic():
    assert len(GZIPPED) == 6
    for name in GZIPPED:
        header = (DATASETS / name).read_bytes()[:10]
        assert header[:3] == b"\x1f\x8b\x08" and header[3] == 0  # deflate, no file name or other flags
        assert header[4:8] == b"\0\0\0\0"  # mtime 0


def test_check_passes_and_reports_a_changed_file(make, tmp_path, capsys):
    assert make.main(["--check"]) == 0
    folder = tmp_path / "copy"
    make.build_all(folder)
    tampered = folder / "ab_test_three_arms_summary.csv"
    tampered.write_bytes(tampered.read_bytes().replace(b"control", b"Control"))
    (folder / "asos_3c9dfd_summary.csv").unlink()
    assert make.main(["--check", "--out", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "ab_test_three_arms_summary.csv: content differs" in out
    assert "asos_3c9dfd_summary.csv: missing" in out
    assert "2 file(s) differ" in out


# ---------------------------------------------------------------------------------------------- ground truth


def test_ground_truth_values(make):
    truth = make.ground_truth()
    main = truth["ab_test_events"]
    assert main["control"]["conversion"] == pytest.approx(0.05, abs=1e-15)
    assert main["treatment"]["conversion"] == pytest.approx(0.055, abs=1e-15)
    assert main["control"]["revenue_per_user"] == pytest.approx(5.364, abs=1e-12)
    assert main["treatment"]["revenue_per_user"] == pytest.approx(5.9004, abs=1e-12)
    assert truth["ab_test_three_arms_summary"]["treatment_2"]["conversion"] == pytest.approx(0.056, abs=1e-15)
    log = truth["ab_test_event_log"]
    # Gamma(0.25, 0.5) weekly rate: P(no purchase in a week at rate m·λ) = (1 + 0.5 m)^(-0.25)
    assert log["A"]["conversion"] == pytest.approx(1 - 1.5**-0.25, rel=1e-15)
    assert log["B"]["conversion"] == pytest.approx(1 - 1.55**-0.25, rel=1e-15)
    # revenue per user = 0.125 purchases × 120 yuan × e^(0.3²/2), and × 1.1 in B
    assert log["A"]["revenue_per_user"] == pytest.approx(15 * math.exp(0.045), rel=1e-15)
    assert log["relative_lift_revenue"] == pytest.approx(0.10, abs=1e-12)
    assert log["A"]["pre_revenue_per_user"] == log["B"]["pre_revenue_per_user"] == pytest.approx(60 * math.exp(0.045))
    # device rates are a weighted split of the 5 % overall rate
    shares = {d: sum(c.share * make.DEVICE_SHARES[c.name][i] for c in make.CLASSES) for i, d in
              enumerate(make.DEVICES)}
    assert sum(shares[d] * make.true_conversion(1.0, d) for d in make.DEVICES) == pytest.approx(0.05)


def test_data_cards_state_the_ground_truth_and_seeds(make):
    text = (DATASETS / "README.md").read_text(encoding="utf-8")
    for fact in ["5.000 %", "5.500 %", "+10 %", "5.364", "5.9004", "5.600 %", "6.00768",
                 f"seed {make.SEED_EVENTS}", f"seed {make.SEED_SRM}", f"seed {make.SEED_THREE_ARMS}",
                 "3c9dfd", f"seed {make.SEED_EVENT_LOG}", "15.690", "17.259", "9.640 %", "10.378 %", "+7.65 %",
                 "62.761", "+10 %"]:
        assert fact in text, fact


def test_event_file_matches_its_ground_truth(make):
    frame = pd.read_csv(DATASETS / "ab_test_events.csv.gz")
    truth = make.ground_truth()["ab_test_events"]
    assert len(frame) == make.EVENTS_USERS
    assert list(frame.columns) == ["user_id", "variant", "converted", "revenue", "pre_revenue", "date", "device"]
    assert frame["user_id"].is_unique and frame["user_id"].str.fullmatch(r"u\d{7}").all()
    assert set(frame["converted"]) == {0, 1}
    assert (frame["revenue"] >= 0).all() and (frame["pre_revenue"] >= 0).all()
    assert (frame.loc[frame["converted"] == 0, "revenue"] == 0).all()
    assert (frame.loc[frame["converted"] == 1, "revenue"] > 0).all()
    assert set(frame["device"]) == set(make.DEVICES)
    dates = pd.to_datetime(frame["date"])
    assert dates.min() == pd.Timestamp("2024-03-04") and dates.max() == pd.Timestamp("2024-03-17")
    assert dates.dt.day_of_week.isin([5, 6]).mean() > 2 / 7  # more first visits at weekends
    counts = frame["variant"].value_counts()
    assert ex.srm_check([counts["control"], counts["treatment"]]).status == "ok"
    for arm in ("control", "treatment"):
        rows = frame[frame["variant"] == arm]
        p = truth[arm]["conversion"]
        assert within(rows["converted"].mean(), p, math.sqrt(p * (1 - p) / len(rows))), arm
        revenue = rows["revenue"]
        assert within(revenue.mean(), truth[arm]["revenue_per_user"], revenue.std() / math.sqrt(len(rows))), arm
    rho = frame["revenue"].corr(frame["pre_revenue"])
    assert 0.5 <= rho <= 0.7
    # device baselines differ as documented (control arm, within 4 SE)
    control = frame[frame["variant"] == "control"]
    for device in make.DEVICES:
        rows = control[control["device"] == device]
        p = make.true_conversion(1.0, device)
        assert within(rows["converted"].mean(), p, math.sqrt(p * (1 - p) / len(rows))), device


def test_srm_file_matches_its_ground_truth(make):
    frame = pd.read_csv(DATASETS / "ab_test_events_srm.csv.gz")
    counts = frame["variant"].value_counts()
    srm = ex.srm_check([counts["control"], counts["treatment"]])
    assert srm.status == "block"
    assert 0.51 < srm.observed_shares[0] < 0.53
    bots_in_control = counts["control"] + counts["treatment"] - make.SRM_HUMANS
    assert 300 < bots_in_control < 500  # about half of the 800 bots
    # treatment holds humans only: its rates match the humans' truth
    truth = make.ground_truth()["ab_test_events_srm"]["treatment_humans"]
    rows = frame[frame["variant"] == "treatment"]
    p = truth["conversion"]
    assert within(rows["converted"].mean(), p, math.sqrt(p * (1 - p) / len(rows)))
    # the seed is the first whose humans differ by less than 1 SE (so the bots drive the spurious lift)
    assert abs(make.srm_humans_z(make.SEED_SRM)) < 1
    assert all(abs(make.srm_humans_z(seed)) >= 1 for seed in range(20240305, make.SEED_SRM))


def test_three_arm_summary_matches_its_ground_truth(make):
    summary = pd.read_csv(DATASETS / "ab_test_three_arms_summary.csv")
    truth = make.ground_truth()["ab_test_three_arms_summary"]
    assert summary["variant"].tolist() == ["control", "treatment_1", "treatment_2"]
    assert summary["users"].sum() == make.THREE_ARMS_USERS
    for row in summary.itertuples():
        p = truth[row.variant]["conversion"]
        assert within(row.conversions / row.users, p, math.sqrt(p * (1 - p) / row.users)), row.variant
        mean = row.revenue_sum / row.users
        sd = math.sqrt((row.revenue_sum_sq - row.revenue_sum**2 / row.users) / (row.users - 1))
        assert within(mean, truth[row.variant]["revenue_per_user"], sd / math.sqrt(row.users)), row.variant


def test_event_log_matches_its_ground_truth(make):
    log = pd.read_csv(DATASETS / "ab_test_event_log.csv.gz")
    truth = make.ground_truth()["ab_test_event_log"]
    assert list(log.columns) == ["user_id", "event_type", "event_time", "variant", "revenue"]
    assert log["event_type"].value_counts().to_dict() == {"assignment": make.EVENT_LOG_USERS, "purchase": 2_478}
    log["event_time"] = pd.to_datetime(log["event_time"], format="%Y-%m-%d %H:%M:%S")
    assigned = log[log["event_type"] == "assignment"].set_index("user_id")
    purchases = log[log["event_type"] == "purchase"]
    assert assigned.index.tolist() == list(range(make.EVENT_LOG_USERS))
    assert (assigned["variant"] == np.where(assigned.index < 2_000, "A", "B")).all()
    assert assigned["revenue"].isna().all() and purchases["variant"].isna().all()
    assert (purchases["revenue"] > 0).all() and purchases["user_id"].isin(assigned.index).all()
    # calendar: assignments at whole hours of 2 to 14 November, purchases inside their period
    times = assigned["event_time"]
    assert times.min() >= make.EVENT_LOG_TEST_START and times.max() < pd.Timestamp("2026-11-15")
    assert (times == times.dt.floor("h")).all()
    pre = purchases["event_time"] < make.EVENT_LOG_TEST_START
    assert purchases.loc[pre, "event_time"].between(make.EVENT_LOG_PRE_START, pd.Timestamp("2026-11-01")).all()
    during = purchases[~pre]
    assert (during["event_time"].to_numpy() >= assigned.loc[during["user_id"], "event_time"].to_numpy()).all()
    assert (during["event_time"] < make.EVENT_LOG_TEST_END - pd.Timedelta(hours=1)).all()
    # per assigned user (zeros included), each arm's conversion and revenue are within 4 SE of the truth
    revenue = during.groupby("user_id")["revenue"].sum().reindex(assigned.index, fill_value=0.0)
    for arm in ("A", "B"):
        users = assigned.index[assigned["variant"] == arm]
        converted = revenue[users] > 0
        p = truth[arm]["conversion"]
        assert within(converted.mean(), p, math.sqrt(p * (1 - p) / users.size)), arm
        assert within(revenue[users].mean(), truth[arm]["revenue_per_user"],
                      revenue[users].std() / math.sqrt(users.size)), arm
    pre_revenue = purchases[pre].groupby("user_id")["revenue"].sum().reindex(assigned.index, fill_value=0.0)
    assert within(pre_revenue.mean(), truth["A"]["pre_revenue_per_user"],
                  pre_revenue.std() / math.sqrt(pre_revenue.size))
    assert revenue.corr(pre_revenue) > 0.3  # the covariate CUPED needs


def test_event_log_keeps_the_draws_of_its_generator(make):
    # revenue is written in shortest round-trip form, times cut to the second: the file holds the draws exactly
    users, events = make.simulate_event_log(make.SEED_EVENT_LOG)
    log = pd.read_csv(DATASETS / "ab_test_event_log.csv.gz")
    purchases = log[log["event_type"] == "purchase"].reset_index(drop=True)
    assert purchases["revenue"].tolist() == events["revenue"].tolist()
    assert purchases["user_id"].tolist() == events["user_id"].tolist()
    floored = pd.to_datetime(purchases["event_time"]).to_numpy()
    assert (floored == events["event_time"].dt.floor("s").to_numpy()).all()


# ------------------------------------------------------------------------ marketing touches (chapter 4)


def test_marketing_touches_agree_with_their_documented_truth(make):
    touches = pd.read_csv(DATASETS / "marketing_touches.csv.gz")
    users = pd.read_csv(DATASETS / "marketing_users.csv.gz")
    truth = pd.read_csv(DATASETS / "marketing_touches_truth.csv").set_index("channel")
    assert len(users) == make.TOUCH_USERS and users["converted"].sum() == 543  # as the data card says
    reached = touches.groupby("channel")["user_id"].nunique()
    assert truth.loc[reached.index, "users_reached"].tolist() == reached.tolist()
    assert truth.loc["all", "users_reached"] == touches["user_id"].nunique()
    # search touches are clicks in the last week (hours 504-671); impressions may fall in any hour
    search = touches[touches["channel"].str.endswith("search")]
    assert (search["touch_type"] == "click").all() and search["hour"].min() >= 21 * 24
    assert touches["hour"].between(0, 28 * 24 - 1).all()
    # the drawn conversions agree with the model's expected total, sum of P(convert), within 4 binomial SEs
    sim = make.simulate_touches(make.SEED_TOUCHES)
    p_all = 1 / (1 + np.exp(-sim["eta"]))
    assert within(users["converted"].sum(), p_all.sum(), np.sqrt((p_all * (1 - p_all)).sum()))
    # a channel's truth by hand for brand search: remove its touches from every user's logit
    beta = make.TOUCH_CHANNELS["brand_search"][5]
    without = 1 / (1 + np.exp(-(sim["eta"] - beta * np.log1p(sim["counts"][:, 3]))))
    assert truth.loc["brand_search", "expected_incremental_conversions"] == pytest.approx(
        (p_all - without).sum(), abs=0.005)
    # the documented figures of the data card
    assert truth["expected_incremental_conversions"].tolist() == [108.90, 50.73, 107.07, 13.65, 246.89]
    converted_touched = touches["user_id"].isin(users.loc[users["converted"] == 1, "user_id"])
    assert touches.loc[converted_touched, "user_id"].nunique() == 539
    # a converter converts in the hour of their last touch
    last = touches.groupby("user_id")["hour"].max()
    conv = users[users["converted"] == 1].set_index("user_id")["conversion_hour"]
    both = conv.index.intersection(last.index)
    assert (conv.loc[both] == last.loc[both]).all()


# ------------------------------------------------------------------------- campaign table (campaign_roi)


def test_campaign_table_agrees_with_its_documented_truth(make):
    """True iROAS = n_T · p0 · lift · mean order value / spend, by hand from CAMPAIGNS (e.g. double 11:
    400,000 · 0.03 · 0.35 · 180 / 120,000 = 6.3); each campaign's observed rates are within 4 SE of p0 and
    p0 · (1 + lift), and the data card states the true iROAS."""
    table = pd.read_csv(DATASETS / "campaigns_synthetic.csv")
    truth = make.campaigns_truth().set_index("campaign")
    assert table["campaign"].tolist() == list(make.CAMPAIGNS) == truth.index.tolist()
    assert truth["iroas"].round(4).tolist() == [6.3, 3.0, 1.44, 3.6, 0.84, 3.51]
    card = (DATASETS / "README.md").read_text(encoding="utf-8")
    for row in table.itertuples():
        channel, spend, n_t, n_h, p0, lift, aov, share, _, margin, _, _ = make.CAMPAIGNS[row.campaign]
        assert (row.spend, row.treated_users, row.holdout_users, row.gross_margin) == (spend, n_t, n_h, margin)
        assert within(row.holdout_conversions / n_h, p0, math.sqrt(p0 * (1 - p0) / n_h)), row.campaign
        p1 = p0 * (1 + lift)
        assert within(row.treated_conversions / n_t, p1, math.sqrt(p1 * (1 - p1) / n_t)), row.campaign
        assert row.revenue_attributed == pytest.approx(share * row.treated_revenue, abs=0.01)
        assert f"**{truth.loc[row.campaign, 'iroas']:.2f}**" in card
    assert (table.loc[table["campaign"] == "lapsed_coupon", "new_customers"] == 0).all()


# ---------------------------------------------------------------------------------------- derived ASOS files


def test_asos_final_checkpoints_agree_with_the_raw_file():
    raw = pd.read_csv(DATASETS / "asos_digital_experiments.csv", dtype={"experiment_id": str})
    binary = raw[raw["metric_id"] == 1].sort_values(["experiment_id", "variant_id", "time_since_start"])
    expected = binary.groupby(["experiment_id", "variant_id"], as_index=False).last()
    derived = pd.read_csv(DATASETS / "asos_binary_final_checkpoints.csv", dtype={"experiment_id": str})
    assert list(derived.columns) == ["experiment_id", "variant_id", "days", "users_control", "users_treatment",
                                     "rate_control", "rate_treatment", "conversions_control",
                                     "conversions_treatment"]
    assert len(derived) == len(expected) == 99 and derived["experiment_id"].nunique() == 78
    assert derived["experiment_id"].tolist() == expected["experiment_id"].tolist()
    assert derived["variant_id"].tolist() == expected["variant_id"].tolist()
    np.testing.assert_allclose(derived["days"], expected["time_since_start"], atol=1e-9)
    assert derived["users_control"].tolist() == expected["count_c"].tolist()
    assert derived["users_treatment"].tolist() == expected["count_t"].tolist()
    assert derived["rate_control"].tolist() == expected["mean_c"].tolist()  # exact round trip
    assert derived["rate_treatment"].tolist() == expected["mean_t"].tolist()
    conv_c = (expected["mean_c"] * expected["count_c"]).round().astype(int)
    conv_t = (expected["mean_t"] * expected["count_t"]).round().astype(int)
    assert derived["conversions_control"].tolist() == conv_c.tolist()
    assert derived["conversions_treatment"].tolist() == conv_t.tolist()


def test_asos_case_summary_is_its_final_checkpoint(make):
    derived = pd.read_csv(DATASETS / "asos_binary_final_checkpoints.csv", dtype={"experiment_id": str})
    row = derived[derived["experiment_id"] == make.ASOS_CASE].iloc[0]
    summary = pd.read_csv(DATASETS / f"asos_{make.ASOS_CASE}_summary.csv")
    assert summary.to_dict("list") == {
        "variant": ["control", "treatment"],
        "users": [row.users_control, row.users_treatment],
        "conversions": [row.conversions_control, row.conversions_treatment],
    }
    # the documented result: +0.57 % relative, p ≈ 0.0001, no sample-ratio mismatch
    c, t = summary.iloc[0], summary.iloc[1]
    test = ex.two_proportion_test(c.conversions, c.users, t.conversions, t.users)
    assert test.rate_b / test.rate_a - 1 == pytest.approx(0.0057, abs=5e-5)
    assert test.p_value < 0.001
    assert ex.srm_check([c.users, t.users]).status == "ok"


def test_service_tickets_match_their_ground_truth(make):
    """The ticket log of section 5.2–5.4: arrival rate, disruption, channel medians and survey truth, each within
    about four standard errors of the simulation's stated parameters."""
    frame = pd.read_csv(DATASETS / "service_tickets.csv.gz", parse_dates=["created_at"])
    truth = make.ticket_truth()
    week = (frame["created_at"] - pd.Timestamp("2026-03-02")).dt.days // 7
    normal = frame[~week.isin(make.TICKET_DISRUPTION_WEEKS)]
    per_day = len(normal) / (7 * (make.TICKET_WEEKS - len(make.TICKET_DISRUPTION_WEEKS)))
    assert within(per_day, truth["tickets_per_day"], math.sqrt(truth["tickets_per_day"] / (7 * 10)))
    disrupted = frame[week.isin(make.TICKET_DISRUPTION_WEEKS)]
    assert within(len(disrupted) / 14, 1.4 * truth["tickets_per_day"], math.sqrt(1.4 * truth["tickets_per_day"] / 14))
    assert (disrupted["category_true"] == "物流").mean() > (normal["category_true"] == "物流").mean() + 0.1
    medians = normal.groupby("channel")["first_response_minutes"].median()
    assert medians["chat"] == pytest.approx(1.5, rel=0.1) and medians["email"] == pytest.approx(240, rel=0.1)
    answered = normal.dropna(subset=["csat"])
    fast = answered["resolution_hours"] <= 24
    csat_fast = (answered.loc[fast, "csat"] >= 4).mean()
    assert within(csat_fast, truth["csat_fast"], math.sqrt(0.83 * 0.17 / fast.sum()))
    p_fast = (normal["resolution_hours"] <= 24).mean()
    assert within(p_fast, truth["p_fast"], math.sqrt(truth["p_fast"] * (1 - truth["p_fast"]) / len(normal)))
    nps = answered["nps"]
    observed_nps = 100 * ((nps >= 9).mean() - (nps <= 6).mean())
    assert within(observed_nps, truth["nps"], 100 * math.sqrt(0.7 / len(answered)))
    assert set(frame["category_true"]) == set(make.TICKET_CATEGORIES) and frame["ticket_id"].is_unique
