"""Findings in words, for the results grid and the detail panel (formatting only)."""

from __future__ import annotations

from collections.abc import Mapping

from photoguard.files.pathtext import display
from photoguard.scan.report import FileResult, time_ranges
from photoguard.scan.verdict import (
    ERROR,
    FULL_NAME,
    OPTED_OUT_FACE,
    POSSIBLE_OPTED_OUT_FACE,
    UNMATCHED_FACE,
    Finding,
)

FACE_TYPES = frozenset({OPTED_OUT_FACE, POSSIBLE_OPTED_OUT_FACE, UNMATCHED_FACE})


def student_label(student_id: str | None, names: Mapping[str, str]) -> str:
    if not student_id:
        return "an unknown person"
    name = names.get(student_id)
    return f"{name} ({student_id})" if name else f"student {student_id}"


def finding_line(f: Finding, names: Mapping[str, str]) -> str:
    """One finding as a sentence a teacher can act on."""
    when = f" at {f.time_s:.1f} s" if f.time_s is not None else ""
    dist = f", distance {f.distance:.2f}" if f.distance is not None else ""
    if f.type == OPTED_OUT_FACE:
        return f"Face of opted-out {student_label(f.student_id, names)}{when}{dist}"
    if f.type == POSSIBLE_OPTED_OUT_FACE:
        return (
            f"Face that may be opted-out {student_label(f.student_id, names)}{when}{dist}: "
            "a person must look"
        )
    if f.type == UNMATCHED_FACE:
        return f"A face{when}: faces are not matched in this mode, a person must look"
    if f.type == FULL_NAME:
        where = display(f.field or "a caption")
        return f"Full name of {student_label(f.student_id, names)} in {where}"
    if f.type == ERROR:
        where = f"{display(f.field)}: " if f.field else ""
        return f"Not fully checked: {where}{display(f.detail or 'unknown problem')}"
    return display(f.detail or f.type)


def summary(result: FileResult, names: Mapping[str, str]) -> str:
    """A short line: who was found, grouped by student."""
    parts: list[str] = []
    groups: dict[tuple[str, str | None], list[Finding]] = {}
    for f in result.findings:
        groups.setdefault((f.type, f.student_id), []).append(f)
    for (kind, sid), items in groups.items():
        times = [x.time_s for x in items if x.time_s is not None]
        when = f" at {time_ranges(times)}" if times else ""
        who = names.get(sid or "", sid or "")
        if kind == OPTED_OUT_FACE:
            parts.append(f"{who}{when}")
        elif kind == POSSIBLE_OPTED_OUT_FACE:
            parts.append(f"maybe {who}{when}")
        elif kind == FULL_NAME:
            parts.append(f"full name of {who}")
        elif kind == UNMATCHED_FACE:
            parts.append(f"{len(items)} face(s) to look at")
        elif kind == ERROR:
            parts.append("not fully checked")
    if not parts:
        return "nothing found" if result.verdict == "clear" else result.assessment.reason
    return "; ".join(dict.fromkeys(parts))


def grouped_lines(result: FileResult, names: Mapping[str, str]) -> list[str]:
    """What was found, one line per student and kind (a video's times as ranges)."""
    groups: dict[tuple[str, str | None], list[Finding]] = {}
    for f in result.findings:
        groups.setdefault((f.type, f.student_id), []).append(f)
    lines: list[str] = []
    for (kind, sid), items in groups.items():
        times = [x.time_s for x in items if x.time_s is not None]
        when = f" at {time_ranges(times)}" if times else ""
        distances = [x.distance for x in items if x.distance is not None]
        closest = f" (distance {min(distances):.2f})" if distances else ""
        if len(distances) > 1:
            closest = f" (closest distance {min(distances):.2f})"
        who = student_label(sid, names)
        if kind == OPTED_OUT_FACE:
            lines.append(f"Face of opted-out {who}{when}{closest}")
        elif kind == POSSIBLE_OPTED_OUT_FACE:
            lines.append(f"Face that may be opted-out {who}{when}{closest}: a person must look")
        elif kind == UNMATCHED_FACE:
            lines.append(
                f"{len(items)} face(s){when}: not matched in this mode, a person must look"
            )
        elif kind == FULL_NAME:
            fields = ", ".join(sorted({display(x.field or "a caption") for x in items}))
            lines.append(f"Full name of {who} in {fields}")
        else:
            lines.extend(finding_line(x, names) for x in items)
    return list(dict.fromkeys(lines))


def face_times(result: FileResult) -> list[float]:
    """The times (seconds) of a video at which faces were found, in order."""
    return sorted({f.time_s for f in result.findings if f.time_s is not None})
