"""Reading the opt-out roster that the main office exports from Aspen (CSV or XLSX).

Which column is which is photoguard/roster/columns.py (by header, or named with
``--column``). Blank rows are skipped.

Everything here fails closed: a file that cannot be read completely and
unambiguously raises :class:`~photoguard.errors.UserError` with one sentence, and
nothing is stored. Cells are read by position, never shifted: a CSV row with
more values than the header, or one that stops before a column the roster
needs, refuses the import rather than guess.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from photoguard.errors import UserError
from photoguard.roster.columns import (
    HEADER_SEARCH_ROWS,
    ColumnMap,
    Line,
    header_score,
    locate_header,
    show,
)
from photoguard.roster.model import Roster, Student

#: Cell values, normalised by _norm_flag. Anything else refuses the import.
OPTED_OUT_VALUES = frozenset({"y", "yes", "true", "1", "x", "optout", "optedout"})
NOT_OPTED_OUT_VALUES = frozenset({"", "n", "no", "false", "0"})
#: A release column ("Photo Release", or an opt-in column) says the opposite:
#: yes means photos are allowed.
RELEASED_VALUES = frozenset({"y", "yes", "true", "1", "x", "released", "optin", "optedin"})
#: Blank in a release column means no release is on file: treated as opted out (fail closed).
NOT_RELEASED_VALUES = frozenset({"", "n", "no", "false", "0", "notreleased"})

#: CSV delimiters tried: comma, semicolon (Excel in much of Europe), tab, pipe.
DELIMITERS = (",", ";", "\t", "|")
#: A whole district's roster is a few MB; anything far larger is not a roster.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: The same for an .xlsx once unzipped (a "zip bomb" must not fill the memory).
MAX_UNPACKED_BYTES = 512 * 1024 * 1024

MAX_LISTED = 5


def _norm_flag(value: str) -> str:
    if re.fullmatch(r"[01]\.0+", value):  # 1.0 / 0.0 from a spreadsheet cell
        return value[0]
    return re.sub(r"[\s\-_.]", "", value.casefold())


_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f\u200b\ufeff]")


def _clean(value: object) -> str:
    """NFC, no control or zero-width characters, runs of whitespace as one space."""
    text = "" if value is None else str(value)
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def _list(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


def _in_rows(items: Sequence[str]) -> str:
    return f"{'row' if len(items) == 1 else 'rows'} {_list(items)}"


# ----------------------------------------------------------------------- file reading


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise UserError(f"{path} is a folder, not a roster file")
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except PermissionError as exc:
        raise UserError(
            f"cannot read {path}: {exc.strerror} (if it is open in Excel, close it first)"
        ) from exc
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise UserError(
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: not a roster export"
        )
    if not data.strip():
        raise UserError("the file is empty")
    return data


_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3", "an SQLite database"),
)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252 (Excel's Windows CSV)."""
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            raise UserError(f"the file is not a table: it is {what}")
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        if b"\x00" in data:
            raise UserError(
                "the file is not a table: it holds binary data (or UTF-16 text without a BOM)"
            )
        encodings = ["utf-8", "cp1252"]
    for enc in encodings:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        sample = text[:65536]
        controls = sum(1 for c in sample if c < " " and c not in "\t\r\n")
        if "\x00" in sample or controls > 16 + len(sample) // 200:
            raise UserError("the file is not a table: it holds binary data")
        return text
    raise UserError(f"the file's text encoding is not {' or '.join(encodings)}")


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


def _csv_lines(text: str, delimiter: str) -> Iterator[Line]:
    """Non-blank records with their spreadsheet row numbers (a blank line is a row too)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            cells = [_clean(c) for c in record]
            if any(cells):
                yield number, cells
    except csv.Error as exc:
        if "end of data" in str(exc):
            detail = "a quote is not closed"
        elif "expected after" in str(exc):
            detail = "a quote is misplaced or not closed"
        else:
            detail = show(str(exc), 80)
        raise UserError(f"the file is not a readable table: row {number + 1}: {detail}") from exc


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
            head.extend(itertools.islice(_csv_lines(text, delimiter), HEADER_SEARCH_ROWS))
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
    lines = list(_csv_lines(text, delimiter))
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
            f"{_in_rows(extra)} of the file {'has' if len(extra) == 1 else 'have'} more values "
            "than the header (a value may hold an unquoted comma or semicolon)"
        )
    if short:
        raise UserError(
            f"{_in_rows(short)} of the file {'stops' if len(short) == 1 else 'stop'} before the "
            "columns the roster needs (the file may be cut short)"
        )


def _xlsx_cell(value: object, number_format: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return repr(value)
        text = str(int(value))
        # An ID column formatted "000000" shows its leading zeros in Excel: keep them.
        if number_format and re.fullmatch(r"0+", number_format) and value >= 0:
            text = text.zfill(len(number_format))
        return text
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return _clean(value)


_FORMULA = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]")


def _xlsx_sheet(
    data: bytes, sheet: str | None, formulas: bool = False
) -> tuple[list[Line], list[str]]:
    """The non-blank rows of the named sheet, or of the first visible one; the other sheets."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas)
    try:
        sheets = wb.worksheets
        if not sheets:
            raise UserError("the workbook has no worksheet")
        if sheet is None:
            ws = next((s for s in sheets if s.sheet_state == "visible"), sheets[0])
        else:
            named = [s for s in sheets if s.title == sheet] or [
                s for s in sheets if s.title.strip().casefold() == sheet.strip().casefold()
            ]
            if not named:
                names = ", ".join(repr(s.title) for s in sheets)
                raise UserError(f"the workbook has no sheet named {sheet!r}; its sheets: {names}")
            ws = named[0]
        lines = []
        for number, row in enumerate(ws.iter_rows(min_row=1), start=1):
            if formulas:
                cells = [str(c.value) if c.value is not None else "" for c in row]
            else:
                cells = [_xlsx_cell(c.value, getattr(c, "number_format", None)) for c in row]
            if any(cells):
                lines.append((number, cells))
        return lines, [s.title for s in sheets if s is not ws]
    finally:
        wb.close()


def _xlsx_rows(data: bytes, sheet: str | None) -> Iterator[Line]:
    """The non-blank rows of the sheet (kept for callers written against it: use first_rows)."""
    return iter(_xlsx_sheet(data, sheet)[0])


def _check_zip(data: bytes) -> bool:
    """Whether the workbook holds formulas; refuses a zip that is not an .xlsx workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                raise UserError("the workbook is far too large once unpacked to be a roster")
            if "mimetype" in names and b"opendocument" in z.read("mimetype"):
                raise UserError(
                    "OpenDocument spreadsheets are not read: save the roster as .xlsx or CSV"
                )
            if "xl/workbook.xml" not in names:
                raise UserError("the file is a zip archive, not an .xlsx workbook")
            return any(
                _FORMULA.search(z.read(n))
                for n in names
                if n.startswith("xl/worksheets/") and n.endswith(".xml")
            )
    except UserError:
        raise
    except Exception as exc:  # zipfile and zlib raise many kinds on a damaged file
        raise UserError(f"the workbook could not be read ({type(exc).__name__})") from exc


def _xlsx_table(
    data: bytes, sheet: str | None, overrides: Mapping[str, str]
) -> tuple[list[Line], Line, ColumnMap]:
    has_formulas = _check_zip(data)
    try:
        lines, others = _xlsx_sheet(data, sheet)
        if has_formulas:
            # A formula saved without its value (by a script, not by Excel) reads as a
            # blank cell: a blank opt-out flag must not pass for "not opted out".
            values = {n: c for n, c in lines}
            for number, cells in _xlsx_sheet(data, sheet, formulas=True)[0]:
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
    data = _read_bytes(path)
    if data.startswith(b"PK\x03\x04"):
        _check_zip(data)
        try:
            lines, _ = _xlsx_sheet(data, sheet)
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
            head.extend(itertools.islice(_csv_lines(text, delimiter), HEADER_SEARCH_ROWS))
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
    data = _read_bytes(path)
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


# ------------------------------------------------------------------------ the roster


def _split_full_name(value: str, row: int) -> tuple[str, str, str]:
    """'Martínez, Zoë Ann' -> ('Martínez', 'Zoë', 'Ann'); 'Smith, John, Jr.' keeps 'Jr.'."""
    last, comma, rest = value.partition(",")
    parts = rest.replace(",", " ").split()
    if not comma or not last.strip() or not parts:
        raise UserError(
            f"row {row}: the name {show(value)!r} is not in 'Last, First' form "
            f"(or name the columns with --column last=... --column first=...)"
        )
    return last.strip(), parts[0], " ".join(parts[1:])


def read_roster(
    path: Path,
    overrides: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> Roster:
    """Read and validate an Aspen export. Raises UserError on anything doubtful."""
    lines, cols, data = read_table(path, sheet, overrides)
    rows = [n for n, _ in lines]

    def column(role: str) -> list[str]:
        i = cols.index.get(role)
        if i is None:
            return [""] * len(lines)
        return [cells[i] if i < len(cells) else "" for _, cells in lines]

    ids = column("id")
    empty = [str(r) for r, v in zip(rows, ids, strict=True) if not v]
    if empty:
        raise UserError(f"empty student ID in {_in_rows(empty)}")
    seen: dict[str, int] = {}
    dupes: list[str] = []
    for r, v in zip(rows, ids, strict=True):
        if v in seen:
            dupes.append(f"{show(v)} (rows {seen[v]} and {r})")
        else:
            seen[v] = r
    if dupes:
        raise UserError(f"duplicate student ID {_list(dupes)}")

    opted, bad, blank_release = _read_flags(lines, cols)
    if bad:
        several = len(cols.optout) + len(cols.release) > 1
        raise UserError(
            f"unrecognised opt-out value in {_in_rows(bad)}; use Y/N, Yes/No, TRUE/FALSE, 1/0, "
            "X/blank or Opt Out"
            + (" (or name the one flag column to use with --column optout=...)" if several else "")
        )

    if "name" in cols.index:
        full = column("name")
        blank = [str(r) for r, v in zip(rows, full, strict=True) if not v]
        if blank:
            raise UserError(f"missing student name in {_in_rows(blank)}")
        names = [_split_full_name(v, r) for r, v in zip(rows, full, strict=True)]
        lasts = [n[0] for n in names]
        firsts = [n[1] for n in names]
        middles = [n[2] for n in names]
    else:
        lasts, firsts, middles = column("last"), column("first"), column("middle")
    nameless = [str(r) for r, la, fi in zip(rows, lasts, firsts, strict=True) if not la or not fi]
    if nameless:
        raise UserError(f"missing first or last name in {_in_rows(nameless)}")

    preferred, grade, homeroom, yog = (column(r) for r in ("preferred", "grade", "homeroom", "yog"))
    students = tuple(
        Student(
            student_id=ids[i],
            last_name=lasts[i],
            first_name=firsts[i],
            middle_name=middles[i],
            preferred_name=preferred[i] if preferred[i].casefold() != firsts[i].casefold() else "",
            grade=grade[i],
            homeroom=homeroom[i],
            yog=yog[i],
            opted_out=opted[i],
        )
        for i in range(len(lines))
    )
    notes = []
    if blank_release:
        notes.append(
            f"{blank_release} {'student has' if blank_release == 1 else 'students have'} no "
            "value in the release column: counted as opted out (no release on file)"
        )
    return Roster(
        students=students,
        columns=cols.describe(),
        source_name=path.name,
        source_sha256=hashlib.sha256(data).hexdigest(),
        notes=tuple(notes),
    )


def _read_flags(lines: list[Line], cols: ColumnMap) -> tuple[list[bool], list[str], int]:
    """Opted out if any opt-out column says so or any release column withholds release.

    Returns the flags, the bad cells ("row (header: value)") and how many
    students were counted as opted out only because a release cell was blank.
    """
    opted = [False] * len(lines)
    bad: list[str] = []
    blank_only = 0
    columns = [(i, h, False) for i, h in zip(cols.optout_index, cols.optout, strict=True)]
    columns += [(i, h, True) for i, h in zip(cols.release_index, cols.release, strict=True)]
    for k, (number, cells) in enumerate(lines):
        said_out = False
        no_release = False
        for i, header, inverse in columns:
            raw = cells[i] if i < len(cells) else ""
            v = _norm_flag(raw)
            if inverse and v in NOT_RELEASED_VALUES:
                said_out = said_out or bool(v)
                no_release = no_release or not v
            elif not inverse and v in OPTED_OUT_VALUES:
                said_out = True
            elif v not in (RELEASED_VALUES if inverse else NOT_OPTED_OUT_VALUES):
                bad.append(f"{number} ({show(header)}: {show(raw)!r})")
        opted[k] = said_out or no_release
        blank_only += no_release and not said_out
    return opted, bad, blank_only
