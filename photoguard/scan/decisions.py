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

What a decision rests on is read from the approval log, not from the tables
beside it (logged_check.py): a table that no longer says what the log says makes
an approval refused, never granted.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from photoguard import audit
from photoguard.audit import bodies
from photoguard.errors import UserError
from photoguard.files.hashing import sha256_file
from photoguard.files.pathtext import stored
from photoguard.roster import stored as roster_store
from photoguard.scan import stored as scan_store
from photoguard.scan.groups import reached_by_group
from photoguard.scan.logged_check import (
    LogMismatch,
    current_roster,
    last_enrolled,
    later,
    logged_check,
    stale_reason,
    unlogged_check,
)
from photoguard.store.engine import Tx
from photoguard.vocab import DECISION_PREFIX, DecisionKind, LogAction, VerdictKind
from photoguard.workspace.folder import Workspace

#: A decision; the name is kept for the modules that import it.
Decision = DecisionKind
DECISIONS: tuple[str, ...] = tuple(DecisionKind)
#: Decisions that let a file be shared.
PERMISSIVE = frozenset({DecisionKind.APPROVE, DecisionKind.OVERRIDE})
#: The approval-log action of each decision.
ACTION_PREFIX = DECISION_PREFIX

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
    #: An approval a re-check withdrew (scan/recheck.py): when, and why, in words. It
    #: lets nothing through until a person decides anew.
    withdrawn: str | None = None

    @property
    def lets_through(self) -> bool:
        return self.decision in PERMISSIVE and self.withdrawn is None


@dataclass(frozen=True)
class _Plan:
    """A decision checked against the database, ready to append."""

    path: str
    decision: str
    by: str
    reason: str | None
    scanned: scan_store.ScannedFile
    body: bodies.Decision


def decision_for_verdict(verdict: str) -> Decision:
    """What ``scan --approve`` records for a file: only clear files are approved.

    Flagged files are blocked; files that need a person (review) or could not be
    fully checked (error, or anything unknown) are pending.
    """
    if verdict == VerdictKind.CLEAR:
        return DecisionKind.APPROVE
    if verdict == VerdictKind.FLAGGED:
        return DecisionKind.BLOCK
    return DecisionKind.PENDING


def file_sha256(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from exc


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
        logged = unlogged_check(tx, school, scanned)  # blocking never lets a file through
    checked = f"{logged.scanned_at.replace('T', ' ')[:16]} UTC"
    if decision in PERMISSIVE:
        if current_sha256 is None:
            raise UserError(f"{name} cannot be read, so it cannot be approved")
        if current_sha256 != logged.sha256:
            raise UserError(f"{name} changed since it was checked at {checked}; scan it again")
        if decision == DecisionKind.APPROVE and logged.verdict != VerdictKind.CLEAR:
            raise UserError(
                f"{name} was not clear when it was checked ({logged.verdict}); it can only be "
                "approved as an override with a reason"
            )
        if decision == DecisionKind.OVERRIDE and not reason:
            raise UserError(f"approving {name} as an override needs a reason")
        if decision == DecisionKind.APPROVE and _linked_to_a_flag(tx, school, logged.sha256):
            # Checked again on its own, a file loses the face groups of the check it was
            # in: what that check said of these bytes still stands until a person looks.
            raise UserError(
                f"an earlier check found a face in {name} to be the same person as a face "
                "matched to an opted-out student; it can only be approved as an override "
                "with a reason, by a person who looked"
            )
        if not _finished(tx, school, logged.scan_id):
            # Until every file of a check is in, its face groups may still revise this
            # file's verdict (scan/groups.py); a check that was killed never finishes.
            raise UserError(
                f"{name}'s check (scan {logged.scan_id}) has not finished: its verdict may still "
                "change; wait for it to finish, or check the file again"
            )
        stale = stale_reason(tx, school, logged)
        if stale:
            raise UserError(f"{name} was checked at {checked} and {stale}; scan it again")
    # Blocking stays possible when the bytes changed: say what they are now (None:
    # unreadable or gone). Written only then, as scan_record and reason are only when set.
    changed = decision not in PERMISSIVE and current_sha256 != logged.sha256
    body = bodies.Decision(
        path=path,
        sha256=logged.sha256,
        verdict=logged.verdict,
        scan_id=logged.scan_id,
        scanned_at=logged.scanned_at,
        roster_version=logged.roster_version,
        settings=logged.settings,
        model=logged.model,
        scan_record=logged.record_seq or None,
        reason=reason or None,
        current_sha256=current_sha256 if changed else None,
        current_logged=changed,
    )
    return _Plan(path, decision, by, reason, scanned, body)


def _linked_to_a_flag(tx: Tx, school: str, sha256: str) -> bool:
    """Whether any check recorded, for these bytes, a face its face group linked to a face
    flagged as an opted-out student."""
    for record in audit.find_records(tx, school, LogAction.SCAN_FILE, {"sha256": sha256}):
        body = record.body_as(bodies.ScanFile)
        if body is not None and any(reached_by_group(f) for f in body.findings):
            return True
    return False


def _finished(tx: Tx, school: str, scan_id: int) -> bool:
    """Whether the check's scan.finish record is in the approval log (standing in it)."""
    found = next(audit.find_records(tx, school, LogAction.SCAN_FINISH, {"scan_id": scan_id}), None)
    return found is not None and audit.chained(tx, school, found.seq) is not None


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
        record = audit.append(
            tx, ws.school, name, ACTION_PREFIX + decision, plan.body.to_json_dict()
        )
    audit.write_head(ws.home, ws.school, record)
    _keep_for_recheck(ws, plan.body.sha256, decision in PERMISSIVE)
    return _result(record)


def _keep_for_recheck(ws: Workspace, sha256: str | None, approved: bool) -> None:
    """What the check found in approved bytes is kept ``recheck_days`` (scan/recheck.py
    re-checks approvals against later rosters from it); bytes no longer approved are
    kept no longer than any other cache entry. On this machine's cache only: a best
    effort that never undoes the decision (the log has it)."""
    if not sha256:
        return
    from photoguard.scan.cache import ScanCache

    try:
        cache = ScanCache(ws.home, ws.settings.cache_days)
        try:
            if approved:
                cache.keep(sha256, ws.settings.recheck_days)
            else:
                cache.unkeep(sha256)
        finally:
            cache.close()
    except (OSError, sqlite3.Error):
        pass  # the re-check then reads the file itself, or says it cannot


def _decision(record: audit.Record) -> bodies.Decision:
    """The record's decision body (a damaged one reads as nothing recorded)."""
    return record.body_as(bodies.Decision) or bodies.Decision()


def _result(record: audit.Record) -> DecisionResult:
    body = _decision(record)
    return DecisionResult(
        path=body.path or "",
        decision=record.action.removeprefix(ACTION_PREFIX),
        record_seq=record.seq,
        record_hash=record.hash,
        at=record.at,
        by=record.actor,
        sha256=body.sha256 or "",
        verdict=body.verdict or "",
        scan_id=body.scan_id or 0,
        scanned_at=body.scanned_at or "",
        roster_version=body.roster_version,
        reason=body.reason,
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
      verdict it was given for, it was not withdrawn, and :func:`decide` would
      still accept it now (no newer roster and no reference face enrolled since
      the scan it was given on), or a re-check found it holding under the roster
      and faces in force (recheck.py).
    """
    return earlier_decisions(ws, checked)[0]


def earlier_decisions(
    ws: Workspace, checked: Sequence[tuple[Path, str, str]]
) -> tuple[dict[str, DecisionResult], dict[str, str]]:
    """:func:`standing_decisions`, and for each file whose newest decision was an
    approval that no longer holds, why, in words a teacher can act on ("Approved by
    J. Rivera on 2026-11-03; withdrawn on 2026-12-02: Lin Miranda newly opted out").

    One pass over the log's decision records, newest first (re-opening a check
    of hundreds of files), stopping once every path is answered.
    """
    wanted = {stored(Path(p).resolve()): (str(p), sha, verdict) for p, sha, verdict in checked}
    found: dict[str, DecisionResult] = {}
    lapsed: dict[str, str] = {}
    with ws.db.snapshot() as tx:
        try:
            roster: str | None = current_roster(tx, ws.school)
        except LogMismatch:
            roster = "?"  # no approval stands while the roster does not match the log
        newest_face = last_enrolled(tx, ws.school)
        withdrawn = withdrawn_decisions(tx, ws.school)
        confirmed = confirmed_decisions(tx, ws.school)
        names: dict[str, str] | None = None
        seen: set[str] = set()
        for record in audit.records(tx, ws.school, action_prefix=ACTION_PREFIX, newest_first=True):
            path = _decision(record).path
            if path is None or path not in wanted or path in seen:
                continue
            seen.add(path)  # only the newest decision about a path counts
            key, sha, verdict = wanted[path]
            got = _result(record)
            fresh = got.roster_version == roster and not (
                newest_face and later(newest_face, got.scanned_at)
            )
            # A re-check matched these bytes against the roster and faces in force.
            still_current = roster != "?" and (fresh or record.seq in confirmed)
            withdrawal = withdrawn.get(record.seq)
            holds = not got.lets_through or (got.verdict == verdict and still_current)
            if withdrawal is None and got.sha256 == sha and holds:
                found[key] = got
            if key not in found and got.lets_through:
                if names is None:
                    names = {
                        s.student_id: s.display_name
                        for s in roster_store.current_students(tx, ws.school)
                    }
                approved = f"Approved by {got.by} on {got.at[:10]}"
                if withdrawal is not None:
                    lapsed[key] = f"{approved}; {_withdrawn_words(withdrawal, names)}"
                elif got.sha256 != sha:
                    lapsed[key] = f"{approved}, but the file changed since: decide it again"
                elif got.verdict != verdict:
                    lapsed[key] = (
                        f"{approved} when it was {got.verdict}; this check finds it {verdict}: "
                        "decide it again"
                    )
                else:
                    lapsed[key] = (
                        f"{approved}, before the roster or reference faces changed, and not "
                        "checked again since: decide it again"
                    )
            if len(seen) == len(wanted):
                break
    return found, lapsed


def _withdrawn_words(record: audit.Record, names: Mapping[str, str]) -> str:
    body = record.body_as(bodies.ApprovalWithdrawn) or bodies.ApprovalWithdrawn()
    why = "; ".join(
        f"{names.get(s, f'student {s}')} {b}"
        for s, b in zip(body.students, body.because, strict=False)
    )
    return f"withdrawn on {record.at[:10]}" + (f": {why}" if why else "") + "; decide it again"


def latest_decision(ws: Workspace, path: Path) -> DecisionResult | None:
    """The newest decision recorded about the file at ``path`` (any bytes), or None."""
    absolute = stored(Path(path).resolve())
    with ws.db.snapshot() as tx:
        for record in audit.records(tx, ws.school, action_prefix=ACTION_PREFIX, newest_first=True):
            if _decision(record).path == absolute:
                found = _result(record)
                withdrawal = withdrawn_decisions(tx, ws.school).get(record.seq)
                if withdrawal is not None:
                    found = replace(found, withdrawn=withdrawal_words(withdrawal))
                return found
    return None


def withdrawn_decisions(tx: Tx, school: str) -> dict[int, audit.Record]:
    """The decision records an ``approval.withdrawn`` record withdrew (recheck.py):
    the decision's seq -> the withdrawal."""
    out: dict[int, audit.Record] = {}
    for record in audit.records_of(tx, school, [LogAction.APPROVAL_WITHDRAWN]):
        body = record.body_as(bodies.ApprovalWithdrawn)
        if body is not None and body.withdraws is not None:
            out[body.withdraws] = record
    return out


def confirmed_decisions(tx: Tx, school: str) -> set[int]:
    """The approvals a re-check (recheck.py) found still holding under the roster in force
    and every reference face enrolled so far: they stand as if given under them."""
    try:
        roster = current_roster(tx, school)
    except LogMismatch:
        return set()  # nothing stands while the roster does not match the log
    newest_face = last_enrolled(tx, school)
    out: set[int] = set()
    for record in audit.records_of(tx, school, [LogAction.APPROVAL_RECHECKED]):
        body = record.body_as(bodies.ApprovalRechecked)
        if body is None or body.roster_version != roster:
            continue
        if newest_face and not (
            body.references_as_of and not later(newest_face, body.references_as_of)
        ):
            continue  # a reference face enrolled since that re-check
        for held in body.holds:
            seq = held.get("decision")
            if isinstance(seq, int):
                out.add(seq)
    return out


def withdrawal_words(record: audit.Record) -> str:
    """ "withdrawn on 2026-12-02: 1006 newly opted out" (ids; the app puts names)."""
    body = record.body_as(bodies.ApprovalWithdrawn) or bodies.ApprovalWithdrawn()
    why = "; ".join(f"{s} {b}" for s, b in zip(body.students, body.because, strict=False))
    return f"withdrawn on {record.at[:10]}" + (f": {why}" if why else "")
