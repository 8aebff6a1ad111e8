"""Build one edition of the book with a strict Jupyter Book build.

    python scripts/build_edition.py student    # every solution removed -> _build/student/_build/html
    python scripts/build_edition.py full       # the course as published  -> _build/full/_build/html

The edition is passed to the book's ``editions`` extension (book/_ext/editions.py) through ``ECOMOPS_EDITION``.
Each edition keeps its own execution cache under its output folder, so building one never disturbs the other.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

from editions import EDITION_VARIABLE, EDITIONS  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", choices=EDITIONS, help="full: with solutions; student: every solution removed")
    parser.add_argument("--path-output", type=Path, default=None,
                        help="folder for the build (default _build/<edition>); the site is in <folder>/_build/html")
    args = parser.parse_args(argv)
    out = args.path_output or ROOT / "_build" / args.edition
    jupyter_book = shutil.which("jupyter-book") or str(Path(sys.executable).with_name("jupyter-book"))
    command = [jupyter_book, "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"]
    result = subprocess.run(command, env={**os.environ, EDITION_VARIABLE: args.edition}, check=False)
    if result.returncode == 0:
        print(f"{args.edition} edition: {out / '_build' / 'html' / 'index.html'}")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
