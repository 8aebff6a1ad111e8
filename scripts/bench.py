"""Performance figures for the book and the playbook, measured in one run and printed as a table (or JSON).

Measures:
* cold book build of a copy of the project: a new, empty output folder, so every notebook is executed;
* warm rebuild: the same folder again with nothing changed; also counts the notebooks executed (target 0);
* warm rebuild after one sentence of one chapter page's prose was edited: time, pages re-read (target 1) and
  notebooks executed (target 0);
* the student edition (``scripts/build_edition.py student``, its own folder: every notebook runs) and the printed
  handbook (``scripts/build_pdf.py`` into the cold build's folder, reusing its execution cache: target 0 executed);
* ``ecomops run kpi_funnel`` against bare ``papermill`` on the same notebook and parameters, medians of
  several runs, and their ratio;
* 10 million A/B-test events (a seeded Parquet file written into the temporary folder, not committed) reduced
  to per-variant statistics by ``ecomops.experiments.summarise_events`` (DuckDB), against ``pd.read_parquet`` +
  ``groupby``: median time of 3 runs of the call and peak resident memory, each run in a fresh process;
* the whole ``ecomops run ab_test_analysis`` on those 10 million events: median wall time and peak memory.

* ``ecomops run customer_value`` on 1 million transactions of 100,000 customers and on 10 million of 1 million
  customers (seeded Parquet files drawn by ``ecomops.clv.simulate_bgnbd_transactions`` from a BG/NBD with known
  parameters, Gamma-Gamma spend): median wall time of ``--customer-runs`` runs at 1M and one run at 10M, the
  peak memory, the growth from 1M to 10M, and the recovery of the known parameters from ``results.json``; and
  ``lifetimes``' ``BetaGeoFitter`` on the 1M calibration summary beside ``ecomops.clv.fit_bgnbd`` (where
  lifetimes is installed).

* the supply-risk Monte Carlo of ``ecomops.risk.simulate_supply_risk`` (chunked, vectorised) at 1 million and
  10 million draws: median wall time of ``--runs`` runs and the peak memory of each run's fresh process (and its
  growth over the process after imports), next to a plain Python loop over 100,000 draws of the same model in
  the same run, and the ratio of their times per draw.

* ``ecomops run case_study`` on the shipped UCI Online Retail file (541,909 lines) and on a 10-million-line
  synthetic CSV of order lines in the UCI layout (seeded, written into the temporary folder, not committed):
  wall time and peak memory of one run each (the whole template: DuckDB scan, analysis, figures, report).

Targets: warm rebuild ≤ 25 % of the cold build, and ≤ 20 % after a prose edit; ``ecomops run`` ≤ 1.3 × bare papermill;
``summarise_events`` and the whole ``ab_test_analysis`` run on 10 million events each ≤ 10 s and ≤ 2048 MB;
``customer_value`` ≤ 30 s at 1M and ≤ 120 s at 10M transactions, each ≤ 2048 MB; the Monte Carlo ≤ 2 s at 1M
draws, with the peak memory at 10M draws within 10 % of that at 1M (chunking bounds it); ``case_study`` ≤ 20 s
on the full UCI file and ≤ 60 s and ≤ 2048 MB on 10 million lines.

With ``--before GIT_REF`` the whole 10-million-event run is also timed with the package as of that commit (a
temporary git worktree), and ``ab_template_now_over_before`` is today's median over that one.

Usage: ``python scripts/bench.py [--runs N] [--json] [--skip-book] [--skip-kpi] [--skip-ab] [--skip-customers]
[--skip-mc] [--skip-case-study] [--customer-runs N] [--before GIT_REF]``
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXECUTED = re.compile(r"Executing notebook", re.I)
READ_PAGE = re.compile(r"^reading sources\.\.\. \[\s*\d+%\] \S+", re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: the chapter page whose prose the warm-rebuild measurement edits (it has code cells: they must not run again)
EDITED_PAGE = "book/01-operations-foundations/01-what-is-ecommerce-operations.md"
COPY_SKIPPED = ("_build", ".venv", "venv", ".git", "reports", "__pycache__", "*.egg-info", ".pytest_cache",
                ".ipynb_checkpoints", "test-artifacts")
TARGETS = {
    "warm_over_cold": 0.25,
    "edit_over_cold": 0.20,
    "edit_pages_read": 1,
    "edit_notebooks_executed": 0,
    "pdf_notebooks_executed": 0,
    "ecomops_over_papermill": 1.3,
    "ab_summarise_s": 10,
    "ab_peak_rss_mb": 2048,
    "ab_template_run_s": 10,
    "ab_template_peak_rss_mb": 2048,
    "ab_growth_100m_s": 20,
    "ab_growth_100m_peak_rss_mb": 2048,
    "cv_1m_run_s": 30,
    "cv_1m_peak_rss_mb": 2048,
    "cv_10m_run_s": 120,
    "cv_10m_peak_rss_mb": 2048,
    "mc_1m_s": 2.0,
    "mc_rss_10m_over_1m": 1.1,
    "cs_full_run_s": 20,
    "cs_10m_run_s": 60,
    "cs_10m_peak_rss_mb": 2048,
}
CS_LINES = 10_000_000
CS_CHUNK_LINES = 1_000_000
CS_SEED = 20111209
AB_ROWS = 10_000_000
AB_CHUNK_ROWS = 1_000_000
AB_RUNS = 3
AB_SEED = 20240401
# Run in a fresh interpreter: time the call only (not start-up and imports), then report the process's peak RSS.
AB_CHILD = """
import json, resource, sys, time
import pandas as pd
from ecomops.experiments import summarise_events

def pandas_only(path):
    frame = pd.read_parquet(path)
    frame["revenue_sq"] = frame["revenue"] ** 2
    frame["pre_revenue_sq"] = frame["pre_revenue"] ** 2
    frame["cross"] = frame["revenue"] * frame["pre_revenue"]
    return frame.groupby("variant").agg(
        users=("converted", "size"), conversions=("converted", "sum"), revenue_sum=("revenue", "sum"),
        revenue_sum_sq=("revenue_sq", "sum"), pre_revenue_sum=("pre_revenue", "sum"),
        pre_revenue_sum_sq=("pre_revenue_sq", "sum"), revenue_pre_revenue_sum=("cross", "sum"))

method, path = sys.argv[1], sys.argv[2]
started = time.perf_counter()
result = summarise_events(path) if method == "duckdb" else pandas_only(path)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "users": int(result["users"].sum())}))
"""


def timed(command: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run a command, fail loudly if it fails, return (seconds, combined output)."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"command failed ({result.returncode}): {' '.join(command)}\n{result.stdout[-3000:]}"
                         f"\n{result.stderr[-3000:]}")
    return seconds, result.stdout + result.stderr


def pages_read(log: str) -> int:
    """How many pages a Sphinx build (re)read, from its ``reading sources... [ 50%] page`` lines."""
    return len(READ_PAGE.findall(ANSI.sub("", log)))


def bench_book(workdir: Path) -> dict[str, float]:
    """The book copied into ``workdir`` (its kernels import the copy's package): a cold build into an empty folder,
    a warm rebuild with nothing changed, a warm rebuild after one sentence of one chapter page was edited (pages
    re-read, notebooks executed), then the student edition (its own folder and cache, so every notebook runs) and
    the printed handbook (the single-page build reuses the cold build's cache)."""
    import os

    source = workdir / "project"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*COPY_SKIPPED))
    env = {**os.environ, "PYTHONPATH": str(source)}
    command = [str(BIN / "jupyter-book"), "build", str(source), "--path-output", str(workdir), "-W", "-n",
               "--keep-going"]
    cold, cold_log = timed(command, env=env)
    warm, warm_log = timed(command, env=env)
    page = source / EDITED_PAGE
    text = page.read_text(encoding="utf-8")
    paragraph = next(line for line in text.splitlines() if line[:1].isalpha() and line.rstrip().endswith("."))
    page.write_text(text.replace(paragraph, paragraph + " This sentence was added by the benchmark.", 1),
                    encoding="utf-8")
    edited, edited_log = timed(command, env=env)
    student, student_log = timed([sys.executable, str(source / "scripts" / "build_edition.py"), "student",
                                  "--path-output", str(workdir / "student")], env=env)
    pdf, pdf_log = timed([sys.executable, str(source / "scripts" / "build_pdf.py"), "--path-output", str(workdir),
                          "-o", str(workdir / "handbook.pdf")], env=env)
    return {
        "cold_build_s": cold,
        "cold_notebooks_executed": len(EXECUTED.findall(cold_log)),
        "warm_build_s": warm,
        "warm_notebooks_executed": len(EXECUTED.findall(warm_log)),
        "warm_over_cold": warm / cold,
        "edit_build_s": edited,
        "edit_over_cold": edited / cold,
        "edit_pages_read": pages_read(edited_log),
        "edit_notebooks_executed": len(EXECUTED.findall(edited_log)),
        "student_build_s": student,
        "student_notebooks_executed": len(EXECUTED.findall(student_log)),
        "pdf_build_s": pdf,
        "pdf_notebooks_executed": len(EXECUTED.findall(pdf_log)),
        "pdf_mb": (workdir / "handbook.pdf").stat().st_size / 2**20,
    }


def bench_template(workdir: Path, runs: int, template: str = "kpi_funnel") -> dict[str, float]:
    """Median wall time of `ecomops run` and of bare papermill on the same notebook, interleaved."""
    notebook = ROOT / "templates" / f"{template}.ipynb"
    ecomops_times, papermill_times = [], []
    for i in tqdm(range(runs), desc=f"{template} runs", unit="pair"):
        out = workdir / f"run-{i}"
        seconds, _ = timed([str(BIN / "ecomops"), "run", template, "-o", str(out), "-q"])
        ecomops_times.append(seconds)
        params = out / "results.json"
        assert params.is_file()
        seconds, _ = timed([str(BIN / "papermill"), str(notebook), str(workdir / f"bare-{i}.ipynb"),
                            "--cwd", str(notebook.parent), "--no-progress-bar", "-p", "output_dir", str(workdir / f"bare-{i}")])
        papermill_times.append(seconds)
    ecomops_median = statistics.median(ecomops_times)
    papermill_median = statistics.median(papermill_times)
    return {
        "ecomops_run_s": ecomops_median,
        "papermill_s": papermill_median,
        "ecomops_over_papermill": ecomops_median / papermill_median,
        "runs": runs,
    }


def write_ab_events(path: Path, rows: int = AB_ROWS, chunk_rows: int = AB_CHUNK_ROWS, seed: int = AB_SEED) -> Path:
    """A seeded Parquet file of ``rows`` A/B-test events (variant, converted, revenue, pre_revenue), written in
    chunks with pyarrow so that memory stays at one chunk. Control converts 5 %, treatment 5.5 %."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    schema = pa.schema([("variant", pa.string()), ("converted", pa.int64()), ("revenue", pa.float64()),
                        ("pre_revenue", pa.float64())])
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, chunk_rows):
            n = min(chunk_rows, rows - start)
            treated = rng.random(n) < 0.5
            pre_revenue = np.round(rng.gamma(0.3, 60.0, n), 2)
            converted = (rng.random(n) < np.where(treated, 0.055, 0.05)).astype(np.int64)
            revenue = np.round(converted * (rng.lognormal(3.9, 0.5, n) + 0.2 * pre_revenue), 2)
            variant = pa.array(np.where(treated, "treatment", "control"))
            writer.write_table(pa.table([variant, converted, revenue, pre_revenue], schema=schema))
    return path


def _child(method: str, path: Path) -> dict[str, float]:
    _, output = timed([sys.executable, "-c", AB_CHILD, method, str(path)])
    return json.loads(output.strip().splitlines()[-1])


TEMPLATE_CHILD = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
if result.returncode != 0:
    raise SystemExit(result.stderr)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def bench_ab_template(path: Path, workdir: Path, runs: int = AB_RUNS, code: Path | None = None,
                      label: str = "ab_template") -> dict[str, float]:
    """The whole ``ecomops run ab_test_analysis`` on the 10-million-row file: wall time and the peak RSS of the
    largest process (the CLI or the notebook's kernel), each run measured from a fresh wrapper process.

    ``code`` is another checkout of the project (e.g. an earlier commit) whose package is run instead, through
    ``PYTHONPATH`` (the notebook's kernel inherits it), so that before and after are measured in one run.
    """
    import os

    params = workdir / "ab_events.yaml"
    params.write_text(f"data_path: {path}\ndata_kind: events\ncontrol: control\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(code)} if code is not None else None
    measured = []
    for i in tqdm(range(runs), desc=f"{label} on 10M rows", unit="run"):
        command = [sys.executable, "-m", "ecomops.cli", "run", "ab_test_analysis", "-p", str(params), "-o",
                   str(workdir / f"{label}-{i}"), "-q"]
        result = subprocess.run([sys.executable, "-c", TEMPLATE_CHILD, *command], capture_output=True, text=True,
                                env=env, cwd=code or ROOT)
        if result.returncode != 0:
            raise SystemExit(result.stderr)
        measured.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return {
        f"{label}_run_s": statistics.median(m["seconds"] for m in measured),
        f"{label}_peak_rss_mb": max(m["peak_rss_mb"] for m in measured),
    }


def bench_ab_before(path: Path, workdir: Path, ref: str, runs: int = AB_RUNS) -> dict[str, float]:
    """The same 10-million-row run with the package as it was at git ``ref`` (a temporary worktree), and the
    ratio of today's time to that one (≤ 1 means no slower than before)."""
    tree = workdir / "before"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), ref], cwd=ROOT, check=True)
    try:
        return bench_ab_template(path, workdir, runs, code=tree, label="ab_template_before")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


def bench_ab_events(workdir: Path, runs: int = AB_RUNS, before: str | None = None) -> dict[str, float]:
    """10 million events: ``summarise_events`` (DuckDB) against pandas, each run in a fresh process; with
    ``before`` (a git ref) also the whole template run as of that commit."""
    path = write_ab_events(workdir / "ab_events.parquet")
    compared: dict[str, float] = {}
    if before is not None:
        compared = bench_ab_before(path, workdir, before, runs)
    duck, pandas_runs = [], []
    for _ in tqdm(range(runs), desc="A/B events runs", unit="pair"):
        duck.append(_child("duckdb", path))
        pandas_runs.append(_child("pandas", path))
    for result in duck + pandas_runs:
        assert result["users"] == AB_ROWS, result
    duck_s = statistics.median(r["seconds"] for r in duck)
    pandas_s = statistics.median(r["seconds"] for r in pandas_runs)
    return {
        **bench_ab_template(path, workdir, runs),
        "ab_rows": AB_ROWS,
        "ab_file_mb": path.stat().st_size / 2**20,
        "ab_summarise_s": duck_s,
        "ab_peak_rss_mb": max(r["peak_rss_mb"] for r in duck),
        "ab_pandas_s": pandas_s,
        "ab_pandas_peak_rss_mb": max(r["peak_rss_mb"] for r in pandas_runs),
        "ab_pandas_over_duckdb_s": pandas_s / duck_s,
        **compared,
    }


CV_SEED = 20240501
CV_SCALES = {"1m": 100_000, "10m": 1_000_000}  # customers; about 10 transactions each
CV_CHUNK_CUSTOMERS = 100_000
#: the simulation's truth: BG/NBD (alpha per day) and Gamma-Gamma parameters, and its calendar
CV_TRUTH = {"r": 1.5, "alpha": 90.0, "a": 0.5, "b": 12.0}
CV_SPEND = {"p": 4.0, "q": 3.0, "gamma": 20.0}
CV_CALENDAR = {"start": "2024-01-01", "acquisition_days": 30, "observation_days": 730}
CV_CALIBRATION_END = "2025-07-01"  # day 547 of 730: a six-month holdout
CV_LIFETIMES_CHILD = """
import json, resource, sys, time
import pandas as pd
from ecomops.clv import calibration_summary, fit_bgnbd
frame = pd.read_parquet(sys.argv[1])
summary = calibration_summary(frame, "customer_id", "timestamp", "amount", sys.argv[2])
started = time.perf_counter()
ours = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
figures = {"ours_fit_s": time.perf_counter() - started, "ours": ours.to_dict()}
try:
    import lifetimes
except ImportError:
    lifetimes = None
if lifetimes is not None:
    started = time.perf_counter()
    try:
        fitter = lifetimes.BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        figures["lifetimes"] = {k: float(v) for k, v in fitter.params_.items()}
    except Exception as exc:  # lifetimes raises ConvergenceError on flat surfaces
        figures["lifetimes_error"] = type(exc).__name__
    figures["lifetimes_fit_s"] = time.perf_counter() - started
figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(figures))
"""


def write_customer_transactions(path: Path, customers: int, seed: int = CV_SEED) -> int:
    """A seeded Parquet file of BG/NBD transactions (``customer_id``, ``timestamp``, ``amount``) drawn in chunks of
    :data:`CV_CHUNK_CUSTOMERS` customers (one child seed each), so that memory stays at one chunk; returns rows."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ecomops.clv import simulate_bgnbd_transactions

    path.parent.mkdir(parents=True, exist_ok=True)
    chunks = range(0, customers, CV_CHUNK_CUSTOMERS)
    seeds = np.random.SeedSequence(seed).spawn(len(chunks))
    rows, writer = 0, None
    try:
        for first, child in zip(chunks, seeds):
            frame = simulate_bgnbd_transactions(min(CV_CHUNK_CUSTOMERS, customers - first), **CV_TRUTH, **CV_SPEND,
                                                **CV_CALENDAR, seed=int(child.generate_state(1)[0]))
            frame["customer_id"] += first
            table = pa.Table.from_pandas(frame, preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
            rows += len(frame)
    finally:
        if writer is not None:
            writer.close()
    return rows


def _recovery(label: str, fit: dict) -> dict[str, float]:
    """Relative error of each recovered BG/NBD parameter against :data:`CV_TRUTH`."""
    return {f"{label}_{name}_rel_err": fit[name] / truth - 1 for name, truth in CV_TRUTH.items()}


def bench_customer_value(workdir: Path, runs: int = AB_RUNS) -> dict[str, float]:
    """``ecomops run customer_value`` at 1M (median of ``runs``) and 10M transactions (once), the parameter
    recovery, the growth 1M → 10M, and lifetimes' BG/NBD fitter on the 1M summary beside ours."""
    figures: dict[str, float] = {}
    for label, customers in CV_SCALES.items():
        data = workdir / f"customers_{label}.parquet"
        figures[f"cv_{label}_rows"] = write_customer_transactions(data, customers)
        figures[f"cv_{label}_customers"] = customers
        params = workdir / f"customers_{label}.yaml"
        params.write_text(
            f"data_path: {data}\ncustomer_col: customer_id\ndate_col: timestamp\namount_col: amount\n"
            f"quantity_col: ''\nprice_col: ''\ninvoice_col: ''\ncalibration_end: '{CV_CALIBRATION_END}'\n"
            "time_unit: days\n", encoding="utf-8")
        measured, results = [], {}
        for i in tqdm(range(runs if label == "1m" else 1), desc=f"customer_value on {label}", unit="run"):
            out = workdir / f"cv-{label}-{i}"
            command = [sys.executable, "-m", "ecomops.cli", "run", "customer_value", "-p", str(params), "-o",
                       str(out), "-q"]
            result = subprocess.run([sys.executable, "-c", TEMPLATE_CHILD, *command], capture_output=True,
                                    text=True, cwd=ROOT)
            if result.returncode != 0:
                raise SystemExit(result.stderr)
            measured.append(json.loads(result.stdout.strip().splitlines()[-1]))
            results = json.loads((out / "results.json").read_text(encoding="utf-8"))
        figures[f"cv_{label}_run_s"] = statistics.median(m["seconds"] for m in measured)
        figures[f"cv_{label}_peak_rss_mb"] = max(m["peak_rss_mb"] for m in measured)
        figures.update(_recovery(f"cv_{label}", results["bgnbd"]))
        figures[f"cv_{label}_holdout_pred_over_actual"] = (results["holdout"]["predicted_purchases"]
                                                           / results["holdout"]["actual_purchases"])
        if label == "1m":
            _, output = timed([sys.executable, "-c", CV_LIFETIMES_CHILD, str(data), CV_CALIBRATION_END])
            reference = json.loads(output.strip().splitlines()[-1])
            figures["cv_1m_fit_bgnbd_s"] = reference["ours_fit_s"]
            if "lifetimes_fit_s" in reference:
                figures["cv_1m_lifetimes_fit_s"] = reference["lifetimes_fit_s"]
            if "lifetimes" in reference:
                figures.update(_recovery("cv_1m_lifetimes", reference["lifetimes"]))
            elif "lifetimes_error" in reference:
                figures["cv_1m_lifetimes_error"] = reference["lifetimes_error"]
        data.unlink()
    figures["cv_growth_time_10m_over_1m"] = figures["cv_10m_run_s"] / figures["cv_1m_run_s"]
    figures["cv_growth_rss_10m_over_1m"] = figures["cv_10m_peak_rss_mb"] / figures["cv_1m_peak_rss_mb"]
    return figures


MC_SCALES = {"1m": 1_000_000, "10m": 10_000_000}
MC_LOOP_DRAWS = 100_000
#: the risk_assessment template's default scenario (days): demand, lead time, disruption, reorder point, costs
MC_SCENARIO = {"demand_mean": 120.0, "demand_sd": 30.0, "lead_time_mean": 10.0, "lead_time_sd": 3.0,
               "reorder_point": 1812.36, "order_quantity": 1800.0, "service_level": 0.95,
               "disruption_probability": 0.08, "disruption_extra_lead_time": 20.0, "holding_cost_per_unit": 2.0,
               "shortage_cost_per_unit": 25.0}
# Run in a fresh interpreter: the RSS after imports, then the simulation timed alone and the process's peak RSS.
MC_CHILD = """
import json, resource, sys, time
from ecomops.risk import simulate_supply_risk
scenario, draws = json.loads(sys.argv[1]), int(sys.argv[2])
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
result = simulate_supply_risk(**scenario, n_draws=draws, seed=20261202)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "import_rss_mb": baseline, "stockout_probability": result.stockout_probability}))
"""
# The same model as a plain Python loop (the standard library's random numbers): what vectorising saves.
MC_LOOP_CHILD = """
import json, math, random, statistics, sys, time
s, draws = json.loads(sys.argv[1]), int(sys.argv[2])
rng = random.Random(20261202)
started = time.perf_counter()
stockouts, shortage_sum, costs = 0, 0.0, []
for _ in range(draws):
    if rng.random() < s["disruption_probability"]:
        lead = s["lead_time_mean"] + s["disruption_extra_lead_time"]
    else:
        lead = max(rng.gauss(s["lead_time_mean"], s["lead_time_sd"]), 0.0)
    demand = s["demand_mean"] * lead + s["demand_sd"] * math.sqrt(lead) * rng.gauss(0.0, 1.0)
    short = max(demand - s["reorder_point"], 0.0)
    stockouts += demand > s["reorder_point"]
    shortage_sum += short
    costs.append(s["holding_cost_per_unit"] * max(s["reorder_point"] - demand, 0.0) + s["shortage_cost_per_unit"] * short)
cuts = statistics.quantiles(costs, n=20)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "stockout_probability": stockouts / draws, "cost_p95": cuts[-1]}))
"""


def bench_monte_carlo(runs: int) -> dict[str, float]:
    """``simulate_supply_risk`` at 1M and 10M draws (median of ``runs``, each in a fresh process: time and peak
    RSS), and a plain Python loop over 100,000 draws of the same model; the ratio of the times per draw."""
    scenario = json.dumps(MC_SCENARIO)
    figures: dict[str, float] = {}
    for label, draws in MC_SCALES.items():
        measured = []
        for _ in tqdm(range(runs), desc=f"Monte Carlo {label} draws", unit="run"):
            _, output = timed([sys.executable, "-c", MC_CHILD, scenario, str(draws)])
            measured.append(json.loads(output.strip().splitlines()[-1]))
        figures[f"mc_{label}_s"] = statistics.median(m["seconds"] for m in measured)
        figures[f"mc_{label}_peak_rss_mb"] = max(m["peak_rss_mb"] for m in measured)
        figures[f"mc_{label}_growth_over_imports_mb"] = max(m["peak_rss_mb"] - m["import_rss_mb"] for m in measured)
        figures[f"mc_{label}_stockout_probability"] = measured[0]["stockout_probability"]
    loop = []
    for _ in tqdm(range(runs), desc="Python loop 100k draws", unit="run"):
        _, output = timed([sys.executable, "-c", MC_LOOP_CHILD, scenario, str(MC_LOOP_DRAWS)])
        loop.append(json.loads(output.strip().splitlines()[-1]))
    figures["mc_loop_100k_s"] = statistics.median(m["seconds"] for m in loop)
    figures["mc_loop_stockout_probability"] = loop[0]["stockout_probability"]
    per_draw_loop = figures["mc_loop_100k_s"] / MC_LOOP_DRAWS
    figures["mc_loop_over_vectorised_per_draw"] = per_draw_loop / (figures["mc_1m_s"] / MC_SCALES["1m"])
    figures["mc_rss_10m_over_1m"] = figures["mc_10m_peak_rss_mb"] / figures["mc_1m_peak_rss_mb"]
    return figures


AB_GROWTH_ROWS = (10_000_000, 30_000_000, 100_000_000)
AB_GROWTH_PANDAS_MAX_ROWS = 30_000_000  # pandas holds the whole table: measured only up to this size


def bench_ab_growth(workdir: Path, sizes: tuple[int, ...] = AB_GROWTH_ROWS) -> dict[str, float]:
    """The A/B events path (DuckDB, ``summarise_events``) at each size in ``sizes``: wall time and peak RSS per
    size (one fresh process each), pandas' time where the table fits, and the least-squares time-per-row slope.

    Each seeded Parquet file is written into ``workdir`` and deleted once measured, so at most one is on disk.
    """
    import numpy as np

    figures: dict[str, float] = {}
    for rows in tqdm(sizes, desc="A/B events growth", unit="size"):
        path = write_ab_events(workdir / f"ab_{rows}.parquet", rows=rows)
        label = f"ab_growth_{rows // 1_000_000}m"
        duck = _child("duckdb", path)
        assert duck["users"] == rows
        figures[f"{label}_s"], figures[f"{label}_peak_rss_mb"] = duck["seconds"], duck["peak_rss_mb"]
        if rows <= AB_GROWTH_PANDAS_MAX_ROWS:
            figures[f"{label}_pandas_s"] = _child("pandas", path)["seconds"]
        path.unlink()
    seconds = [figures[f"ab_growth_{r // 1_000_000}m_s"] for r in sizes]
    slope, _ = np.polyfit(np.asarray(sizes, dtype=float) / 1e6, seconds, 1)
    figures["ab_growth_s_per_million_rows"] = float(slope)
    return figures


def write_order_lines(path: Path, lines: int = CS_LINES, chunk_lines: int = CS_CHUNK_LINES,
                      seed: int = CS_SEED) -> int:
    """A seeded CSV of synthetic order lines in the UCI Online Retail layout, written in chunks (one child seed
    each) so that memory stays at one chunk: 20 lines per invoice on average, 200,000 customers (a fifth of the
    lines without one), 5,000 products, 30 countries, two years of dates, 2 % of invoices cancellations (``C``
    prefix, negative quantities). Returns the lines written."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    seeds = np.random.SeedSequence(seed).spawn(-(-lines // chunk_lines))
    start = np.datetime64("2022-01-01T00:00", "m")
    written, writer = 0, None
    try:
        for index, child in enumerate(seeds):
            rng = np.random.default_rng(child)
            n = min(chunk_lines, lines - written)
            invoice = index * chunk_lines // 20 + np.sort(rng.integers(0, max(n // 20, 1), n))
            first = np.r_[True, invoice[1:] != invoice[:-1]]
            per_invoice = np.cumsum(first) - 1
            count = int(first.sum())
            cancelled = (rng.random(count) < 0.02)[per_invoice]
            customer = rng.integers(10_000, 210_000, count).astype(float)
            customer[rng.random(count) < 0.2] = np.nan
            minutes = rng.integers(0, 2 * 365 * 24 * 60, count)[per_invoice]
            quantity = rng.geometric(0.3, n) * np.where(cancelled, -1, 1)
            table = pa.table({
                "InvoiceNo": np.char.add(np.where(cancelled, "C", ""), (500_000 + invoice).astype(str)),
                "StockCode": (10_000 + rng.integers(0, 5_000, n)).astype(str),
                "Quantity": quantity,
                "InvoiceDate": (start + minutes.astype("timedelta64[m]")).astype("datetime64[s]"),
                "UnitPrice": np.round(rng.lognormal(1.0, 0.8, n), 2),
                "CustomerID": pa.array(customer[per_invoice], mask=np.isnan(customer[per_invoice])),
                "Country": np.char.add("Country ", rng.integers(0, 30, count)[per_invoice].astype(str)),
            })
            writer = writer or pacsv.CSVWriter(path, table.schema)
            writer.write_table(table)
            written += n
    finally:
        if writer is not None:
            writer.close()
    return written


def _template_run(template: str, params: Path, output: Path) -> dict[str, float]:
    """One ``ecomops run`` from a fresh wrapper process: wall time and the peak RSS of its largest process."""
    command = [sys.executable, "-m", "ecomops.cli", "run", template, "-p", str(params), "-o", str(output), "-q"]
    result = subprocess.run([sys.executable, "-c", TEMPLATE_CHILD, *command], capture_output=True, text=True,
                            cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_case_study(workdir: Path) -> dict[str, float]:
    """``ecomops run case_study`` on the full UCI file (its default case) and on 10 million synthetic lines."""
    workdir.mkdir(parents=True, exist_ok=True)
    figures: dict[str, float] = {}
    full = _template_run("case_study", ROOT / "templates" / "params" / "case_study" / "default.yaml",
                         workdir / "full")
    figures.update({"cs_full_run_s": full["seconds"], "cs_full_peak_rss_mb": full["peak_rss_mb"]})
    data = workdir / "order_lines_10m.csv"
    started = time.perf_counter()
    figures["cs_10m_lines"] = write_order_lines(data)
    figures["cs_10m_write_s"] = time.perf_counter() - started
    params = workdir / "order_lines_10m.yaml"
    params.write_text(f"data_path: {data}\n", encoding="utf-8")
    large = _template_run("case_study", params, workdir / "10m")
    figures.update({"cs_10m_run_s": large["seconds"], "cs_10m_peak_rss_mb": large["peak_rss_mb"]})
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per template measurement (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--skip-book", action="store_true",
                        help="skip the book builds, the student edition and the PDF (they take minutes)")
    parser.add_argument("--skip-kpi", action="store_true", help="skip the kpi_funnel ecomops-vs-papermill runs")
    parser.add_argument("--skip-ab", action="store_true", help="skip the 10-million-event A/B measurement")
    parser.add_argument("--ab-growth", action="store_true",
                        help="also run the A/B events path at 10M, 30M and 100M rows (about 2 GB of temporary disk)")
    parser.add_argument("--skip-customers", action="store_true",
                        help="skip the customer_value measurement at 1M and 10M transactions")
    parser.add_argument("--skip-mc", action="store_true",
                        help="skip the supply-risk Monte Carlo at 1M and 10M draws and the Python-loop reference")
    parser.add_argument("--skip-case-study", action="store_true",
                        help="skip case_study on the full UCI file and on 10 million synthetic lines")
    parser.add_argument("--customer-runs", type=int, default=AB_RUNS,
                        help=f"runs of customer_value at 1M transactions (default {AB_RUNS}; 10M runs once)")
    parser.add_argument("--before", metavar="GIT_REF",
                        help="also time the 10-million-event template run as of this commit (e.g. 17ebc70)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ecomops-bench-"))
    try:
        figures: dict[str, float] = {}
        if not args.skip_book:
            figures.update(bench_book(workdir / "book"))
        if not args.skip_kpi:
            figures.update(bench_template(workdir / "runs", args.runs))
        if not args.skip_ab:
            figures.update(bench_ab_events(workdir / "ab", before=args.before))
            if "ab_template_before_run_s" in figures:
                figures["ab_template_now_over_before"] = figures["ab_template_run_s"] / figures["ab_template_before_run_s"]
        if args.ab_growth:
            figures.update(bench_ab_growth(workdir / "ab_growth"))
        if not args.skip_customers:
            figures.update(bench_customer_value(workdir / "customers", args.customer_runs))
        if not args.skip_mc:
            figures.update(bench_monte_carlo(args.runs))
        if not args.skip_case_study:
            figures.update(bench_case_study(workdir / "case_study"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    checks = {name: figures[name] <= limit for name, limit in TARGETS.items() if name in figures}
    if args.json:
        print(json.dumps({"figures": figures, "targets": TARGETS, "met": checks}, indent=2))
        return
    print(f"{'measure':<36}{'value':>12}")
    for name, value in figures.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        target = f"  (target ≤ {TARGETS[name]}: {'met' if checks[name] else 'NOT met'})" if name in TARGETS else ""
        print(f"{name:<36}{shown:>12}{target}")


if __name__ == "__main__":
    main()
