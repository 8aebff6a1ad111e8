"""Performance figures for the book and the playbook, measured in one run and printed as a table (or JSON).

Measures:
* cold book build: a new, empty output folder, so every notebook is executed;
* warm rebuild: the same folder again with nothing changed; also counts the notebooks executed (target 0);
* ``ecomops run kpi_funnel`` against bare ``papermill`` on the same notebook and parameters, medians of
  several runs, and their ratio;
* 10 million A/B-test events (a seeded Parquet file written into the temporary folder, not committed) reduced
  to per-variant statistics by ``ecomops.experiments.summarise_events`` (DuckDB), against ``pd.read_parquet`` +
  ``groupby``: median time of 3 runs of the call and peak resident memory, each run in a fresh process;
* the whole ``ecomops run ab_test_analysis`` on those 10 million events: median wall time and peak memory.

Targets: warm rebuild ≤ 25 % of the cold build; ``ecomops run`` ≤ 1.3 × bare papermill;
``summarise_events`` and the whole ``ab_test_analysis`` run on 10 million events each ≤ 10 s and ≤ 2048 MB.

With ``--before GIT_REF`` the whole 10-million-event run is also timed with the package as of that commit (a
temporary git worktree), and ``ab_template_now_over_before`` is today's median over that one.

Usage: ``python scripts/bench.py [--runs N] [--json] [--skip-book] [--skip-ab] [--before GIT_REF]``
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
TARGETS = {
    "warm_over_cold": 0.25,
    "ecomops_over_papermill": 1.3,
    "ab_summarise_s": 10,
    "ab_peak_rss_mb": 2048,
    "ab_template_run_s": 10,
    "ab_template_peak_rss_mb": 2048,
}
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


def timed(command: list[str], cwd: Path = ROOT) -> tuple[float, str]:
    """Run a command, fail loudly if it fails, return (seconds, combined output)."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"command failed ({result.returncode}): {' '.join(command)}\n{result.stdout[-3000:]}"
                         f"\n{result.stderr[-3000:]}")
    return seconds, result.stdout + result.stderr


def bench_book(workdir: Path) -> dict[str, float]:
    """Cold build into an empty folder, then a warm rebuild of the same folder."""
    command = [str(BIN / "jupyter-book"), "build", str(ROOT), "--path-output", str(workdir), "-W", "-n", "--keep-going"]
    cold, cold_log = timed(command)
    warm, warm_log = timed(command)
    return {
        "cold_build_s": cold,
        "cold_notebooks_executed": len(EXECUTED.findall(cold_log)),
        "warm_build_s": warm,
        "warm_notebooks_executed": len(EXECUTED.findall(warm_log)),
        "warm_over_cold": warm / cold,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per template measurement (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--skip-book", action="store_true", help="skip the book builds (they take minutes)")
    parser.add_argument("--skip-ab", action="store_true", help="skip the 10-million-event A/B measurement")
    parser.add_argument("--before", metavar="GIT_REF",
                        help="also time the 10-million-event template run as of this commit (e.g. 17ebc70)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ecomops-bench-"))
    try:
        figures: dict[str, float] = {}
        if not args.skip_book:
            figures.update(bench_book(workdir / "book"))
        figures.update(bench_template(workdir / "runs", args.runs))
        if not args.skip_ab:
            figures.update(bench_ab_events(workdir / "ab", before=args.before))
            if "ab_template_before_run_s" in figures:
                figures["ab_template_now_over_before"] = figures["ab_template_run_s"] / figures["ab_template_before_run_s"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    checks = {name: figures[name] <= limit for name, limit in TARGETS.items() if name in figures}
    if args.json:
        print(json.dumps({"figures": figures, "targets": TARGETS, "met": checks}, indent=2))
        return
    print(f"{'measure':<28}{'value':>12}")
    for name, value in figures.items():
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        target = f"  (target ≤ {TARGETS[name]}: {'met' if checks[name] else 'NOT met'})" if name in TARGETS else ""
        print(f"{name:<28}{shown:>12}{target}")


if __name__ == "__main__":
    main()
