"""Copying photoguard's data from one database into another, empty one.

``photoguard db migrate-to`` (workspace/district.py) moves a machine's SQLite data into
PostgreSQL with it; the test suite's per-folder schemas (store/per_folder.py) copy a
copied folder's schema with it.
"""

from __future__ import annotations

from photoguard.errors import UserError
from photoguard.files.clock import utcnow
from photoguard.store.engine import Database, Tx
from photoguard.store.migrations import read_identity
from photoguard.store.schema import DATA_TABLES, renumber_after_copy

_BATCH = 2000


def copy_database(source: Database, target: Database, *, keep_identity: bool) -> dict[str, int]:
    """Copy photoguard's data from ``source`` into ``target`` (migrated, holding none yet).

    One transaction on the target: it is filled whole or not at all. Rows keep
    their ids, the log its order. With ``keep_identity`` the target becomes the
    same database as the source (a copy); otherwise it keeps its own identity.
    Returns the rows copied per table.
    """
    counts: dict[str, int] = {}
    with source.snapshot() as src, target.transaction() as dst:
        for table in DATA_TABLES:
            if table != "schools" and dst.scalar(f"SELECT count(*) FROM {table}"):
                raise UserError(
                    f"the database {target.display_name} already holds photoguard data "
                    f"({table}); it can only be filled while empty"
                )
        for table, order in DATA_TABLES.items():
            counts[table] = _copy_table(src, dst, table, order)
        renumber_after_copy(dst)
        if keep_identity:
            identity = read_identity(src)
            if identity:
                dst.execute(
                    "INSERT INTO database_identity (id, identity, created_at) VALUES (1, ?, ?)",
                    (identity, utcnow()),
                )
    if keep_identity:
        target.identity = source.identity
    return counts


def _copy_table(src: Tx, dst: Tx, table: str, order: str) -> int:
    copied = 0
    while True:
        rows = src.rows(
            f"SELECT * FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (_BATCH, copied)
        )
        if not rows:
            return copied
        columns = list(rows[0])
        keep = " ON CONFLICT (code) DO NOTHING" if table == "schools" else ""
        dst.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)}){keep}",
            [tuple(r[c] for c in columns) for r in rows],
        )
        copied += len(rows)
        if len(rows) < _BATCH:
            return copied
