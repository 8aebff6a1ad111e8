"""Tests for ecomops.abdata: DuckDB sufficient statistics against plain pandas, and every error it promises."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import DATASETS
from ecomops import experiments as ex
from ecomops.abdata import (
    cuped_arm_stats,
    load_summary,
    revenue_per_user_stats,
    summarise_events,
    summarise_events_by,
    summary_row,
    validate_summary,
)
from ecomops.data import DataError

FORMATS = ["csv", "csv.gz", "parquet"]
STATS = ["users", "conversions", "revenue_sum", "revenue_sum_sq", "pre_revenue_sum", "pre_revenue_sum_sq",
         "revenue_pre_revenue_sum"]


def events_frame(n: int = 600, seed: int = 7) -> pd.DataFrame:
    """A small event log with three variants (one with a Chinese name), dates and devices."""
    rng = np.random.default_rng(seed)
    converted = (rng.random(n) < 0.2).astype(int)
    pre = np.round(rng.gamma(0.5, 40, n), 2)
    return pd.DataFrame({
        "user_id": [f"u{i:05d}" for i in range(n)],
        "variant": rng.choice(["control", "treatment", "实验B"], size=n),
        "converted": converted,
        "revenue": np.round(converted * (rng.gamma(2.0, 30, n) + 0.3 * pre), 2),
        "pre_revenue": pre,
        "date": rng.choice(["2024-03-04", "2024-03-05", "2024-03-06"], size=n),
        "device": rng.choice(["mobile", "desktop", "tablet"], size=n),
    })


def write(frame: pd.DataFrame, folder: Path, kind: str, name: str = "events") -> Path:
    path = folder / f"{name}.{kind}"
    if kind == "parquet":
        frame.to_parquet(path, index=False)
    elif kind == "csv.gz":
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            frame.to_csv(handle, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def pandas_stats(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The reference: a plain pandas groupby."""
    work = frame.assign(
        revenue_sq=frame["revenue"] ** 2,
        pre_revenue_sq=frame["pre_revenue"] ** 2,
        cross=frame["revenue"] * frame["pre_revenue"],
    )
    out = work.groupby(keys, sort=True).agg(
        users=("converted", "size"),
        conversions=("converted", "sum"),
        revenue_sum=("revenue", "sum"),
        revenue_sum_sq=("revenue_sq", "sum"),
        pre_revenue_sum=("pre_revenue", "sum"),
        pre_revenue_sum_sq=("pre_revenue_sq", "sum"),
        revenue_pre_revenue_sum=("cross", "sum"),
    )
    return out.reset_index()


def assert_same_stats(got: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    assert list(got.columns) == keys + STATS
    assert len(got) == len(expected)
    for key in keys:
        assert got[key].astype(str).tolist() == expected[key].astype(str).tolist()
    for column in ("users", "conversions"):
        assert got[column].tolist() == expected[column].tolist()
    for column in STATS[2:]:
        np.testing.assert_allclose(got[column].to_numpy(), expected[column].to_numpy(), rtol=1e-12)


# ------------------------------------------------------------------------------------------- the statistics


@pytest.mark.parametrize("kind", FORMATS)
def test_summarise_events_equals_pandas_groupby(tmp_path, kind):
    frame = events_frame()
    got = summarise_events(write(frame, tmp_path, kind))
    assert_same_stats(got, pandas_stats(frame, ["variant"]), ["variant"])
    assert got["variant"].tolist() == sorted(frame["variant"].unique())
    assert got["users"].dtype == np.int64 and got["conversions"].dtype == np.int64


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("by", ["date", "device"])
def test_summarise_events_by_equals_pandas_groupby(tmp_path, kind, by):
    frame = events_frame()
    got = summarise_events_by(write(frame, tmp_path, kind), by)
    expected = pandas_stats(frame, [by, "variant"])
    if by == "date":
        # a CSV's ISO dates are read as timestamps: compare the calendar dates
        got[by] = pd.to_datetime(got[by]).dt.strftime("%Y-%m-%d")
    assert_same_stats(got, expected, [by, "variant"])


def test_other_column_names_and_optional_columns(tmp_path):
    frame = events_frame().rename(columns={"variant": "arm", "converted": "bought", "revenue": "gmv"})
    path = write(frame.drop(columns=["pre_revenue"]), tmp_path, "csv")
    got = summarise_events(path, variant_column="arm", converted_column="bought", revenue_column="gmv")
    # the default pre_revenue column is absent: its statistics are simply left out
    assert list(got.columns) == ["variant", "users", "conversions", "revenue_sum", "revenue_sum_sq"]
    expected = frame.groupby("arm")["gmv"].agg(["sum", "size"])
    np.testing.assert_allclose(got["revenue_sum"], expected["sum"].to_numpy(), rtol=1e-12)
    # None skips a column that is present
    skipped = summarise_events(path, variant_column="arm", converted_column="bought", revenue_column=None)
    assert list(skipped.columns) == ["variant", "users", "conversions"]


def test_defaults_dropped_when_absent_but_explicit_names_required(tmp_path):
    frame = events_frame()[["variant", "converted"]]
    path = write(frame, tmp_path, "parquet")
    assert list(summarise_events(path).columns) == ["variant", "users", "conversions"]
    with pytest.raises(DataError, match=r"events\.parquet: column 'revenue' is missing"):
        summarise_events(path, revenue_column="revenue")
    with pytest.raises(DataError, match=r"column 'pre_rev' is missing"):
        summarise_events(path, pre_revenue_column="pre_rev")
    with pytest.raises(DataError, match=r"column 'dates' is missing"):
        summarise_events_by(path, "dates")


def test_true_false_converted_and_semicolons_and_bom(tmp_path):
    text = "\ufeffvariant;converted;revenue\nA;TRUE;10.5\nA;FALSE;0\nB;true;3\nB;false;0\nB;false;0\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("utf-8"))
    got = summarise_events(path)
    assert got["variant"].tolist() == ["A", "B"]
    assert got["users"].tolist() == [2, 3] and got["conversions"].tolist() == [1, 1]
    assert got["revenue_sum"].tolist() == [10.5, 3.0]


def test_numeric_variant_names_become_text(tmp_path):
    path = write(pd.DataFrame({"variant": [0, 1, 1, 0], "converted": [1, 0, 1, 1]}), tmp_path, "csv")
    got = summarise_events(path)
    assert got["variant"].tolist() == ["0", "1"] and got["conversions"].tolist() == [2, 1]


def test_shipped_event_file_matches_pandas():
    frame = pd.read_csv(DATASETS / "ab_test_events.csv.gz")
    got = summarise_events(DATASETS / "ab_test_events.csv.gz")
    assert_same_stats(got, pandas_stats(frame, ["variant"]), ["variant"])


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


# -------------------------------------------------------------------------------------- event-file problems


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_converted_not_zero_one(tmp_path, kind):
    frame = events_frame()
    frame["converted"] = frame["converted"].astype(object)
    frame.loc[5, "converted"] = 2
    frame.loc[9, "converted"] = 2
    path = write(frame.astype({"converted": "int64"}), tmp_path, kind)
    with pytest.raises(DataError, match=r"events\.\w+: column 'converted' must be 0 or 1 .*but 2 row\(s\) are not, "
                                        r"e\.g\. '2'"):
        summarise_events(path)


def test_converted_text_beyond_the_sniffed_sample(tmp_path):
    # 30,000 clean rows, then one 'yes': the CSV reader must not stop; the check reports the value
    rows = ["variant,converted"] + ["A,0", "B,1"] * 15_000 + ["B,yes"]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"late\.csv: column 'converted' must be 0 or 1.*1 row\(s\).*e\.g\. 'yes'"):
        summarise_events(path)


def test_empty_converted_and_revenue_cells(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("variant,converted,revenue\nA,1,5\nA,,0\nB,0,0\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'converted' must be 0 or 1.*1 row\(s\).*an empty cell"):
        summarise_events(path)
    path.write_text("variant,converted,revenue\nA,1,5\nA,0,n/a\nB,0,0\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'revenue' must be a number.*1 row\(s\).*e\.g\. 'n/a'"):
        summarise_events(path)


def test_missing_variant_cell(tmp_path):
    path = tmp_path / "novariant.csv"
    path.write_text("variant,converted\nA,1\n,0\nB,0\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"novariant\.csv: column 'variant' has 1 empty cell"):
        summarise_events(path)


def test_missing_required_column_suggests(tmp_path):
    path = write(events_frame().rename(columns={"converted": "Converted"}), tmp_path, "csv")
    with pytest.raises(DataError, match=r"events\.csv: column 'converted' is missing \(did you mean 'Converted'\?\)"):
        summarise_events(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("events.txt", b"variant,converted\nA,1\n", r"events\.txt: unsupported file type '\.txt'.*\.csv, \.csv\.gz, "
                                                     r"\.parquet"),
        ("events.xlsx", b"PK", r"unsupported file type '\.xlsx'.*save a spreadsheet as CSV"),
        ("events.csv.gz", b"variant,converted\nA,1\n", r"events\.csv\.gz: cannot be read as a gzip-compressed"),
        ("events.parquet", b"not parquet", r"events\.parquet: cannot be read as a Parquet file"),
        ("events.csv", b"", r"events\.csv: the file is empty"),
        ("events.csv", b"variant,converted\n", r"events\.csv: the table has a header but no data rows"),
    ],
    ids=["txt", "xlsx", "fake-gzip", "fake-parquet", "empty", "header-only"],
)
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        summarise_events(path)


def test_missing_file_and_bad_by(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv.*not found"):
        summarise_events(tmp_path / "nope.csv")
    path = write(events_frame(), tmp_path, "csv")
    with pytest.raises(DataError, match=r"by must name a column"):
        summarise_events_by(path, "")
    with pytest.raises(DataError, match=r"by='variant' must be a column other than"):
        summarise_events_by(path, "variant")


@pytest.mark.parametrize("kind", FORMATS)
def test_reading_never_modifies_the_file(tmp_path, kind):
    path = write(events_frame(), tmp_path, kind)
    old = 1_600_000_000
    os.utime(path, (old, old))
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    summarise_events(path)
    summarise_events_by(path, "device")
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no side files


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


def test_validate_summary_accepts_event_statistics(tmp_path):
    summary = summarise_events(write(events_frame(), tmp_path, "csv"))
    clean = validate_summary(summary, "events.csv", "control")
    assert re.fullmatch(r"int64", str(clean["users"].dtype))
    pd.testing.assert_frame_equal(clean, summary)


def test_empty_by_values_form_the_first_group(tmp_path):
    path = tmp_path / "segments.csv"
    path.write_text("device,variant,converted\nweb,A,1\n,A,0\napp,B,1\n,B,1\n", encoding="utf-8")
    got = summarise_events_by(path, "device")
    assert got["device"].isna().tolist() == [True, True, False, False]
    assert got["device"].iloc[2:].tolist() == ["app", "web"]
    assert got["variant"].tolist() == ["A", "B", "B", "A"]
    assert got["conversions"].tolist() == [0, 1, 1, 1]
