"""The ``ecomops`` command: list, show, new, validate and run playbook templates, and print a template's
warehouse query (``sql``).

Exit codes: 0 success; 1 internal error (the traceback goes to a log file); 2 invalid parameters or usage; 3 a
problem with the input data; 4 the output folder or file exists (use --force) or cannot be used; 5 the notebook
failed while running.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any, Sequence

import yaml

from .data import DataError
from .i18n import LANGUAGES
from .playbook import TEMPLATES, ParamError, field_table, get_template

EXIT_OK, EXIT_INTERNAL, EXIT_PARAMS, EXIT_DATA, EXIT_EXISTS, EXIT_RUN = 0, 1, 2, 3, 4, 5

EPILOG = """\
workflow:
  ecomops list                                   what templates there are
  ecomops show kpi_funnel                        its parameters, defaults, units and ranges
  ecomops show kpi_funnel --results              the JSON Schema of its results.json
  ecomops new kpi_funnel -o funnel.yaml          a parameter file to fill in
  ecomops validate kpi_funnel -p funnel.yaml     check the file and the data, run nothing
  ecomops run kpi_funnel -p funnel.yaml -o reports/funnel
                                                 -> report.html, kpi_funnel.ipynb, results.json
  ecomops sql kpi_funnel --dialect spark --table db.sessions
                                                 the query reducing a warehouse table to its summary input

exit codes: 0 ok, 1 internal error (log file named), 2 invalid parameters, 3 bad input data,
            4 output exists (use --force) or cannot be used, 5 notebook failed
"""


def _print_error(message: str) -> None:
    print(textwrap.fill(f"error: {message}", width=100, break_long_words=False, break_on_hyphens=False),
          file=sys.stderr)


def _yaml_entry(name: str, value: Any) -> str:
    return yaml.safe_dump({name: value}, allow_unicode=True, default_flow_style=False, sort_keys=False).rstrip()


def _compact(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(["["] + [f"  {json.dumps(v, ensure_ascii=False)}," for v in value] + ["]"])
    return json.dumps(value, ensure_ascii=False)


def render_params_file(template: str) -> str:
    """A commented YAML parameter file with every parameter at its default."""
    spec = get_template(template)
    lines = [
        f"# Parameters for the {template} template ({spec.chapter}).",
        f"# {spec.purpose}.",
        f"# Edit the values, then run:  ecomops run {template} -p <this file> -o reports/<folder>",
        "# Relative file paths are read relative to this file's folder (or the project folder).",
        "",
    ]
    for row in field_table(spec.model):
        if row["name"] == "output_dir":
            continue  # chosen with -o at run time
        unit = f" [{row['unit']}]" if row["unit"] else ""
        lines.append(f"# {row['help']}{unit}; allowed: {row['allowed']}")
        lines.append(_yaml_entry(row["name"], row["default"]))
        lines.append("")
    return "\n".join(lines)


def _cmd_list(args: argparse.Namespace) -> int:
    width = max(len(n) for n in TEMPLATES)
    for name, spec in sorted(TEMPLATES.items()):
        print(f"{name:<{width}}  {spec.purpose}  [chapter {spec.chapter}]")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    spec = get_template(args.template)
    if args.results:
        from .playbook import results_schema

        print(json.dumps(results_schema(spec.name), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{spec.name}: {spec.purpose}\nchapter {spec.chapter}; notebook {spec.notebook}\n")
    for row in field_table(spec.model):
        default = _compact(row["default"]).replace("\n", "\n    ")
        print(f"{row['name']}  ({row['allowed']}{'; ' + row['unit'] if row['unit'] else ''})")
        print(textwrap.indent(textwrap.fill(row["help"], 96), "    "))
        print(f"    default: {default}\n")
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    if args.output is None:
        print(render_params_file(args.template))
        return EXIT_OK
    from .playbook.base import write_json_atomically

    target = Path(args.output)
    workbook = target.suffix.lower() == ".xlsx"
    if target.is_dir():
        _print_error(f"{target} is a folder; give a file name for the parameter file, e.g. -o {target / 'params.yaml'}")
        return EXIT_EXISTS
    if target.exists() and not args.force:
        _print_error(f"{target} already exists; choose another name with -o, or add --force to replace it")
        return EXIT_EXISTS
    try:
        if workbook:  # a parameter workbook for those who never edit YAML
            from .params_workbook import write_params_workbook

            write_params_workbook(args.template, target, args.lang)
        else:  # any text: written to a temporary file, then renamed into place
            write_json_atomically(target, render_params_file(args.template))
    except (NotADirectoryError, FileExistsError):
        _print_error(f"cannot write {target}: a part of its folder path is a file, not a folder")
        return EXIT_EXISTS
    except PermissionError:
        _print_error(f"cannot write {target}: no permission to write in {target.parent}")
        return EXIT_EXISTS
    print(f"wrote {target}; edit it, then: ecomops validate {args.template} -p {target}")
    return EXIT_OK


def _load(args: argparse.Namespace) -> tuple[dict[str, Any], Path | None, dict[str, str]]:
    """The parameter values (with ``--lang`` applied), the folder relative paths start from, and where each
    value was written (cells of a workbook; nothing for YAML)."""
    from .runner import load_params_file

    values: dict[str, Any] = {}
    locations: dict[str, str] = {}
    base_dir = None
    if args.params is not None:
        base_dir = Path(args.params).resolve().parent
        if Path(args.params).suffix.lower() == ".xlsx":
            from .params_workbook import load_params_workbook

            values, locations = load_params_workbook(args.params, args.template)  # refuses another template's
        else:
            values = load_params_file(args.params)
    if getattr(args, "lang", None):
        values = {**values, "language": args.lang}
    return values, base_dir, locations


def _cmd_validate(args: argparse.Namespace) -> int:
    from .runner import default_input_notes, prepare_params

    values, base_dir, locations = _load(args)
    params = prepare_params(args.template, values, base_dir, locations=locations)
    for note in default_input_notes(args.template, values):
        print(f"note: {note}")
    del params
    print(f"{args.template}: parameters and input data are valid")
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import default_input_notes, run_template

    values, base_dir, locations = _load(args)
    for note in default_input_notes(args.template, values):
        print(f"note: {note}")
    output = args.output or f"reports/{args.template}"
    result = run_template(args.template, values, output, base_dir=base_dir, force=args.force,
                          progress=not args.quiet, params_file=args.params, locations=locations)
    print(f"done in {result.seconds:.1f} s")
    print(f"  report:   {result.report}")
    print(f"  notebook: {result.notebook}")
    print(f"  results:  {result.output_dir / 'results.json'} and results.xlsx")
    recommendation = result.results.get("recommendation")
    if recommendation:
        print(textwrap.fill(f"recommendation: {recommendation}", 100))
    return EXIT_OK


def _cmd_sql(args: argparse.Namespace) -> int:
    from .playbook import validate_params
    from .warehouse import parse_column_options, template_query

    params = None
    if args.params is not None:  # a bad value is a ParamError naming the parameter (exit code 2)
        from .runner import load_params_file

        params = validate_params(args.template, load_params_file(args.params))
    try:
        query = template_query(args.template, params)
        print(query.render(args.dialect, args.table, parse_column_options(args.column)), end="")
    except DataError as exc:  # a malformed --column or --table is a usage error
        _print_error(str(exc))
        return EXIT_PARAMS
    return EXIT_OK


def _add_sql_command(commands: Any) -> None:
    from .warehouse import DIALECTS, SQL_TEMPLATES

    sql = commands.add_parser(
        "sql", help="print the query that reduces a warehouse table to a template's summary input",
        description="Print, for your warehouse's SQL dialect, the aggregation query that reduces a raw table to "
        "the summary a template reads with data_kind: summary. The query is transpiled with sqlglot; only the "
        f"duckdb and spark versions are executed by the project's tests. Dialects: {', '.join(DIALECTS)}.",
    )
    sql.add_argument("template", choices=SQL_TEMPLATES, help="the template: " + ", ".join(SQL_TEMPLATES))
    sql.add_argument("--dialect", required=True, choices=DIALECTS, metavar="D",
                     help="SQL dialect, one of: " + ", ".join(DIALECTS))
    sql.add_argument("--table", required=True, metavar="T", help="the raw table, e.g. db.events")
    sql.add_argument("--column", action="append", metavar="name=expression",
                     help="read the query's column name from an expression of your table, e.g. "
                     "date=CAST(event_time AS DATE); repeatable")
    sql.add_argument("-p", "--params", help="a parameter file (YAML) whose stages, segment_by, calibration_end "
                     "or column parameters shape the query (default: the template's defaults)")
    sql.set_defaults(func=_cmd_sql)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ecomops`` command."""
    parser = argparse.ArgumentParser(
        prog="ecomops",
        description="Run the E-commerce Operations Playbook's analysis templates on your own numbers and data.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    commands.add_parser("list", help="list the templates").set_defaults(func=_cmd_list)

    show = commands.add_parser("show", help="show a template's parameters: type, default, unit, range, help")
    show.add_argument("template")
    show.add_argument("--results", action="store_true",
                      help="print the JSON Schema of the template's results.json instead of its parameters")
    show.set_defaults(func=_cmd_show)

    new = commands.add_parser("new", help="write a commented parameter file to fill in")
    new.add_argument("template")
    new.add_argument("-o", "--output",
                     help="file to write: .yaml, or .xlsx for a parameter workbook (default: print YAML)")
    new.add_argument("--force", action="store_true", help="replace the file if it exists")
    new.add_argument("--lang", choices=LANGUAGES, default="en",
                     help="language of a workbook's labels and explanations: en or zh (简体中文)")
    new.set_defaults(func=_cmd_new)

    validate = commands.add_parser("validate", help="check a parameter file and its input data; run nothing")
    validate.add_argument("template")
    validate.add_argument("-p", "--params",
                          help="parameter file, YAML or .xlsx workbook (default: the template's defaults)")
    validate.add_argument("--lang", choices=LANGUAGES, help="report language en or zh, overriding the file's")
    validate.set_defaults(func=_cmd_validate)

    run = commands.add_parser("run", help="run a template: report.html, executed notebook, results.json/.xlsx")
    run.add_argument("template")
    run.add_argument("-p", "--params", help="parameter file, YAML or .xlsx workbook (default: the template's defaults)")
    run.add_argument("--lang", choices=LANGUAGES,
                     help="language of the report: en (English) or zh (简体中文); overrides the parameter file")
    run.add_argument("-o", "--output", help="report folder to create (default: reports/<template>)")
    run.add_argument("--force", action="store_true", help="replace the report folder if it exists")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_cmd_run)
    _add_sql_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (see the module docstring)."""
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except Exception as exc:  # the last line of defence: no traceback on the screen, ever
        log = _write_crash_log(args)
        _print_error(f"internal error in ecomops {args.command} ({type(exc).__name__}: {exc}); please report it "
                     f"with the log at {log}")
        return EXIT_INTERNAL


def _write_crash_log(args: argparse.Namespace) -> Path:
    """Write the current exception's traceback to a log file and return its path."""
    import tempfile
    import time
    import traceback

    from . import __version__

    folder = Path(tempfile.gettempdir()) / "ecomops-logs"
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"ecomops-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    log.write_text(f"ecomops {__version__}, python {sys.version.split()[0]}, argv {sys.argv[1:]}\n\n"
                   + traceback.format_exc(), encoding="utf-8")
    return log


def _dispatch(args: argparse.Namespace) -> int:
    from .runner import OutputError, RunError

    try:
        return args.func(args)
    except ParamError as exc:
        _print_error(str(exc))
        return EXIT_PARAMS
    except DataError as exc:
        _print_error(str(exc))
        return EXIT_DATA
    except OutputError as exc:
        _print_error(str(exc))
        return EXIT_EXISTS
    except RunError as exc:
        _print_error(str(exc))
        return EXIT_RUN
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. head)
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        _print_error("interrupted; no report was written")
        sys.stderr.flush()
        os._exit(130)  # skip interpreter teardown, where the kernel client's sockets can print a traceback


if __name__ == "__main__":
    sys.exit(main())
