"""CSV files that are safe to open in Excel, LibreOffice Calc or Google Sheets.

Spreadsheets treat a cell whose first character is ``=``, ``+``, ``-`` or ``@``
(and tab, carriage return or NUL) as a formula, so a file name or caption such
as ``=HYPERLINK("http://...")`` in a report would run when the superintendent's
office opens it ("CSV injection"). Following OWASP's guidance (and ASVS 1.2.10),
such text cells get a leading single quote, which spreadsheets read as "this is
text". Numbers are written as numbers: a negative number is not a formula.

Files are UTF-8 with a byte-order mark, so Excel reads accented names correctly,
and are written atomically: a crash leaves the old file or the new one, whole.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from photoguard.errors import UserError

#: A text cell starting with one of these is read as a formula by some spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def excel_safe(value: object) -> str:
    """The text of one cell, escaped so no spreadsheet runs it as a formula.

    ``None`` is an empty cell; ints and finite floats are written as they are;
    anything else is text, and text starting with a formula trigger (after any
    leading spaces) gets a leading ``'``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The CSV text (without the byte-order mark), every cell escaped."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([excel_safe(h) for h in headers])
    for row in rows:
        writer.writerow([excel_safe(c) for c in row])
    return out.getvalue()


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write an Excel-safe CSV (UTF-8 with BOM) atomically; return the number of data rows.

    The file is created readable by its owner only: reports name students.
    """
    materialised = [list(r) for r in rows]
    for n, row in enumerate(materialised, start=1):
        if len(row) != len(headers):
            raise ValueError(f"row {n} has {len(row)} cells for {len(headers)} columns")
    write_text_atomically(path, "\ufeff" + csv_text(headers, materialised))
    return len(materialised)


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) so readers see the old file or the new one."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"cannot write {path}: the folder {folder} does not exist")
    if path.is_dir():
        raise UserError(f"cannot write {path}: it is a folder")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + path.name + ".", suffix=".tmp")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
