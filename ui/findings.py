"""Findings in words, for the results grid and the detail panel (formatting only)."""

from __future__ import annotations

from collections.abc import Mapping

from photoguard.files.pathtext import display
from photoguard.scan.report import FileResult, time_ranges
from photoguard.scan.verdict import (
    FULL_NAME,
    OPTED_OUT_FACE,
    POSSIBLE_OPTED_OUT_FACE,
    UNMATCHED_FACE,
    Finding,
)
from photoguard.vocab import FindingType, VerdictKind

FACE_TYPES = frozenset({OPTED_OUT_FACE, POSSIBLE_OPTED_OUT_FACE, UNMATCHED_FACE})

#: One finding as a sentence (:func:`finding_line`): ``who`` the student, ``when`` the
#: time in a video, ``dist`` the distance, ``field`` where a name was found, ``where``
#: and ``detail`` what could not be checked.
FINDING_LINES: Mapping[str, str] = {
    FindingType.OPTED_OUT_FACE: "Face of opted-out {who}{when}{dist}",
    FindingType.POSSIBLE_OPTED_OUT_FACE: (
        "Face that may be opted-out {who}{when}{dist}: a person must look"
    ),
    FindingType.FACE_NOT_MATCHED: (
        "A face{when}: faces are not matched in this mode, a person must look"
    ),
    FindingType.FULL_NAME: "Full name of {who} in {field}",
    FindingType.POSSIBLE_FULL_NAME: (
        "What may be the full name of {who} in {field}{when}: a person must look"
    ),
    FindingType.ERROR: "Not fully checked: {where}{detail}",
    FindingType.ANSWERED_FACE: "A face{when} a person already said is not {who}: not asked again",
}
#: A group of findings (one kind, one student) in the short line of :func:`summary`.
SUMMARY_WORDS: Mapping[str, str] = {
    FindingType.OPTED_OUT_FACE: "{who}{when}",
    FindingType.POSSIBLE_OPTED_OUT_FACE: "maybe {who}{when}",
    FindingType.FULL_NAME: "full name of {who}",
    FindingType.POSSIBLE_FULL_NAME: "maybe the full name of {who}",
    FindingType.FACE_NOT_MATCHED: "{count} face(s) to look at",
    FindingType.ERROR: "not fully checked",
    FindingType.ANSWERED_FACE: "not {who} (answered before)",
}


def student_label(student_id: str | None, names: Mapping[str, str]) -> str:
    if not student_id:
        return "an unknown person"
    name = names.get(student_id)
    return f"{name} ({student_id})" if name else f"student {student_id}"


def finding_line(f: Finding, names: Mapping[str, str]) -> str:
    """One finding as a sentence a teacher can act on."""
    when = f" at {f.time_s:.1f} s" if f.time_s is not None else ""
    dist = f", distance {f.distance:.2f}" if f.distance is not None else ""
    words = FINDING_LINES.get(f.type)
    if words is None:
        return display(f.detail or f.type)
    return words.format(
        who=student_label(f.student_id, names),
        when=when,
        dist=dist,
        field=display(f.field or "a caption"),
        where=f"{display(f.field)}: " if f.field else "",
        detail=display(f.detail or "unknown problem"),
    )


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
        words = SUMMARY_WORDS.get(kind)
        if words is not None:
            parts.append(words.format(who=who, when=when, count=len(items)))
    if not parts:
        if result.verdict == VerdictKind.CLEAR:
            return "nothing found"
        return result.assessment.reason
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
            lines.append(f"Full name of {who} in {fields}{when}")
        else:
            lines.extend(finding_line(x, names) for x in items)
    return list(dict.fromkeys(lines))


def face_times(result: FileResult) -> list[float]:
    """The times (seconds) of a video at which faces were found, in order."""
    return sorted({f.time_s for f in result.findings if f.time_s is not None})
