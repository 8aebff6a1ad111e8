"""Loading the analyst's data with clear errors, and the registry of data sets shipped in ``datasets/``.

Every problem with an input file raises :class:`DataError`, whose message names the file, the column (and the
row where relevant), what was found and what is expected: an ops lead reads it and knows what to fix.

Supported inputs: ``.csv`` (UTF-8, UTF-8 with a byte-order mark, or GBK/GB18030, which is what Excel writes on
Chinese-language Windows), ``.csv.gz``, ``.xlsx`` (first sheet unless one is named) and ``.parquet``.
Input files are only ever read.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

__all__ = [
    "DataError",
    "Dataset",
    "DATASETS",
    "PROJECT_ROOT",
    "DATASETS_DIR",
    "resolve_path",
    "dataset_path",
    "load_dataset",
    "load_table",
    "require_columns",
    "require_numeric",
]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATASETS_DIR = PROJECT_ROOT / "datasets"
SUPPORTED_SUFFIXES = (".csv", ".csv.gz", ".xlsx", ".parquet")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class DataError(ValueError):
    """A problem with an input file: the message names the file, column, value and what is expected."""


@dataclass(frozen=True)
class Dataset:
    """A data set shipped with the project (its data card is in ``datasets/README.md``)."""

    name: str
    filename: str
    title: str
    licence: str
    citation: str
    synthetic: bool = False

    @property
    def path(self) -> Path:
        return DATASETS_DIR / self.filename


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            name="online_shoppers_intention",
            filename="online_shoppers_intention.csv",
            title="UCI Online Shoppers Purchasing Intention (12,330 sessions)",
            licence="CC BY 4.0",
            citation="Sakar, C. & Kastro, Y. (2018). Online Shoppers Purchasing Intention Dataset. "
            "UCI Machine Learning Repository. https://doi.org/10.24432/C5F88Q",
        ),
        Dataset(
            name="online_retail_customers_mod10",
            filename="online_retail_customers_mod10.csv",
            title="UCI Online Retail, customers whose ID is divisible by 10 (445 customers, 2010-12 to 2011-12)",
            licence="CC BY 4.0",
            citation="Chen, D. (2015). Online Retail. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C5BW33",
        ),
        Dataset(
            name="asos_digital_experiments",
            filename="asos_digital_experiments.csv",
            title="ASOS Digital Experiments (78 real online controlled experiments)",
            licence="CC BY 4.0",
            citation="Liu, C. H. B., Cardoso, A., Couturier, P. & McCoy, E. J. (2021). Datasets for Online "
            "Controlled Experiments. NeurIPS Datasets and Benchmarks. https://doi.org/10.17605/OSF.IO/64JSB",
        ),
    ]
}


def dataset_path(name: str) -> Path:
    """Path of a shipped data set by registry name (e.g. ``"online_shoppers_intention"``)."""
    if name not in DATASETS:
        raise DataError(f"unknown data set {name!r}; shipped data sets are: {', '.join(sorted(DATASETS))}")
    return DATASETS[name].path


def load_dataset(name: str) -> pd.DataFrame:
    """Load a shipped data set by registry name."""
    return load_table(dataset_path(name))


def resolve_path(path: str | Path, base_dir: str | Path | None = None) -> Path:
    """Find a file given as an absolute path or relative to ``base_dir``, the working folder or the project root.

    Raises :class:`DataError` naming every place looked in when the file is in none of them.
    """
    candidate = Path(path).expanduser()
    if candidate.is_absolute():
        places = [candidate]
    else:
        bases = [Path(base_dir)] if base_dir is not None else []
        bases += [Path.cwd(), PROJECT_ROOT]
        places = [b / candidate for b in bases]
    for place in places:
        if place.is_file():
            return place.resolve()
    looked = "; ".join(str(p) for p in dict.fromkeys(places))
    raise DataError(f"data file {str(path)!r} not found (looked in: {looked}); give a path to an existing file")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".csv.gz" if name.endswith(".csv.gz") else path.suffix.lower()


SNIFF_BYTES = 64 * 1024
CSV_DELIMITERS = ",;\t|"


def _sniff_delimiter(path: Path, encoding: str) -> str:
    """Guess the delimiter from the first few KB (``,`` ``;`` tab ``|``); ``,`` when nothing is clear.

    Raises UnicodeDecodeError when the sample is not valid in ``encoding``.
    """
    with open(path, "rb") as handle:
        raw = handle.read(SNIFF_BYTES)
    if len(raw) == SNIFF_BYTES and b"\n" in raw:
        raw = raw[: raw.rindex(b"\n")]  # whole lines only (never cuts a UTF-8 or GB18030 character)
    sample = raw.decode(encoding)
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _read_csv(path: Path) -> pd.DataFrame:
    errors = []
    for encoding in CSV_ENCODINGS:
        try:
            delimiter = _sniff_delimiter(path, encoding)
            return pd.read_csv(path, encoding=encoding, sep=delimiter, engine="c")
        except UnicodeDecodeError as exc:
            errors.append(f"{encoding}: {exc.reason} at byte {exc.start}")
        except pd.errors.EmptyDataError:
            raise DataError(f"{path}: the file is empty; expected a header row and at least one data row") from None
        except pd.errors.ParserError as exc:
            raise DataError(f"{path}: not a readable CSV table ({exc}); save it as comma-separated values") from None
    raise DataError(
        f"{path}: cannot decode the text (tried {', '.join(CSV_ENCODINGS)}: {'; '.join(errors)}); "
        "save the file as UTF-8 CSV (Excel: File → Save As → CSV UTF-8)"
    )


def load_table(path: str | Path, sheet: str | int = 0, base_dir: str | Path | None = None) -> pd.DataFrame:
    """Read a table from CSV (UTF-8, UTF-8-BOM or GBK), CSV.gz, XLSX or Parquet; never modifies the file.

    Column names are stripped of surrounding white space. An empty file or a file with a header but no rows
    raises :class:`DataError`.
    """
    file = resolve_path(path, base_dir)
    kind = _suffix(file)
    if kind == ".csv":
        frame = _read_csv(file)
    elif kind == ".csv.gz":
        try:
            frame = pd.read_csv(file, compression="gzip", encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DataError(f"{file}: not a readable gzip-compressed UTF-8 CSV ({exc})") from None
    elif kind == ".xlsx":
        if file.stat().st_size == 0:
            raise DataError(f"{file}: the file is empty; expected an Excel workbook with a header row")
        try:
            frame = pd.read_excel(file, sheet_name=sheet, engine="openpyxl")
        except ValueError as exc:
            raise DataError(f"{file}: cannot read sheet {sheet!r} ({exc})") from None
        except Exception as exc:  # openpyxl raises several unrelated types for a damaged workbook
            raise DataError(f"{file}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    elif kind == ".parquet":
        try:
            frame = pd.read_parquet(file)
        except Exception as exc:  # pyarrow raises its own error types
            raise DataError(f"{file}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    else:
        raise DataError(
            f"{file}: unsupported file type {kind or '(none)'!r}; use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError(f"{file}: the table has a header but no data rows; expected at least one row")
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], source: str = "data") -> None:
    """Raise :class:`DataError` naming any missing column, with the closest existing names as suggestions."""
    available = [str(c) for c in frame.columns]
    for column in columns:
        if column not in frame.columns:
            close = difflib.get_close_matches(column, available, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise DataError(
                f"{source}: column {column!r} is missing{hint}; columns present: {', '.join(available)}"
            )


def require_numeric(frame: pd.DataFrame, columns: Sequence[str], source: str = "data") -> pd.DataFrame:
    """Return a copy with ``columns`` converted to numbers; raise :class:`DataError` at the first non-number.

    Booleans (and the text TRUE/FALSE) count as 1/0. Empty cells raise too, naming the row (spreadsheet
    numbering: the header is row 1).
    """
    require_columns(frame, columns, source)
    result = frame.copy()
    for column in columns:
        series = result[column]
        if pd.api.types.is_bool_dtype(series):
            result[column] = series.astype(int)
            continue
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            lowered = series.astype(str).str.strip().str.upper()
            if lowered.isin(["TRUE", "FALSE"]).all():
                result[column] = (lowered == "TRUE").astype(int)
                continue
        numbers = pd.to_numeric(series, errors="coerce")
        bad = numbers.isna()
        if bad.any():
            position = int(bad.to_numpy().nonzero()[0][0])
            value = series.iloc[position]
            shown = "an empty cell" if pd.isna(value) else repr(value)
            raise DataError(
                f"{source}: column {column!r} must be numeric, but row {position + 2} has {shown} "
                f"({int(bad.sum())} such row(s) in all)"
            )
        result[column] = numbers
    return result
