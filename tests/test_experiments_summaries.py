"""Tests of summary-level input in ecomops.experiments (one row per variant, as a platform exports it or as
summarise_events returns it) and of the statistics taken from a summary row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import DATASETS
from ecomops import experiments as ex
from ecomops.data import DataError
from ecomops.experiments import (
    cuped_arm_stats,
    load_summary,
    revenue_per_user_stats,
    summarise_events,
    summary_row,
    validate_summary,
)
from test_experiments_events import events_frame, write


# ---------------------------------------------------------------------------------- helpers and experiments


def test_revenue_per_user_stats_and_cuped_from_summary(tmp_path):
    frame = events_frame(n=2000, seed=11)
    frame = frame[frame["variant"] != "实验B"]
    summary = validate_summary(summarise_events(write(frame, tmp_path, "parquet")), "events", "control")
    control = frame[frame["variant"] == "control"]["revenue"].to_numpy()
    mean, sd, n = revenue_per_user_stats(summary_row(summary, "control"))
    assert n == control.size
    assert mean == pytest.approx(control.mean(), rel=1e-12)
    assert sd == pytest.approx(control.std(ddof=1), rel=1e-9)
    got = ex.cuped_from_stats(cuped_arm_stats(summary_row(summary, "control")),
                              cuped_arm_stats(summary_row(summary, "treatment")))
    raw = ex.cuped_adjust(frame["revenue"], frame["pre_revenue"], (frame["variant"] == "treatment").to_numpy())
    assert got.theta == pytest.approx(raw.theta, rel=1e-9)
    assert got.adjusted.difference == pytest.approx(raw.adjusted.difference, rel=1e-9)
    assert got.adjusted.se == pytest.approx(raw.adjusted.se, rel=1e-9)


def test_helpers_name_what_is_missing():
    summary = pd.DataFrame({"variant": ["control", "treatment"], "users": [10, 12], "conversions": [1, 2]})
    with pytest.raises(DataError, match=r"variant 'b' not found; variants present: control, treatment"):
        summary_row(summary, "b")
    with pytest.raises(DataError, match=r"'control'.*no revenue_sum, revenue_sum_sq"):
        revenue_per_user_stats(summary.iloc[0])
    with pytest.raises(DataError, match=r"no pre_revenue_sum"):
        cuped_arm_stats(summary.assign(revenue_sum=1.0, revenue_sum_sq=1.0).iloc[0])


# ------------------------------------------------------------------------------------ summary-level input


def good_summary() -> pd.DataFrame:
    return pd.DataFrame({
        "variant": ["control", "treatment"],
        "users": [1000, 1010],
        "conversions": [50, 61],
        "revenue_sum": [3000.0, 3300.0],
        "revenue_sum_sq": [200_000.0, 230_000.0],
    })


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_load_summary_formats(tmp_path, kind):
    path = tmp_path / f"summary.{kind}"
    frame = good_summary()
    if kind == "csv":
        frame.to_csv(path, index=False)
    elif kind == "xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    loaded = load_summary(path)
    assert loaded["variant"].tolist() == ["control", "treatment"]
    assert loaded["users"].tolist() == [1000, 1010] and loaded["users"].dtype == np.int64
    np.testing.assert_allclose(loaded["revenue_sum_sq"], frame["revenue_sum_sq"])
    assert validate_summary(loaded, str(path), "control") is not loaded


def test_load_shipped_summaries():
    three = load_summary(DATASETS / "ab_test_three_arms_summary.csv")
    assert three["variant"].tolist() == ["control", "treatment_1", "treatment_2"]
    asos = load_summary(DATASETS / "asos_3c9dfd_summary.csv")
    assert list(asos.columns) == ["variant", "users", "conversions"]


def edit(**changes) -> pd.DataFrame:
    frame = good_summary()
    for column, values in changes.items():
        frame[column] = values
    return frame


@pytest.mark.parametrize(
    ("frame", "control", "message"),
    [
        (good_summary().drop(columns=["users"]), "control", r"s\.csv: column 'users' is missing"),
        (edit(users=[1000, 0], conversions=[50, 0]), "control", r"variant 'treatment' has users = 0; every variant"),
        (edit(conversions=[50, 1011]), "control",
         r"variant 'treatment' has conversions = 1011 > users = 1010"),
        (edit(conversions=[-1, 61]), "control", r"variant 'control' has conversions = -1; counts cannot be negative"),
        (edit(users=[-5, 1010], conversions=[0, 61]), "control", r"variant 'control' has users = -5"),
        (edit(users=[1000.5, 1010]), "control", r"users = 1000.5; counts must be whole numbers"),
        (edit(variant=["control", "control"]), "control", r"variant 'control' appears more than once"),
        (good_summary().iloc[:1], "control", r"found 1 variant \(control\); a test needs at least 2"),
        (good_summary(), "baseline", r"control variant 'baseline' not found; variants present: control, treatment"),
        (edit(revenue_sum_sq=[200_000.0, 100.0]), "control",
         r"variant 'treatment' has revenue_sum_sq = 100, less than revenue_sum²/users = 10782.*negative"),
        (good_summary().drop(columns=["revenue_sum_sq"]), "control",
         r"column 'revenue_sum' is given without 'revenue_sum_sq'"),
        (edit(users=["1000", "many"]), "control", r"column 'users' must be numeric, but row 3 has 'many'"),
        (edit(variant=["control", None]), "control", r"column 'variant' is empty in row 3"),
    ],
    ids=["missing-column", "zero-users", "conversions-over-users", "negative-conversions", "negative-users",
         "fractional", "duplicate", "one-variant", "control-absent", "negative-variance", "half-pair",
         "not-numeric", "empty-name"],
)
def test_validate_summary_errors(frame, control, message):
    with pytest.raises(DataError, match=message):
        validate_summary(frame, "s.csv", control)


def test_validate_summary_does_not_modify_its_input():
    frame = good_summary().assign(variant=[" control ", "treatment"])
    copy = frame.copy()
    clean = validate_summary(frame, "s.csv", "control")
    pd.testing.assert_frame_equal(frame, copy)
    assert clean["variant"].tolist() == ["control", "treatment"]




# ------------------------------------------------------------------------------ totals rows and empty rows


@pytest.mark.parametrize("label", ["合计", "总计", "小计", "Total", "TOTALS", " sum ", "All", "總計"])
def test_a_totals_row_is_refused_naming_its_row(label):
    frame = pd.DataFrame({
        "variant": ["control", "treatment_1", label, "treatment_2"],
        "users": [1000, 1010, 3030, 1020],
        "conversions": [50, 61, 171, 60],
    })
    shown = label.strip()
    message = (rf"s\.csv: row 4 has variant '{shown}', which looks like a totals row; delete it "
               r"\(only one row per variant is allowed\)")
    with pytest.raises(DataError, match=message):
        validate_summary(frame, "s.csv", "control")


def test_names_that_merely_contain_total_are_variants():
    frame = good_summary().assign(variant=["control", "total_price_shown"])
    assert validate_summary(frame, "s.csv", "control")["variant"].tolist() == ["control", "total_price_shown"]


def test_totals_row_in_an_excel_export(tmp_path):
    path = tmp_path / "export.xlsx"
    frame = pd.DataFrame({"variant": ["对照组", "实验组", "合计"], "users": [1000, 1010, 2010],
                          "conversions": [50, 61, 111]})
    frame.to_excel(path, index=False)
    with pytest.raises(DataError, match=r"export\.xlsx.*: row 4 has variant '合计', which looks like a totals row"):
        load_summary(path)


def test_fully_empty_rows_are_dropped_and_counted_keeping_row_numbers():
    frame = pd.DataFrame({
        "variant": ["control", None, "treatment", "  ", None, "Total"],
        "users": [1000, None, 1010, None, None, 2010],
        "conversions": [50, None, 61, None, None, 111],
    })
    # rows 3, 5 and 6 are empty (a blank cell counts as empty); the totals row is still row 7 of the sheet
    with pytest.raises(DataError, match=r"row 7 has variant 'Total'"):
        validate_summary(frame, "s.csv", "control")
    clean = validate_summary(frame.iloc[:5], "s.csv", "control")
    assert clean["variant"].tolist() == ["control", "treatment"]
    assert clean["users"].tolist() == [1000, 1010] and clean["users"].dtype == np.int64
    assert clean.attrs["dropped_empty_rows"] == 3
    assert clean.index.tolist() == [0, 1]
    # a count the input carries (from load_table, or from an event file) is kept and added to
    carried = frame.iloc[:5].copy()
    carried.attrs["dropped_empty_rows"] = 4
    assert validate_summary(carried, "s.csv", "control").attrs["dropped_empty_rows"] == 7
    with pytest.raises(DataError, match=r"column 'users' must be numeric, but row 4 has 'many'"):
        validate_summary(frame.iloc[:5].assign(users=[1000, None, "many", None, None]), "s.csv", None)


def test_trailing_empty_csv_rows_are_dropped(tmp_path):
    path = tmp_path / "summary.csv"
    path.write_text("variant,users,conversions\ncontrol ,1000,50\ntreatment,1010,61\n,,\n,,\n", encoding="utf-8")
    loaded = load_summary(path)
    assert loaded["variant"].tolist() == ["control", "treatment"]
    assert loaded.attrs["dropped_empty_rows"] == 2
    assert summary_row(loaded, " control").equals(loaded.iloc[0])
