"""The approval log: an append-only, hash-chained record of everything photoguard did.

Policy section 4: documents created by staff are public records and are
retained. Each record holds the SHA-256 of the record before it and of its own
canonical JSON, so changing, deleting, inserting or reordering any record breaks
the chain, and :func:`verify` names the first bad one. The database refuses
UPDATE and DELETE on the table (triggers), and nothing in photoguard issues them.

A chain that is edited and then recomputed from the edit onwards, or cut short
at the end, is still a valid chain; to catch that, every record appended on
this machine is also witnessed outside the database, in the data folder:

* ``audit-head.json`` holds the newest record's sequence number and hash per
  school (rewritten atomically);
* ``audit-witness.jsonl`` gets one line per record (sequence number and hash),
  appended and flushed to disk, so :func:`verify` can name exactly the first
  record that differs from what was written.

Both are written after the transaction commits (:func:`write_head`); a crash in
between only leaves the witness one record behind, which verifies.

Both name the database too (its identity, a random ID stored in it when it was
created, see store/migrations.py): one data folder may witness several
databases' logs, e.g. its SQLite file and, after ``db migrate-to``, the
district's PostgreSQL database, and each is compared only with its own. Lines
written before identities existed name none; they belong to the data folder's
SQLite file.

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
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from photoguard.errors import UserError
from photoguard.store.engine import Database, Row, Tx

GENESIS = "0" * 64
HEAD_FILE = "audit-head.json"
WITNESS_FILE = "audit-witness.jsonl"

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


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: one byte string per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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


# ------------------------------------------------------------------ the head witness


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_heads(home: Path) -> dict[str, Any]:
    try:
        heads = json.loads((home / HEAD_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return heads if isinstance(heads, dict) else {}


def _write_head_file(home: Path, school: str, record: Record) -> None:
    """The head file: per school, the newest record written by this data folder
    (``seq``, ``hash`` and ``db``, the database it went to) and, under
    ``databases``, the newest per database."""
    heads = _read_heads(home)
    known = read_head(home, school, record.database)
    if known is not None and known[0] >= record.seq:
        return
    entry = heads.get(school)
    per_db = entry.get("databases") if isinstance(entry, dict) else None
    per_db = dict(per_db) if isinstance(per_db, dict) else {}
    if record.database:
        per_db[record.database] = [record.seq, record.hash]
    heads[school] = {"seq": record.seq, "hash": record.hash, "db": record.database}
    if per_db:
        heads[school]["databases"] = per_db
    # A private temporary name per writer: the app and the command line may append at once.
    fd, tmp = tempfile.mkstemp(dir=home, prefix=HEAD_FILE + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(canonical_json(heads))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, home / HEAD_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(home)


def _append_witness(home: Path, school: str, records: tuple[Record, ...]) -> None:
    # Each line starts with a newline, so a line torn by a crash never runs into the next.
    text = "".join("\n" + canonical_json(_witness_line(school, r)) for r in records)
    fd = os.open(home / WITNESS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))  # one write: appends of concurrent writers stay whole
        os.fsync(fd)
    finally:
        os.close(fd)


def _witness_line(school: str, record: Record) -> dict[str, Any]:
    line: dict[str, Any] = {"school": school, "seq": record.seq, "hash": record.hash}
    if record.database:
        line["db"] = record.database
    return line


def write_head(home: Path, school: str, *records: Record) -> None:
    """Witness committed records outside the database (call after the commit).

    Pass every record the transaction appended, oldest first; with one call per
    record, :func:`verify` can name exactly the first record rewritten later.
    """
    if not records:
        return
    try:
        _append_witness(home, school, records)
        _write_head_file(home, school, max(records, key=lambda r: r.seq))
    except OSError as exc:
        raise UserError(
            f"the action was recorded in the approval log, but its witness in {home} could "
            f"not be written ({exc.strerror or exc}); check the data folder"
        ) from exc


def _same_database(found: object, database: str | None, legacy: bool) -> bool:
    """Whether a witness entry naming database ``found`` (or none) is about ``database``."""
    if database is None:
        return True
    if not found:
        return legacy
    return found == database


def read_head(
    home: Path, school: str, database: str | None = None, *, legacy: bool = True
) -> tuple[int, str] | None:
    """The newest record this data folder witnessed for ``school`` (in ``database``, if given).

    ``legacy``: whether entries that name no database (written before databases
    had identities) count as this database's.
    """
    known = _read_heads(home).get(school)
    if not isinstance(known, dict):
        return None
    per_db = known.get("databases")
    try:
        if database and isinstance(per_db, dict) and database in per_db:
            seq, digest = per_db[database]
            return int(seq), str(digest)
        if not _same_database(known.get("db"), database, legacy):
            return None
        return int(known["seq"]), str(known["hash"])
    except (KeyError, TypeError, ValueError):
        return None


def read_witness(
    home: Path, school: str, database: str | None = None, *, legacy: bool = True
) -> dict[int, str]:
    """Every (sequence number -> hash) witnessed for this school, head file included.

    With ``database``, only what was witnessed for that database (see
    :func:`read_head` for ``legacy``). Lines torn by a crash are skipped.
    """
    seen: dict[int, str] = {}
    try:
        text = (home / WITNESS_FILE).read_text("utf-8", errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        try:
            item = json.loads(line)
            if item["school"] == school and _same_database(item.get("db"), database, legacy):
                seen[int(item["seq"])] = str(item["hash"])
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    head = read_head(home, school, database, legacy=legacy)
    if head is not None:
        seen.setdefault(head[0], head[1])
    return seen


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
    #: Further findings, e.g. that the append-only triggers were removed.
    notes: tuple[str, ...] = ()


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
    """Recompute the whole chain for one school.

    With ``home``, also compare it with what this machine witnessed being written.
    """
    with db.snapshot() as tx:
        rows = tx.rows("SELECT * FROM audit_log WHERE school = ? ORDER BY seq", (school,))
        missing = _missing_guards(tx)
    witness = {}
    if home is not None:
        witness = read_witness(home, school, db.identity or None, legacy=db.dialect == "sqlite")
    result = _check_chain(rows, witness)
    if not missing:
        return result
    note = (
        "the database's append-only guard on the approval log was removed "
        f"(missing trigger{'s' if len(missing) > 1 else ''}: {', '.join(missing)})"
    )
    if not result.ok:
        return Verification(
            False,
            result.records,
            result.first_bad,
            result.reason,
            result.head_hash,
            result.witnessed,
            (note,),
        )
    return Verification(False, result.records, None, note, result.head_hash, result.witnessed)
