"""The opt-out roster that the main office exports from Aspen (CSV or XLSX) as a table.

The rows of cells come from photoguard/roster/cells.py; which column is which is
photoguard/roster/columns.py (by header, or named with ``--column``). This module
finds the header row (and, for a CSV, the delimiter), checks the shape of the rows
below it and hands them to photoguard/roster/validate.py. Blank rows are skipped.

Everything here fails closed: a file that cannot be read completely and
unambiguously raises :class:`~photoguard.errors.UserError` with one sentence, and
nothing is stored. Cells are read by position, never shifted: a CSV row with
more values than the header, or one that stops before a column the roster
needs, refuses the import rather than guess.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from photoguard.errors import UserError
from photoguard.roster.cells import (
    DELIMITERS,
    check_zip,
    csv_lines,
    decode_text,
    read_bytes,
    xlsx_sheet,
)
from photoguard.roster.columns import (
    HEADER_SEARCH_ROWS,
    ColumnMap,
    Line,
    header_score,
    locate_header,
)

#: How many rows (or values) a message lists before "and N more".
MAX_LISTED = 5


def listed(items: Sequence[str]) -> str:
    """ "3, 4, 9" or "3, 4, 9, 12, 15 and 2 more", for a message."""
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


def in_rows(items: Sequence[str]) -> str:
    """ "row 3" or "rows 3, 4 and 2 more": where in the file a problem is."""
    return f"{'row' if len(items) == 1 else 'rows'} {listed(items)}"


def _not_a_table(text: str) -> str | None:
    """What the text is, if it is plainly some other kind of document."""
    head = text.lstrip()[:200].casefold()
    if head[:1] in ("{", "["):
        try:
            json.loads(text)
        except ValueError:
            return None
        return "JSON"
    if re.match(r"<(\?xml|!doctype|html|table|head|body)\b", head):
        return "a web page or XML document"
    return None


def _csv_table(data: bytes, overrides: Mapping[str, str]) -> tuple[list[Line], Line, ColumnMap]:
    text = decode_text(data)
    if not text.strip():
        raise UserError("the file is empty")
    other = _not_a_table(text)
    if other:
        raise UserError(f"the file is not a table: it is {other}")
    found: list[tuple[int, str, int, ColumnMap]] = []
    failures: list[tuple[int, UserError]] = []
    for delimiter in DELIMITERS:
        head: list[Line] = []
        broken: UserError | None = None
        try:
            head.extend(itertools.islice(csv_lines(text, delimiter), HEADER_SEARCH_ROWS))
        except UserError as exc:  # a broken row among the first: judge the rows above it
            broken = exc
        located = locate_header(head, overrides)
        if isinstance(located, UserError):
            score = max((header_score(c, overrides) for _, c in head), default=0)
            failures.append((score, broken or located))
        else:
            at, cols = located
            found.append((len(head[at][1]), delimiter, at, cols))
    if not found:
        # The likeliest reading explains itself; a comma reading wins a tie.
        raise max(failures, key=lambda f: f[0])[1]
    _, delimiter, at, cols = max(found, key=lambda f: f[0])
    lines = list(csv_lines(text, delimiter))
    _check_shape(lines, at, cols)
    return lines[at + 1 :], lines[at], cols


def _check_shape(lines: list[Line], at: int, cols: ColumnMap) -> None:
    """Every CSV row has the header's cells: nothing shifted, nothing cut short."""
    width = len(lines[at][1])
    reach = max(cols.required_index) + 1
    extra: list[str] = []
    short: list[str] = []
    for number, cells in lines[at + 1 :]:
        if len(cells) > width and any(cells[width:]):
            extra.append(str(number))
        elif len(cells) < reach:
            short.append(str(number))
    if extra:
        raise UserError(
            f"{in_rows(extra)} of the file {'has' if len(extra) == 1 else 'have'} more values "
            "than the header (a value may hold an unquoted comma or semicolon)"
        )
    if short:
        raise UserError(
            f"{in_rows(short)} of the file {'stops' if len(short) == 1 else 'stop'} before the "
            "columns the roster needs (the file may be cut short)"
        )


def _xlsx_table(
    data: bytes, sheet: str | None, overrides: Mapping[str, str]
) -> tuple[list[Line], Line, ColumnMap]:
    has_formulas = check_zip(data)
    try:
        lines, others = xlsx_sheet(data, sheet)
        if has_formulas:
            # A formula saved without its value (by a script, not by Excel) reads as a
            # blank cell: a blank opt-out flag must not pass for "not opted out".
            values = {n: c for n, c in lines}
            for number, cells in xlsx_sheet(data, sheet, formulas=True)[0]:
                shown = values.get(number, [])
                for col, formula in enumerate(cells):
                    if formula.startswith("=") and (col >= len(shown) or not shown[col]):
                        raise UserError(
                            f"row {number} holds a formula with no saved value: open the "
                            "workbook in Excel and save it again, or export it as CSV"
                        )
    except UserError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a corrupt file
        raise UserError(f"the workbook could not be read ({type(exc).__name__})") from exc
    hint = ""
    if sheet is None and others:
        names = ", ".join(map(repr, others))
        hint = f" (the workbook has other sheets: {names}; pick one with --sheet)"
    if not lines:
        raise UserError(f"the sheet is empty{hint}")
    located = locate_header(lines, overrides)
    if isinstance(located, UserError):
        raise UserError(f"{located}{hint}") from None
    at, cols = located
    return lines[at + 1 :], lines[at], cols


def first_rows(path: Path, sheet: str | None = None) -> list[Line]:
    """The first non-blank rows as photoguard reads them, for a person to pick the header.

    A CSV is split by the delimiter under which a header is recognised, else by the
    one that gives the most columns; a workbook's sheet is chosen as for reading.
    """
    data = read_bytes(path)
    if data.startswith(b"PK\x03\x04"):
        check_zip(data)
        try:
            lines, _ = xlsx_sheet(data, sheet)
        except UserError:
            raise
        except Exception as exc:  # openpyxl raises many kinds on a corrupt file
            raise UserError(f"the workbook could not be read ({type(exc).__name__})") from exc
        return lines[:HEADER_SEARCH_ROWS]
    text = decode_text(data)
    readings: list[tuple[bool, int, list[Line]]] = []
    for delimiter in DELIMITERS:
        head: list[Line] = []
        with contextlib.suppress(UserError):  # a broken row: the rows above it still count
            head.extend(itertools.islice(csv_lines(text, delimiter), HEADER_SEARCH_ROWS))
        recognised = not isinstance(locate_header(head, {}), UserError)
        readings.append((recognised, max((len(c) for _, c in head), default=0), head))
    best = max(readings, key=lambda r: (r[0], r[1]))[2]
    if not best:
        raise UserError("the file is empty: it holds no values")
    return best


def read_table(
    path: Path, sheet: str | None = None, overrides: Mapping[str, str] | None = None
) -> tuple[list[Line], ColumnMap, bytes]:
    """The student rows below the header, the header's columns, and the file's bytes."""
    data = read_bytes(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UserError(
            "old Excel .xls files and password-protected workbooks are not read: save the "
            "export as .xlsx or CSV"
        )
    if data.startswith(b"PK\x03\x04"):
        rows, header, cols = _xlsx_table(data, sheet, overrides or {})
    else:
        if sheet is not None:
            raise UserError("--sheet applies to .xlsx workbooks only")
        rows, header, cols = _csv_table(data, overrides or {})
    # The header repeated further down (a report printed in pages) is not a student.
    again = _trimmed(header[1])
    rows = [(n, c) for n, c in rows if _trimmed(c) != again]
    if not rows:
        raise UserError("the file has a header but no student rows")
    return rows, cols, data


def _trimmed(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]
