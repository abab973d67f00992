"""Opening a data folder's database: connect, bring the schema up to date with the
log's data steps, witness what the upgrade wrote, and give the database its identity.

The store (photoguard/store/) knows connections, transactions and the schema; what
an upgrade writes to the approval log is audit/upgrades.py. This is where the two meet.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from photoguard import audit
from photoguard.audit.upgrades import DATA_STEPS
from photoguard.errors import UserError
from photoguard.store.engine import Database, ReplacedDatabase, SqliteDatabase, connect
from photoguard.store.migrations import current_version, ensure_identity, migrate, read_identity


def open_database(
    home: Path,
    url: str | None = None,
    *,
    read_only: bool = False,
    expect_identity: str | None = None,
) -> Database:
    """Open (creating if needed) PostgreSQL at ``url``, or else the SQLite file in ``home``.

    The schema is brought up to date by :func:`photoguard.store.migrations.migrate`
    (records a migration appends to the approval log are witnessed in ``home``),
    and the database gets its identity on first use. Read-only, nothing is
    created, migrated or written. ``expect_identity``: refuse (before migrating) a
    database whose identity is another one (see workspace/folder.py).
    """
    db = connect(home, url, read_only=read_only)
    try:
        if expect_identity is not None and isinstance(db, SqliteDatabase):
            found = db.file_identity()
            if found != expect_identity:
                raise ReplacedDatabase(db.path, expect_identity, found)
        if read_only:
            with db.snapshot() as tx:
                db.schema_version = current_version(tx)
                found = read_identity(tx) if db.schema_version >= 2 else None
            if not db.schema_version:
                raise UserError(f"{db.display_name} holds no photoguard database yet")
            db.identity = found or ""
            return db
        appended: list[audit.Record] = []
        db.schema_version = migrate(db, backup_dir=home, appended=appended, data_steps=DATA_STEPS)
        db.identity = ensure_identity(db)
        for school in sorted({r.school for r in appended}):
            audit.write_head(
                home,
                school,
                *[replace(r, database=db.identity) for r in appended if r.school == school],
            )
    except BaseException:
        db.close()
        raise
    return db
