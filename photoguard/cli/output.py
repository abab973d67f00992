"""Small helpers for what commands print, and the checks before a command writes a file."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from photoguard.errors import UserError
from photoguard.files.pathtext import display
from photoguard.files.safeopen import open_regular


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def silence_stdout() -> None:
    """Point stdout at the null device after its reader went away (``| head``), so
    Python's own flush at exit does not fail again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


# ------------------------------------------------------------------ report files


@dataclass(frozen=True)
class ReportFile:
    """A kind of file a command writes, recognised by its first bytes."""

    #: What it is, for messages: "photoguard scan report (JSON)".
    label: str
    #: The first bytes every file of this kind starts with.
    signature: bytes


def csv_report(label: str, headers: Sequence[str]) -> ReportFile:
    """A CSV written by spreadsheet.write_csv: a byte-order mark, then this header row."""
    from photoguard.files.spreadsheet import csv_text

    return ReportFile(label, ("\ufeff" + csv_text(headers, [])).encode("utf-8"))


def is_report(path: Path, kind: ReportFile) -> bool:
    try:
        with open_regular(path) as f:
            return f.read(len(kind.signature)) == kind.signature
    except OSError:
        return False


def _is_input(path: Path, inputs: Sequence[Path]) -> bool:
    """Whether ``path`` (which exists) is a file given to the command or lies in a
    folder given to it: the command reads it, so it must never be written over."""
    real = Path(os.path.realpath(path))
    for given in inputs:
        try:
            if os.path.samefile(path, given):
                return True
        except OSError:
            continue
        if os.path.isdir(given) and real.is_relative_to(os.path.realpath(given)):
            return True
    return False


def check_output(
    path: Path,
    kind: ReportFile,
    option: str,
    force: bool = False,
    inputs: Sequence[Path] = (),
) -> None:
    """Refuse (UserError, before anything is done) to write ``path`` where writing would
    fail or destroy something: a folder that does not exist or cannot be written, a
    folder in its place, one of the command's own inputs (never, even with --force), or
    a file that is not an earlier report of the same kind (unless ``force``)."""
    shown = display(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"cannot write {shown}: the folder {display(folder)} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {shown}: the folder {display(folder)} is read-only")
    if path.is_dir():
        raise UserError(f"cannot write {shown}: it is a folder")
    if not os.path.lexists(path) or is_report(path, kind):
        return
    if path.exists() and _is_input(path, inputs):
        raise UserError(
            f"will not write the {option} report over {shown}: it is one of the files being checked"
        )
    if not force:
        raise UserError(
            f"{shown} already exists and is not an earlier {kind.label}: choose another "
            f"name for {option}, or add --force to replace it"
        )


def check_outputs(
    wanted: Sequence[tuple[str, Path | None, ReportFile]],
    force: bool = False,
    inputs: Sequence[Path] = (),
) -> None:
    """:func:`check_output` for each ``(option, path, kind)`` given, and no path twice."""
    seen: dict[str, str] = {}
    for option, path, kind in wanted:
        if path is None:
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise UserError(f"{seen[key]} and {option} name the same file {display(path)}")
        seen[key] = option
        check_output(path, kind, option, force, inputs)
