"""Tests for ecomops.data: loading the analyst's files (encodings, formats, errors) and the shipped data sets."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomops.data import (
    DATASETS,
    DataError,
    dataset_path,
    load_dataset,
    load_table,
    require_columns,
    require_numeric,
    resolve_path,
)

CHINESE_TEXT = "商品,销售额,数量\n苹果,12.5,3\n梨,8,1\n香蕉,20.25,4\n"


def expected_chinese_frame() -> pd.DataFrame:
    return pd.DataFrame({"商品": ["苹果", "梨", "香蕉"], "销售额": [12.5, 8.0, 20.25], "数量": [3, 1, 4]})


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------- CSV encodings


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "gbk", "gb18030"],
    ids=["utf8", "utf8-bom", "gbk", "gb18030"],
)
def test_csv_encodings_give_identical_frames(tmp_path, encoding):
    path = write_bytes(tmp_path / "sales.csv", CHINESE_TEXT.encode(encoding))
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = load_table(path)
    pd.testing.assert_frame_equal(frame, expected_chinese_frame())
    assert list(frame.columns) == ["商品", "销售额", "数量"]  # no BOM left in the first column name


def test_gbk_non_ascii_after_the_sniffed_sample(tmp_path):
    # 100 KB of ASCII rows (valid UTF-8) before the first GBK-encoded character: the decoder must still fall
    # back to GBK/GB18030 instead of failing or producing mojibake.
    rows = ["sku,销售额"] + [f"A{i:06d},{i}" for i in range(10_000)] + ["苹果,7"]
    path = write_bytes(tmp_path / "late_gbk.csv", ("\n".join(rows) + "\n").encode("gbk"))
    assert path.stat().st_size > 100_000
    frame = load_table(path)
    assert list(frame.columns) == ["sku", "销售额"]
    assert len(frame) == 10_001
    assert frame["sku"].iloc[-1] == "苹果"
    assert frame["销售额"].iloc[-1] == 7


def test_undecodable_csv_names_file_and_encodings(tmp_path):
    # 0x80 0xFF is invalid in UTF-8 and in GB18030
    path = write_bytes(tmp_path / "broken.csv", b"a,b\n1,\x80\xff\n")
    with pytest.raises(DataError, match=r"broken\.csv.*cannot decode.*utf-8-sig.*gb18030"):
        load_table(path)


# ------------------------------------------------------------------------------------------ CSV delimiters


@pytest.mark.parametrize("sep", [";", "\t", "|"], ids=["semicolon", "tab", "pipe"])
def test_other_delimiters(tmp_path, sep):
    path = write_bytes(tmp_path / "sales.csv", CHINESE_TEXT.replace(",", sep).encode("utf-8"))
    pd.testing.assert_frame_equal(load_table(path), expected_chinese_frame())


def test_semicolon_csv_with_decimal_commas_splits_on_semicolons(tmp_path):
    # European Excel export: ';' between fields, ',' inside numbers
    path = write_bytes(tmp_path / "eu.csv", "produkt;preis;menge\nA;12,50;3\nB;8,00;1\nC;20,25;4\n".encode())
    frame = load_table(path)
    assert list(frame.columns) == ["produkt", "preis", "menge"]
    assert frame["menge"].tolist() == [3, 1, 4]
    assert frame["preis"].tolist() == ["12,50", "8,00", "20,25"]


def test_comma_csv_with_quoted_commas_and_semicolons(tmp_path):
    text = 'customer,note,amount\n"Smith, J","paid; late",10\n"Lee, K","ok; ok",20\n"Wu, M","",30\n'
    frame = load_table(write_bytes(tmp_path / "quoted.csv", text.encode()))
    assert list(frame.columns) == ["customer", "note", "amount"]
    assert frame["customer"].tolist() == ["Smith, J", "Lee, K", "Wu, M"]
    assert frame["amount"].tolist() == [10, 20, 30]


def test_single_column_csv_is_not_split(tmp_path):
    # The python engine's sniffer used to split a one-column file on a letter of its header ("amo" | "nt").
    frame = load_table(write_bytes(tmp_path / "one.csv", b"amount\n1\n2\n3\n"))
    assert list(frame.columns) == ["amount"]
    assert frame["amount"].tolist() == [1, 2, 3]


def test_column_names_are_stripped(tmp_path):
    frame = load_table(write_bytes(tmp_path / "pad.csv", " sku , qty\nA,1\n".encode()))
    assert list(frame.columns) == ["sku", "qty"]


def test_large_csv_loads_whole(tmp_path):
    # 500,000 rows: a block of 1,000 distinct rows written 500 times. qty in the block is 1..8 repeating
    # (125 full cycles of 1+…+8 = 36), so the block sums to 125·36 = 4,500 and the file to 500·4,500 = 2,250,000.
    # (How fast it loads is measured by scripts/bench.py, not asserted here.)
    block = "".join(f"{i},{i % 8 + 1},{(i * 37) % 1000 / 100:.2f},{'app' if i % 3 else 'web'}\n" for i in range(1000))
    path = tmp_path / "big.csv"
    path.write_text("order_id,qty,price,channel\n" + block * 500, encoding="utf-8")
    loaded = load_table(path)
    assert loaded.shape == (500_000, 4)
    assert list(loaded.columns) == ["order_id", "qty", "price", "channel"]
    assert loaded["qty"].sum() == 2_250_000
    assert len(load_table(path, nrows=10)) == 10


# ----------------------------------------------------------------------------------------------- other formats


def test_csv_gz(tmp_path):
    path = tmp_path / "sales.csv.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(CHINESE_TEXT.encode("utf-8"))
    pd.testing.assert_frame_equal(load_table(path), expected_chinese_frame())


def test_not_really_gzip(tmp_path):
    path = write_bytes(tmp_path / "sales.csv.gz", CHINESE_TEXT.encode("utf-8"))
    with pytest.raises(DataError, match=r"sales\.csv\.gz.*not a readable gzip"):
        load_table(path)


def test_xlsx_first_sheet_and_named_sheet(tmp_path):
    path = tmp_path / "book.xlsx"
    other = pd.DataFrame({"区域": ["华东", "华南"], "订单": [5, 7]})
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        expected_chinese_frame().to_excel(writer, sheet_name="销售", index=False)
        other.to_excel(writer, sheet_name="区域", index=False)
    pd.testing.assert_frame_equal(load_table(path), expected_chinese_frame())
    pd.testing.assert_frame_equal(load_table(path, sheet="区域"), other)
    with pytest.raises(DataError, match=r"book\.xlsx.*sheet 'missing'"):
        load_table(path, sheet="missing")


def test_xlsx_written_with_openpyxl(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["商品", "销售额", "数量"])
    for row in (["苹果", 12.5, 3], ["梨", 8.0, 1], ["香蕉", 20.25, 4]):
        ws.append(row)
    path = tmp_path / "manual.xlsx"
    wb.save(path)
    pd.testing.assert_frame_equal(load_table(path), expected_chinese_frame())


def test_parquet(tmp_path):
    path = tmp_path / "sales.parquet"
    expected_chinese_frame().to_parquet(path, index=False)
    pd.testing.assert_frame_equal(load_table(path), expected_chinese_frame())


def test_damaged_xlsx_and_parquet(tmp_path):
    with pytest.raises(DataError, match=r"bad\.xlsx.*not a readable \.xlsx"):
        load_table(write_bytes(tmp_path / "bad.xlsx", b"not a zip file"))
    with pytest.raises(DataError, match=r"bad\.parquet.*not a readable Parquet"):
        load_table(write_bytes(tmp_path / "bad.parquet", b"not parquet"))


# ---------------------------------------------------------------------------------------------- file problems


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx"])
def test_empty_file(tmp_path, name):
    path = write_bytes(tmp_path / name, b"")
    with pytest.raises(DataError, match=re.escape(name) + r".*empty"):
        load_table(path)


def test_header_only_file(tmp_path):
    path = write_bytes(tmp_path / "header.csv", "商品,销售额\n".encode("utf-8"))
    with pytest.raises(DataError, match=r"header\.csv.*header but no data rows"):
        load_table(path)


def test_header_only_xlsx(tmp_path):
    path = tmp_path / "header.xlsx"
    pd.DataFrame(columns=["商品", "销售额"]).to_excel(path, index=False)
    with pytest.raises(DataError, match=r"header\.xlsx.*no data rows"):
        load_table(path)


def test_unsupported_suffix(tmp_path):
    path = write_bytes(tmp_path / "notes.txt", b"a,b\n1,2\n")
    with pytest.raises(DataError, match=r"notes\.txt.*unsupported file type '\.txt'.*\.csv, \.csv\.gz, \.xlsx, \.parquet"):
        load_table(path)
    with pytest.raises(DataError, match=r"unsupported file type '\(none\)'"):
        load_table(write_bytes(tmp_path / "noext", b"a,b\n1,2\n"))


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "no_such_file.csv"
    with pytest.raises(DataError, match=re.escape(str(missing)) + r".*not found"):
        load_table(missing)
    with pytest.raises(DataError, match=r"'nothing_here_1234\.csv' not found \(looked in: .*nothing_here_1234\.csv"):
        load_table("nothing_here_1234.csv", base_dir=tmp_path)


@pytest.mark.parametrize("kind", ["csv", "gbk.csv", "xlsx", "parquet", "csv.gz"])
def test_loading_never_modifies_the_file(tmp_path, kind):
    frame = expected_chinese_frame()
    path = tmp_path / f"data.{kind}"
    if kind == "csv":
        path.write_bytes(CHINESE_TEXT.encode("utf-8-sig"))
    elif kind == "gbk.csv":
        path.write_bytes(CHINESE_TEXT.encode("gbk"))
    elif kind == "xlsx":
        frame.to_excel(path, index=False)
    elif kind == "parquet":
        frame.to_parquet(path)
    else:
        with gzip.open(path, "wb") as handle:
            handle.write(CHINESE_TEXT.encode())
    old = 1_600_000_000  # a fixed mtime in the past, so that any rewrite would show
    os.utime(path, (old, old))
    before_bytes, before_mtime = path.read_bytes(), path.stat().st_mtime_ns
    load_table(path)
    load_table(path)
    assert path.read_bytes() == before_bytes
    assert path.stat().st_mtime_ns == before_mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no side files


# ----------------------------------------------------------------------------------------------- resolve_path


def test_resolve_path_relative_to_base_dir(tmp_path, monkeypatch):
    sub = tmp_path / "exports"
    sub.mkdir()
    target = write_bytes(sub / "orders.csv", CHINESE_TEXT.encode())
    monkeypatch.chdir(tmp_path.parent)  # the file is not in the working folder
    assert resolve_path("orders.csv", base_dir=sub) == target.resolve()
    assert resolve_path(Path("exports") / "orders.csv", base_dir=tmp_path) == target.resolve()
    assert resolve_path(target) == target.resolve()  # absolute path
    pd.testing.assert_frame_equal(load_table("orders.csv", base_dir=sub), expected_chinese_frame())


def test_resolve_path_relative_to_working_folder(tmp_path, monkeypatch):
    target = write_bytes(tmp_path / "here.csv", b"a\n1\n")
    monkeypatch.chdir(tmp_path)
    assert resolve_path("here.csv") == target.resolve()


def test_resolve_path_error_lists_places(tmp_path):
    with pytest.raises(DataError, match=r"'x\.csv' not found \(looked in: " + re.escape(str(tmp_path / "x.csv")) + ";"):
        resolve_path("x.csv", base_dir=tmp_path)


# ---------------------------------------------------------------------------------------------- require_columns


def test_require_columns_suggests_close_match():
    frame = pd.DataFrame({"Revenue": [1], "PageValues": [2.0], "VisitorType": ["New"]})
    require_columns(frame, ["Revenue", "PageValues"])  # present: no error
    with pytest.raises(DataError, match=r"sessions\.csv: column 'Revnue' is missing \(did you mean 'Revenue'\?\)"):
        require_columns(frame, ["PageValues", "Revnue"], source="sessions.csv")
    with pytest.raises(DataError, match=r"column 'zzz' is missing; columns present: Revenue, PageValues, VisitorType"):
        require_columns(frame, ["zzz"])


# ---------------------------------------------------------------------------------------------- require_numeric


def test_require_numeric_names_column_row_and_value(tmp_path):
    path = write_bytes(tmp_path / "orders.csv", "sku,qty\nA,1\nB,2\nC,abc\nD,4\nE,x\n".encode())
    frame = load_table(path)
    # header = row 1, so the third data row (C, abc) is spreadsheet row 4
    with pytest.raises(DataError, match=r"orders\.csv: column 'qty' must be numeric, but row 4 has 'abc' \(2 such"):
        require_numeric(frame, ["qty"], source="orders.csv")


def test_require_numeric_empty_cell():
    frame = pd.DataFrame({"qty": [1.0, 2.0, np.nan]})
    with pytest.raises(DataError, match=r"column 'qty' must be numeric, but row 4 has an empty cell"):
        require_numeric(frame, ["qty"])


def test_require_numeric_converts_text_and_bools():
    frame = pd.DataFrame(
        {
            "qty": ["1", " 2.5", "-3"],
            "flag_text": ["TRUE", "false", " True "],
            "flag_bool": [True, False, True],
            "label": ["a", "b", "c"],
        }
    )
    result = require_numeric(frame, ["qty", "flag_text", "flag_bool"])
    assert result["qty"].tolist() == [1.0, 2.5, -3.0]
    assert result["flag_text"].tolist() == [1, 0, 1]
    assert result["flag_bool"].tolist() == [1, 0, 1]
    assert result["label"].tolist() == ["a", "b", "c"]
    assert frame["flag_text"].tolist() == ["TRUE", "false", " True "]  # the input is not modified


def test_require_numeric_loaded_true_false_column(tmp_path):
    frame = load_table(write_bytes(tmp_path / "s.csv", b"Revenue,Weekend\nTRUE,FALSE\nFALSE,FALSE\nTRUE,TRUE\n"))
    result = require_numeric(frame, ["Revenue", "Weekend"])
    assert result["Revenue"].tolist() == [1, 0, 1]
    assert result["Weekend"].tolist() == [0, 0, 1]


def test_require_numeric_missing_column_suggests():
    with pytest.raises(DataError, match=r"column 'Qty' is missing \(did you mean 'qty'\?\)"):
        require_numeric(pd.DataFrame({"qty": [1]}), ["Qty"])


# ------------------------------------------------------------------------------------------ shipped data sets


def test_online_shoppers_intention_published_counts():
    # UCI data card: 12,330 sessions, of which 1,908 (15.5 %) ended in a purchase (Revenue = TRUE)
    frame = load_dataset("online_shoppers_intention")
    assert len(frame) == 12_330
    assert int(require_numeric(frame, ["Revenue"])["Revenue"].sum()) == 1_908
    assert frame.shape[1] == 18


def test_unknown_dataset_lists_available():
    with pytest.raises(DataError, match=r"unknown data set 'online_shopers'.*" + ", ".join(sorted(DATASETS))):
        load_dataset("online_shopers")
    with pytest.raises(DataError, match=r"asos_digital_experiments, .*online_retail_customers_mod10"):
        dataset_path("nope")


def test_dataset_paths_exist():
    for name in DATASETS:
        assert dataset_path(name).is_file(), name


# ---------------------------------------------------------------------------------------------- pseudonymise_ids


def _hmac_hex(salt: str, value: object) -> str:
    import hashlib
    import hmac

    return hmac.new(salt.encode("utf-8"), str(value).encode("utf-8"), hashlib.sha256).hexdigest()


def test_pseudonymise_ids_is_the_keyed_hash():
    from ecomops.data import pseudonymise_ids

    salt = "a-long-secret-salt-不公开"
    ids = pd.Series(["13800138000", "C-17850", None, "13800138000", 42], index=[10, 11, 12, 13, 14], name="cid")
    result = pseudonymise_ids(ids, salt)
    assert result.index.tolist() == ids.index.tolist() and result.name == "cid"
    assert result[10] == _hmac_hex(salt, "13800138000")[:16]
    assert result[11] == _hmac_hex(salt, "C-17850")[:16]
    assert result[14] == _hmac_hex(salt, 42)[:16]
    assert result[10] == result[13]  # same id, same pseudonym
    assert pd.isna(result[12]) and result.isna().sum() == 1  # missing stays missing
    full = pseudonymise_ids(ids, salt, length=64)
    assert full[11] == _hmac_hex(salt, "C-17850")
    assert pseudonymise_ids(ids, salt, length=8)[11] == _hmac_hex(salt, "C-17850")[:8]


def test_pseudonymise_ids_depends_on_the_salt():
    from ecomops.data import pseudonymise_ids

    ids = pd.Series(range(1000))
    first = pseudonymise_ids(ids, "x" * 16)
    second = pseudonymise_ids(ids, "y" * 16)
    assert first.is_unique and second.is_unique
    assert (first != second).all()
    assert ids.tolist() == list(range(1000))  # the input is not modified


@pytest.mark.parametrize("salt", ["", "short-salt", None])
def test_pseudonymise_ids_refuses_a_weak_salt(salt):
    from ecomops.data import pseudonymise_ids

    with pytest.raises(DataError, match=r"salt must be a secret text of at least 16 characters.*reversed by hashing "
                                        r"every candidate"):
        pseudonymise_ids(pd.Series(["13800138000"]), salt)


@pytest.mark.parametrize("length", [7, 65, 16.0, True])
def test_pseudonymise_ids_length_range(length):
    from ecomops.data import pseudonymise_ids

    with pytest.raises(DataError, match=r"length must be a whole number of hex characters from 8 to 64"):
        pseudonymise_ids(pd.Series(["a"]), "s" * 16, length=length)
