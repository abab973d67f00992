"""What the approval log says a check of a file found, and whether it still holds.

What a decision rests on comes from the approval log, not from the tables beside
it: the scan tables only say which check is the newest; what it found (the
bytes' SHA-256 and the verdict) is read from its ``scan.file`` record, the
roster and start time from its ``scan.start`` record, and the roster in force
from the newest roster import, each record checked to stand in its chain
(:func:`photoguard.audit.verification.chained`). A table that no longer says what
the log says makes an approval refused (:class:`LogMismatch`), never granted.
``log verify`` checks the whole chain and every row (audit/tables.py).

A check also stops covering everyone it must when a newer roster is imported or
reference faces are enrolled after it started (:func:`stale_reason`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from photoguard import audit
from photoguard.audit import bodies
from photoguard.errors import UserError
from photoguard.roster import stored as roster_store
from photoguard.scan import stored as scan_store
from photoguard.store.engine import Tx
from photoguard.vocab import LogAction


@dataclass(frozen=True)
class LoggedCheck:
    """What the approval log says one check of a file found."""

    scan_id: int
    path: str
    sha256: str
    verdict: str
    #: The check's scan.file record.
    record_seq: int
    #: When the scan started (before it read the references), ISO 8601 UTC.
    scanned_at: str
    #: The roster version the scan checked against (its label), or None.
    roster_version: str | None
    settings: dict[str, Any]
    model: str


class LogMismatch(UserError):
    """The scan tables do not say what the approval log says."""


def _parse_time(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _json_object(raw: object) -> dict[str, Any]:
    try:
        value = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _roster_label(tx: Tx, school: str, version_id: int | None) -> str | None:
    if version_id is None:
        return None
    for version in roster_store.history(tx, school):
        if version.id == version_id:
            return version.label
    return f"{version_id}:unknown"


def _file_record(tx: Tx, school: str, scanned: scan_store.ScannedFile) -> audit.Record | None:
    """The scan.file record of this check: the one its row names, else the newest one
    for its scan and path (rows written by code that kept no record number)."""
    if scanned.record_seq is not None:
        found = audit.chained(tx, school, scanned.record_seq)
        if found is None or found.action != LogAction.SCAN_FILE:
            return None
        return found
    for record in audit.find_records(
        tx, school, LogAction.SCAN_FILE, {"scan_id": scanned.scan_id, "path": scanned.path}
    ):
        return audit.chained(tx, school, record.seq)
    return None


def _start_record(tx: Tx, school: str, scan_id: int) -> audit.Record | None:
    for record in audit.find_records(tx, school, LogAction.SCAN_START, {"scan_id": scan_id}):
        return audit.chained(tx, school, record.seq)
    return None


def logged_check(tx: Tx, school: str, scanned: scan_store.ScannedFile) -> LoggedCheck:
    """What the approval log says the check in ``scanned`` (a scan_files row) found.

    Raises :class:`LogMismatch` when the log has no such check, when its record
    does not stand in the chain, when the row says something else, or when the log
    holds a newer check of the same file than the newest row (a row deleted).
    """
    name = os.path.basename(scanned.path)
    record = _file_record(tx, school, scanned)
    body = record.body_as(bodies.ScanFile) if record is not None else None
    if (
        record is None
        or body is None
        or body.scan_id != scanned.scan_id
        or body.path != scanned.path
    ):
        raise LogMismatch(
            f"the check of {name} (scan {scanned.scan_id}) is not in the approval log as "
            "the database says it is; run 'photoguard log verify'"
        )
    if (body.sha256, body.verdict) != (scanned.sha256, scanned.verdict):
        raise LogMismatch(
            f"the database's entry for the check of {name} (scan {scanned.scan_id}) is not "
            f"what the approval log recorded (record {record.seq}); it was changed outside "
            "photoguard: run 'photoguard log verify'"
        )
    newer = next(
        audit.find_records(
            tx, school, LogAction.SCAN_FILE, {"path": scanned.path}, after_seq=record.seq
        ),
        None,
    )
    # Any newer record of the file, of this check too: a check whose face groups revised
    # a file records it again, and the row names the newest (a row pointed back at the
    # first record, behind photoguard's back, must not bring back the verdict before).
    if newer is not None:
        raise LogMismatch(
            f"the approval log holds a newer check of {name} (record {newer.seq}) than the "
            "database; run 'photoguard log verify'"
        )
    start = _start_record(tx, school, scanned.scan_id)
    if start is None:
        raise LogMismatch(
            f"the start of scan {scanned.scan_id}, which checked {name}, is not in the "
            "approval log; run 'photoguard log verify'"
        )
    # A damaged start record reads as one that logged nothing (tables are asked instead).
    sb = start.body_as(bodies.ScanStart) or bodies.ScanStart(roster_logged=False)
    roster = (
        sb.roster_version
        if sb.roster_logged
        else _roster_label(tx, school, scanned.roster_version_id)  # records written before it
    )
    started = sb.started_at
    if started is None:
        # Records written before scans logged it: no later than the record itself.
        started = scanned.scanned_at if not later(scanned.scanned_at, start.at) else start.at
    settings: Mapping[str, Any] = (
        sb.settings
        if sb.settings is not None
        else _json_object(tx.scalar("SELECT settings FROM scans WHERE id = ?", (scanned.scan_id,)))
    )
    model = sb.model if sb.model is not None else settings.get("model")
    return LoggedCheck(
        scan_id=scanned.scan_id,
        path=scanned.path,
        # What the record says (the same as the row's: checked above).
        sha256=scanned.sha256,
        verdict=scanned.verdict,
        record_seq=record.seq,
        scanned_at=started,
        roster_version=None if roster is None else str(roster),
        settings={k: v for k, v in settings.items() if k != "model"},
        model=str(model or "unknown"),
    )


def current_roster(tx: Tx, school: str) -> str | None:
    """The label of the roster in force, as the approval log and the tables both say;
    raises LogMismatch when they disagree (a roster version deleted or added behind
    photoguard's back)."""
    in_table = roster_store.current_version(tx, school)
    table_label = in_table.label if in_table else None
    newest = next(
        audit.records_of(tx, school, roster_store.SEAL_ACTIONS, newest_first=True, limit=1), None
    )
    if newest is None:
        if table_label is None:
            return None
        raise LogMismatch(
            f"the roster in force (version {table_label}) is not in the approval log; run "
            "'photoguard log verify'"
        )
    if audit.chained(tx, school, newest.seq) is None or _sealed_label(newest) != table_label:
        raise LogMismatch(
            "the roster in force is not the one the approval log says was imported last; run "
            "'photoguard log verify'"
        )
    return table_label


def _sealed_label(record: audit.Record) -> str | None:
    """The roster version a seal (an import or an upgrade's seal) names, or None."""
    seal = bodies.as_seal(record.typed_body)
    return seal.roster_version if seal is not None else None


def stale_reason(tx: Tx, school: str, logged: LoggedCheck) -> str | None:
    """Why the scan no longer covers everyone it must, or None."""
    if current_roster(tx, school) != logged.roster_version:
        return "a newer roster was imported since"
    newest = last_enrolled(tx, school)
    if newest and later(newest, logged.scanned_at):
        return "reference faces were enrolled since"
    return None


def last_enrolled(tx: Tx, school: str) -> str | None:
    """When the school's newest reference face was enrolled (by its row, or by its
    enroll.add record, whichever is later), or None if it has none."""
    newest = tx.scalar("SELECT max(created_at) FROM face_references WHERE school = ?", (school,))
    found = str(newest) if newest else None
    for record in audit.records_of(tx, school, (LogAction.ENROLL_ADD,), newest_first=True, limit=1):
        if found is None or later(record.at, found):
            found = record.at
    return found


def later(a: str, b: str) -> bool:
    """Whether time ``a`` is after time ``b`` (both ISO 8601), to the microsecond.

    Never to the second only: a reference face enrolled in the same second as a check
    started, or as a re-check confirmed the approvals, would count as one it had seen
    (fail open). Rows stamped to the second read as that second's start."""
    try:
        return _parse_time(a) > _parse_time(b)
    except ValueError:
        return a[:19] > b[:19]


def unlogged_check(tx: Tx, school: str, scanned: scan_store.ScannedFile) -> LoggedCheck:
    """A check as the tables alone describe it: only for a block or pending."""
    settings = _json_object(
        tx.scalar("SELECT settings FROM scans WHERE id = ?", (scanned.scan_id,))
    )
    return LoggedCheck(
        scan_id=scanned.scan_id,
        path=scanned.path,
        sha256=scanned.sha256,
        verdict=scanned.verdict,
        record_seq=0,
        scanned_at=scanned.scanned_at,
        roster_version=_roster_label(tx, school, scanned.roster_version_id),
        settings={k: v for k, v in settings.items() if k != "model"},
        model=str(settings.get("model") or "unknown"),
    )
