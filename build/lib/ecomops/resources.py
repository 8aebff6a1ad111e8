"""Where the shipped templates and data sets are: in a checkout, in an installed package, or in a data folder.

The first of these that holds a ``templates/`` folder is used:

1. the folder named by the environment variable ``ECOMOPS_DATA_DIR`` (holding ``templates/`` and ``datasets/``);
2. ``ecomops/shipped/`` inside an installed (non-editable) package, which the wheel fills from the repository's
   ``templates/`` and ``datasets/`` folders;
3. the repository checkout the package was imported from (an editable install, or running from the source tree).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

__all__ = ["data_root", "templates_dir", "datasets_dir", "DATA_DIR_VARIABLE"]

DATA_DIR_VARIABLE = "ECOMOPS_DATA_DIR"
_PACKAGE = Path(__file__).resolve().parent


def _candidates() -> list[Path]:
    places = []
    if os.environ.get(DATA_DIR_VARIABLE):
        places.append(Path(os.environ[DATA_DIR_VARIABLE]).expanduser())
    places += [_PACKAGE / "shipped", _PACKAGE.parent]
    return places


@lru_cache(maxsize=None)
def _root(variable: str | None) -> Path:
    for place in _candidates():
        if (place / "templates").is_dir():
            return place.resolve()
    looked = "; ".join(str(p) for p in _candidates())
    raise RuntimeError(
        f"the playbook's templates were not found (looked in: {looked}); reinstall the package, or set "
        f"{DATA_DIR_VARIABLE} to a folder holding templates/ and datasets/"
    )


def data_root() -> Path:
    """The folder holding ``templates/`` and ``datasets/`` (see the module docstring for the search order)."""
    return _root(os.environ.get(DATA_DIR_VARIABLE))


def templates_dir() -> Path:
    """The folder of the template notebooks (``<name>.ipynb``) and their worked cases (``params/<name>/``)."""
    return data_root() / "templates"


def datasets_dir() -> Path:
    """The folder of the shipped data sets."""
    return data_root() / "datasets"
