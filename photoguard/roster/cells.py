"""A roster file's bytes as rows of cells: text encodings, CSV quoting, XLSX workbooks.

Nothing here knows which column is which or what a student is: that is
:mod:`photoguard.roster.table` (the header and the shape of the rows) and
:mod:`photoguard.roster.validate` (the students). Every cell is cleaned the same
way, whatever the file: NFC, no control or zero-width characters, runs of
whitespace as one space. Anything that cannot be read raises
:class:`~photoguard.errors.UserError` with one sentence.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

from photoguard.errors import UserError
from photoguard.roster.columns import Line, show

#: CSV delimiters tried: comma, semicolon (Excel in much of Europe), tab, pipe.
DELIMITERS = (",", ";", "\t", "|")
#: A whole district's roster is a few MB; anything far larger is not a roster.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: The same for an .xlsx once unzipped (a "zip bomb" must not fill the memory).
MAX_UNPACKED_BYTES = 512 * 1024 * 1024

_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f\u200b\ufeff]")


def clean_cell(value: object) -> str:
    """NFC, no control or zero-width characters, runs of whitespace as one space."""
    text = "" if value is None else str(value)
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def read_bytes(path: Path) -> bytes:
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


def csv_lines(text: str, delimiter: str) -> Iterator[Line]:
    """Non-blank records with their spreadsheet row numbers (a blank line is a row too)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            cells = [clean_cell(c) for c in record]
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
    return clean_cell(value)


_FORMULA = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]")


def xlsx_sheet(
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


def check_zip(data: bytes) -> bool:
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
