"""Decisions about checked files: approve, block, override, pending.

A decision is about the bytes that were checked, not about a file name: it
names the newest scan of the file and that scan's SHA-256, roster version,
thresholds and model, and is refused when the file's bytes changed since. Each
decision is one approval-log record, appended in a transaction of its own and
witnessed after the commit (see :mod:`photoguard.audit.chain`).

* ``approve``: the newest scan found the file clear.
* ``override``: a person reviewed a file that was not clear and approves it;
  a reason is required.
* ``block`` and ``pending`` never let a file through, so they are always
  allowed for a scanned file, even if it changed or is gone since.

Approving (either way) also needs the scan to be current: if a newer roster was
imported, or reference faces were enrolled after the scan started, the scan did
not look for everyone it must, and the file has to be scanned again.

What a decision rests on comes from the approval log, not from the tables beside
it: the scan tables only say which check is the newest; what it found (the
bytes' SHA-256 and the verdict) is read from its ``scan.file`` record, the
roster and start time from its ``scan.start`` record, and the roster in force
from the newest roster import, each record checked to stand in its chain
(:func:`photoguard.audit.chain.chained`). A table that no longer says what the log
says makes an approval refused, never granted. ``log verify`` checks the whole
chain and every row (log_tables.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from photoguard import audit
from photoguard.errors import UserError
from photoguard.files.pathtext import stored
from photoguard.roster import stored as roster_store
from photoguard.scan import stored as scan_store
from photoguard.store.engine import Tx
from photoguard.workspace.folder import Workspace

Decision = Literal["approve", "block", "override", "pending"]
DECISIONS: tuple[str, ...] = get_args(Decision)
#: Decisions that let a file be shared.
PERMISSIVE = frozenset({"approve", "override"})
#: The approval-log action of each decision.
ACTION_PREFIX = "decision."

_CHUNK = 1 << 20


@dataclass(frozen=True)
class DecisionResult:
    path: str
    decision: str
    #: The approval-log record that holds the decision.
    record_seq: int
    record_hash: str
    at: str
    by: str
    #: The bytes decided on (the scanned bytes; for approvals also the current ones).
    sha256: str
    #: What the scan found: clear, flagged, review or error.
    verdict: str
    scan_id: int
    scanned_at: str
    roster_version: str | None
    reason: str | None

    @property
    def lets_through(self) -> bool:
        return self.decision in PERMISSIVE


@dataclass(frozen=True)
class _Plan:
    """A decision checked against the database, ready to append."""

    path: str
    decision: str
    by: str
    reason: str | None
    scanned: scan_store.ScannedFile
    body: dict[str, Any]


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


def decision_for_verdict(verdict: str) -> Decision:
    """What ``scan --approve`` records for a file: only clear files are approved.

    Flagged files are blocked; files that need a person (review) or could not be
    fully checked (error, or anything unknown) are pending.
    """
    if verdict == "clear":
        return "approve"
    if verdict == "flagged":
        return "block"
    return "pending"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return digest.hexdigest()


def _clean_name(by: str) -> str:
    name = " ".join(by.split())
    if not name:
        raise UserError("say who is deciding (--by NAME)")
    if any(ord(c) < 32 for c in by if c not in " \t"):
        raise UserError("the name of who is deciding must be one line")
    return name


def _clean_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    text = reason.strip()
    return text or None


def _parse_time(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(microsecond=0)


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
        if found is None or found.action != "scan.file":
            return None
        return found
    for record in audit.find_records(
        tx, school, "scan.file", {"scan_id": scanned.scan_id, "path": scanned.path}
    ):
        return audit.chained(tx, school, record.seq)
    return None


def _start_record(tx: Tx, school: str, scan_id: int) -> audit.Record | None:
    for record in audit.find_records(tx, school, "scan.start", {"scan_id": scan_id}):
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
    if (
        record is None
        or record.body.get("scan_id") != scanned.scan_id
        or (record.body.get("path") != scanned.path)
    ):
        raise LogMismatch(
            f"the check of {name} (scan {scanned.scan_id}) is not in the approval log as "
            "the database says it is; run 'photoguard log verify'"
        )
    body = record.body
    if (body.get("sha256"), body.get("verdict")) != (scanned.sha256, scanned.verdict):
        raise LogMismatch(
            f"the database's entry for the check of {name} (scan {scanned.scan_id}) is not "
            f"what the approval log recorded (record {record.seq}); it was changed outside "
            "photoguard: run 'photoguard log verify'"
        )
    newer = next(
        audit.find_records(tx, school, "scan.file", {"path": scanned.path}, after_seq=record.seq),
        None,
    )
    if newer is not None and newer.body.get("scan_id") != scanned.scan_id:
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
    sb = start.body
    roster = (
        sb.get("roster_version")
        if "roster_version" in sb
        else _roster_label(tx, school, scanned.roster_version_id)  # records written before it
    )
    started = sb.get("started_at")
    if not isinstance(started, str):
        # Records written before scans logged it: no later than the record itself.
        started = scanned.scanned_at if not _later(scanned.scanned_at, start.at) else start.at
    settings = sb.get("settings")
    if not isinstance(settings, dict):
        settings = _json_object(
            tx.scalar("SELECT settings FROM scans WHERE id = ?", (scanned.scan_id,))
        )
    model = sb.get("model") if isinstance(sb.get("model"), str) else settings.get("model")
    return LoggedCheck(
        scan_id=scanned.scan_id,
        path=scanned.path,
        sha256=str(body["sha256"]),
        verdict=str(body["verdict"]),
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
    if (
        audit.chained(tx, school, newest.seq) is None
        or newest.body.get("roster_version") != table_label
    ):
        raise LogMismatch(
            "the roster in force is not the one the approval log says was imported last; run "
            "'photoguard log verify'"
        )
    return table_label


def _stale_reason(tx: Tx, school: str, logged: LoggedCheck) -> str | None:
    """Why the scan no longer covers everyone it must, or None."""
    if current_roster(tx, school) != logged.roster_version:
        return "a newer roster was imported since"
    newest = _newest_face(tx, school)
    if newest and _later(newest, logged.scanned_at):
        return "reference faces were enrolled since"
    return None


def _newest_face(tx: Tx, school: str) -> str | None:
    """When the school's newest reference face was enrolled (by its row, or by its
    enroll.add record, whichever is later), or None if it has none."""
    newest = tx.scalar("SELECT max(created_at) FROM face_references WHERE school = ?", (school,))
    found = str(newest) if newest else None
    for record in audit.records_of(tx, school, ("enroll.add",), newest_first=True, limit=1):
        if found is None or _later(record.at, found):
            found = record.at
    return found


def _later(a: str, b: str) -> bool:
    """Whether time ``a`` is after time ``b``, to the second (both ISO 8601)."""
    try:
        return _parse_time(a) > _parse_time(b)
    except ValueError:
        return a[:19] > b[:19]


def _plan(
    tx: Tx,
    school: str,
    path: str,
    decision: str,
    by: str,
    reason: str | None,
    current_sha256: str | None,
) -> _Plan:
    name = os.path.basename(path)
    scanned = scan_store.last_scan_of(tx, school, path)
    if scanned is None:
        raise UserError(f"{name} has not been checked yet; scan it first")
    try:
        logged = logged_check(tx, school, scanned)
    except LogMismatch:
        if decision in PERMISSIVE:
            raise
        logged = _unlogged(tx, school, scanned)  # blocking never lets a file through
    checked = f"{logged.scanned_at.replace('T', ' ')[:16]} UTC"
    if decision in PERMISSIVE:
        if current_sha256 is None:
            raise UserError(f"{name} cannot be read, so it cannot be approved")
        if current_sha256 != logged.sha256:
            raise UserError(f"{name} changed since it was checked at {checked}; scan it again")
        if decision == "approve" and logged.verdict != "clear":
            raise UserError(
                f"{name} was not clear when it was checked ({logged.verdict}); it can only be "
                "approved as an override with a reason"
            )
        if decision == "override" and not reason:
            raise UserError(f"approving {name} as an override needs a reason")
        stale = _stale_reason(tx, school, logged)
        if stale:
            raise UserError(f"{name} was checked at {checked} and {stale}; scan it again")
    body: dict[str, Any] = {
        "path": path,
        "sha256": logged.sha256,
        "verdict": logged.verdict,
        "scan_id": logged.scan_id,
        "scanned_at": logged.scanned_at,
        "roster_version": logged.roster_version,
        "settings": logged.settings,
        "model": logged.model,
    }
    if logged.record_seq:
        body["scan_record"] = logged.record_seq
    if reason:
        body["reason"] = reason
    if decision not in PERMISSIVE and current_sha256 != logged.sha256:
        # Blocking stays possible; say what the bytes are now (None: unreadable or gone).
        body["current_sha256"] = current_sha256
    return _Plan(path, decision, by, reason, scanned, body)


def _unlogged(tx: Tx, school: str, scanned: scan_store.ScannedFile) -> LoggedCheck:
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


def _current_sha256(path: Path, decision: str, sha256: str | None) -> str | None:
    if sha256 is not None:
        return sha256.lower()
    if decision in PERMISSIVE:
        return file_sha256(path)
    try:
        return file_sha256(path)
    except UserError:
        return None  # blocking a file that is gone or unreadable is still allowed


def _validate(decision: str, by: str, reason: str | None) -> tuple[str, str | None]:
    if decision not in DECISIONS:
        raise UserError(f"unknown decision {decision!r} (one of: {', '.join(DECISIONS)})")
    return _clean_name(by), _clean_reason(reason)


def check(
    ws: Workspace,
    path: Path,
    decision: Decision,
    by: str,
    reason: str | None = None,
    *,
    sha256: str | None = None,
) -> None:
    """Raise the UserError :func:`decide` would raise; record nothing."""
    name, why = _validate(decision, by, reason)
    absolute = Path(path).resolve()
    current = _current_sha256(absolute, decision, sha256)
    with ws.db.snapshot() as tx:
        _plan(tx, ws.school, stored(absolute), decision, name, why, current)


def decide(
    ws: Workspace,
    path: Path,
    decision: Decision,
    by: str,
    reason: str | None = None,
    *,
    sha256: str | None = None,
) -> DecisionResult:
    """Record one decision about a scanned file, in a transaction of its own.

    ``sha256`` is the hash of the file's bytes as the caller just read them (the
    scan passes what it computed); without it the file is read and hashed here.
    Raises UserError (nothing recorded) if the decision is not allowed.
    """
    name, why = _validate(decision, by, reason)
    absolute = Path(path).resolve()
    current = _current_sha256(absolute, decision, sha256)
    with ws.db.transaction() as tx:
        plan = _plan(tx, ws.school, stored(absolute), decision, name, why, current)
        record = audit.append(tx, ws.school, name, ACTION_PREFIX + decision, plan.body)
    audit.write_head(ws.home, ws.school, record)
    return _result(record)


def _result(record: audit.Record) -> DecisionResult:
    body = record.body
    return DecisionResult(
        path=str(body.get("path", "")),
        decision=record.action.removeprefix(ACTION_PREFIX),
        record_seq=record.seq,
        record_hash=record.hash,
        at=record.at,
        by=record.actor,
        sha256=str(body.get("sha256", "")),
        verdict=str(body.get("verdict", "")),
        scan_id=int(body.get("scan_id", 0)),
        scanned_at=str(body.get("scanned_at", "")),
        roster_version=body.get("roster_version"),
        reason=body.get("reason"),
    )


def scanned(ws: Workspace, path: Path) -> scan_store.ScannedFile | None:
    """What the newest scan of the file at ``path`` found, or None if never scanned."""
    with ws.db.snapshot() as tx:
        return scan_store.last_scan_of(tx, ws.school, stored(Path(path).resolve()))


def standing_decisions(
    ws: Workspace, checked: Sequence[tuple[Path, str, str]]
) -> dict[str, DecisionResult]:
    """Earlier decisions that still hold for files just checked again.

    ``checked`` holds (path, sha256, verdict) as the new check found them; the
    answer maps ``str(path)`` to the newest decision about that path, when it
    still holds:

    * it is about the same bytes (the same SHA-256), and
    * a block or pending holds whatever else changed (they never let a file
      through); an approval or override holds only if the check found the same
      verdict it was given for, and :func:`decide` would still accept it now: no
      newer roster and no reference face enrolled since the scan it was given on.

    One pass over the log's decision records, newest first (re-opening a check
    of hundreds of files), stopping once every path is answered.
    """
    wanted = {stored(Path(p).resolve()): (str(p), sha, verdict) for p, sha, verdict in checked}
    found: dict[str, DecisionResult] = {}
    with ws.db.snapshot() as tx:
        try:
            roster: str | None = current_roster(tx, ws.school)
        except LogMismatch:
            roster = "?"  # no approval stands while the roster does not match the log
        newest_face = _newest_face(tx, ws.school)
        seen: set[str] = set()
        for record in audit.records(tx, ws.school, action_prefix=ACTION_PREFIX, newest_first=True):
            path = record.body.get("path")
            if not isinstance(path, str) or path not in wanted or path in seen:
                continue
            seen.add(path)  # only the newest decision about a path counts
            key, sha, verdict = wanted[path]
            got = _result(record)
            still_current = (
                got.verdict == verdict
                and roster != "?"
                and got.roster_version == roster
                and not (newest_face and _later(newest_face, got.scanned_at))
            )
            if got.sha256 == sha and (not got.lets_through or still_current):
                found[key] = got
            if len(seen) == len(wanted):
                break
    return found


def latest_decision(ws: Workspace, path: Path) -> DecisionResult | None:
    """The newest decision recorded about the file at ``path`` (any bytes), or None."""
    absolute = stored(Path(path).resolve())
    with ws.db.snapshot() as tx:
        for record in audit.records(tx, ws.school, action_prefix=ACTION_PREFIX, newest_first=True):
            if record.body.get("path") == absolute:
                return _result(record)
    return None
