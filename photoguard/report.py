"""Scan results, and the reports written from them: JSON, CSV and the summary a person reads.

The JSON report's schema is ``photoguard.report/1`` (documented in the README;
:data:`REPORT_SCHEMA` is its JSON Schema). ``path`` is relative to the folder
given on the command line, ``/``-separated; ``box`` is ``[left, top, width,
height]`` in pixels of the upright image; ``time_s`` appears only for videos.
Every file met appears in ``files`` or ``skipped``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photoguard.analysis import MOTION_VIDEO
from photoguard.media import Kind
from photoguard.roster import Student
from photoguard.spreadsheet import write_csv, write_text_atomically
from photoguard.verdict import VERDICTS, Assessment, Finding, Verdict
from photoguard.walk import Skipped

SCHEMA = "photoguard.report/1"


@dataclass(frozen=True)
class FileResult:
    """One checked file."""

    path: Path
    rel: str
    sha256: str
    kind: Kind
    assessment: Assessment
    #: True when faces came from the scan cache (the file was unchanged).
    cached: bool = False

    @property
    def verdict(self) -> Verdict:
        return self.assessment.verdict

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.assessment.findings

    def as_json(self) -> dict[str, Any]:
        a = self.assessment
        out: dict[str, Any] = {
            "path": self.rel,
            "sha256": self.sha256,
            "kind": self.kind,
            "verdict": a.verdict,
            "reason": a.reason,
            "faces": a.faces,
            "frames_checked": a.frames_checked,
            "cached": self.cached,
            "findings": [f.as_json() for f in a.findings],
        }
        if a.duration_s is not None:
            out["duration_s"] = round(a.duration_s, 2)
        return out


@dataclass(frozen=True)
class ScanReport:
    scan_id: int | None
    roster_version: str | None
    settings: Mapping[str, Any]
    files: tuple[FileResult, ...]
    skipped: tuple[Skipped, ...]
    coverage_gaps: tuple[Student, ...]
    #: Opted-out students whose newest reference face is older than the set age.
    stale_references: tuple[Student, ...] = ()
    students: Mapping[str, Student] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    cancelled: bool = False

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(f.verdict for f in self.files)
        out: dict[str, int] = {v: c.get(v, 0) for v in VERDICTS}
        out["skipped"] = len(self.skipped)
        return out

    @property
    def all_clear(self) -> bool:
        return not self.cancelled and all(f.verdict == "clear" for f in self.files)

    def name(self, student_id: str | None) -> str:
        if not student_id:
            return ""
        s = self.students.get(student_id)
        return s.display_name if s else student_id

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "roster_version": self.roster_version,
            "settings": dict(self.settings),
            "scan_id": self.scan_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "cancelled": self.cancelled,
            "counts": self.counts,
            "files": [f.as_json() for f in sorted(self.files, key=lambda f: f.rel)],
            "skipped": [{"path": s.rel, "reason": s.reason} for s in self.skipped],
            "coverage_gaps": [s.student_id for s in self.coverage_gaps],
            "stale_references": [s.student_id for s in self.stale_references],
        }


def write_json(report: ScanReport, path: Path) -> None:
    text = json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n"
    write_text_atomically(path, text)


CSV_HEADERS = (
    "path",
    "sha256",
    "kind",
    "verdict",
    "finding",
    "student_id",
    "student_name",
    "distance",
    "time_s",
    "box",
    "field",
    "text",
    "detail",
)


def csv_rows(report: ScanReport) -> list[list[object]]:
    """One row per finding, plus one per clear file."""
    rows: list[list[object]] = []
    for f in sorted(report.files, key=lambda f: f.rel):
        base: list[object] = [f.rel, f.sha256, f.kind, f.verdict]
        if not f.findings:
            rows.append([*base, "", "", "", "", "", "", "", "", f.assessment.reason])
        for x in f.findings:
            rows.append(
                [
                    *base,
                    x.type,
                    x.student_id or "",
                    report.name(x.student_id),
                    "" if x.distance is None else round(x.distance, 4),
                    "" if x.time_s is None else x.time_s,
                    "" if x.box is None else " ".join(str(v) for v in x.box),
                    x.field or "",
                    x.text or "",
                    x.detail or "",
                ]
            )
    return rows


def write_report_csv(report: ScanReport, path: Path) -> int:
    return write_csv(path, CSV_HEADERS, csv_rows(report))


def time_ranges(times: Sequence[float], gap_s: float = 0.6) -> str:
    """[0.2, 0.5, 2.8, 3.0, 3.3] -> "0.2-0.5 s, 2.8-3.3 s"."""
    spans: list[list[float]] = []
    for t in sorted(times):
        if spans and t - spans[-1][1] <= gap_s:
            spans[-1][1] = t
        else:
            spans.append([t, t])
    return ", ".join(f"{a:.1f} s" if a == b else f"{a:.1f}-{b:.1f} s" for a, b in spans)


def _describe(report: ScanReport, f: FileResult) -> str:
    """One line: who was found where, grouped by student."""
    parts: list[str] = []
    groups: dict[tuple[str, str | None], list[Finding]] = {}
    for x in f.findings:
        groups.setdefault((x.type, x.student_id), []).append(x)
    for (kind, sid), items in groups.items():
        closest = min((x.distance for x in items if x.distance is not None), default=None)
        times = [x.time_s for x in items if x.time_s is not None]
        when = f" at {time_ranges(times)}" if times else ""
        clip = [x for x in items if x.detail and MOTION_VIDEO in x.detail]
        if clip:  # a face in a motion photo's clip, not (only) in the still
            both = len(clip) < len(items)
            when = f" in {'the still and ' if both else ''}its {MOTION_VIDEO}{when}"
        dist = f" (distance {closest:.2f})" if closest is not None else ""
        if kind == "opted_out_face":
            parts.append(f"opted-out {report.name(sid)}{dist}{when}")
        elif kind == "possible_opted_out_face":
            parts.append(f"possibly opted-out {report.name(sid)}{dist}{when}")
        elif kind == "full_name":
            fields = sorted({x.field or "" for x in items})
            parts.append(f"full name of {report.name(sid)} in {', '.join(fields)}")
        elif kind == "face_not_matched":
            parts.append(f"{len(items)} face(s) to look at{when}")
        elif kind == "error":
            parts.extend(f"{x.field + ': ' if x.field else ''}{x.detail}" for x in items)
    return "; ".join(parts[:6]) + (f"; and {len(parts) - 6} more" if len(parts) > 6 else "")


def summary_lines(report: ScanReport) -> list[str]:
    """What a person reads at the end of a scan."""
    c = report.counts
    lines = [
        f"Checked {len(report.files)} file(s): {c['flagged']} flagged, {c['review']} to review, "
        f"{c['error']} could not be checked, {c['clear']} clear; {c['skipped']} skipped."
    ]
    if report.cancelled:
        lines.append("The scan was cancelled: files not reached were not checked.")
    for verdict, label in (("flagged", "FLAGGED"), ("review", "REVIEW"), ("error", "ERROR")):
        for f in sorted(report.files, key=lambda f: f.rel):
            if f.verdict == verdict:
                lines.append(f"  {label:<8} {f.rel}: {_describe(report, f)}")
    if not report.settings.get("faces", True):
        lines.append(
            "Faces-off mode: faces were detected but not matched; every photo with a face "
            "needs a person's review."
        )
    if report.coverage_gaps:
        names = ", ".join(
            f"{s.display_name} ({s.student_id})" for s in report.coverage_gaps[:10]
        ) + (
            f" and {len(report.coverage_gaps) - 10} more" if len(report.coverage_gaps) > 10 else ""
        )
        lines.append(
            f"WARNING: {len(report.coverage_gaps)} opted-out student(s) have no reference face and "
            f"cannot be recognised by this scan: {names}. Add them with 'photoguard enroll'."
        )
    if report.stale_references:
        lines.append(
            f"Note: {len(report.stale_references)} opted-out student(s) have only reference "
            "faces older than the set age (children change): enroll this year's picture-day photos."
        )
    if report.all_clear:
        lines.append("All files are clear.")
    return lines


def skipped_lines(skipped: Sequence[Skipped]) -> list[str]:
    return [f"  skipped  {s.rel}: {s.reason}" for s in skipped]
