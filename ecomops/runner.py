"""Run a playbook template: validate → execute (papermill) → export (report.html, executed notebook, results.json).

Guarantees:
* invalid parameters or unreadable input data are reported before any kernel starts;
* an existing report folder is never overwritten without ``force``; outputs are written into a temporary folder
  beside the target and moved into place only when complete;
* when a cell fails, the error is reported in one message and the executed notebook is kept for inspection;
* input files are only ever read.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml
from jupyter_client.manager import AsyncKernelManager

from .data import resolve_path
from .params import ParamError, TemplateParams, get_template, validate_params

__all__ = [
    "RunError",
    "OutputExistsError",
    "RunResult",
    "load_params_file",
    "prepare_params",
    "run_template",
    "write_results",
    "export_html",
]

class IpcKernelManager(AsyncKernelManager):
    """Talk to the kernel over local IPC sockets (files in the Jupyter runtime folder) rather than TCP ports:
    nothing listens on the network, and ipykernel has no reason to warn about unencrypted TCP."""

    transport = "ipc"

    def _ip_default(self) -> str:
        # A unique socket path per kernel in the runtime folder. jupyter_client's own default may be the
        # relative "kernel-ipc" in the working folder, which collides when two runs share a folder.
        from jupyter_core.paths import jupyter_runtime_dir

        folder = Path(jupyter_runtime_dir())
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / f"kernel-{uuid.uuid4().hex}-ipc")


RESULTS_FILE = "results.json"
REPORT_FILE = "report.html"


class RunError(RuntimeError):
    """A template's notebook failed while executing; the message names the cell and the error."""


class OutputExistsError(FileExistsError):
    """The report folder exists and ``force`` was not given."""


@dataclass(frozen=True)
class RunResult:
    """Where a run's outputs went and how long it took."""

    output_dir: Path
    report: Path
    notebook: Path
    results: dict[str, Any]
    seconds: float


def load_params_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML parameter file into a dict (an empty file means "all defaults")."""
    file = Path(path)
    if not file.is_file():
        raise ParamError(f"parameter file {str(path)!r} not found; create one with: ecomops new <template> -o {path}")
    try:
        loaded = yaml.safe_load(file.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ParamError(f"{file}: not valid YAML{line} ({getattr(exc, 'problem', exc)})") from None
    except UnicodeDecodeError:
        raise ParamError(f"{file}: the parameter file must be UTF-8 text") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ParamError(f"{file}: expected 'name: value' lines (a mapping), got a {type(loaded).__name__}")
    return loaded


def prepare_params(
    template: str, values: Mapping[str, Any], base_dir: str | Path | None = None, check_data: bool = True
) -> TemplateParams:
    """Validate values, make input paths absolute (relative to ``base_dir``), and check the input data.

    Raises :class:`ParamError` or :class:`~ecomops.data.DataError`; nothing is executed.
    """
    params = validate_params(template, values)
    updates = {}
    for field in params.input_path_fields:
        updates[field] = str(resolve_path(getattr(params, field), base_dir))
    params = params.model_copy(update=updates)
    if check_data:
        params.load_inputs()
    return params


def write_results(output_dir: str | Path, results: Mapping[str, Any]) -> Path | None:
    """Write ``results.json`` into ``output_dir``; with an empty ``output_dir`` write nothing and return None.

    NaN and infinite numbers become ``null`` so the file is strict JSON; numpy numbers become plain numbers.
    """
    if not output_dir:
        return None
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / RESULTS_FILE
    target.write_text(json.dumps(_jsonable(results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def export_html(notebook_path: Path, html_path: Path) -> None:
    """Export an executed notebook to a self-contained HTML report with the code hidden."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(notebook_path, as_version=4)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(notebook)
    html_path.write_text(body, encoding="utf-8")


def _failure_folder(target: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = target.parent / f"{target.name}-failed-{stamp}"
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = target.parent / f"{target.name}-failed-{stamp}-{counter}"
    return candidate


def run_template(
    template: str,
    values: Mapping[str, Any],
    output_dir: str | Path,
    base_dir: str | Path | None = None,
    force: bool = False,
    progress: bool = True,
) -> RunResult:
    """Validate, execute and export one template run into ``output_dir``.

    ``values`` are the user's parameters (``output_dir`` among them is ignored: the run decides where results
    go). Relative input paths are resolved against ``base_dir`` (the parameter file's folder).
    """
    import papermill

    spec = get_template(template)
    started = time.perf_counter()
    target = Path(output_dir).resolve()
    if target.exists() and not force:
        raise OutputExistsError(
            f"output folder {str(output_dir)!r} already exists; choose another with -o, or add --force to replace it"
        )
    values = {k: v for k, v in values.items() if k != "output_dir"}
    params = prepare_params(template, values, base_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    executed = work / f"{template}.ipynb"
    parameters = params.model_dump(mode="json")
    parameters["output_dir"] = str(work)
    try:
        papermill.execute_notebook(
            str(spec.notebook),
            str(executed),
            parameters=parameters,
            cwd=str(spec.notebook.parent),
            kernel_name="python3",
            kernel_manager_class="ecomops.runner.IpcKernelManager",
            progress_bar=progress,
            report_mode=False,
        )
    except papermill.PapermillExecutionError as exc:
        kept = _failure_folder(target)
        work.rename(kept)
        message = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ""
        raise RunError(
            f"{template} failed in cell {exc.exec_count}: {exc.ename}: {message} "
            f"The executed notebook is kept for inspection at {kept / executed.name}"
        ) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    results_file = work / "results.json"
    if not results_file.is_file():
        shutil.rmtree(work, ignore_errors=True)
        raise RunError(f"{template} ran but wrote no results.json; the template is broken (please report it)")
    export_html(executed, work / REPORT_FILE)
    if target.exists():
        retired = target.parent / f".{target.name}.replaced"
        shutil.rmtree(retired, ignore_errors=True)
        target.rename(retired)
        work.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        work.rename(target)
    results = json.loads((target / RESULTS_FILE).read_text(encoding="utf-8"))
    return RunResult(
        output_dir=target,
        report=target / REPORT_FILE,
        notebook=target / executed.name,
        results=results,
        seconds=time.perf_counter() - started,
    )

