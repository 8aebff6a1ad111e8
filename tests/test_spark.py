"""The warehouse queries run by a real Spark (local[2]) give the same summaries as DuckDB on the same Parquet.

Spark needs ``pip install -r requirements-spark.txt`` and Java 17; without them the tests skip on a laptop and
fail in CI (where ``.ci/run`` installs both).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from ecomops.warehouse import run_duckdb, template_query

pytestmark = pytest.mark.slow

DATA = ROOT / "datasets"
CLV_COLUMNS = {"customer": "CustomerID", "purchased_at": "InvoiceDate", "quantity": "Quantity",
               "price": "UnitPrice", "invoice": "InvoiceNo"}


@pytest.fixture(scope="module")
def spark():
    try:
        from pyspark.sql import SparkSession

        session = (SparkSession.builder.master("local[2]").appName("ecomops-warehouse-tests")
                   .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
                   .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    except Exception as err:  # pyspark missing, or no Java
        if os.environ.get("CI"):
            pytest.fail(f"CI must install requirements-spark.txt and Java 17 (see .ci/run): {err}")
        pytest.skip(f"Spark is not available here: {err}")
    yield session
    session.stop()


def _parquet(tmp_path_factory, name: str, frame: pd.DataFrame) -> str:
    path = tmp_path_factory.mktemp("spark") / f"{name}.parquet"
    frame.to_parquet(path, index=False)
    return str(path)


def _spark_summary(spark, template: str, parquet: str, params=None, columns=None) -> pd.DataFrame:
    spark.read.parquet(parquet).createOrReplaceTempView("raw_input")
    sql = template_query(template, params).render("spark", "raw_input", columns or {})
    return spark.sql(sql.rstrip().rstrip(";")).toPandas()


def _same(spark_result: pd.DataFrame, duck_result: pd.DataFrame) -> None:
    assert list(spark_result.columns) == list(duck_result.columns)
    assert len(spark_result) == len(duck_result)
    for column in duck_result.columns:
        left, right = spark_result[column], duck_result[column]
        if pd.api.types.is_numeric_dtype(right):
            np.testing.assert_allclose(left.to_numpy(dtype=float), right.to_numpy(dtype=float), rtol=1e-9,
                                       err_msg=column)
        elif pd.api.types.is_datetime64_any_dtype(right):
            np.testing.assert_array_equal(pd.to_datetime(left).to_numpy(dtype="datetime64[us]"),
                                          right.to_numpy(dtype="datetime64[us]"), err_msg=column)
        else:
            assert [None if pd.isna(v) else str(v) for v in left] == [None if pd.isna(v) else str(v) for v in right], \
                column


def test_funnel_on_spark(spark, tmp_path_factory):
    parquet = _parquet(tmp_path_factory, "sessions", pd.read_csv(DATA / "online_shoppers_intention.csv"))
    _same(_spark_summary(spark, "kpi_funnel", parquet), run_duckdb("kpi_funnel", parquet))


def test_ab_on_spark(spark, tmp_path_factory):
    """Per day and variant, and per day, device and variant (segment_by)."""
    from ecomops.playbook import ab_test_analysis

    users = pd.read_csv(DATA / "ab_test_events.csv.gz", parse_dates=["date"])
    parquet = _parquet(tmp_path_factory, "users", users)
    for params in (None, ab_test_analysis.Params(segment_by="device")):
        _same(_spark_summary(spark, "ab_test_analysis", parquet, params),
              run_duckdb("ab_test_analysis", parquet, params))


@pytest.fixture(scope="module")
def lines_parquet(tmp_path_factory) -> str:
    """The order lines of the UCI customers whose ID is divisible by 10, as Parquet with typed columns."""
    lines = pd.read_csv(DATA / "online_retail_customers_mod10.csv", parse_dates=["InvoiceDate"],
                        dtype={"InvoiceNo": str, "StockCode": str})
    return _parquet(tmp_path_factory, "lines", lines)


def test_customer_value_on_spark(spark, lines_parquet):
    from ecomops.playbook import customer_value

    parquet = lines_parquet
    params = customer_value.Params()
    _same(_spark_summary(spark, "customer_value", parquet, params, CLV_COLUMNS),
          run_duckdb("customer_value", parquet, params, CLV_COLUMNS))


def test_case_study_on_spark(spark, lines_parquet):
    """The two-stage GROUPING SETS query gives the same part rows on Spark as on DuckDB (rows put in one order
    first: the engines sort empty keys differently)."""
    from ecomops.warehouse import WORKED_SUMMARIES

    columns = WORKED_SUMMARIES["online_retail_summary_mod10.csv"][2]
    keys = ["part", "month", "customer", "country", "weekday", "product"]
    results = [frame.sort_values(keys, na_position="first", ignore_index=True) for frame in (
        _spark_summary(spark, "case_study", lines_parquet, columns=columns),
        run_duckdb("case_study", lines_parquet, columns=columns))]
    assert (results[1]["part"] == "product").sum() > 2000  # every part is there, not only the totals
    _same(*results)
