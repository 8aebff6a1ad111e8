"""The package works when installed from its wheel, not only from an editable checkout: templates and data sets
travel inside it and are found through ecomops.resources from any folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_installed_wheel_runs_a_template_from_any_folder(tmp_path):
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    wheel = next(wheels.glob("ecomops-*.whl"))
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                              str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("ECOMOPS_DATA_DIR", None)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "ecomops.cli", *args], cwd=elsewhere, env=env,
                              capture_output=True, text=True, timeout=600)

    where = subprocess.run([sys.executable, "-c", "import ecomops.resources as r; print(r.data_root())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True)
    assert where.stdout.strip() == str(site / "ecomops" / "shipped"), where.stderr
    assert cli("validate", "kpi_funnel").returncode == 0
    case = site / "ecomops" / "shipped" / "templates" / "params" / "ab_test_analysis" / "srm-broken.yaml"
    run = cli("run", "ab_test_analysis", "-p", str(case), "-o", "report", "-q")
    assert run.returncode == 0, run.stderr
    assert json.loads((elsewhere / "report" / "results.json").read_text(encoding="utf-8"))["decision"] == "blocked"
