"""The approval log: an append-only, hash-chained record of everything photoguard did.

Policy section 4: documents created by staff are public records and are
retained. Each record holds the SHA-256 of the record before it and of its own
canonical JSON, so changing, deleting, inserting or reordering any record breaks
the chain, and :func:`~photoguard.audit.verification.verify` names the first bad
one. The database refuses UPDATE and DELETE on the table (triggers), and nothing
in photoguard issues them.

This module appends records and reads them back; verification.py checks them.

A chain that is edited and then recomputed from the edit onwards, or cut short
at the end, is still a valid chain; to catch that, every record appended from a
data folder is also witnessed outside the database, in the data folder (see
witness.py, which also says how the folder knows which database it wrote to,
so that a deleted database or witness is missing history, not "0 records").

The log is the record; other tables are vouched for by it: each roster version
is sealed by a digest in its import record, and each scan row must say what its
``scan.file`` record says. ``verify`` checks those too (audit/tables.py), and
decisions read the records, not the rows (scan/decisions.py).

On PostgreSQL many machines append to one school's chain at once: each append
takes a transaction-scoped advisory lock for the school before it reads the
chain head, so appends to one chain are serialised and appends to different
schools' chains are not. On SQLite ``BEGIN IMMEDIATE`` already serialises them.

Records hold student IDs and names, file paths and hashes; never face encodings.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from photoguard.audit import bodies
from photoguard.audit.witness import canonical_json, write_head
from photoguard.files.clock import utc_timestamp
from photoguard.store.engine import Database, Row, Tx

__all__ = [
    "GENESIS",
    "Record",
    "append",
    "default_actor",
    "find_records",
    "last_record",
    "log_action",
    "record_from_row",
    "record_hash",
    "records",
    "records_of",
    "utc_timestamp",
]

GENESIS = "0" * 64

B = TypeVar("B", bound=bodies.Body)


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return "unknown"


@dataclass(frozen=True)
class Record:
    school: str
    seq: int
    at: str
    actor: str
    action: str
    body: Mapping[str, Any]
    prev_hash: str
    hash: str
    #: The identity of the database it was appended to (not part of the record:
    #: it tells the witness which database's chain this is).
    database: str = field(default="", compare=False, repr=False)

    def expected_hash(self) -> str:
        return record_hash(
            self.school, self.seq, self.at, self.actor, self.action, self.body, self.prev_hash
        )

    @cached_property
    def typed_body(self) -> bodies.LogBody:
        """The body as its action's type (audit/bodies.py), read once; never raises."""
        return bodies.parse(self.action, self.body)

    def body_as(self, cls: type[B]) -> B | None:
        """The body if it is a ``cls`` (the body of this record's action, readable), else None."""
        body = self.typed_body
        return body if isinstance(body, cls) else None

    @property
    def when(self) -> datetime:
        """``at`` as an aware UTC datetime."""
        return datetime.fromisoformat(self.at).astimezone(UTC)

    def as_dict(self) -> dict[str, Any]:
        return {
            "school": self.school,
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "body": dict(self.body),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def record_hash(
    school: str, seq: int, at: str, actor: str, action: str, body: Mapping[str, Any], prev: str
) -> str:
    content = {
        "school": school,
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "body": body,
        "prev_hash": prev,
    }
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _lock_chain(tx: Tx, school: str) -> None:
    """Serialise appends to one school's chain. SQLite's BEGIN IMMEDIATE already does."""
    if tx.dialect == "postgresql":
        tx.execute("SELECT pg_advisory_xact_lock(7170002, hashtext(?))", (school,))


def append(tx: Tx, school: str, actor: str, action: str, body: Mapping[str, Any]) -> Record:
    """Append one record inside the caller's transaction (so it commits with the change).

    After the transaction commits, call :func:`write_head` with the record(s).
    """
    action = str(action)  # a LogAction member is stored as its plain string
    _lock_chain(tx, school)
    head = tx.row(
        "SELECT seq, hash FROM audit_log WHERE school = ? ORDER BY seq DESC LIMIT 1", (school,)
    )
    seq = int(head["seq"]) + 1 if head else 1
    prev = head["hash"] if head else GENESIS
    at = utc_timestamp()
    body = json.loads(canonical_json(body))  # what is stored is exactly what is hashed
    digest = record_hash(school, seq, at, actor, action, body, prev)
    tx.execute(
        "INSERT INTO audit_log (school, seq, at, actor, action, body, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (school, seq, at, actor, action, canonical_json(body), prev, digest),
    )
    return Record(school, seq, at, actor, action, body, prev, digest, tx.identity)


def log_action(
    db: Database, home: Path, school: str, actor: str, action: str, body: Mapping[str, Any]
) -> Record:
    """Append one record in a transaction of its own, commit, and witness it."""
    with db.transaction() as tx:
        record = append(tx, school, actor, action, body)
    write_head(home, school, record)
    return record


def record_from_row(row: Row, database: str = "") -> Record:
    """The record a row of ``audit_log`` holds (raises if its body is not valid JSON)."""
    return Record(
        school=row["school"],
        seq=int(row["seq"]),
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        body=json.loads(row["body"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        database=database,
    )


def records(
    tx: Tx, school: str, *, action_prefix: str = "", newest_first: bool = False
) -> Iterator[Record]:
    """The school's records in order (or newest first), optionally of one kind of action.

    ``action_prefix`` is e.g. ``"decision."`` or ``"scan.file"``.
    """
    sql = "SELECT * FROM audit_log WHERE school = ?"
    params: list[Any] = [school]
    if action_prefix:
        sql += " AND substr(action, 1, ?) = ?"
        params += [len(action_prefix), action_prefix]
    sql += " ORDER BY seq DESC" if newest_first else " ORDER BY seq"
    for row in tx.rows(sql, params):
        yield _readable_record(row, tx.identity)


def _readable_record(row: Row, database: str = "") -> Record:
    """A record for reading and exporting, even if its body was damaged (verify says so)."""
    try:
        record = record_from_row(row, database)
        if isinstance(record.body, dict):
            return record
    except ValueError:
        pass
    unreadable = canonical_json({bodies.UNREADABLE_KEY: str(row["body"])})
    return record_from_row(row | {"body": unreadable}, database)


def last_record(tx: Tx, school: str) -> Record | None:
    row = tx.row("SELECT * FROM audit_log WHERE school = ? ORDER BY seq DESC LIMIT 1", (school,))
    return _readable_record(row, tx.identity) if row else None


def records_of(
    tx: Tx,
    school: str,
    actions: Sequence[str],
    *,
    newest_first: bool = False,
    limit: int | None = None,
    after_seq: int = 0,
) -> Iterator[Record]:
    """The school's records of these actions (exact names), in order or newest first."""
    marks = ", ".join("?" for _ in actions)
    sql = f"SELECT * FROM audit_log WHERE school = ? AND action IN ({marks}) AND seq > ?"
    sql += " ORDER BY seq DESC" if newest_first else " ORDER BY seq"
    params: list[Any] = [school, *actions, after_seq]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    for row in tx.rows(sql, params):
        yield _readable_record(row, tx.identity)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_records(
    tx: Tx,
    school: str,
    action: str,
    where: Mapping[str, Any],
    *,
    newest_first: bool = True,
    after_seq: int = 0,
) -> Iterator[Record]:
    """The school's records of one action whose body has each ``key: value`` of ``where``.

    Found in SQL by the canonical JSON of each pair (bodies are stored canonical),
    then checked exactly, so a path that merely contains another is not matched.
    """
    sql = "SELECT * FROM audit_log WHERE school = ? AND action = ? AND seq > ?"
    params: list[Any] = [school, action, after_seq]
    for key, value in where.items():
        sql += " AND body LIKE ? ESCAPE '\\'"
        params.append("%" + _like_escape(canonical_json(key) + ":" + canonical_json(value)) + "%")
    sql += " ORDER BY seq DESC" if newest_first else " ORDER BY seq"
    for row in tx.rows(sql, params):
        record = _readable_record(row, tx.identity)
        if all(record.body.get(k) == v for k, v in where.items()):
            yield record
