"""Performance figures for the book and the playbook, measured in one run and printed as a table (or JSON).

Measures:
* cold book build: a new, empty output folder, so every notebook is executed;
* warm rebuild: the same folder again with nothing changed; also counts the notebooks executed (target 0);
* ``ecomops run kpi_funnel`` against bare ``papermill`` on the same notebook and parameters, medians of
  several runs, and their ratio.

Targets: warm rebuild ≤ 25 % of the cold build; ``ecomops run`` ≤ 1.3 × bare papermill.

Usage: ``python scripts/bench.py [--runs N] [--json] [--skip-book]``
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
TARGETS = {"warm_over_cold": 0.25, "ecomops_over_papermill": 1.3}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per template measurement (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--skip-book", action="store_true", help="skip the book builds (they take minutes)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ecomops-bench-"))
    try:
        figures: dict[str, float] = {}
        if not args.skip_book:
            figures.update(bench_book(workdir / "book"))
        figures.update(bench_template(workdir / "runs", args.runs))
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
