"""Run a playbook template: validate → execute (papermill) → export (report.html, executed notebook, results.json).

Guarantees:
* invalid parameters or unreadable input data are reported before any kernel starts;
* an existing report folder is never overwritten without ``force``; outputs are written into a temporary folder
  beside the target and moved into place only when complete;
* when a cell fails, the error is reported in one message and the executed notebook is kept for inspection;
* input files are only ever read.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml
from jupyter_client.manager import AsyncKernelManager

from .data import DataError, resolve_input
from .i18n import notebook_cells, tr, use_language
from .playbook import ParamError, TemplateParams, get_template, validate_params
from .playbook.base import RESULTS_FILE, current_umask
from .report import build_report

__all__ = [
    "RunError",
    "OutputExistsError",
    "RunResult",
    "load_params_file",
    "default_input_notes",
    "check_output_folder",
    "OutputError",
    "prepare_params",
    "run_template",
    "write_report",
    "translated_notebook",
]

#: Unix socket paths are limited to about 107 bytes; past this length (with room for the port suffix) use TCP
MAX_SOCKET_PATH = 96


def _short_socket_folder() -> Path | None:
    """A new private folder with a short path for the kernel's sockets, or None when IPC cannot be used."""
    if os.name == "nt":
        return None
    for base in ("/tmp", tempfile.gettempdir()):
        if not os.path.isdir(base) or not os.access(base, os.W_OK):
            continue
        folder = Path(tempfile.mkdtemp(prefix="ecomops-", dir=base))
        if len(str(folder / "k-0123456789abcdef-ipc")) + 8 <= MAX_SOCKET_PATH:
            atexit.register(shutil.rmtree, folder, True)
            return folder
        folder.rmdir()
    return None


class IpcKernelManager(AsyncKernelManager):
    """Talk to the kernel over Unix sockets in a short private folder rather than TCP ports: nothing listens on
    the network. Where a socket path would be too long (a deep ``TMPDIR``) or there are no Unix sockets
    (Windows), fall back to TCP on 127.0.0.1."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        folder = _short_socket_folder()
        self._kernel_log = None if folder is None else folder / "kernel.log"
        if folder is None:
            self.transport = "tcp"
            self.ip = "127.0.0.1"
        else:
            self.transport = "ipc"
            self.ip = str(folder / f"k-{uuid.uuid4().hex[:16]}-ipc")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        # The kernel's own log lines (e.g. its traceback when a run is interrupted) go to a file, not the terminal.
        import subprocess

        if "stderr" not in kw:
            kw["stderr"] = subprocess.DEVNULL if self._kernel_log is None else open(self._kernel_log, "ab")
            kw.setdefault("stdout", kw["stderr"])
        await super()._async_launch_kernel(kernel_cmd, **kw)


REPORT_FILE = "report.html"


class RunError(RuntimeError):
    """A template's notebook failed while executing; the message names the cell and the error."""


class OutputError(OSError):
    """The report folder cannot be used: it is the working folder, holds an input, is not ours, or cannot be
    written. The message says why and what to do."""


class OutputExistsError(OutputError):
    """The report folder exists and ``force`` was not given."""


#: written into every report folder: what the tool wrote there, so that --force can check it replaces only that
MANIFEST_FILE = ".ecomops-report.json"


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_folder(target: Path, shown: str, inputs: list[Path], force: bool) -> None:
    """Refuse an output folder that would put the user's files at risk (see :func:`run_template`)."""
    here = Path.cwd().resolve()
    if _is_within(here, target):
        where = "the working folder" if here == target else f"a folder that contains the working folder ({here})"
        raise OutputError(
            f"-o {shown!r} is {where}; a report goes into a new folder of its own, e.g. -o reports/my-report"
        )
    for item in inputs:
        if _is_within(item, target):
            raise OutputError(
                f"-o {shown!r} holds an input of this run ({item}); choose a new folder for the report, "
                "e.g. -o reports/my-report"
            )
    if not target.exists():
        if target.is_symlink():
            raise OutputError(f"-o {shown!r} is a broken link; choose another folder")
        return
    if not target.is_dir():
        raise OutputError(f"-o {shown!r} is a file, not a folder; choose a new folder for the report")
    if not force:
        raise OutputExistsError(
            f"output folder {shown!r} already exists; choose another with -o, or add --force to replace it"
        )
    written = _manifest_files(target)
    if written is None:
        raise OutputError(
            f"-o {shown!r} exists and was not written by ecomops (it has no {MANIFEST_FILE}); --force replaces only "
            "an earlier report of this tool, so choose a new folder"
        )
    others = sorted(p.name for p in target.iterdir() if p.name not in written | {MANIFEST_FILE})
    if others:
        listed = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
        raise OutputError(
            f"-o {shown!r} is an earlier report but now also holds other files ({listed}); --force would delete "
            "them, so move them out or choose a new folder"
        )


def _manifest_files(folder: Path) -> set[str] | None:
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        return {str(name) for name in manifest["files"]} if manifest.get("tool") == "ecomops" else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_manifest(folder: Path, template: str) -> None:
    from . import __version__

    files = sorted(p.name for p in folder.iterdir())
    manifest = {"tool": "ecomops", "version": __version__, "template": template, "files": files,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _make_work_folder(target: Path, shown: str) -> Path:
    """A temporary folder beside the target, readable by others as the umask allows (not mkdtemp's 700)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    except (NotADirectoryError, FileExistsError):
        blocker = next((p for p in [target.parent, *target.parent.parents] if p.exists() and not p.is_dir()), None)
        raise OutputError(f"-o {shown!r} cannot be created: {blocker or target.parent} is a file, not a folder") from None
    except PermissionError:
        raise OutputError(
            f"-o {shown!r} cannot be created: no permission to write in {target.parent}; choose a folder you can "
            "write to"
        ) from None
    except OSError as exc:
        raise OutputError(f"-o {shown!r} cannot be created ({exc.strerror or exc})") from None
    os.chmod(work, 0o777 & ~current_umask())
    return work


@dataclass(frozen=True)
class RunResult:
    """Where a run's outputs went and how long it took."""

    output_dir: Path
    report: Path
    notebook: Path
    results: dict[str, Any]
    seconds: float


FULL_WIDTH = {"：": ("a full-width colon", ":"), "，": ("a full-width comma", ","), "\u3000": ("a full-width space", "a space"),
              "［": ("a full-width bracket", "["), "］": ("a full-width bracket", "]"), "｛": ("a full-width brace", "{"),
              "｝": ("a full-width brace", "}"), "＂": ("a full-width quote", '"'), "－": ("a full-width hyphen", "-")}


def _full_width_problem(text: str) -> str | None:
    """The first line whose YAML structure (not a comment or a quoted value) uses full-width punctuation."""
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        for quote in ('"', "'"):  # text inside quotes may use any punctuation
            parts = code.split(quote)
            code = quote.join(parts[::2]) if len(parts) > 2 else code
        for char, (name, typed) in FULL_WIDTH.items():
            if char in code:
                return f"line {number} uses {name} {char!r}; type {typed!r} instead (switch the input method to English)"
    return None


def load_params_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML parameter file into a dict (an empty file means "all defaults").

    Raises :class:`ParamError` naming the line for invalid YAML, and full-width punctuation typed with a Chinese
    input method (``：`` for ``:``) in particular.
    """
    file = Path(path)
    if file.is_dir():
        raise ParamError(f"parameter file {str(path)!r} is a folder; give the path of a .yaml file")
    if not file.is_file():
        raise ParamError(f"parameter file {str(path)!r} not found; create one with: ecomops new <template> -o {path}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ParamError(f"{file}: the parameter file must be UTF-8 text (save it as UTF-8)") from None
    except OSError as exc:
        raise ParamError(f"{file}: cannot read the parameter file ({exc.strerror or exc})") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        hint = _full_width_problem(text)
        if hint:
            raise ParamError(f"{file}: {hint}") from None
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ParamError(f"{file}: not valid YAML{line} ({getattr(exc, 'problem', exc)})") from None
    if loaded is None:
        return {}
    hint = _full_width_problem(text)
    if hint and (not isinstance(loaded, dict) or any("：" in str(k) for k in loaded)):
        raise ParamError(f"{file}: {hint}")
    if not isinstance(loaded, dict):
        raise ParamError(f"{file}: expected 'name: value' lines (a mapping), got a {type(loaded).__name__}")
    return loaded


def default_input_notes(template: str, values: Mapping[str, Any]) -> list[str]:
    """Notes for input files left at the template's shipped example, so a run never uses demo data silently."""
    spec = get_template(template)
    notes = []
    for field in spec.params.input_path_fields:
        if field not in values:
            default = spec.params.model_fields[field].default
            notes.append(f"no {field} given: using the shipped example data set {default}")
    return notes


def prepare_params(
    template: str, values: Mapping[str, Any], base_dir: str | Path | None = None, check_data: bool = True,
    locations: Mapping[str, str] | None = None,
) -> TemplateParams:
    """Validate values, make input paths absolute (relative to ``base_dir``), and check the input data cheaply
    (headers, types and a bounded sample: the full read happens once, in the notebook).

    ``locations`` (parameter → ``"cell B5"``) names where values were written, for a workbook. A ``zh`` run
    needs a font with Chinese glyphs: its absence is reported here, as a problem with ``language``.

    Raises :class:`ParamError` or :class:`~ecomops.data.DataError`; nothing is executed.
    """
    spec = get_template(template)
    params = validate_params(template, values, locations)
    if params.language == "zh":
        from .plots import FontMissingError, cjk_font

        try:
            cjk_font()
        except FontMissingError as exc:
            raise ParamError(f"{template}: parameter 'language' = 'zh': {exc}") from None
    updates = {}
    for field in params.input_path_fields:
        default = spec.params.model_fields[field].default
        updates[field] = str(resolve_input(getattr(params, field), base_dir, default))
    params = params.model_copy(update=updates)
    if check_data:
        params.check_inputs()
    return params


def translated_notebook(template: str, language: str) -> dict[str, Any]:
    """The template's notebook with its markdown cells in ``language`` (from the catalogue; English stays
    where a cell has no translation, which the contract test forbids)."""
    import nbformat

    notebook = nbformat.read(get_template(template).notebook, as_version=4)
    if language != "en":
        cells = notebook_cells(template, language)
        for cell in notebook.cells:
            if cell.cell_type == "markdown" and str(cell.get("id")) in cells:
                cell.source = cells[str(cell.get("id"))].rstrip("\n")
    return notebook


def write_report(
    template: str, executed: Path, report: Path, params: TemplateParams, results: Mapping[str, Any]
) -> None:
    """Write ``report.html`` (summary first, offline, in the run's language) from the executed notebook."""
    import nbformat

    spec = get_template(template)
    use_language(params.language)
    notebook = nbformat.read(executed, as_version=4)
    inputs = [Path(getattr(params, f)) for f in params.input_path_fields]
    parameters = params.model_dump(mode="json", exclude={"output_dir"})
    text = build_report(notebook, tr(spec.title), tr(spec.question), results, parameters, inputs, params.language)
    report.write_text(text, encoding="utf-8")


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
    params_file: str | Path | None = None,
    locations: Mapping[str, str] | None = None,
) -> RunResult:
    """Validate, execute and export one template run into ``output_dir``.

    ``values`` are the user's parameters (``output_dir`` among them is ignored: the run decides where results
    go). Relative input paths are resolved against ``base_dir`` (the parameter file's folder).

    The output folder must be new, or (with ``force``) an earlier report of this tool holding nothing else: it
    may not be the working folder or contain it, nor hold an input file or ``params_file``. Everything is
    written into a temporary folder beside it; an earlier report is replaced only once the new one is complete.
    """
    import nbformat
    import papermill

    spec = get_template(template)
    started = time.perf_counter()
    target = Path(output_dir).expanduser().resolve()
    values = {k: v for k, v in values.items() if k != "output_dir"}
    params = prepare_params(template, values, base_dir, locations=locations)
    inputs = [Path(getattr(params, f)) for f in params.input_path_fields]
    inputs += [Path(params_file).resolve()] if params_file is not None else []
    check_output_folder(target, str(output_dir), inputs, force)
    work = _make_work_folder(target, str(output_dir))
    executed = work / f"{template}.ipynb"
    parameters = params.model_dump(mode="json")
    parameters["output_dir"] = str(work)
    source = work / ".template.ipynb"  # the notebook in the run's language
    nbformat.write(nbformat.from_dict(translated_notebook(template, params.language)), source)
    try:
        papermill.execute_notebook(
            str(source), str(executed), parameters=parameters, cwd=str(spec.notebook.parent),
            kernel_name="python3", kernel_manager_class="ecomops.runner.IpcKernelManager",
            progress_bar=progress, report_mode=False,
        )
    except papermill.PapermillExecutionError as exc:
        message = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ""
        if exc.ename in ("DataError", "ParamError"):  # found by the full read in the kernel: same message, same code
            shutil.rmtree(work, ignore_errors=True)
            raise (DataError if exc.ename == "DataError" else ParamError)(str(exc.evalue).strip()) from None
        kept = _keep_failed(work, target)
        raise RunError(
            f"{template} failed in cell {exc.exec_count}: {exc.ename}: {message} "
            f"The executed notebook is kept for inspection at {kept / executed.name}"
        ) from None
    except KeyboardInterrupt:
        shutil.rmtree(work, ignore_errors=True)
        raise
    except Exception as exc:  # the kernel died, a cell timed out, no such kernel, …
        kept = _keep_failed(work, target)
        raise RunError(f"{template} could not finish: {_kernel_problem(exc)} The partial notebook, if any, is kept "
                       f"at {kept}") from None
    source.unlink(missing_ok=True)
    results_file = work / RESULTS_FILE
    if not results_file.is_file():
        shutil.rmtree(work, ignore_errors=True)
        raise RunError(f"{template} ran but wrote no results.json; the template is broken (please report it)")
    try:
        write_report(template, executed, work / REPORT_FILE, params,
                     json.loads(results_file.read_text(encoding="utf-8")))
    except Exception as exc:  # a broken output in the notebook, a formula the converter cannot read, …
        kept = _keep_failed(work, target)
        raise RunError(f"{template} ran, but the report could not be written ({type(exc).__name__}: {exc}); the "
                       f"executed notebook and results are kept at {kept}") from None
    _write_manifest(work, template)
    _move_into_place(work, target)
    results = json.loads((target / RESULTS_FILE).read_text(encoding="utf-8"))
    return RunResult(output_dir=target, report=target / REPORT_FILE, notebook=target / executed.name,
                     results=results, seconds=time.perf_counter() - started)


def _kernel_problem(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "DeadKernelError":
        return "the Python kernel stopped unexpectedly (often: not enough memory for the data)."
    if name == "CellTimeoutError":
        return "a step took longer than the time allowed for one cell."
    if name == "NoSuchKernel":
        return "no Python kernel named 'python3' is installed (run: python -m ipykernel install --user)."
    return f"the notebook could not be executed ({name}: {exc})."


def _keep_failed(work: Path, target: Path) -> Path:
    kept = _failure_folder(target)
    try:
        work.rename(kept)
    except OSError:
        return work
    return kept


def _move_into_place(work: Path, target: Path) -> None:
    """Put the complete new report at ``target``; an earlier report there is set aside under a unique hidden
    name first and removed only after the new one is in place (a crash in between loses neither)."""
    if not target.exists():
        work.rename(target)
        return
    retired = target.parent / f".{target.name}.previous-{uuid.uuid4().hex[:8]}"
    target.rename(retired)
    try:
        work.rename(target)
    except BaseException:
        retired.rename(target)
        raise
    shutil.rmtree(retired, ignore_errors=True)
