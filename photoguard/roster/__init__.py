"""The opt-out roster: the students, who opted out, and their full names in text.

- model.py: Student, Roster, roster versions and what changed between two imports;
- reading the Aspen export (CSV or XLSX), in layers: cells.py (the file's bytes as
  rows of cells), columns.py (which column is which), table.py (the header row and
  the shape of the rows), validate.py (every student ID, name and flag checked);
- headers.py: the headers offered when a file's columns were not recognised;
- importing.py: previewing an import and applying it (with the mass-change guard);
- stored.py: the roster versions in the database;
- names.py: finding students' full names in captions, metadata and file names,
  with name_keys.py (how names are compared) and name_text.py (the text searched);
- first_names.py: cutting the full names found down to first names.

Other packages import the names below from here (``from photoguard.roster import
NameIndex``); the database functions are used as ``photoguard.roster.stored``.
Each name is loaded from its module on first use, so that a command that needs
only the model does not read the name search or the file readers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from photoguard.roster.cells import decode_text
    from photoguard.roster.columns import (
        HEADER_ALIASES,
        ROLES,
        norm_header,
        parse_column_overrides,
    )
    from photoguard.roster.first_names import Style, first_name_only
    from photoguard.roster.headers import ROLE_LABELS, Headers, mapping_problem, read_headers
    from photoguard.roster.importing import (
        ALLOW_MASS_CHANGE,
        ImportPreview,
        ImportResult,
        MassChangeRefused,
        apply_import,
        preview_import,
    )
    from photoguard.roster.model import (
        MASS_CHANGE_MIN_STUDENTS,
        Roster,
        RosterDiff,
        RosterVersion,
        Student,
        diff_rosters,
        mass_change,
    )
    from photoguard.roster.names import NameIndex, NameMatch
    from photoguard.roster.validate import read_roster

#: The module of this package that owns each public name.
_OWNERS = {
    "cells": ("decode_text",),
    "columns": ("HEADER_ALIASES", "ROLES", "norm_header", "parse_column_overrides"),
    "first_names": ("Style", "first_name_only"),
    "headers": ("ROLE_LABELS", "Headers", "mapping_problem", "read_headers"),
    "importing": (
        "ALLOW_MASS_CHANGE",
        "ImportPreview",
        "ImportResult",
        "MassChangeRefused",
        "apply_import",
        "preview_import",
    ),
    "model": (
        "MASS_CHANGE_MIN_STUDENTS",
        "Roster",
        "RosterDiff",
        "RosterVersion",
        "Student",
        "diff_rosters",
        "mass_change",
    ),
    "names": ("NameIndex", "NameMatch"),
    "validate": ("read_roster",),
}

__all__ = [
    "ALLOW_MASS_CHANGE",
    "HEADER_ALIASES",
    "MASS_CHANGE_MIN_STUDENTS",
    "ROLES",
    "ROLE_LABELS",
    "Headers",
    "ImportPreview",
    "ImportResult",
    "MassChangeRefused",
    "NameIndex",
    "NameMatch",
    "Roster",
    "RosterDiff",
    "RosterVersion",
    "Student",
    "Style",
    "apply_import",
    "decode_text",
    "diff_rosters",
    "first_name_only",
    "mapping_problem",
    "mass_change",
    "norm_header",
    "parse_column_overrides",
    "preview_import",
    "read_headers",
    "read_roster",
]

if not TYPE_CHECKING:  # type checkers read the imports above instead

    def __getattr__(name: str) -> object:
        import importlib

        for module, names in _OWNERS.items():
            if name in names:
                value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
                globals()[name] = value
                return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
