"""Scan results, and the reports written from them: JSON, CSV and the summary a person reads.

The JSON report's schema is ``photoguard.report/1`` (documented in the README;
:data:`REPORT_SCHEMA` is its JSON Schema). ``path`` is relative to the folder
given on the command line, ``/``-separated; ``box`` is ``[left, top, width,
height]`` in pixels of the upright image; ``time_s`` appears only for videos.
Every file met appears in ``files`` or ``skipped``; a skipped entry with
``blocks_clear`` may be posted and was not checked (or could not be read), and
``all_clear`` is true only when files were checked, all are clear, and nothing that
blocks was skipped. Each video checked says how densely it was sampled
(``sampling``), since a face on screen only between samples is not seen.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photoguard.files.pathtext import display
from photoguard.files.spreadsheet import write_csv, write_text_atomically
from photoguard.media import sampling_gap_s
from photoguard.media.walk import FoundKind, Skipped
from photoguard.roster.model import Student
from photoguard.scan.analysis import MOTION_VIDEO, TEXT_EVERY_S
from photoguard.scan.verdict import VERDICTS, Assessment, Finding, Verdict
from photoguard.vocab import FindingType, VerdictKind

SCHEMA = "photoguard.report/1"


@dataclass(frozen=True)
class FileResult:
    """One checked file."""

    path: Path
    rel: str
    sha256: str
    #: "photo", "video", or "document" (a document or archive: its pictures not checked).
    kind: FoundKind
    assessment: Assessment
    #: True when faces came from the scan cache (the file was unchanged).
    cached: bool = False

    @property
    def verdict(self) -> Verdict:
        return self.assessment.verdict

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.assessment.findings

    def as_json(self, frames_per_second: float | None = None) -> dict[str, Any]:
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
        if a.faces_too_small:
            out["faces_too_small"] = a.faces_too_small
        if a.duration_s is not None:
            out["duration_s"] = round(a.duration_s, 2)
        sampled = video_sampling(self, frames_per_second)
        if sampled is not None:
            out["sampling"] = sampled.as_json()
        if a.text_frames:
            out["text_frames_read"] = a.text_frames
            if sampled is not None:
                # Text is read less densely than faces are searched (analysis.py).
                out["sampling"]["text_every_s"] = TEXT_EVERY_S
        return out


@dataclass(frozen=True)
class VideoSampling:
    """How densely one video was searched: the frame on screen at every 1/rate-th
    second (and the first and last), so a face on screen for less than that between
    two samples may be missed, unless every frame was searched."""

    per_second: float
    #: Frames in the video (every video stream) and how many were searched.
    frames: int
    searched: int

    @property
    def every_frame(self) -> bool:
        return self.searched >= self.frames

    @property
    def may_miss_under_s(self) -> float | None:
        return None if self.every_frame else round(sampling_gap_s(self.per_second), 3)

    def as_json(self) -> dict[str, Any]:
        return {
            "per_second": self.per_second,
            "frames": self.frames,
            "frames_searched": self.searched,
            "every_frame": self.every_frame,
            "may_miss_under_s": self.may_miss_under_s,
        }

    def words(self) -> str:
        if self.every_frame:
            return "every frame checked"
        return (
            f"sampled {_rate_words(self.per_second)}: a face on screen for less than "
            f"{self.may_miss_under_s:g} s may be missed"
        )


def _rate_words(per_second: float) -> str:
    if per_second >= 1:
        return "once a second" if per_second == 1 else f"{per_second:g} times a second"
    return f"once every {1 / per_second:g} s"


def video_sampling(f: FileResult, frames_per_second: float | None) -> VideoSampling | None:
    """How densely a checked video was sampled; None for photos and unreadable videos."""
    a = f.assessment
    if f.kind != "video" or a.frames_in_video is None or not frames_per_second:
        return None
    return VideoSampling(float(frames_per_second), a.frames_in_video, a.frames_checked)


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
    #: Opted-out students (enrolled) in the youngest age band on the check's date:
    #: automatic matching is unreliable for them, and the summary says so.
    young_students: tuple[Student, ...] = ()
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
    def not_checked(self) -> tuple[Skipped, ...]:
        """Skipped entries that may be posted and were not checked, or could not be read."""
        return tuple(s for s in self.skipped if s.blocks_clear)

    @property
    def all_clear(self) -> bool:
        """The one place "all clear" is decided (the summary, the exit status and the app
        use it): something was checked, every file checked is clear, the scan ran to the
        end, and nothing that may be posted was skipped or left unread."""
        return (
            not self.cancelled
            and bool(self.files)
            and all(f.verdict == VerdictKind.CLEAR for f in self.files)
            and not self.not_checked
        )

    def name(self, student_id: str | None) -> str:
        if not student_id:
            return ""
        s = self.students.get(student_id)
        return display(s.display_name if s else student_id)

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
            "all_clear": self.all_clear,
            "files": [
                f.as_json(self.settings.get("frames_per_second"))
                for f in sorted(self.files, key=lambda f: f.rel)
            ],
            "skipped": [
                {"path": s.rel, "reason": s.reason, "blocks_clear": s.blocks_clear}
                for s in self.skipped
            ],
            "coverage_gaps": [s.student_id for s in self.coverage_gaps],
            "stale_references": [s.student_id for s in self.stale_references],
            "young_students": [s.student_id for s in self.young_students],
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
    # Face findings: the student's age band and the distances the face was judged with.
    "age_band",
    "flag_distance",
    "review_distance",
    "sampling",
)


def csv_rows(report: ScanReport) -> list[list[object]]:
    """One row per finding, plus one per clear file."""
    rows: list[list[object]] = []
    fps = report.settings.get("frames_per_second")
    for f in sorted(report.files, key=lambda f: f.rel):
        base: list[object] = [f.rel, f.sha256, f.kind, f.verdict]
        sampled = video_sampling(f, fps)
        how = sampled.words() if sampled else ""
        if not f.findings:
            rows.append(
                [*base, "", "", "", "", "", "", "", "", f.assessment.reason, "", "", "", how]
            )
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
                    display(x.field or ""),
                    x.text or "",
                    x.detail or "",
                    x.age_band or "",
                    "" if x.flag_distance is None else round(x.flag_distance, 4),
                    "" if x.review_distance is None else round(x.review_distance, 4),
                    how,
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


#: How the summary's first line counts the files of each verdict, in :data:`VERDICTS` order.
COUNT_WORDS: Mapping[str, str] = {
    VerdictKind.FLAGGED: "flagged",
    VerdictKind.REVIEW: "to review",
    VerdictKind.ERROR: "could not be checked",
    VerdictKind.CLEAR: "clear",
}
#: The tag of each file listed in the summary, worst first (clear files are not listed).
LISTED: Mapping[str, str] = {
    VerdictKind.FLAGGED: "FLAGGED",
    VerdictKind.REVIEW: "REVIEW",
    VerdictKind.ERROR: "ERROR",
}
#: One group of findings (one kind, one student) in words: ``name`` the student,
#: ``dist`` the closest distance, ``when`` where in a video or motion photo, ``fields``
#: where a name was found, ``count`` how many; ``where`` and ``detail`` one error each.
FINDING_WORDS: Mapping[str, str] = {
    FindingType.OPTED_OUT_FACE: "opted-out {name}{dist}{when}",
    FindingType.POSSIBLE_OPTED_OUT_FACE: "possibly opted-out {name}{dist}{when}",
    FindingType.FULL_NAME: "full name of {name} in {fields}",
    FindingType.POSSIBLE_FULL_NAME: "what may be the full name of {name} in {fields}",
    FindingType.FACE_NOT_MATCHED: "{count} face(s) to look at{when}",
    FindingType.ERROR: "{where}{detail}",
    FindingType.ANSWERED_FACE: "not {name}, as a person said before{when}",
}


#: The order groups are told in: what makes a file flagged first (a flagged video of a
#: young child also holds many review findings, and only six groups are told).
_TOLD_FIRST = (FindingType.OPTED_OUT_FACE, FindingType.FULL_NAME, FindingType.ERROR)


def _describe(report: ScanReport, f: FileResult) -> str:
    """One line: who was found where, grouped by student, what flags the file first."""
    parts: list[str] = []
    groups: dict[tuple[str, str | None], list[Finding]] = {}
    for x in f.findings:
        groups.setdefault((x.type, x.student_id), []).append(x)
    told = sorted(
        groups.items(),
        key=lambda g: _TOLD_FIRST.index(g[0][0]) if g[0][0] in _TOLD_FIRST else len(_TOLD_FIRST),
    )
    for (kind, sid), items in told:
        words = FINDING_WORDS.get(kind)
        if words is None:
            continue
        if kind == FindingType.ERROR:
            parts.extend(
                display(words.format(where=f"{x.field}: " if x.field else "", detail=x.detail))
                for x in items
            )
            continue
        closest = min((x.distance for x in items if x.distance is not None), default=None)
        times = [x.time_s for x in items if x.time_s is not None]
        when = f" at {time_ranges(times)}" if times else ""
        clip = [x for x in items if x.detail and MOTION_VIDEO in x.detail]
        if clip:  # a face in a motion photo's clip, not (only) in the still
            both = len(clip) < len(items)
            when = f" in {'the still and ' if both else ''}its {MOTION_VIDEO}{when}"
        dist = f" (distance {closest:.2f})" if closest is not None else ""
        fields = ", ".join(sorted({display(x.field or "") for x in items}))
        parts.append(
            words.format(
                name=report.name(sid), dist=dist, when=when, fields=fields, count=len(items)
            )
        )
    return "; ".join(parts[:6]) + (f"; and {len(parts) - 6} more" if len(parts) > 6 else "")


def summary_lines(report: ScanReport) -> list[str]:
    """What a person reads at the end of a scan. The last line is :func:`outcome_line`."""
    c = report.counts
    unchecked = report.not_checked
    tail = f" ({len(unchecked)} of them not checked: listed below)" if unchecked else ""
    counted = ", ".join(f"{c[v]} {COUNT_WORDS[v]}" for v in VERDICTS)
    lines = [f"Checked {len(report.files)} file(s): {counted}; {c['skipped']} skipped{tail}."]
    if report.cancelled:
        lines.append("The scan was cancelled: files not reached were not checked.")
    for verdict, label in LISTED.items():
        for f in sorted(report.files, key=lambda f: f.rel):
            if f.verdict == verdict:
                lines.append(f"  {label:<8} {f.rel}: {_describe(report, f)}")
    lines.extend(f"  {'SKIPPED':<8} {s.rel}: {s.reason}" for s in unchecked)
    lines.extend(sampling_lines(report))
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
    if report.young_students:
        lines.append(young_children_note(report))
    lines.append(outcome_line(report))
    return lines


def young_children_note(report: ScanReport) -> str:
    """What a person must know when the check looked for children under about 9: the
    harness (models/dlib-resnet-v1.md) measured that the model cannot both catch such a
    child and keep other children apart, so its flags and clears mean less there."""
    young = {s.student_id for s in report.young_students}
    unsure = sum(
        1
        for f in report.files
        for x in f.findings
        if x.type == FindingType.POSSIBLE_OPTED_OUT_FACE and x.student_id in young
    )
    return (
        f"Note: {len(young)} opted-out student(s) are under about 9. Automatic face matching "
        "is unreliable at that age: it can take one young child for another, and can miss a "
        f"child whose reference photo is a year or more old. The {unsure} face(s) it was "
        "unsure of are listed above to look at; look at any photo you know shows these "
        "children too."
    )


def sampling_lines(report: ScanReport) -> list[str]:
    """One line on how densely the videos were searched (none without videos)."""
    fps = report.settings.get("frames_per_second")
    sampled = [v for f in report.files if (v := video_sampling(f, fps)) is not None]
    if not sampled:
        return []
    sparse = [v for v in sampled if not v.every_frame]
    if not sparse:
        return [f"Videos: every frame of the {len(sampled)} video(s) checked was searched."]
    others = len(sampled) - len(sparse)
    rest = f"; every frame of the other {others} was searched" if others else ""
    return [
        f"Videos were {sparse[0].words()} ({len(sparse)} video(s){rest}). "
        "A higher --fps searches more frames."
    ]


ALL_CLEAR = "All files are clear."


def outcome_line(report: ScanReport) -> str:
    """One sentence: "All files are clear." exactly when :attr:`ScanReport.all_clear`,
    otherwise why not. The command line and the app both end with it."""
    if report.all_clear:
        return ALL_CLEAR
    c = report.counts
    why: list[str] = []
    if not report.files:
        why.append("no photo or video was checked")
    not_clear = sum(c[v] for v in LISTED)
    if not_clear:
        why.append(f"{not_clear} file(s) are not clear")
    if report.not_checked:
        why.append(f"{len(report.not_checked)} skipped item(s) may be posted and were not checked")
    if report.cancelled:
        why.append("the scan was cancelled before the end")
    return "Not all clear: " + "; ".join(why) + ". Post only files marked clear."
