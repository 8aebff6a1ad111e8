"""Tests of the event files of ecomops.experiments: DuckDB sufficient statistics against plain pandas, the
encodings and delimiters an analyst's export comes in, the quick check, and every error they promise."""

from __future__ import annotations

import gzip
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import DATASETS
from ecomops.data import DataError
from ecomops.experiments import (
    check_event_file,
    event_columns,
    summarise_events,
    summarise_events_by,
    validate_summary,
)

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


@pytest.mark.parametrize("kind", FORMATS)
def test_summarise_events_by_several_columns_equals_pandas_groupby(tmp_path, kind):
    frame = events_frame()
    got = summarise_events_by(write(frame, tmp_path, kind), ["date", "device"])
    got["date"] = pd.to_datetime(got["date"]).dt.strftime("%Y-%m-%d")
    assert_same_stats(got, pandas_stats(frame, ["date", "device", "variant"]), ["date", "device", "variant"])


def test_empty_rows_dropped_with_several_by_columns(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("variant,converted,date,device\nA,1,2024-01-01,ios\nB,0,2024-01-01,\n,,,\n,,,\n",
                    encoding="utf-8")
    got = summarise_events_by(path, ["date", "device"])
    assert got["users"].tolist() == [1, 1]
    assert got.attrs["dropped_empty_rows"] == 2


def test_missing_file_and_bad_by(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv.*not found"):
        summarise_events(tmp_path / "nope.csv")
    path = write(events_frame(), tmp_path, "csv")
    with pytest.raises(DataError, match=r"by must name a column"):
        summarise_events_by(path, "")
    with pytest.raises(DataError, match=r"by='variant' must be a column other than"):
        summarise_events_by(path, "variant")
    with pytest.raises(DataError, match=r"by names a column twice"):
        summarise_events_by(path, ["date", "date"])
    with pytest.raises(DataError, match=r"by must name a column"):
        summarise_events_by(path, [])


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


# ------------------------------------------------------------------------------ variant names and empty rows


def test_variant_names_are_stripped_as_in_summaries(tmp_path):
    # "control " and "control" are one variant in an event file, exactly as in a summary file
    path = tmp_path / "spaces.csv"
    path.write_text("variant,converted\ncontrol ,1\ncontrol,0\n treatment,1\ntreatment\u3000,0\ntreatment,0\n",
                    encoding="utf-8")
    got = summarise_events(path)
    assert got["variant"].tolist() == ["control", "treatment"]
    assert got["users"].tolist() == [2, 3] and got["conversions"].tolist() == [1, 1]
    clean = validate_summary(got, str(path), " control")
    assert clean["variant"].tolist() == ["control", "treatment"]
    summary = pd.DataFrame({"variant": ["control ", " treatment\u3000"], "users": [2, 3], "conversions": [1, 1]})
    assert validate_summary(summary, "s.csv", "control")["variant"].tolist() == got["variant"].tolist()


def test_stripped_names_are_merged_per_segment_too(tmp_path):
    path = tmp_path / "segments.csv"
    path.write_text("device,variant,converted\napp,A ,1\napp,A,1\nweb, B,0\nweb,B,1\n", encoding="utf-8")
    got = summarise_events_by(path, "device")
    assert got[["device", "variant", "users", "conversions"]].values.tolist() == [["app", "A", 2, 2],
                                                                                   ["web", "B", 2, 1]]


@pytest.mark.parametrize("kind", ["csv", "csv.gz"])
def test_fully_empty_rows_are_dropped_and_counted(tmp_path, kind):
    text = "variant,converted,revenue\nA,1,5\nB,0,0\n,,\nA,0,0\n , ,\n,,\n"
    path = tmp_path / f"excel.{kind}"
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if kind == "csv.gz" else data)
    got = summarise_events(path)
    assert got["users"].tolist() == [2, 1]
    assert got.attrs["dropped_empty_rows"] == 3
    by = summarise_events_by(path, "revenue", revenue_column=None)
    assert by.attrs["dropped_empty_rows"] == 3
    assert validate_summary(got, str(path), "A").attrs["dropped_empty_rows"] == 3
    clean = tmp_path / "clean.csv"
    clean.write_text("variant,converted\nA,1\nB,0\n", encoding="utf-8")
    assert summarise_events(clean).attrs["dropped_empty_rows"] == 0


def test_a_row_with_only_the_variant_missing_is_not_dropped(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("user_id,variant,converted\nu1,A,1\nu2,,0\nu3,B,1\n,,\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"gap\.csv: column 'variant' has 1 empty cell\(s\)"):
        summarise_events(path)


# ------------------------------------------------------------------------------------- encodings, delimiters


GBK_EVENTS = "用户;组别;是否转化;收入\nu1;对照组;1;12.5\nu2;对照组;0;0\nu3;实验组;1;30\nu4;实验组;1;8\nu5;实验组;0;0\n"


def _gbk_summary(path: Path) -> pd.DataFrame:
    return summarise_events(path, variant_column="组别", converted_column="是否转化", revenue_column="收入")


@pytest.mark.parametrize("kind", ["csv", "csv.gz"])
def test_gbk_semicolon_event_files(tmp_path, kind, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    data = GBK_EVENTS.encode("gbk")
    path = tmp_path / f"excel_zh.{kind}"
    path.write_bytes(gzip.compress(data) if kind == "csv.gz" else data)
    got = _gbk_summary(path)
    assert got["variant"].tolist() == ["实验组", "对照组"]  # sorted by code point, as Python sorts
    assert got["users"].tolist() == [3, 2] and got["conversions"].tolist() == [2, 1]
    assert got["revenue_sum"].tolist() == [38.0, 12.5]
    assert event_columns(path) == ["用户", "组别", "是否转化", "收入"]
    assert check_event_file(path, variant_column="组别", converted_column="是否转化", revenue_column="收入") == [
        "用户", "组别", "是否转化", "收入"]
    assert list((tmp_path / "tmp").iterdir()) == []  # the UTF-8 copy and its folder are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "tmp"])


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_gz_delimiters_are_sniffed(tmp_path, delimiter):
    frame = events_frame(n=200)
    path = tmp_path / "events.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        frame.to_csv(handle, index=False, sep=delimiter)
    assert_same_stats(summarise_events(path), pandas_stats(frame, ["variant"]), ["variant"])


def test_gbk_text_after_an_ascii_start_is_read_as_gb18030(tmp_path):
    # sorted by variant: 70,000 ASCII rows first, so the first KB look like UTF-8; the Chinese rows come later
    rows = ["variant,converted"] + ["control,0", "control,1"] * 35_000 + ["实验组,1", "实验组,0"]
    path = tmp_path / "late_gbk.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    got = summarise_events(path)
    assert got["variant"].tolist() == ["control", "实验组"]
    assert got["users"].tolist() == [70_000, 2] and got["conversions"].tolist() == [35_000, 1]


def test_text_in_no_known_encoding(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"variant,converted\n\xff\xfe\xfa,1\n")
    with pytest.raises(DataError, match=r"binary\.csv: cannot decode the text"):
        summarise_events(path)


# ------------------------------------------------------------------------------------------- the quick check


def test_check_event_file_returns_the_columns(tmp_path):
    frame = events_frame()
    path = write(frame, tmp_path, "csv")
    assert check_event_file(path) == list(frame.columns) == event_columns(path)
    assert check_event_file(path, segment_by="device") == list(frame.columns)
    with pytest.raises(DataError, match=r"events\.csv: column 'region' is missing"):
        check_event_file(path, segment_by="region")
    with pytest.raises(ValueError, match="sample_rows must be a whole number >= 1, got 0"):
        check_event_file(path, sample_rows=0)


@pytest.mark.parametrize("kind", FORMATS)
def test_check_event_file_raises_on_a_bad_value_in_the_first_rows(tmp_path, kind):
    frame = events_frame()
    frame["revenue"] = frame["revenue"].astype(str)  # as text, so that Parquet can hold the bad value too
    frame.loc[3, "revenue"] = "n/a"
    path = write(frame, tmp_path, kind)
    with pytest.raises(DataError) as full:
        summarise_events(path)
    with pytest.raises(DataError) as quick:
        check_event_file(path)
    assert str(quick.value) == str(full.value)
    assert re.search(r"column 'revenue' must be a number.*e\.g\. 'n/a'", str(quick.value))


@pytest.mark.parametrize("kind", FORMATS)
def test_check_event_file_reads_only_a_sample(tmp_path, kind):
    # 40,000 clean rows and a bad value in the last one: the quick check passes, the full read does not
    frame = pd.DataFrame({"variant": ["A", "B"] * 20_000, "converted": [0, 1] * 20_000}).astype(object)
    frame.loc[len(frame) - 1, "converted"] = 7
    path = write(frame, tmp_path, kind)
    assert check_event_file(path, sample_rows=10_000) == ["variant", "converted"]
    with pytest.raises(DataError, match=r"column 'converted' must be 0 or 1.*1 row\(s\) are not, e\.g\. '7'"):
        summarise_events(path)


def test_event_columns_does_not_read_the_whole_file(tmp_path):
    # the last line is in no known encoding: reading the whole file fails, the header and first lines do not
    path = tmp_path / "tail.csv"
    path.write_bytes(("variant,converted\n" + "A,1\nB,0\n" * 50_000).encode("utf-8") + b"\xff\xfe,1\n")
    assert event_columns(path) == ["variant", "converted"]
    assert check_event_file(path) == ["variant", "converted"]
    with pytest.raises(DataError, match=r"tail\.csv: the text is not valid"):
        summarise_events(path)
