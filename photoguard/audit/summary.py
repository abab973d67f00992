"""The superintendent's periodic report, counted from the approval log.

Policy 2.a.3: "The Committee will require the Superintendent to periodically
report upon the results, consequences, and concerns related to this policy."
This module counts what the log recorded in a period (scans, files checked,
what they were found to contain, decisions, overrides, roster imports, and the
opted-out students a scan could not recognise) into a :class:`Summary`, with the
concerns a reader should see first; summary_files.py writes it as an Excel-safe
CSV and as a printable, self-contained HTML page.

The report names students by ID only (policy 4.c: avoid students' names in
communications with sensitive information about students), and states whether
the log verified when the report was made, with the chain's head hash: a printed
report is then itself a witness of the log as it stood.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from photoguard.audit import bodies
from photoguard.audit.chain import Record
from photoguard.audit.verification import Verification, verify
from photoguard.audit.view import LogFilter, read_records
from photoguard.errors import UserError
from photoguard.vocab import DecisionKind, LogAction, VerdictKind
from photoguard.workspace.folder import Workspace

#: Every verdict and every decision, in the order the summary counts them.
VERDICTS = (VerdictKind.CLEAR, VerdictKind.FLAGGED, VerdictKind.REVIEW, VerdictKind.ERROR)
DECISIONS = (DecisionKind.APPROVE, DecisionKind.OVERRIDE, DecisionKind.BLOCK, DecisionKind.PENDING)


@dataclass(frozen=True)
class Override:
    seq: int
    at: str
    by: str
    path: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class Withdrawn:
    """An approval a re-check withdrew (scan/recheck.py), and what became of it since."""

    seq: int
    at: str
    path: str
    #: The students it now shows (ids), and who had approved it when.
    students: tuple[str, ...]
    approved_by: str
    approved_at: str
    #: "still withdrawn", "decided again: block", or "taken down from school website".
    status: str
    #: Why, for each student ("newly opted out", ...).
    because: tuple[str, ...] = ()

    @property
    def still_up(self) -> bool:
        """Not taken down and not decided again: it may still be where it was posted."""
        return self.status == STILL_WITHDRAWN


STILL_WITHDRAWN = "still withdrawn"


@dataclass(frozen=True)
class RosterImport:
    seq: int
    at: str
    by: str
    roster_version: str
    source_name: str
    students: int
    opted_out: int
    diff: Mapping[str, int]


@dataclass(frozen=True)
class Summary:
    school: str
    start: date
    end: date
    generated_at: str
    scans: int
    scans_cancelled: int
    #: One per scan.file record: a file checked twice counts twice.
    file_checks: int
    #: Different contents (SHA-256) among the files checked.
    distinct_files: int
    verdicts: Mapping[str, int]
    #: Files with at least one finding of each type.
    findings: Mapping[str, int]
    decisions: Mapping[str, int]
    overrides: tuple[Override, ...]
    roster_imports: tuple[RosterImport, ...]
    students_enrolled: int
    reference_removals: int
    purges: int
    safe_copies: int
    #: Opted-out students the last scan in the period could not recognise (no usable
    #: reference face); None if no scan finished in the period.
    coverage_gaps: tuple[str, ...] | None
    coverage_gaps_scan: int | None
    verification: Verification
    concerns: tuple[str, ...] = field(default=())
    #: Approvals withdrawn in the period, with their status now.
    withdrawn: tuple[Withdrawn, ...] = field(default=())


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def summarise(ws: Workspace, start: date, end: date, *, now: datetime | None = None) -> Summary:
    """Count what the approval log recorded from ``start`` to ``end`` (UTC days, inclusive)."""
    if end < start:
        raise UserError(f"the period ends ({end}) before it starts ({start})")
    verification = verify(ws.db, ws.school, ws.home)
    chosen = read_records(ws, LogFilter(since=start, until=end))
    summary = _summary(ws.school, start, end, chosen, verification, now or datetime.now(UTC))
    if not any(r.action == LogAction.APPROVAL_WITHDRAWN for r in chosen):
        return summary
    # What became of them is read from every record since, the period's end or not.
    since = read_records(ws, LogFilter(since=start))
    return _with_concerns(replace(summary, withdrawn=withdrawals(chosen, since)))


def withdrawals(period: Iterable[Record], since: Iterable[Record]) -> tuple[Withdrawn, ...]:
    """The approvals withdrawn in the period, each with its status as the records
    ``since`` the period began tell it (taken down, decided again, or still withdrawn)."""
    found: list[tuple[Record, bodies.ApprovalWithdrawn]] = []
    for r in period:
        if r.action == LogAction.APPROVAL_WITHDRAWN:
            found.append((r, r.body_as(bodies.ApprovalWithdrawn) or bodies.ApprovalWithdrawn()))
    later = list(since)
    out = []
    for record, body in found:
        status = STILL_WITHDRAWN
        for r in later:
            if r.seq <= record.seq:
                continue
            if r.action == LogAction.TAKEDOWN:
                down = r.body_as(bodies.Takedown)
                if down is not None and down.withdrawal == record.seq:
                    status = f"taken down from {down.where}"
                    break
            elif r.action.startswith("decision.") and status == STILL_WITHDRAWN:
                decided = r.body_as(bodies.Decision)
                if decided is not None and decided.path == body.path:
                    status = f"decided again: {r.action.removeprefix('decision.')}"
        out.append(
            Withdrawn(
                record.seq,
                record.at,
                body.path or "",
                body.students,
                body.approved_by or "",
                body.approved_at or "",
                status,
                body.because,
            )
        )
    return tuple(out)


def _summary(
    school: str,
    start: date,
    end: date,
    records: Iterable[Record],
    verification: Verification,
    now: datetime,
) -> Summary:
    scans = cancelled = checks = enrolled = removals = purges = copies = 0
    hashes: set[str] = set()
    verdicts: Counter[str] = Counter({v: 0 for v in VERDICTS})
    findings: Counter[str] = Counter()
    decisions: Counter[str] = Counter({d: 0 for d in DECISIONS})
    overrides: list[Override] = []
    imports: list[RosterImport] = []
    gaps: tuple[str, ...] | None = None
    gaps_scan: int | None = None
    for r in records:
        # Each record is read as its action's body; a damaged one as a body with nothing in it.
        if r.action == LogAction.SCAN_START:
            scans += 1
        elif r.action == LogAction.SCAN_FILE:
            checked = r.body_as(bodies.ScanFile) or bodies.ScanFile()
            checks += 1
            if checked.sha256 is not None:
                hashes.add(checked.sha256)
            verdicts[checked.verdict if checked.verdict is not None else "error"] += 1
            findings.update({str(f.get("type")) for f in checked.findings if f.get("type")})
        elif r.action == LogAction.SCAN_FINISH:
            finish = r.body_as(bodies.ScanFinish) or bodies.ScanFinish()
            cancelled += finish.cancelled
            gaps = finish.coverage_gaps
            gaps_scan = finish.scan_id or None
        elif r.action.startswith("decision."):
            kind = r.action.removeprefix("decision.")
            decisions[kind] += 1
            if kind == "override":
                decided = r.body_as(bodies.Decision) or bodies.Decision()
                overrides.append(
                    Override(
                        r.seq,
                        r.at,
                        r.actor,
                        decided.path or "",
                        decided.verdict or "",
                        decided.reason or "",
                    )
                )
        elif r.action == LogAction.ROSTER_IMPORT:
            imported = r.body_as(bodies.RosterImport) or bodies.RosterImport()
            imports.append(
                RosterImport(
                    r.seq,
                    r.at,
                    r.actor,
                    imported.roster_version or "",
                    imported.source_name or "",
                    imported.students or 0,
                    imported.opted_out or 0,
                    {str(k): _int(v) for k, v in imported.diff.items()},
                )
            )
        elif r.action == LogAction.ENROLL_ADD:
            enrolled += 1
        elif r.action == LogAction.ENROLL_REMOVE:
            removed = r.body_as(bodies.EnrollRemove) or bodies.EnrollRemove()
            removals += len(removed.student_ids)
        elif r.action == LogAction.PURGE:
            purges += 1
        elif r.action == LogAction.SAFECOPY:
            copies += 1
    summary = Summary(
        school=school,
        start=start,
        end=end,
        generated_at=now.astimezone(UTC).isoformat(timespec="seconds"),
        scans=scans,
        scans_cancelled=cancelled,
        file_checks=checks,
        distinct_files=len(hashes),
        verdicts=dict(verdicts),
        findings=dict(sorted(findings.items())),
        decisions=dict(decisions),
        overrides=tuple(overrides),
        roster_imports=tuple(imports),
        students_enrolled=enrolled,
        reference_removals=removals,
        purges=purges,
        safe_copies=copies,
        coverage_gaps=gaps,
        coverage_gaps_scan=gaps_scan,
        verification=verification,
    )
    return _with_concerns(summary)


def _with_concerns(s: Summary) -> Summary:
    concerns = []
    v = s.verification
    if not v.ok:
        where = f" at record {v.first_bad}" if v.first_bad else ""
        concerns.append(f"The approval log does not verify{where}: {v.reason}.")
    if s.coverage_gaps:
        concerns.append(
            f"{len(s.coverage_gaps)} opted-out student(s) could not be recognised by the last "
            "scan of the period (no usable reference face): " + ", ".join(s.coverage_gaps) + "."
        )
    up = [w for w in s.withdrawn if w.still_up]
    if up:
        concerns.append(
            f"{len(up)} approved file(s) show a student opted out since, and are not recorded "
            "as taken down from where they were posted (see the withdrawn approvals)."
        )
    if s.overrides:
        concerns.append(
            f"{len(s.overrides)} file(s) were approved by a person although the scan did not "
            "find them clear (see the overrides, with the reasons given)."
        )
    if s.verdicts.get(VerdictKind.ERROR):
        concerns.append(f"{s.verdicts[VerdictKind.ERROR]} file check(s) could not be completed.")
    if s.scans_cancelled:
        concerns.append(f"{s.scans_cancelled} scan(s) were cancelled before they finished.")
    if not s.scans:
        concerns.append("No scan was recorded in this period.")
    return replace(s, concerns=tuple(concerns))


def as_json(s: Summary) -> dict[str, Any]:
    v = s.verification
    return {
        "school": s.school,
        "from": str(s.start),
        "to": str(s.end),
        "generated_at": s.generated_at,
        "log": {
            "verified": v.ok,
            "records": v.records,
            "head_hash": v.head_hash,
            "first_bad": v.first_bad,
            "reason": v.reason,
        },
        "scans": s.scans,
        "scans_cancelled": s.scans_cancelled,
        "file_checks": s.file_checks,
        "distinct_files": s.distinct_files,
        "verdicts": dict(s.verdicts),
        "findings": dict(s.findings),
        "decisions": dict(s.decisions),
        "overrides": [asdict(o) for o in s.overrides],
        "roster_imports": [asdict(i) | {"diff": dict(i.diff)} for i in s.roster_imports],
        "students_enrolled": s.students_enrolled,
        "reference_removals": s.reference_removals,
        "purges": s.purges,
        "safe_copies": s.safe_copies,
        "coverage_gaps": list(s.coverage_gaps) if s.coverage_gaps is not None else None,
        "coverage_gaps_scan": s.coverage_gaps_scan,
        "concerns": list(s.concerns),
        "withdrawn_approvals": [asdict(w) | {"still_up": w.still_up} for w in s.withdrawn],
    }
