"""The approval log: an append-only, hash-chained record of everything photoguard did.

Policy section 4: documents created by staff are public records and are
retained. Each record holds the SHA-256 of the record before it and of its own
canonical JSON, so changing, deleting, inserting or reordering any record breaks
the chain, and :func:`verify` names the first bad one. The database refuses
UPDATE and DELETE on the table (triggers), and nothing in photoguard issues them.

A chain that is edited and then recomputed from the edit onwards, or cut short
at the end, is still a valid chain; to catch that, every record appended from a
data folder is also witnessed outside the database, in the data folder (see
witness.py, which also says how the folder knows which database it wrote to,
so that a deleted database or witness is missing history, not "0 records").

The log is the record; other tables are vouched for by it: each roster version
is sealed by a digest in its import record, and each scan row must say what its
``scan.file`` record says. :func:`verify` checks those too (log_tables.py), and
decisions read the records, not the rows (decisions.py).

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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from photoguard.audit import witness
from photoguard.audit.witness import (
    HEAD_FILE,
    WITNESS_FILE,
    canonical_json,
    read_head,
    read_witness,
    write_head,
)
from photoguard.store.engine import SQLITE_FILE, Database, Row, SqliteDatabase, Tx

__all__ = [
    "GENESIS",
    "HEAD_FILE",
    "WITNESS_FILE",
    "Record",
    "Verification",
    "append",
    "canonical_json",
    "chained",
    "find_records",
    "last_record",
    "log_action",
    "read_head",
    "read_witness",
    "record_hash",
    "records",
    "records_of",
    "verify",
    "write_head",
]

GENESIS = "0" * 64

#: The triggers that make ``audit_log`` append-only and the database's identity
#: fixed (see store/migrations.py).
GUARD_TRIGGERS = {
    "sqlite": (
        "audit_log_no_update",
        "audit_log_no_delete",
        "database_identity_no_update",
        "database_identity_no_delete",
    ),
    "postgresql": (
        "audit_log_no_change",
        "audit_log_no_truncate",
        "database_identity_fixed",
        "database_identity_no_truncate",
    ),
}


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return "unknown"


def utc_timestamp() -> str:
    """When a record is written: UTC, microseconds, e.g. 2026-05-01T09:30:00.000000+00:00."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


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


def _record(row: Row, database: str = "") -> Record:
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
        record = _record(row, database)
        if isinstance(record.body, dict):
            return record
    except ValueError:
        pass
    unreadable = canonical_json({"unreadable_body": str(row["body"])})
    return _record(row | {"body": unreadable}, database)


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


def chained(tx: Tx, school: str, seq: int) -> Record | None:
    """Record ``seq`` of the school's log if it stands in the chain as it was written:
    its hash is that of its content, it follows the record before it, and the record
    after it (if any) follows it. None otherwise, or if there is no such record.

    This checks one link, not the whole log: a rewrite of this record and of every
    record after it is what ``log verify`` (with the witness) catches.
    """
    rows = tx.rows(
        "SELECT * FROM audit_log WHERE school = ? AND seq >= ? AND seq <= ? ORDER BY seq",
        (school, seq - 1, seq + 1),
    )
    by_seq = {int(r["seq"]): r for r in rows}
    row = by_seq.get(seq)
    if row is None:
        return None
    if seq == 1:
        prev = GENESIS
    elif seq - 1 in by_seq:
        prev = by_seq[seq - 1]["hash"]
    else:
        return None
    if _check_record(row, seq, prev, {}) is not None:
        return None
    after = by_seq.get(seq + 1)
    if after is not None and after["prev_hash"] != row["hash"]:
        return None
    return _record(row, tx.identity)


# ------------------------------------------------------------------------ verifying


@dataclass(frozen=True)
class Verification:
    ok: bool
    records: int
    #: The sequence number of the first bad record (None when ok, or when only the
    #: database's append-only guard is missing).
    first_bad: int | None = None
    reason: str = ""
    head_hash: str = GENESIS
    #: How many records were compared with the witness in the data folder.
    witnessed: int = 0
    #: Further findings, e.g. that the append-only triggers were removed, or what
    #: could not be checked.
    notes: tuple[str, ...] = ()
    #: The tables that were checked against the log, e.g. ("2 roster versions",
    #: "31 scanned files").
    covered: tuple[str, ...] = ()


def _missing_guards(tx: Tx) -> list[str]:
    names = GUARD_TRIGGERS[tx.dialect]
    if tx.dialect == "sqlite":
        rows = tx.rows("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {r["name"] for r in rows}
    else:
        rows = tx.rows(
            "SELECT tgname FROM pg_trigger WHERE tgrelid IN "
            "('audit_log'::regclass, 'database_identity'::regclass) "
            "AND NOT tgisinternal AND tgenabled <> 'D'"
        )
        present = {r["tgname"] for r in rows}
    return [n for n in names if n not in present]


def _check_chain(rows: list[Row], witness: Mapping[int, str]) -> Verification:
    prev = GENESIS
    count = 0
    compared = 0
    for row in rows:
        problem = _check_record(row, count + 1, prev, witness)
        if problem is not None:
            return Verification(False, count, count + 1, problem, prev, compared)
        compared += int(count + 1 in witness)
        prev = row["hash"]
        count += 1
    last_witnessed = max(witness, default=0)
    if last_witnessed > count:
        return Verification(
            False,
            count,
            count + 1,
            f"it is missing: the log ends at record {count} but record {last_witnessed} was "
            "written (records at the end were deleted)",
            prev,
            compared,
        )
    return Verification(True, count, None, "", prev, compared)


def _check_record(row: Row, seq: int, prev: str, witness: Mapping[int, str]) -> str | None:
    """Why the row in place ``seq`` is not the record written there, or None."""
    try:
        found_seq = int(row["seq"])
    except (TypeError, ValueError):
        found_seq = -1
    if found_seq != seq:
        return f"it is missing (the log goes from record {seq - 1} to record {row['seq']})"
    try:
        rec = _record(row)
    except (ValueError, TypeError, KeyError):
        return "its content is not valid JSON (it was changed)"
    if not isinstance(rec.body, dict) or row["body"] != canonical_json(rec.body):
        return "its content was changed after it was written"
    if rec.expected_hash() != rec.hash:
        return "its content was changed after it was written"
    if rec.prev_hash != prev:
        return (
            "it does not follow the record before it (a record was deleted, inserted or reordered)"
        )
    if seq in witness and witness[seq] != rec.hash:
        return (
            "it is not the record that was written with this number (the log was rewritten "
            "from here on)"
        )
    return None


def verify(db: Database, school: str, home: Path | None = None) -> Verification:
    """Recompute the whole chain for one school, and check the tables it vouches for.

    With ``home``, also compare it with what this data folder witnessed being
    written, and, for the folder's own SQLite file, that nothing the folder knows
    it wrote is missing (see witness.py).
    """
    from photoguard.audit.tables import check_tables

    with db.snapshot() as tx:
        rows = tx.rows("SELECT * FROM audit_log WHERE school = ? ORDER BY seq", (school,))
        missing = _missing_guards(tx)
        schema = db.schema_version or _schema_version(tx)
        tables = check_tables(tx, school, rows, schema)
        identity = db.identity or (_stored_identity(tx) if schema >= 2 else "")
    seen: dict[int, str] = {}
    history: str | None = None
    if home is not None:
        seen = read_witness(home, school, identity or None, legacy=db.dialect == "sqlite")
        history = missing_history(db, school, home, len(rows), identity)
    result = _check_chain(rows, seen)
    findings = [f for f in (history, *tables.problems) if f]
    if missing:
        findings.append(
            "the database's append-only guard on the approval log was removed "
            f"(missing trigger{'s' if len(missing) > 1 else ''}: {', '.join(missing)})"
        )
    covered = tables.covered if not tables.problems else ()
    if result.ok and not findings:
        return replace(result, covered=covered, notes=tables.unchecked)
    if not result.ok:
        return replace(result, notes=(*findings, *tables.unchecked))
    return replace(
        result,
        ok=False,
        reason=findings[0],
        notes=(*_summarised(findings[1:]), *tables.unchecked),
    )


def _summarised(findings: list[str], most: int = 5) -> list[str]:
    if len(findings) <= most:
        return findings
    return [*findings[:most], f"{len(findings) - most} more like these"]


def _schema_version(tx: Tx) -> int:
    from photoguard.store.migrations import current_version

    return current_version(tx)


def _stored_identity(tx: Tx) -> str:
    from photoguard.store.migrations import read_identity

    return read_identity(tx) or ""


def _is_folder_database(db: Database, home: Path) -> bool:
    if not isinstance(db, SqliteDatabase):
        return False
    try:
        return db.path.resolve() == (home / SQLITE_FILE).resolve()
    except OSError:
        return False


def missing_history(
    db: Database, school: str, home: Path, records: int, identity: str | None = None
) -> str | None:
    """Why records the data folder wrote to its own SQLite file cannot all be checked
    (its witness was deleted or emptied, or the file is another database), or None.

    Only for the folder's own SQLite file: every record in it was written from this
    folder. A district database also holds records written from other machines.
    """
    if not _is_folder_database(db, home):
        return None
    identity = identity if identity is not None else db.identity
    claim = witness.read_claim(home)
    if claim is not None and claim.identity != identity:
        return (
            f"this data folder wrote its records to database {claim.identity}, and the "
            f"database file {db.display_name} is another one ({identity or 'new'})"
        )
    if not records:
        return None
    lines = witness.witness_lines(home, school, identity or None, legacy=True)
    began = claim.began.get(school, 0) if claim is not None else 0
    if not lines:
        if claim is None:
            return (
                f"the log holds {records} record{'s' if records != 1 else ''} written from "
                f"this data folder, but its witness files ({WITNESS_FILE}, {HEAD_FILE}) are "
                "missing or empty, so none can be checked against what was written"
            )
        head = read_head(home, school, identity or None, legacy=True)
        if head is not None or began:
            return (
                f"the witness file {WITNESS_FILE} is missing or was emptied, so the log's "
                f"{records} record{'s' if records != 1 else ''} cannot be checked against "
                "what was written"
            )
        return None  # nothing witnessed yet: a crash right after the first commit
    if began and not any(seq <= began for seq in lines):
        return (
            f"records 1 to {began} were written before this data folder's witness began "
            f"again (its witness file {WITNESS_FILE} was deleted or emptied, or the database "
            "was copied in from elsewhere), so they cannot be checked against what was written"
        )
    return None
