"""Persistence: one interface over SQLite (embedded default) and PostgreSQL (district).

The rest of photoguard talks to :class:`~photoguard.store.engine.Database` and
writes SQL that both engines accept (``?`` placeholders, ``ON CONFLICT``,
``RETURNING``). Where the engines differ (column types, triggers, row-level
security) the difference lives in the schema alone.

* engine.py: the two engines behind one :class:`Database`, and opening one;
* migrations.py: bringing a database's schema up to date, one step per
  transaction, and the database's identity;
* schema.py: the steps themselves, and the tables that hold a school's data;
* roles.py: district roles and row-level security (PostgreSQL);
* per_folder.py: for the test suite on PostgreSQL, a schema of its own per data folder.

Other packages use the names below. Each is imported from its module on first
use: importing the package loads only what is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from photoguard.store.engine import (
        SQLITE_FILE,
        Database,
        PermissionDenied,
        ReplacedDatabase,
        Row,
        SqliteDatabase,
        Tx,
        writable,
    )
    from photoguard.store.migrations import current_version, ensure_identity, migrate, read_identity
    from photoguard.store.roles import ALL_SCHOOLS, GROUP_ROLES
    from photoguard.store.schema import DATA_TABLES, LATEST, MIGRATIONS, renumber_after_copy

__all__ = [
    "ALL_SCHOOLS",
    "DATA_TABLES",
    "GROUP_ROLES",
    "LATEST",
    "MIGRATIONS",
    "SQLITE_FILE",
    "Database",
    "PermissionDenied",
    "ReplacedDatabase",
    "Row",
    "SqliteDatabase",
    "Tx",
    "current_version",
    "ensure_identity",
    "migrate",
    "read_identity",
    "renumber_after_copy",
    "writable",
]

#: The module each name of ``__all__`` comes from.
_HOMES = {
    **dict.fromkeys(
        (
            "SQLITE_FILE",
            "Database",
            "PermissionDenied",
            "ReplacedDatabase",
            "Row",
            "SqliteDatabase",
            "Tx",
            "writable",
        ),
        "engine",
    ),
    **dict.fromkeys(
        ("current_version", "ensure_identity", "migrate", "read_identity"), "migrations"
    ),
    **dict.fromkeys(("ALL_SCHOOLS", "GROUP_ROLES"), "roles"),
    **dict.fromkeys(("DATA_TABLES", "LATEST", "MIGRATIONS", "renumber_after_copy"), "schema"),
}

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        if name not in _HOMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
