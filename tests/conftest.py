"""Shared fixtures: the project's folders and a runner for the ``ecomops`` command."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
DATASETS = ROOT / "datasets"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the installed ``ecomops`` command (through this interpreter) and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "ecomops.cli", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def cli():
    return run_cli
