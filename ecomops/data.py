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
import gzip
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "DataError",
    "Dataset",
    "DATASETS",
    "resolve_path",
    "resolve_input",
    "csv_dialect",
    "describe_source",
    "dataset_path",
    "load_dataset",
    "load_table",
    "require_columns",
    "require_numeric",
    "pseudonymise_ids",
]

from .resources import data_root, datasets_dir
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
        return datasets_dir() / self.filename


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
            name="online_retail_full",
            filename="online_retail_full.csv.gz",
            title="UCI Online Retail, the full file (541,909 invoice lines, 2010-12-01 to 2011-12-09)",
            licence="CC BY 4.0",
            citation="Chen, D. (2015). Online Retail. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C5BW33; Chen, D., Sain, S. L. & Guo, K. (2012). Journal of Database "
            "Marketing and Customer Strategy Management, 19(3), 197-208. https://doi.org/10.1057/dbm.2012.17",
        ),
        Dataset(
            name="online_retail_orders_gbk",
            filename="online_retail_orders_gbk.csv",
            title="UCI Online Retail orders of the mod-10 customers as a Chinese export (GBK; 客户ID, 日期, 金额)",
            licence="CC BY 4.0",
            citation="Chen, D. (2015). Online Retail. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C5BW33 (derived by scripts/make_datasets.py)",
        ),
        Dataset(
            name="asos_digital_experiments",
            filename="asos_digital_experiments.csv",
            title="ASOS Digital Experiments (78 real online controlled experiments)",
            licence="CC BY 4.0",
            citation="Liu, C. H. B., Cardoso, A., Couturier, P. & McCoy, E. J. (2021). Datasets for Online "
            "Controlled Experiments. NeurIPS Datasets and Benchmarks. https://doi.org/10.17605/OSF.IO/64JSB",
        ),
        Dataset(
            name="asos_binary_final_checkpoints",
            filename="asos_binary_final_checkpoints.csv",
            title="ASOS Digital Experiments, binary metric at the final checkpoint of each experiment × variant "
            "(99 rows, derived)",
            licence="CC BY 4.0",
            citation="Liu, C. H. B., Cardoso, A., Couturier, P. & McCoy, E. J. (2021). Datasets for Online "
            "Controlled Experiments. NeurIPS Datasets and Benchmarks. https://doi.org/10.17605/OSF.IO/64JSB",
        ),
        Dataset(
            name="asos_3c9dfd_summary",
            filename="asos_3c9dfd_summary.csv",
            title="ASOS experiment 3c9dfd, binary metric at day 30.5: users and conversions per arm (derived)",
            licence="CC BY 4.0",
            citation="Liu, C. H. B., Cardoso, A., Couturier, P. & McCoy, E. J. (2021). Datasets for Online "
            "Controlled Experiments. NeurIPS Datasets and Benchmarks. https://doi.org/10.17605/OSF.IO/64JSB",
        ),
        Dataset(
            name="ab_test_events",
            filename="ab_test_events.csv.gz",
            title="Synthetic A/B test, one row per user (40,000 users; true lift +10 %; seed 20240304)",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 20240304); CUPED covariate "
            "after Deng, Xu, Kohavi & Walker (2013), WSDM. https://doi.org/10.1145/2433396.2433413",
            synthetic=True,
        ),
        Dataset(
            name="online_shoppers_funnel_summary",
            filename="online_shoppers_funnel_summary.csv",
            title="UCI Online Shoppers, funnel stage counts per visitor type (warehouse summary, derived)",
            licence="CC BY 4.0",
            citation="Sakar, C. & Kastro, Y. (2018). Online Shoppers Purchasing Intention Dataset. "
            "UCI Machine Learning Repository. https://doi.org/10.24432/C5F88Q",
        ),
        Dataset(
            name="ab_test_events_daily_summary",
            filename="ab_test_events_daily_summary.csv",
            title="Synthetic A/B test, per-day and per-variant sums of ab_test_events (warehouse summary)",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 20240304) reduced by "
            "ecomops/warehouse.py; CUPED after Deng et al. (2013), WSDM. https://doi.org/10.1145/2433396.2433413",
            synthetic=True,
        ),
        Dataset(
            name="ab_test_events_device_daily_summary",
            filename="ab_test_events_device_daily_summary.csv",
            title="Synthetic A/B test, per-day, per-device and per-variant sums of ab_test_events (warehouse summary)",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 20240304) reduced by "
            "ecomops/warehouse.py; CUPED after Deng et al. (2013), WSDM. https://doi.org/10.1145/2433396.2433413",
            synthetic=True,
        ),
        Dataset(
            name="online_retail_customer_days_mod10",
            filename="online_retail_customer_days_mod10.csv",
            title="UCI Online Retail (customer ID divisible by 10), spend per customer and purchase day (derived)",
            licence="CC BY 4.0",
            citation="Chen, D. (2015). Online Retail. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C5BW33",
        ),
        Dataset(
            name="online_retail_summary_mod10",
            filename="online_retail_summary_mod10.csv",
            title="UCI Online Retail (customer ID divisible by 10), monthly, customer, country, weekday and product "
            "sums (warehouse summary, derived)",
            licence="CC BY 4.0",
            citation="Chen, D. (2015). Online Retail. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C5BW33",
        ),
        Dataset(
            name="ab_test_events_srm",
            filename="ab_test_events_srm.csv.gz",
            title="Synthetic A/B test with a sample-ratio mismatch from a one-arm bot filter (true lift 0; "
            "seed 20240306)",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 20240306); failure mode "
            "after Fabijan et al. (2019), KDD. https://doi.org/10.1145/3292500.3330722",
            synthetic=True,
        ),
        Dataset(
            name="ab_test_three_arms_summary",
            filename="ab_test_three_arms_summary.csv",
            title="Synthetic three-arm test, per-arm totals (true lifts 0 % and +12 %; seed 20240307)",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 20240307); design after "
            "Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments, CUP. "
            "https://doi.org/10.1017/9781108653985",
            synthetic=True,
        ),
        Dataset(
            name="ab_test_event_log",
            filename="ab_test_event_log.csv.gz",
            title="Synthetic A/B test event log: assignments and purchases of 4,000 users (B raises every "
            "user's purchase rate by 10 %; seed 35)",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 35); CUPED covariate after "
            "Deng, Xu, Kohavi & Walker (2013), WSDM. https://doi.org/10.1145/2433396.2433413",
            synthetic=True,
        ),
        Dataset(
            name="service_tickets",
            filename="service_tickets.csv.gz",
            title="Synthetic customer-service desk, twelve weeks of tickets with texts, CSAT and NPS (seed 20260505)",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 20260505); queueing view after "
            "Gans, Koole & Mandelbaum (2003), Manufacturing & Service Operations Management. "
            "https://doi.org/10.1287/msom.5.2.79.16071",
            synthetic=True,
        ),
        Dataset(
            name="marketing_touches",
            filename="marketing_touches.csv.gz",
            title="Synthetic 28-day campaign, one row per ad touch of 10,000 users in four channels (seed 20261111)",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 20261111), the touches; "
            "attribution bias after Gordon, Zettelmeyer, Bhargava & Chapsky (2019), Marketing Science. "
            "https://doi.org/10.1287/mksc.2018.1135",
            synthetic=True,
        ),
        Dataset(
            name="marketing_users",
            filename="marketing_users.csv.gz",
            title="Synthetic 28-day campaign, one row per user: converted and the hour of conversion (seed 20261111)",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 20261111), the users; "
            "attribution bias after Gordon, Zettelmeyer, Bhargava & Chapsky (2019), Marketing Science. "
            "https://doi.org/10.1287/mksc.2018.1135",
            synthetic=True,
        ),
        Dataset(
            name="marketing_touches_truth",
            filename="marketing_touches_truth.csv",
            title="Synthetic 28-day campaign, ground truth: expected incremental conversions of each channel",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 20261111), the truth; "
            "attribution bias after Gordon, Zettelmeyer, Bhargava & Chapsky (2019), Marketing Science. "
            "https://doi.org/10.1287/mksc.2018.1135",
            synthetic=True,
        ),
        Dataset(
            name="campaigns_synthetic",
            filename="campaigns_synthetic.csv",
            title="Synthetic campaign table: six campaigns with randomised holdouts and a known true iROAS "
            "(seed 20261112)",
            licence="MIT (synthetic, generated by scripts/make_datasets.py)",
            citation="E-commerce Operations Playbook, scripts/make_datasets.py (seed 20261112); holdout measurement "
            "after Gordon, Zettelmeyer, Bhargava & Chapsky (2019), Marketing Science. "
            "https://doi.org/10.1287/mksc.2018.1135",
            synthetic=True,
        ),
        Dataset(
            name="bass_vcr_sales",
            filename="bass_vcr_sales.csv",
            title="VCR unit sales in the US, 1980–1989 (thousands a year): the series of a published Bass fit",
            licence="factual figures quoted from the cited source",
            citation="Das, S. R., Data Science: Theories, Models, Algorithms, and Analytics, chapter 'Product "
            "Market Forecasting using the Bass Model'; model: Bass, F. M. (1969), Management Science 15(5), "
            "215-227. https://doi.org/10.1287/mnsc.15.5.215",
        ),
        Dataset(
            name="sales_transactions_weekly",
            filename="sales_transactions_weekly.csv",
            title="UCI Sales Transactions Weekly (811 products × 52 weeks of units purchased)",
            licence="CC BY 4.0",
            citation="Tan, J. (2014). Sales Transactions Weekly. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C5XS4Q",
        ),
        Dataset(
            name="us_census_ecomsa",
            filename="us_census_ecomsa.csv",
            title="US Census Bureau, quarterly e-commerce retail sales, seasonally adjusted (FRED series ECOMSA)",
            licence="public domain (US federal government work)",
            citation="U.S. Census Bureau, E-Commerce Retail Sales [ECOMSA], retrieved from FRED, Federal Reserve "
            "Bank of St. Louis. https://fred.stlouisfed.org/series/ECOMSA",
        ),
        Dataset(
            name="us_census_mrtssm44000uss",
            filename="us_census_mrtssm44000uss.csv",
            title="US Census Bureau, monthly retail trade sales, seasonally adjusted (FRED series MRTSSM44000USS)",
            licence="public domain (US federal government work)",
            citation="U.S. Census Bureau, Retail Sales: Retail Trade [MRTSSM44000USS], retrieved from FRED, "
            "Federal Reserve Bank of St. Louis. https://fred.stlouisfed.org/series/MRTSSM44000USS",
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
    """Find a file given as an absolute path, or relative to ``base_dir`` (the parameter file's folder) and then
    the working folder.

    Shipped data sets are not looked for here: a user's relative path that happens to match a shipped file must
    not silently read the demo data (see :func:`resolve_input`). Raises :class:`DataError` naming every place
    looked in when the file is in none of them.
    """
    candidate = Path(path).expanduser()
    if candidate.is_absolute():
        places = [candidate]
    else:
        bases = [Path(base_dir)] if base_dir is not None else []
        places = [b / candidate for b in bases + [Path.cwd()]]
    for place in places:
        if place.is_file():
            return place.resolve()
    looked = "; ".join(str(p) for p in dict.fromkeys(places))
    if candidate.is_absolute() and candidate.is_dir():
        raise DataError(f"data file {str(path)!r} is a folder; give the path of a file in it")
    raise DataError(f"data file {str(path)!r} not found (looked in: {looked}); give a path to an existing file")


def resolve_input(path: str | Path, base_dir: str | Path | None, shipped_default: str | None) -> Path:
    """Resolve a template's input path: the template's own default names a shipped data set (found in the
    package's data folder); any other path is the user's and is resolved by :func:`resolve_path`."""
    if shipped_default is not None and str(path) == shipped_default:
        shipped = data_root() / shipped_default
        if shipped.is_file():
            return shipped.resolve()
    return resolve_path(path, base_dir)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".csv.gz" if name.endswith(".csv.gz") else path.suffix.lower()


SNIFF_BYTES = 64 * 1024
CSV_DELIMITERS = ",;\t|"


def _head_bytes(path: Path) -> bytes:
    """The first few KB of a file's text, decompressed for ``.csv.gz``; whole lines only."""
    opener = gzip.open if _suffix(path) == ".csv.gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read(SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: not a readable gzip-compressed file ({exc})") from None
    if len(raw) == SNIFF_BYTES and b"\n" in raw:
        raw = raw[: raw.rindex(b"\n")]  # whole lines only (never cuts a UTF-8 or GB18030 character)
    return raw


def _sniff_delimiter(path: Path, encoding: str) -> str:
    """Guess the delimiter from the first few KB (``,`` ``;`` tab ``|``); ``,`` when nothing is clear.

    Raises UnicodeDecodeError when the sample is not valid in ``encoding``.
    """
    sample = _head_bytes(path).decode(encoding)
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


def csv_dialect(path: Path) -> tuple[str, str]:
    """The encoding (``utf-8-sig`` or ``gb18030``) and delimiter of a CSV or CSV.gz file, from its first KB.

    Raises :class:`DataError` when the text is in neither encoding.
    """
    errors = []
    for encoding in CSV_ENCODINGS:
        try:
            return encoding, _sniff_delimiter(path, encoding)
        except UnicodeDecodeError as exc:
            errors.append(f"{encoding}: {exc.reason} at byte {exc.start}")
    raise DataError(
        f"{path}: cannot decode the text (tried {', '.join(CSV_ENCODINGS)}: {'; '.join(errors)}); "
        "save the file as UTF-8 CSV (Excel: File → Save As → CSV UTF-8)"
    )


def _read_csv(path: Path, nrows: int | None = None) -> pd.DataFrame:
    encoding, delimiter = csv_dialect(path)
    compression = "gzip" if _suffix(path) == ".csv.gz" else None
    try:
        return pd.read_csv(path, encoding=encoding, sep=delimiter, engine="c", nrows=nrows, compression=compression)
    except UnicodeDecodeError as exc:  # the first KB decoded, a later line did not
        raise DataError(
            f"{path}: the text is not valid {encoding} further into the file ({exc.reason} at byte {exc.start}); "
            "save the file as UTF-8 CSV (Excel: File → Save As → CSV UTF-8)"
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; expected a header row and at least one data row") from None
    except (pd.errors.ParserError, OSError, EOFError) as exc:
        raise DataError(f"{path}: not a readable CSV table ({exc}); save it as comma-separated values") from None


def describe_source(path: Path, sheet: str | int | None = None) -> str:
    """How messages name an input: the file, and for a workbook the sheet that was read."""
    if _suffix(path) == ".xlsx":
        shown = f"{sheet!r}" if isinstance(sheet, str) else f"number {int(sheet or 0) + 1}"
        return f"{path} (sheet {shown})"
    return str(path)


def _read_xlsx(file: Path, sheet: str | int, nrows: int | None) -> pd.DataFrame:
    if file.stat().st_size == 0:
        raise DataError(f"{file}: the file is empty; expected an Excel workbook with a header row")
    try:
        from openpyxl import load_workbook

        names = load_workbook(file, read_only=True).sheetnames
    except Exception as exc:  # openpyxl raises several unrelated types for a damaged workbook
        raise DataError(f"{file}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    if isinstance(sheet, str) and sheet not in names:
        raise DataError(f"{file}: there is no sheet {sheet!r}; the workbook's sheets are: {', '.join(names)}")
    if isinstance(sheet, int) and not 0 <= sheet < len(names):
        raise DataError(
            f"{file}: sheet position {sheet} does not exist (counting from 0, the workbook has {len(names)} "
            f"sheet(s): {', '.join(names)})"
        )
    try:
        return pd.read_excel(file, sheet_name=sheet, engine="openpyxl", nrows=nrows)
    except Exception as exc:
        raise DataError(f"{describe_source(file, sheet)}: cannot read the sheet ({type(exc).__name__}: {exc})") from None


def _read_parquet(file: Path, nrows: int | None) -> pd.DataFrame:
    try:
        if nrows is None:
            return pd.read_parquet(file)
        import pyarrow.parquet as pq

        batches = pq.ParquetFile(file).iter_batches(batch_size=nrows)
        first = next(batches, None)
        return pd.read_parquet(file).iloc[0:0] if first is None else first.to_pandas()
    except Exception as exc:  # pyarrow raises its own error types
        raise DataError(f"{file}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None


def load_table(
    path: str | Path, sheet: str | int = 0, base_dir: str | Path | None = None, nrows: int | None = None
) -> pd.DataFrame:
    """Read a table from CSV or CSV.gz (UTF-8, UTF-8-BOM or GBK; delimiter sniffed), XLSX or Parquet.

    Never modifies the file. Column names are stripped of surrounding white space; rows with every cell empty
    (Excel's trailing ``,,,`` lines) are dropped and counted in ``frame.attrs["dropped_empty_rows"]``. An empty
    file or one with a header but no rows raises :class:`DataError`. ``nrows`` reads only the first rows (for a
    cheap check); ``sheet`` picks a workbook's sheet by name or position (from 0).
    """
    file = resolve_path(path, base_dir)
    kind = _suffix(file)
    if kind in (".csv", ".csv.gz"):
        frame = _read_csv(file, nrows)
    elif kind == ".xlsx":
        frame = _read_xlsx(file, sheet, nrows)
    elif kind == ".parquet":
        frame = _read_parquet(file, nrows)
    else:
        raise DataError(
            f"{file}: unsupported file type {kind or '(none)'!r}; use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    empty = frame.isna().all(axis=1) if frame.shape[1] else pd.Series(False, index=frame.index)
    dropped = int(empty.sum())
    if dropped:
        frame = frame.loc[~empty].reset_index(drop=True)
    if frame.empty:
        raise DataError(
            f"{describe_source(file, sheet)}: the table has a header but no data rows; expected at least one row"
        )
    frame.attrs["dropped_empty_rows"] = dropped
    frame.attrs["source"] = describe_source(file, sheet)
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


MIN_SALT_LENGTH = 16


def pseudonymise_ids(ids: pd.Series, salt: str, length: int = 16) -> pd.Series:
    """Replace identifiers (customer IDs, phone numbers, e-mails) with keyed-hash pseudonyms before sharing data.

    Each id becomes the first ``length`` hex characters (8 ≤ length ≤ 64) of HMAC-SHA256(key = ``salt``,
    message = ``str(id)``), both encoded as UTF-8. The same id with the same salt always gives the same
    pseudonym, so joins and counts across files still work; another salt gives unrelated pseudonyms. Missing
    ids stay missing (``pd.NA``); the result has the same index and name, dtype ``string``.

    Why a secret salt: an unsalted hash of a phone number or an ID can be reversed by hashing every candidate
    (an 11-digit number beginning with 1 leaves at most 10¹⁰ candidates, few enough to try them all), so ``salt`` must be a secret of at least 16 characters, kept out of the shared files; anyone who
    knows it can reverse the pseudonyms the same way.

    The text form matters: ``17850`` and ``17850.0`` give different pseudonyms, so normalise ids (e.g. IDs read
    as floats) before hashing. The HMAC is computed in a Python loop over the *unique* ids (several hundred
    thousand per second), then spread back over the rows with :func:`pandas.factorize` codes.
    """
    if not isinstance(salt, str) or len(salt) < MIN_SALT_LENGTH:
        given = f"{len(salt)} characters" if isinstance(salt, str) else type(salt).__name__
        raise DataError(
            f"salt must be a secret text of at least {MIN_SALT_LENGTH} characters, got {given}: an unsalted "
            "(or guessable) hash of a phone number or an ID can be reversed by hashing every candidate, so "
            "choose a long random salt and keep it out of the shared files"
        )
    if isinstance(length, bool) or not isinstance(length, int) or not 8 <= length <= 64:
        raise DataError(f"length must be a whole number of hex characters from 8 to 64, got {length!r}")
    keyed = hmac.new(salt.encode("utf-8"), digestmod=hashlib.sha256)

    def pseudonym(value: object) -> str:
        mac = keyed.copy()
        mac.update(str(value).encode("utf-8"))
        return mac.hexdigest()[:length]

    codes, uniques = pd.factorize(ids, use_na_sentinel=True)  # missing ids get code -1
    hashed = np.array([pseudonym(value) for value in uniques] + [None], dtype=object)
    return pd.Series(hashed[codes], index=ids.index, name=ids.name, dtype="string")
