"""Verifying the approval log: one record's link (:func:`chained`), or the whole chain.

:func:`verify` recomputes a school's chain from the first record, compares it
with what the data folder witnessed being written (witness.py), checks that the
database's append-only guard is still there, and checks the tables the log
vouches for (tables.py). It names the first bad record, in words a person can
act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from photoguard.audit import witness
from photoguard.audit.chain import GENESIS, Record, record_from_row
from photoguard.audit.witness import (
    HEAD_FILE,
    WITNESS_FILE,
    canonical_json,
    read_head,
    read_witness,
)
from photoguard.store.engine import SQLITE_FILE, Database, Row, SqliteDatabase, Tx

#: The triggers that make ``audit_log`` append-only and the database's identity
#: fixed (see store/schema.py).
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
    if check_record(row, seq, prev, {}) is not None:
        return None
    after = by_seq.get(seq + 1)
    if after is not None and after["prev_hash"] != row["hash"]:
        return None
    return record_from_row(row, tx.identity)


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
        problem = check_record(row, count + 1, prev, witness)
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


def check_record(row: Row, seq: int, prev: str, witness: Mapping[int, str]) -> str | None:
    """Why the row in place ``seq`` is not the record written there, or None."""
    try:
        found_seq = int(row["seq"])
    except (TypeError, ValueError):
        found_seq = -1
    if found_seq != seq:
        return f"it is missing (the log goes from record {seq - 1} to record {row['seq']})"
    try:
        rec = record_from_row(row)
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
