"""Versioned schema migrations: the same steps on SQLite and PostgreSQL.

Each step (store/schema.py) runs in its own transaction together with the row
that records it in ``schema_version``, so a step is applied whole or not at all.
Before an existing SQLite database is migrated it is backed up next to itself.
Two first runs racing on one PostgreSQL server take turns (an advisory lock).

Also here: the database's identity, a random ID stored in it when it is created
(see audit/witness.py for why the data folder needs it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from photoguard.errors import UserError
from photoguard.files.clock import utcnow as _utcnow
from photoguard.store.engine import Database, PermissionDenied, SqliteDatabase, Tx
from photoguard.store.schema import LATEST, MIGRATIONS, Migration

#: What a data step returns: the approval-log records it appended (the store does not
#: look inside them; the caller witnesses them once the step commits).
R = TypeVar("R")
#: A step's data step (see :attr:`Migration.converts_data`), by schema version.
DataSteps = Mapping[int, Callable[[Tx], list[R]]]


def current_version(tx: Tx) -> int:
    if tx.dialect == "sqlite":
        exists = tx.scalar(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_version'"
        )
    else:  # the schema_version of the schema in use, not of any other on the server
        exists = tx.scalar("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    return int(tx.scalar("SELECT coalesce(max(version), 0) FROM schema_version"))


def _schema(tx: Tx) -> str:
    """The quoted name of the PostgreSQL schema the tables are created in."""
    if tx.dialect == "sqlite":
        return ""
    found = tx.scalar("SELECT quote_ident(current_schema())")
    if not found:
        raise UserError(
            "the database has no schema to create photoguard's tables in: check the "
            "search_path of the login (or the URL's options)"
        )
    return str(found)


def _no_access(db: Database) -> UserError:
    login = getattr(db, "login", "?")
    return UserError(
        f"login '{login}' cannot use photoguard's tables in {db.display_name}: it is not a "
        "member of any school (the district office adds members with 'photoguard db grant'), "
        "or the database is not set up yet ('photoguard db init' as its owner)"
    )


def migrate(
    db: Database,
    backup_dir: Path | None = None,
    appended: list[R] | None = None,
    data_steps: DataSteps[R] | None = None,
) -> int:
    """Apply every pending migration; return the schema version reached.

    A step that converts existing data runs its data step from ``data_steps``; a
    database that has data and a pending step whose data step is not given is refused
    before anything changes. What the data steps return is added to ``appended``
    (the caller witnesses those records)."""
    try:
        with db.snapshot() as tx:
            version = current_version(tx)
            usable = tx.dialect == "sqlite" or tx.scalar("SELECT current_schema()") is not None
    except PermissionDenied as exc:  # the tables are there, but not for this login
        raise _no_access(db) from exc
    if not usable:  # no schema in the search path that this login may use
        raise _no_access(db)
    if version > LATEST:
        raise UserError(
            f"the database has schema version {version}, newer than this photoguard "
            f"understands ({LATEST}); update photoguard"
        )
    if version == LATEST:
        return version
    steps = data_steps or {}
    missing = [
        m.version
        for m in MIGRATIONS
        if m.converts_data and m.version > version > 0 and m.version not in steps
    ]
    if missing:  # a programming error: never record a step as applied without its data step
        raise RuntimeError(
            f"schema step {missing[0]} converts existing data and no data step was given: "
            "open the database with photoguard.workspace.database.open_database"
        )
    if version > 0 and backup_dir is not None and isinstance(db, SqliteDatabase):
        db.backup_to(backup_dir / f"photoguard.sqlite.before-v{LATEST}.bak")
    try:
        for step in MIGRATIONS:
            records = _apply(db, step, steps.get(step.version) if version > 0 else None)
            if appended is not None:
                appended.extend(records)
    except PermissionDenied as exc:
        login = getattr(db, "login", "?")
        raise UserError(
            f"the database {db.display_name} needs schema version {LATEST} (it has {version}) "
            f"and login '{login}' may not make that change ({_detail(exc)}); run "
            "'photoguard db init' as the database's owner"
        ) from exc
    return LATEST


def _detail(exc: PermissionDenied) -> str:
    cause = exc.__cause__
    text = str(cause).strip().splitlines()[0] if cause and str(cause).strip() else str(exc)
    return text


def _apply(
    db: Database, step: Migration, data_step: Callable[[Tx], list[R]] | None = None
) -> list[R]:
    records: list[R] = []
    with db.transaction() as tx:
        if tx.dialect == "postgresql":
            # Two first runs racing on one server: the second waits, then skips.
            tx.execute("SELECT pg_advisory_xact_lock(7170001)")
        if step.version <= current_version(tx):
            return records
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for statement in step.statements(tx.dialect, _schema(tx)):
            tx.execute(statement)
        if data_step is not None:
            records = data_step(tx)
        tx.execute(
            "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
            (step.version, step.description, _utcnow()),
        )
    return records


def read_identity(tx: Tx) -> str | None:
    found = tx.scalar("SELECT identity FROM database_identity WHERE id = 1")
    return str(found) if found else None


def ensure_identity(db: Database, identity: str | None = None) -> str:
    """The database's identity, stored on first use (a new random one unless given)."""
    with db.snapshot() as tx:
        found = read_identity(tx)
    if found:
        return found
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO database_identity (id, identity, created_at) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            (identity or uuid.uuid4().hex, _utcnow()),
        )
        found = read_identity(tx)
    assert found
    return found
