"""Parameter files as Excel workbooks, for those who never edit YAML.

:func:`write_params_workbook` writes a template's parameters at their defaults, with labels and explanations in
English or Chinese; :func:`load_params_workbook` reads such a workbook back into the plain values a YAML
parameter file gives, with where each value was written, for :func:`ecomops.playbook.validate_params`;
:func:`workbook_template` says which template a workbook was written for.

Layout (sheets are recognised by their role, never by a translated name alone):

* **the parameter sheet** is the first sheet (``Parameters``, ``参数`` in Chinese; the hidden sheet records its
  title, so it is still found when another sheet is moved before it, and a renamed one when it stays first). Row 1 is the header
  (Name, Value, Unit, Allowed values, Meaning); below it one row per parameter, in the model's order. Only
  column A (the name) and column B (the value) are read back; C to E explain. ``output_dir`` is left out, as in
  the YAML file ``ecomops new`` writes: ``-o`` chooses where a report goes.
* **a list sheet** per parameter whose value is not a single value, named after the parameter (parameter names
  are never translated); the parameter's value cell says ``see sheet 'stages'`` and links to it:

  - a list of objects (``kpi_funnel.stages``): row 1 holds the objects' field names (``name``, ``column``,
    ``op``, ``value``), then one row per item, in order;
  - a list of values (``ab_test_design.allocation``): one value per row in column A, under a header;
  - a mapping (``ab_test_analysis.expected_split``): the key in column A, its value in column B, one row per key.

* **a very hidden sheet** ``_ecomops`` holds, as key/value rows, the layout's name and version, the template's
  name, the labels' language and the parameter sheet's title.

Cells are read as YAML reads a value: numbers stay int or float as stored, TRUE/FALSE become bool, text is
stripped of surrounding spaces. An empty value cell on the parameter sheet is empty text ``""`` (YAML
``segment_by: ""``: no segments); an empty cell in a row of a list of objects is null (YAML ``column: null``:
the entry step); fully empty rows are skipped. Mapping keys are always text.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .i18n import LANGUAGES, tr
from .playbook import ParamError, TemplateSpec, get_template
from .playbook.base import allowed_values, field_table, public_fields, write_atomically

__all__ = [
    "write_params_workbook",
    "load_params_workbook",
    "workbook_template",
    "METADATA_SHEET",
    "LAYOUT_VERSION",
]

#: title of the very hidden sheet recording which template a workbook is for
METADATA_SHEET = "_ecomops"
#: version of the layout described in the module docstring (recorded in the hidden sheet)
LAYOUT_VERSION = 1
LAYOUT_NAME = "ecomops parameter workbook"

#: parameters a workbook leaves out (the report folder is chosen with -o)
LEFT_OUT = ("output_dir",)

#: rows and columns read from each sheet; a parameter workbook needs far fewer
MAX_ROWS = 1000
MAX_COLUMNS = 50

HEADER_ROW = 1
NAME_COLUMN, VALUE_COLUMN, UNIT_COLUMN, ALLOWED_COLUMN, MEANING_COLUMN = 1, 2, 3, 4, 5
MEANING_WIDTH = 70

#: what the value of a parameter that needs a list sheet is
ListKind = Literal["records", "values", "mapping"]

HEADER_FILL = "DDE4EE"
EDITABLE_FILL = "FFF8DC"


# ------------------------------------------------------------------------------------------------- the model


def _list_kind(field: FieldInfo) -> tuple[ListKind, type[BaseModel] | None] | None:
    """How a field's value is laid out on its own sheet, and the model of its items for a list of objects;
    None for a field that holds a single value (one cell)."""
    annotation = field.annotation
    candidates = get_args(annotation) if get_origin(annotation) is Union else (annotation,)
    for candidate in candidates:
        origin = get_origin(candidate)
        if origin is dict:
            return "mapping", None
        if origin is list:
            items = get_args(candidate)
            item = items[0] if items else None
            if isinstance(item, type) and issubclass(item, BaseModel):
                return "records", item
            return "values", None
    return None


def _choices(annotation: Any) -> tuple[Any, ...]:
    """The allowed values of a ``Literal`` annotation; empty for any other type."""
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def _is_text(annotation: Any) -> bool:
    """Whether a field takes text only (a ``str`` or a choice among texts): its cells are formatted as text, so
    that Excel keeps a typed ``2024`` or ``1/2`` as written rather than making it a number or a date."""
    choices = _choices(annotation)
    return annotation is str or (bool(choices) and all(isinstance(c, str) for c in choices))


# ------------------------------------------------------------------------------------------------- writing


def write_params_workbook(template: str, path: str | Path, language: str = "en") -> Path:
    """Write a parameter workbook for ``template`` with every parameter at its default.

    The layout is described in the module docstring. Choice parameters get a drop-down list of their allowed
    values. The file is written to a temporary file in the same folder and renamed into place when complete, so
    an existing file is either left as it was or replaced by the complete new workbook (whether replacing is
    allowed is the caller's decision).

    Parameters
    ----------
    template : str
        Name of a registered template.
    path : str or Path
        The workbook to write; its name must end in ``.xlsx``.
    language : str
        Language of the sheet names, headers, units and explanations: ``en`` or ``zh`` (text without a
        translation stays English). Parameter names and values are never translated.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ParamError
        For a name not ending in ``.xlsx``, an unknown template or an unknown language.
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ParamError(f"{target}: a parameter workbook must be an .xlsx file; give a name ending in .xlsx, e.g. "
                         f"{target.with_suffix('.xlsx').name}")
    if language not in LANGUAGES:
        raise ParamError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    workbook = _build_workbook(get_template(template), language)
    write_atomically(target, workbook.save)
    return target


def _build_workbook(spec: TemplateSpec, language: str) -> Any:
    """The workbook of ``spec``'s default parameters (see the module docstring), not yet saved."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(tr("Parameters", language))
    sheet.append([tr("Name", language), tr("Value", language), tr("Unit", language), tr("Allowed values", language),
                  tr("Meaning", language)])
    fields = public_fields(spec.params)
    for row in field_table(spec.params):
        if row["name"] in LEFT_OUT:
            continue
        name, field = row["name"], fields[row["name"]]
        layout = _list_kind(field)
        unit = tr(row["unit"], language) if row["unit"] else None
        meaning = tr(row["help"], language) if row["help"] else None
        if layout is None:
            sheet.append([name, _cell_value(row["default"]), unit, _allowed_text(field, language), meaning])
            _mark_editable(sheet.cell(sheet.max_row, VALUE_COLUMN), field.annotation, language)
        else:
            pointer = tr("see sheet '{sheet}'", language, sheet=name)
            sheet.append([name, pointer, unit, tr("one row per item on sheet '{sheet}'", language, sheet=name),
                          meaning])
            _link_to_sheet(sheet.cell(sheet.max_row, VALUE_COLUMN), name)
            _add_list_sheet(workbook, name, row["default"], layout, row["help"], language)
    _style_table(sheet, widest={NAME_COLUMN: 28, VALUE_COLUMN: 42, UNIT_COLUMN: 28, ALLOWED_COLUMN: 34},
                 wrapped=MEANING_COLUMN)
    _add_metadata_sheet(workbook, spec.name, language, sheet.title)
    workbook.active = 0
    workbook.properties.creator = "ecomops"
    workbook.properties.title = f"{spec.name} parameters"
    workbook.properties.subject = spec.name
    return workbook


def _sheet_title(text: str) -> str:
    """``text`` as an Excel sheet name: at most 31 characters and none of ``[]:*?/\\``."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in text).strip().strip("'")
    return cleaned[:31] or "Sheet"


def _cell_value(value: Any) -> Any:
    """A default as a cell holds it: empty text and null as an empty cell, everything else as it is."""
    return None if value is None or value == "" else value


def _allowed_text(field: FieldInfo, language: str) -> str:
    """What a single-value field accepts (:func:`~ecomops.playbook.base.allowed_values`), its "one of" in the
    workbook's language."""
    text = allowed_values(field)
    if text.startswith("one of "):
        return tr("one of {choices}", language, choices=text.removeprefix("one of "))
    return text


def _mark_editable(cell: Any, annotation: Any, language: str) -> None:
    """Shade a value cell to be filled in, format it as text for a text field, and give a choice a drop-down."""
    from openpyxl.styles import PatternFill

    cell.fill = PatternFill("solid", start_color=EDITABLE_FILL)
    if _is_text(annotation):
        cell.number_format = "@"
    choices = _choices(annotation)
    if choices:
        _add_drop_down(cell.parent, cell.coordinate, choices, language)


def _add_drop_down(sheet: Any, cells: str, choices: tuple[Any, ...], language: str) -> None:
    """An Excel list validation on ``cells`` (``"B4"`` or ``"C2:C1000"``) offering ``choices`` and refusing
    anything else. Choices that a list formula cannot hold (a comma or a quote in them) get none: the
    parameter's check still names what is allowed."""
    from openpyxl.worksheet.datavalidation import DataValidation

    texts = [str(choice) for choice in choices]
    listed = ",".join(texts)
    if any("," in text or '"' in text for text in texts) or len(listed) > 250:
        return
    validation = DataValidation(
        type="list", formula1=f'"{listed}"', allow_blank=False, showErrorMessage=True,
        errorTitle=tr("Not allowed", language), error=tr("Choose one of: {choices}", language, choices=", ".join(texts)),
    )
    sheet.add_data_validation(validation)
    validation.add(cells)


def _link_to_sheet(cell: Any, sheet_name: str) -> None:
    """Make ``cell`` (which says where a list is) a link to the top of that sheet."""
    from openpyxl.worksheet.hyperlink import Hyperlink

    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet_name}'!A1")
    cell.style = "Hyperlink"


def _add_list_sheet(workbook: Any, name: str, default: Any, layout: tuple[ListKind, type[BaseModel] | None],
                    meaning: str, language: str) -> None:
    """The sheet holding the value of parameter ``name`` (a list of objects, a list or a mapping)."""
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter

    kind, item_model = layout
    sheet = workbook.create_sheet(name)
    if kind == "records" and item_model is not None:
        columns = list(item_model.model_fields)
        sheet.append(columns)
        for item in default:
            sheet.append([item.get(column) for column in columns])  # null stays an empty cell
        for number, column in enumerate(columns, start=1):
            item_field = item_model.model_fields[column]
            letter = get_column_letter(number)
            if item_field.description:
                sheet.cell(HEADER_ROW, number).comment = Comment(tr(item_field.description, language), "ecomops")
            if _is_text(item_field.annotation):
                _format_column_as_text(sheet, number)
            choices = _choices(item_field.annotation)
            if choices:
                _add_drop_down(sheet, f"{letter}{HEADER_ROW + 1}:{letter}{MAX_ROWS}", choices, language)
    elif kind == "values":
        sheet.append([tr("Value", language)])
        for value in default:
            sheet.append([value])
    else:
        sheet.append([tr("Key", language), tr("Value", language)])
        for key, value in default.items():
            sheet.append([key, value])
        _format_column_as_text(sheet, 1)
    if meaning and kind != "records":
        sheet.cell(HEADER_ROW, 1).comment = Comment(tr(meaning, language), "ecomops")
    _style_table(sheet, widest={number: 40 for number in range(1, sheet.max_column + 1)}, wrapped=None)


def _format_column_as_text(sheet: Any, column: int) -> None:
    """Format a column's cells below the header, those written and those still to be typed, as text."""
    from openpyxl.utils import get_column_letter

    sheet.column_dimensions[get_column_letter(column)].number_format = "@"
    for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=column, max_col=column):
        cell.number_format = "@"


def _style_table(sheet: Any, widest: dict[int, int], wrapped: int | None) -> None:
    """Bold shaded header, header row frozen, columns as wide as their text (up to ``widest``), text at the top
    of its cell; the ``wrapped`` column (the explanations) is wide and wraps."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color=HEADER_FILL)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"  # (asking for the cell would create an empty row)
    for column in sheet.iter_cols(min_row=HEADER_ROW, max_row=sheet.max_row):
        number = column[0].column
        for cell in column:
            cell.alignment = Alignment(vertical="top", wrap_text=number == wrapped)
        letter = get_column_letter(number)
        if number == wrapped:
            sheet.column_dimensions[letter].width = MEANING_WIDTH
            continue
        longest = max(_display_width(cell.value) for cell in column)
        sheet.column_dimensions[letter].width = min(widest.get(number, 40), max(10, longest + 2))


def _display_width(value: Any) -> int:
    """How many character widths ``value`` takes in a cell (a Chinese character takes two)."""
    if value is None:
        return 0
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in str(value))


def _add_metadata_sheet(workbook: Any, template: str, language: str, parameter_sheet: str) -> None:
    """The very hidden sheet recording the layout, the template, the labels' language and the parameter sheet's
    title (so that it is found even when another sheet is moved before it)."""
    sheet = workbook.create_sheet(METADATA_SHEET)
    for key, value in (("layout", LAYOUT_NAME), ("version", LAYOUT_VERSION), ("template", template),
                       ("language", language), ("parameter sheet", parameter_sheet)):
        sheet.append([key, value])
    sheet.sheet_state = "veryHidden"


# ------------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Sheet:
    """One worksheet's title and the values of its first rows (row 1 first; trailing empty cells may be
    missing)."""

    title: str
    rows: list[tuple[Any, ...]]

    def cell(self, row: int, column: int) -> Any:
        """The value at 1-based ``row`` and ``column`` as YAML would read it (see :func:`_plain`)."""
        if row > len(self.rows) or column > len(self.rows[row - 1]):
            return None
        return _plain(self.rows[row - 1][column - 1])

    def data_rows(self) -> list[tuple[int, list[Any]]]:
        """(row number, plain values) of every row below the header that is not fully empty."""
        found = []
        for number, raw in enumerate(self.rows[HEADER_ROW:], start=HEADER_ROW + 1):
            values = [_plain(value) for value in raw]
            if any(value is not None for value in values):
                found.append((number, values))
        return found

    def place(self, row: int | None = None, column: int | None = None) -> str:
        """``"sheet 'Parameters' cell B5"``, ``"sheet 'stages' row 3"`` or ``"sheet 'stages'"``."""
        if row is None:
            return f"sheet '{self.title}'"
        if column is None:
            return f"sheet '{self.title}' row {row}"
        return f"sheet '{self.title}' cell {_coordinate(row, column)}"


def _coordinate(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


def _plain(value: Any) -> Any:
    """A cell's value as YAML reads a plain value: text stripped of surrounding space, empty or blank text as
    None, numbers, booleans and dates as they are."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _check_workbook_path(file: Path) -> None:
    """Raise :class:`ParamError` unless ``file`` is an existing file whose name ends in ``.xlsx``."""
    if file.suffix.lower() != ".xlsx":
        raise ParamError(f"{file}: a parameter workbook must be an .xlsx file (this name ends in "
                         f"{file.suffix or 'nothing'!r}); give an .xlsx workbook, or a .yaml parameter file")
    if file.is_dir():
        raise ParamError(f"parameter workbook {str(file)!r} is a folder; give the path of an .xlsx file")
    if not file.is_file():
        raise ParamError(f"parameter workbook {str(file)!r} not found; create one with: "
                         f"ecomops new <template> -o {file}")


def _read_workbook(file: Path) -> list[_Sheet]:
    """Every worksheet's title and first rows (at most :data:`MAX_ROWS` + 1 rows, :data:`MAX_COLUMNS`
    columns), read in one pass; the file is closed afterwards.

    Raises :class:`ParamError` for a path that is not an existing ``.xlsx`` file or a file openpyxl cannot read.
    """
    import openpyxl

    _check_workbook_path(file)
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except PermissionError:
        raise ParamError(f"{file}: cannot read the workbook: no permission to read it") from None
    except Exception as exc:  # a damaged or foreign file can fail inside any of openpyxl's parsers
        raise ParamError(f"{file}: not a readable .xlsx workbook ({type(exc).__name__}); open it in Excel and "
                         "save it again as an Excel workbook (.xlsx)") from None
    try:
        return [_Sheet(sheet.title, [tuple(row) for row in sheet.iter_rows(
            max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)]) for sheet in workbook.worksheets]
    except Exception as exc:  # openpyxl parses each sheet while its rows are read
        raise ParamError(f"{file}: not a readable .xlsx workbook ({type(exc).__name__} in a sheet); open it in "
                         "Excel and save it again as an Excel workbook (.xlsx)") from None
    finally:
        workbook.close()


def _recorded(sheets: list[_Sheet], key: str) -> str | None:
    """What the hidden sheet records under ``key`` (``"template"``, ``"parameter sheet"``), or None when the
    workbook has no such sheet or entry."""
    for sheet in sheets:
        if sheet.title == METADATA_SHEET:
            for number in range(1, len(sheet.rows) + 1):
                if sheet.cell(number, 1) == key and sheet.cell(number, 2) is not None:
                    return str(sheet.cell(number, 2))
    return None


def workbook_template(path: str | Path) -> str | None:
    """The template a parameter workbook was written for (recorded by :func:`write_params_workbook`), or None
    for a workbook that does not say.

    Raises
    ------
    ParamError
        For a path that is not an existing, readable ``.xlsx`` file.
    """
    return _recorded(_read_workbook(Path(path)), "template")


def load_params_workbook(
    path: str | Path, template: str | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Read a parameter workbook (either language) into the values a YAML parameter file would give, and where
    each was written.

    Pass both to :func:`ecomops.playbook.validate_params` so that its messages name the cell. The representation
    of cells (empty cells, lists, mappings) is described in the module docstring.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` workbook laid out as :func:`write_params_workbook` writes it.
    template : str, optional
        The template the caller means to run. A workbook written for another template is refused; for a
        workbook that does not record its template, this one tells how its list sheets are read.

    Returns
    -------
    values : dict
        Parameter name → value: int, float, str or bool; a list (of dicts, for a list of objects) or a dict read
        from the parameter's own sheet.
    locations : dict
        Parameter name → where its value was written (``"sheet 'Parameters' cell B5"``, or ``"sheet 'stages'"``
        for a list); also, for the items of a list sheet, ``"stages.2"`` → ``"sheet 'stages' row 4"`` and
        ``"stages.2.op"`` → ``"sheet 'stages' cell C4"`` (the dotted form of a validation error's location).

    Raises
    ------
    ParamError
        One message naming the file, the sheet and the cell: not an ``.xlsx`` file, no such file, an unreadable
        workbook, a workbook for another template, a value without a name, a name given twice, a list sheet
        missing or holding a malformed row.
    """
    file = Path(path)
    sheets = _read_workbook(file)
    recorded = _recorded(sheets, "template")
    if template is not None and recorded is not None and recorded != template:
        raise ParamError(f"{file} is a parameter workbook for {recorded}, not {template}; write one for {template} "
                         f"with: ecomops new {template} -o {file.name}")
    layouts = _list_layouts(file, template or recorded)
    by_title = {sheet.title: sheet for sheet in sheets if sheet.title != METADATA_SHEET}
    main = by_title.get(_recorded(sheets, "parameter sheet") or "") or next(
        (sheet for title, sheet in by_title.items() if title not in layouts), None)
    if main is None:
        raise ParamError(f"{file}: the workbook has no parameter sheet (its first sheet lists the parameters); "
                         "write a new one with: ecomops new <template> -o " + file.name)
    values: dict[str, Any] = {}
    locations: dict[str, str] = {}
    for number, name, value in _named_rows(file, main):
        if name in layouts:
            values[name] = _read_list_sheet(file, main, number, name, value, by_title, layouts[name], locations)
            continue
        if name in by_title and template is None and recorded is None:
            raise ParamError(f"{file}: sheet {name!r} holds a list, but the workbook does not say which template it "
                             f"is for, so it cannot be read; write a new workbook with: ecomops new <template> -o "
                             f"{file.name}")
        values[name] = "" if value is None else value
        locations[name] = main.place(number, VALUE_COLUMN)
    return values, locations


def _list_layouts(file: Path, template: str | None) -> dict[str, tuple[ListKind, type[BaseModel] | None]]:
    """Parameter name → how its list sheet is laid out, for the parameters of ``template`` that need one."""
    if template is None:
        return {}
    try:
        model = get_template(template).params
    except ParamError as exc:
        raise ParamError(f"{file}: {exc}") from None
    layouts = {}
    for name, field in public_fields(model).items():
        layout = _list_kind(field)
        if layout is not None:
            layouts[name] = layout
    return layouts


def _named_rows(file: Path, sheet: _Sheet) -> list[tuple[int, str, Any]]:
    """(row number, name, value) of each parameter row of the parameter sheet; a value without a name and a name
    given twice raise :class:`ParamError`."""
    rows = sheet.data_rows()
    if len(rows) > MAX_ROWS - HEADER_ROW:
        raise ParamError(f"{file}: {sheet.place()} has more than {MAX_ROWS - HEADER_ROW} rows, which a parameter "
                         "sheet never has; is this the parameter workbook?")
    found = []
    first_row_of: dict[str, int] = {}
    for number, _ in rows:
        name, value = sheet.cell(number, NAME_COLUMN), sheet.cell(number, VALUE_COLUMN)
        if name is None:
            if value is None:
                continue  # a note in the explanation columns
            raise ParamError(f"{file}: {sheet.place(number, NAME_COLUMN)} is empty, but "
                             f"{_coordinate(number, VALUE_COLUMN)} holds {value!r}; write the parameter's name in "
                             f"{_coordinate(number, NAME_COLUMN)}, or clear the row")
        name = str(name)
        if name in first_row_of:
            raise ParamError(f"{file}: {sheet.place(number, NAME_COLUMN)} names {name!r}, which "
                             f"{_coordinate(first_row_of[name], NAME_COLUMN)} already names; keep one of the two rows")
        first_row_of[name] = number
        found.append((number, name, value))
    return found


def _read_list_sheet(
    file: Path, main: _Sheet, number: int, name: str, pointer: Any, by_title: dict[str, _Sheet],
    layout: tuple[ListKind, type[BaseModel] | None], locations: dict[str, str],
) -> Any:
    """The value of list parameter ``name`` (named in row ``number`` of the parameter sheet) read from its own
    sheet; its places go into ``locations``."""
    where = main.place(number, VALUE_COLUMN)
    sheet = by_title.get(name)
    if sheet is None:
        others = ", ".join(repr(title) for title in by_title)
        raise ParamError(f"{file}: {name} ({where}) is read from a sheet named {name!r}, which the workbook does not "
                         f"have (its sheets are: {others}); give that name back to the sheet holding {name}")
    # the pointer as written in any language ("see sheet 'stages'", "见工作表“stages”"), or at least naming the sheet
    pointers = {tr("see sheet '{sheet}'", language, sheet=name) for language in LANGUAGES}
    if pointer is not None and not (isinstance(pointer, str) and (pointer in pointers or f"'{name}'" in pointer)):
        raise ParamError(f"{file}: {where} holds {pointer!r}, but {name} is read from sheet {name!r}, one row per "
                         f"item; enter the values there and leave {_coordinate(number, VALUE_COLUMN)} as it was")
    rows = sheet.data_rows()
    if len(rows) > MAX_ROWS - HEADER_ROW:
        raise ParamError(f"{file}: {sheet.place()} has more than {MAX_ROWS - HEADER_ROW} rows; {name} takes one "
                         "row per item")
    locations[name] = sheet.place()
    kind, item_model = layout
    if kind == "records" and item_model is not None:
        return _records(file, sheet, name, rows, item_model, locations)
    if kind == "values":
        return _values(file, sheet, name, rows, locations)
    return _mapping(file, sheet, name, rows, locations)


def _stray_cell(file: Path, sheet: _Sheet, number: int, values: list[Any], used: set[int], expected: str) -> None:
    """Raise :class:`ParamError` for the first filled cell of a row outside the columns ``used`` (0-based)."""
    for index, value in enumerate(values):
        if value is not None and index not in used:
            raise ParamError(f"{file}: {sheet.place(number, index + 1)} holds {value!r} outside the sheet's "
                             f"columns; {expected}")


def _records(file: Path, sheet: _Sheet, name: str, rows: list[tuple[int, list[Any]]],
             item_model: type[BaseModel], locations: dict[str, str]) -> list[dict[str, Any]]:
    """A list of objects: row 1 names the fields, each further row is one item (empty cells are null)."""
    allowed = list(item_model.model_fields)
    columns: dict[int, str] = {}
    for index in range(len(sheet.rows[0]) if sheet.rows else 0):
        label = sheet.cell(HEADER_ROW, index + 1)
        if label is None:
            continue
        label = str(label)
        if label not in allowed:
            close = difflib.get_close_matches(label, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParamError(f"{file}: {sheet.place(HEADER_ROW, index + 1)} names the column {label!r}{hint}, which "
                             f"{name} does not have; its columns are: {', '.join(allowed)}")
        if label in columns.values():
            first = next(i for i, known in columns.items() if known == label)
            raise ParamError(f"{file}: {sheet.place(HEADER_ROW, index + 1)} names the column {label!r}, which "
                             f"{_coordinate(HEADER_ROW, first + 1)} already names; keep one of the two columns")
        columns[index] = label
    expected = f"{name} takes one item per row in the columns {', '.join(columns.values()) or ', '.join(allowed)}"
    items = []
    for number, values in rows:
        _stray_cell(file, sheet, number, values, set(columns), expected)
        position = len(items)
        locations[f"{name}.{position}"] = sheet.place(number)
        item = {}
        for index, field in columns.items():
            item[field] = values[index] if index < len(values) else None
            locations[f"{name}.{position}.{field}"] = sheet.place(number, index + 1)
        items.append(item)
    return items


def _values(file: Path, sheet: _Sheet, name: str, rows: list[tuple[int, list[Any]]],
            locations: dict[str, str]) -> list[Any]:
    """A list of values: one per row, in column A."""
    items = []
    for number, values in rows:
        _stray_cell(file, sheet, number, values, {0}, f"{name} takes one value per row, in column A")
        locations[f"{name}.{len(items)}"] = sheet.place(number, 1)
        items.append(values[0])
    return items


def _mapping(file: Path, sheet: _Sheet, name: str, rows: list[tuple[int, list[Any]]],
             locations: dict[str, str]) -> dict[str, Any]:
    """A mapping: the key (as text) in column A, its value in column B, one row per key."""
    mapping: dict[str, Any] = {}
    row_of: dict[str, int] = {}
    for number, values in rows:
        _stray_cell(file, sheet, number, values, {0, 1}, f"{name} takes a key in column A and its value in column B")
        key, value = sheet.cell(number, 1), sheet.cell(number, 2)
        if key is None:
            raise ParamError(f"{file}: {sheet.place(number, 1)} is empty, but {_coordinate(number, 2)} holds "
                             f"{value!r}; write what it is for in {_coordinate(number, 1)}, or clear the row")
        key = str(key)
        if key in row_of:
            raise ParamError(f"{file}: {sheet.place(number, 1)} gives {key!r} again (as does "
                             f"{_coordinate(row_of[key], 1)}); keep one of the two rows")
        row_of[key] = number
        mapping[key] = value
        locations[f"{name}.{key}"] = sheet.place(number, 2)
    return mapping
