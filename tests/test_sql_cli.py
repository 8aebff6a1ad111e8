"""``ecomops sql``: the query of every covered template for every dialect, and one clear message with exit code 2
for bad input (never a traceback)."""

from __future__ import annotations

import pytest
import sqlglot

from conftest import run_cli
from ecomops.warehouse import DIALECTS, SQL_TEMPLATES


@pytest.mark.parametrize("template", SQL_TEMPLATES)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_parses_back(template, dialect):
    """Transpiled, not executed: each printed query must parse in its own dialect, read the user's table and
    produce the summary's columns."""
    from ecomops.warehouse import template_query

    query = template_query(template)
    text = query.render(dialect, "shop.raw_events")
    tree = sqlglot.parse_one(text, read=dialect)
    assert "raw_events" in {t.name for t in tree.find_all(sqlglot.exp.Table)}
    selects = tree.named_selects
    if selects == ["*"]:  # a dialect that cannot order a UNION directly wraps it: SELECT * FROM (…) ORDER BY …
        selects = tree.find(sqlglot.exp.Union).named_selects
    assert [c.name for c in query.outputs] == selects
    for column in query.outputs:  # the header names every output column with the parameter reading it
        assert f"--   {column.name} " in text and f"[{column.read_by}]" in text


def test_cli_prints_the_query_with_a_column_mapped():
    done = run_cli("sql", "ab_test_analysis", "--dialect", "spark", "--table", "db.users",
                   "--column", "date=TO_DATE(assigned_at)")
    assert done.returncode == 0, done.stderr
    tree = sqlglot.parse_one(done.stdout, read="spark")
    assert "TO_DATE(assigned_at) AS date" in tree.sql(dialect="spark")
    assert "db.users" in done.stdout and "-- Output columns" in done.stdout


def test_help_lists_the_dialects():
    done = run_cli("sql", "--help")
    assert done.returncode == 0
    flat = " ".join(done.stdout.split())
    assert all(d in flat for d in DIALECTS)


@pytest.mark.parametrize("args, message", [
    (["nope", "--dialect", "spark", "--table", "t"], "invalid choice: 'nope'"),
    (["kpi_funnel", "--dialect", "oracle9", "--table", "t"], "invalid choice: 'oracle9'"),
    (["kpi_funnel", "--dialect", "spark", "--table", "t", "--column", "Revenue"], "name=expression"),
    (["kpi_funnel", "--dialect", "spark", "--table", "t", "--column", "nothere=1"], "not a column"),
    (["ab_test_analysis", "--dialect", "hive", "--table", "t", "--column", "date=CAST(("], "cannot read"),
])
def test_bad_input_one_message_exit_2(args, message):
    done = run_cli("sql", *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr and done.stdout == ""


def test_a_bad_value_in_the_params_file_names_the_parameter_value_and_what_is_allowed(tmp_path):
    params = tmp_path / "ab.yaml"
    params.write_text("alpha: 3\n", encoding="utf-8")
    done = run_cli("sql", "ab_test_analysis", "--dialect", "spark", "--table", "t", "-p", str(params))
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert "parameter 'alpha' = 3" in done.stderr and "≤ 0.2" in done.stderr


def test_params_file_adds_the_ab_segment(tmp_path):
    params = tmp_path / "ab.yaml"
    params.write_text("segment_by: device\n", encoding="utf-8")
    done = run_cli("sql", "ab_test_analysis", "--dialect", "spark", "--table", "t", "-p", str(params),
                   "--column", "device=LOWER(platform)")
    assert done.returncode == 0, done.stderr
    tree = sqlglot.parse_one(done.stdout, read="spark")
    assert tree.named_selects[:3] == ["date", "device", "variant"]
    assert [g.sql(dialect="spark") for g in tree.args["group"].expressions] == ["date", "LOWER(platform)", "variant"]


def test_params_file_shapes_the_funnel_query(tmp_path):
    params = tmp_path / "funnel.yaml"
    params.write_text("segment_by: ''\nstages:\n- {name: Visit, column: null}\n- {name: Bought, column: buy, op: eq, "
                      "value: true}\n", encoding="utf-8")
    done = run_cli("sql", "kpi_funnel", "--dialect", "duckdb", "--table", "t", "-p", str(params))
    assert done.returncode == 0, done.stderr
    assert "stage_2" in done.stdout and "stage_3" not in done.stdout and "CAST(\"buy\" AS INT) = 1" in done.stdout
