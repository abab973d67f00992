"""The approval log: an append-only, hash-chained record of everything photoguard did.

Policy section 4: documents created by staff are public records and are
retained. Each record holds the SHA-256 of the record before it and of its own
canonical JSON, so changing, deleting, inserting or reordering any record breaks
the chain, and :func:`verify` names the first bad one. The database refuses
UPDATE and DELETE on the table (triggers), and nothing in photoguard issues them.

Deleting records at the end leaves a valid but shorter chain; to catch that, the
head of the chain (last sequence number and hash) is also written to a small
file in the data folder after every append, and :func:`verify` compares.

Records hold student IDs and names, file paths and hashes; never face encodings.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from photoguard.store.engine import Database, Row, Tx

GENESIS = "0" * 64
HEAD_FILE = "audit-head.json"


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: one byte string per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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

    def expected_hash(self) -> str:
        return record_hash(
            self.school, self.seq, self.at, self.actor, self.action, self.body, self.prev_hash
        )

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
    """Append one record inside the caller's transaction (so it commits with the change)."""
    _lock_chain(tx, school)
    head = tx.row(
        "SELECT seq, hash FROM audit_log WHERE school = ? ORDER BY seq DESC LIMIT 1", (school,)
    )
    seq = int(head["seq"]) + 1 if head else 1
    prev = head["hash"] if head else GENESIS
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    body = json.loads(canonical_json(body))  # what is stored is exactly what is hashed
    digest = record_hash(school, seq, at, actor, action, body, prev)
    tx.execute(
        "INSERT INTO audit_log (school, seq, at, actor, action, body, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (school, seq, at, actor, action, canonical_json(body), prev, digest),
    )
    return Record(school, seq, at, actor, action, body, prev, digest)


def _record(row: Row) -> Record:
    return Record(
        school=row["school"],
        seq=int(row["seq"]),
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        body=json.loads(row["body"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def records(tx: Tx, school: str) -> Iterator[Record]:
    for row in tx.rows("SELECT * FROM audit_log WHERE school = ? ORDER BY seq", (school,)):
        yield _record(row)


# ------------------------------------------------------------------ the head witness


def write_head(home: Path, school: str, record: Record) -> None:
    """Remember the newest record outside the database (after the commit)."""
    path = home / HEAD_FILE
    try:
        heads = json.loads(path.read_text("utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        heads = {}
    known = heads.get(school)
    if known and int(known.get("seq", 0)) >= record.seq:
        return
    heads[school] = {"seq": record.seq, "hash": record.hash}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(canonical_json(heads))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_head(home: Path, school: str) -> tuple[int, str] | None:
    path = home / HEAD_FILE
    try:
        known = json.loads(path.read_text("utf-8")).get(school)
    except (OSError, ValueError, AttributeError):
        return None
    if not known:
        return None
    return int(known["seq"]), str(known["hash"])


# ------------------------------------------------------------------------ verifying


@dataclass(frozen=True)
class Verification:
    ok: bool
    records: int
    #: The sequence number of the first bad record (None when ok).
    first_bad: int | None = None
    reason: str = ""
    head_hash: str = GENESIS


def verify(db: Database, school: str, home: Path | None = None) -> Verification:
    """Recompute the whole chain for one school."""
    with db.snapshot() as tx:
        rows = tx.rows("SELECT * FROM audit_log WHERE school = ? ORDER BY seq", (school,))
    prev = GENESIS
    expected_seq = 1
    count = 0
    for row in rows:
        try:
            rec = _record(row)
        except (ValueError, TypeError, KeyError):
            return Verification(False, count, int(row["seq"]), "its content is not valid JSON")
        if rec.seq != expected_seq:
            what = "missing" if rec.seq > expected_seq else "out of order"
            return Verification(
                False,
                count,
                expected_seq,
                f"record {expected_seq} is {what} (found {rec.seq} after {expected_seq - 1})",
            )
        if rec.prev_hash != prev:
            return Verification(
                False,
                count,
                rec.seq,
                "it does not follow the record before it (a record was deleted, inserted or "
                "reordered)",
            )
        if rec.expected_hash() != rec.hash:
            return Verification(
                False, count, rec.seq, "its content was changed after it was written"
            )
        prev = rec.hash
        expected_seq += 1
        count += 1
    if home is not None:
        head = read_head(home, school)
        if head is not None:
            seq, digest = head
            if seq > count:
                return Verification(
                    False,
                    count,
                    count + 1,
                    f"the log ends at record {count} but record {seq} was written "
                    f"(records at the end were deleted)",
                )
            if rows[seq - 1]["hash"] != digest:
                return Verification(False, count, seq, "it differs from the record once written")
    return Verification(True, count, None, "", prev)
