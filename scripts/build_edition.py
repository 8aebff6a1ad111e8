"""Build one edition of the book with a strict Jupyter Book build.

    python scripts/build_edition.py student    # every solution removed -> _build/student/_build/html
    python scripts/build_edition.py full       # the course as published  -> _build/full/_build/html

The edition is passed to the book's ``editions`` extension (book/_ext/editions.py) through ``ECOMOPS_EDITION``.
Each edition keeps its own execution cache under its output folder, so building one never disturbs the other.
The printed handbook (``scripts/build_pdf.py``) builds the single-page version through :func:`build` too.
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


def build(edition: str, out: Path, builder: str = "html") -> int:
    """Build ``edition`` of the book strictly with Jupyter Book's ``builder`` into ``out`` (``--path-output``).

    Parameters
    ----------
    edition : str
        One of :data:`EDITIONS`.
    out : Path
        The output folder; the result is in ``out/_build/<builder>``, the execution cache in
        ``out/_build/.jupyter_cache`` (shared by every builder of the same folder).
    builder : str
        ``html`` or ``singlehtml``.

    Returns
    -------
    int
        Jupyter Book's exit code (0 when the build succeeded with no warning).
    """
    jupyter_book = shutil.which("jupyter-book") or str(Path(sys.executable).with_name("jupyter-book"))
    command = [jupyter_book, "build", str(ROOT), "--path-output", str(out), "--builder", builder,
               "-W", "-n", "--keep-going"]
    return subprocess.run(command, env={**os.environ, EDITION_VARIABLE: edition}, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", choices=EDITIONS, help="full: with solutions; student: every solution removed")
    parser.add_argument("--path-output", type=Path, default=None,
                        help="folder for the build (default _build/<edition>); the site is in <folder>/_build/html")
    args = parser.parse_args(argv)
    out = args.path_output or ROOT / "_build" / args.edition
    code = build(args.edition, out)
    if code == 0:
        print(f"{args.edition} edition: {out / '_build' / 'html' / 'index.html'}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
