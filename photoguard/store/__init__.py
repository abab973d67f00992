"""Persistence: one interface over SQLite (embedded default) and PostgreSQL (district).

The rest of photoguard talks to :class:`~photoguard.store.engine.Database` and
writes SQL that both engines accept (``?`` placeholders, ``ON CONFLICT``,
``RETURNING``). Where the engines differ (column types, triggers, row-level
security) the difference lives in :mod:`photoguard.store.migrations` alone.
"""

from photoguard.store.engine import Database, Tx, open_database

__all__ = ["Database", "Tx", "open_database"]
