"""Deciding a file's verdict from what was found in it.

* ``flagged``: a face within the flag distance of an opted-out student (that
  student's age band's: workspace/settings.py ``Settings.distances_for``), or a
  student's full name in a caption, metadata field, sidecar, the file's name, or
  text written in the picture (a name tag, a certificate: photoguard/ocr);
* ``error``: some part of the file could not be read (a frame, a metadata
  block): it was not fully checked, so it is never clear;
* ``review``: no hard match, but a face between a student's flag and review
  distances (or, in faces-off mode, any face at all), or text in the picture one
  letter from a student's full name (``possible_full_name``): a person must look;
* ``clear``: every picture and every caption was read, and every face found is
  far from every enrolled opted-out student, or one a person already said is none of
  the students it looked like (an ``answered_face``: scan/answers.py).

A file with a definite finding and an unreadable part is ``flagged`` (its error
finding is listed too): the definite finding is what a person must act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from photoguard.faces.match import ReferenceSet
from photoguard.metadata import CaptionFields
from photoguard.roster.names import NameIndex
from photoguard.roster.near_names import near_full_names
from photoguard.scan.analysis import FileAnalysis, TextHit
from photoguard.scan.failure import WorkerFailure
from photoguard.vocab import FindingType, VerdictKind

#: A file's verdict; the name is kept for the modules that import it.
Verdict = VerdictKind
#: Worst first, the order in which the report counts them.
VERDICTS: tuple[Verdict, ...] = (
    VerdictKind.FLAGGED,
    VerdictKind.REVIEW,
    VerdictKind.ERROR,
    VerdictKind.CLEAR,
)
_RANK = {VerdictKind.FLAGGED: 3, VerdictKind.ERROR: 2, VerdictKind.REVIEW: 1, VerdictKind.CLEAR: 0}

OPTED_OUT_FACE = FindingType.OPTED_OUT_FACE
POSSIBLE_OPTED_OUT_FACE = FindingType.POSSIBLE_OPTED_OUT_FACE
UNMATCHED_FACE = FindingType.FACE_NOT_MATCHED  # faces-off mode
FULL_NAME = FindingType.FULL_NAME
POSSIBLE_FULL_NAME = FindingType.POSSIBLE_FULL_NAME
#: The ``field`` of a name read in the picture itself (photoguard/ocr).
TEXT_IN_PICTURE = "text in the picture"
ERROR = FindingType.ERROR


@dataclass(frozen=True)
class Finding:
    type: str
    student_id: str | None = None
    distance: float | None = None
    box: tuple[int, int, int, int] | None = None
    time_s: float | None = None
    field: str | None = None
    text: str | None = None
    span: tuple[int, int] | None = None
    detail: str | None = None
    #: Face findings: the student's age band and the distances the face was judged
    #: with (the review distance is the one that applied: wider for a profile).
    age_band: str | None = None
    flag_distance: float | None = None
    review_distance: float | None = None
    #: Unsure face findings: the other students the face may be, nearest first.
    also_students: tuple[str, ...] | None = None
    #: Face findings: the face group (groups.py) the face belongs to in its check.
    face_group: int | None = None
    #: Names read in the picture: how sure the text reader was of the text (0-1).
    confidence: float | None = None
    #: Face findings: which of the file's faces (its index in FileAnalysis.faces). Not
    #: in the report: it ties a finding to its face while the check is in memory.
    face: int | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        for key in _JSON_KEYS:
            value = getattr(self, key)
            if value is None:
                continue
            if isinstance(value, tuple):
                value = list(value)
            if key in _DISTANCES:
                value = round(float(value), 4)
            out[key] = value
        return out


_JSON_KEYS = (
    "student_id",
    "distance",
    "age_band",
    "flag_distance",
    "review_distance",
    "box",
    "time_s",
    "field",
    "text",
    "span",
    "detail",
    "also_students",
    "face_group",
    "confidence",
)
_DISTANCES = frozenset({"distance", "flag_distance", "review_distance"})


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    findings: tuple[Finding, ...] = ()
    faces: int = 0
    frames_checked: int = 0
    duration_s: float | None = None
    width: int = 0
    height: int = 0
    #: One plain sentence: why this verdict.
    reason: str = ""
    caption_fields: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    #: Videos: frames decoded, of which ``frames_checked`` were searched (report.py
    #: says how densely the video was sampled).
    frames_in_video: int | None = None
    #: Faces found too small to recognise (never matched): said in the reason and the
    #: report, so nobody takes "no faces found" for "nobody in the picture".
    faces_too_small: int = 0
    #: Frames whose text was read (photos: 1; videos: at most one per TEXT_EVERY_S);
    #: 0 when reading text is off.
    text_frames: int = 0


def assess(
    analysis: FileAnalysis | WorkerFailure,
    captions: CaptionFields,
    references: ReferenceSet,
    names: NameIndex,
) -> Assessment:
    """The verdict on one file. Faces are judged by ``references``, which carry each
    opted-out student's distances (their age band's, from the settings)."""
    findings: list[Finding] = []
    faces = 0
    too_small = 0 if isinstance(analysis, WorkerFailure) else analysis.faces_too_small
    if isinstance(analysis, WorkerFailure):
        findings.append(Finding(ERROR, detail=analysis.reason))
        frames = 0
    else:
        frames = analysis.frames_checked
        if analysis.error:
            findings.append(Finding(ERROR, detail=analysis.error))
        faces = len(analysis.faces)
        for index, hit in enumerate(analysis.faces):
            box = (hit.box.left, hit.box.top, hit.box.width, hit.box.height)
            # A face in a video stored inside a photo (a motion photo's clip): its box is
            # in the video's pixels, and the report says so.
            where = f"in the photo's {hit.embedded} (box in its pixels)" if hit.embedded else None
            if hit.encoding is None:
                findings.append(
                    Finding(
                        UNMATCHED_FACE,
                        box=box,
                        time_s=hit.time_s,
                        detail="faces-off mode: a person must look"
                        + (f", {where}" if where else ""),
                        face=index,
                    )
                )
                continue
            match = references.possible_student(hit.encoding, profile=hit.profile)
            if match is None:
                continue
            kind = OPTED_OUT_FACE if match.flagged else POSSIBLE_OPTED_OUT_FACE
            if hit.profile and kind == POSSIBLE_OPTED_OUT_FACE:
                where = "turned away from the camera" + (f", {where}" if where else "")
            # Unsure of the face: it may be other students too (each within their own
            # review distance). They are named on the one finding, so that a person's
            # "not Ana" (review by group) never clears it for Ben as well.
            also = tuple(
                m.student_id
                for m in references.also_possible(hit.encoding, match, profile=hit.profile)
            )
            findings.append(
                Finding(
                    kind,
                    student_id=match.student_id,
                    distance=match.distance,
                    box=box,
                    time_s=hit.time_s,
                    detail=where,
                    face=index,
                    age_band=match.distances.band if match.distances else None,
                    flag_distance=match.distances.flag if match.distances else None,
                    review_distance=match.review_distance,
                    also_students=also or None,
                )
            )
    for caption in captions.fields:
        for m in names.find(caption.text, file_name=caption.is_path_name):
            findings.append(
                Finding(
                    FULL_NAME,
                    student_id=m.student_id,
                    field=caption.field,
                    text=caption.text,
                    span=(m.start, m.end),
                )
            )
    for problem in captions.errors:
        findings.append(Finding(ERROR, field=problem.field, detail=problem.detail))
    if not isinstance(analysis, WorkerFailure):
        findings += _text_findings(analysis.texts, names)

    verdict = _verdict(findings)
    return Assessment(
        verdict=verdict,
        findings=tuple(findings),
        faces=faces,
        frames_checked=frames,
        duration_s=None if isinstance(analysis, WorkerFailure) else analysis.duration_s,
        width=0 if isinstance(analysis, WorkerFailure) else analysis.width,
        height=0 if isinstance(analysis, WorkerFailure) else analysis.height,
        reason=_reason(verdict, findings, faces, too_small),
        caption_fields=len(captions.fields),
        frames_in_video=None if isinstance(analysis, WorkerFailure) else analysis.frames_in_video,
        faces_too_small=too_small,
        text_frames=0 if isinstance(analysis, WorkerFailure) else analysis.text_frames,
    )


def with_findings(assessment: Assessment, findings: tuple[Finding, ...]) -> Assessment:
    """``assessment`` with ``findings`` in place of its own, verdict and reason decided
    again from them (a check's face groups add findings once every file is in)."""
    verdict = _verdict(list(findings))
    return replace(
        assessment,
        verdict=verdict,
        findings=findings,
        reason=_reason(verdict, list(findings), assessment.faces, assessment.faces_too_small),
    )


def _text_findings(texts: tuple[TextHit, ...], names: NameIndex) -> list[Finding]:
    """Full names in the text read in the picture, as captions are checked; and text
    one letter from a full name (a blurred tag, a misread letter), which a person must
    look at. A name read exactly counts however unsure the reader was of the rest."""
    out: list[Finding] = []
    for hit in texts:
        box = (hit.box.left, hit.box.top, hit.box.width, hit.box.height)
        exact = names.find(hit.text)
        for m in exact:
            out.append(
                Finding(
                    FULL_NAME,
                    student_id=m.student_id,
                    box=box,
                    time_s=hit.time_s,
                    field=TEXT_IN_PICTURE,
                    text=hit.text,
                    span=(m.start, m.end),
                    confidence=hit.confidence,
                )
            )
        named = {m.student_id for m in exact}
        for near in near_full_names(names, hit.text):
            if near.student_id in named:
                continue
            named.add(near.student_id)
            out.append(
                Finding(
                    POSSIBLE_FULL_NAME,
                    student_id=near.student_id,
                    box=box,
                    time_s=hit.time_s,
                    field=TEXT_IN_PICTURE,
                    text=hit.text,
                    span=(near.start, near.end),
                    detail="one letter from the student's full name: a person must look",
                    confidence=hit.confidence,
                )
            )
    return out


def _verdict(findings: list[Finding]) -> Verdict:
    types = {f.type for f in findings}
    if types & {OPTED_OUT_FACE, FULL_NAME}:
        return VerdictKind.FLAGGED
    if ERROR in types:
        return VerdictKind.ERROR
    if types & {POSSIBLE_OPTED_OUT_FACE, UNMATCHED_FACE, POSSIBLE_FULL_NAME}:
        return VerdictKind.REVIEW
    return VerdictKind.CLEAR


def _reason(verdict: Verdict, findings: list[Finding], faces: int, too_small: int = 0) -> str:
    if not too_small or verdict == VerdictKind.ERROR:
        return _main_reason(verdict, findings, faces)
    if verdict == VerdictKind.CLEAR and not faces:
        return f"{too_small} face(s) found, all too small to recognise"
    return f"{_main_reason(verdict, findings, faces)}; {too_small} more too small to recognise"


def _main_reason(verdict: Verdict, findings: list[Finding], faces: int) -> str:
    count = {t: sum(1 for f in findings if f.type == t) for t in {f.type for f in findings}}
    if verdict == VerdictKind.FLAGGED:
        parts = []
        if count.get(OPTED_OUT_FACE):
            parts.append(f"{count[OPTED_OUT_FACE]} face(s) match opted-out students")
        if count.get(FULL_NAME):
            read = any(f.type == FULL_NAME and f.field == TEXT_IN_PICTURE for f in findings)
            where = (
                "captions, the file name or text in the picture"
                if read
                else ("captions or the file name")
            )
            parts.append(f"{count[FULL_NAME]} full name(s) in {where}")
        return "; ".join(parts)
    if verdict == VerdictKind.ERROR:
        first = next(f for f in findings if f.type == ERROR)
        where = f"{first.field}: " if first.field else ""
        return f"not fully checked: {where}{first.detail}"
    if verdict == VerdictKind.REVIEW:
        if count.get(POSSIBLE_OPTED_OUT_FACE):
            return f"{count[POSSIBLE_OPTED_OUT_FACE]} face(s) look like opted-out students"
        if count.get(POSSIBLE_FULL_NAME):
            return (
                f"{count[POSSIBLE_FULL_NAME]} line(s) of text in the picture may be a "
                "student's full name"
            )
        return f"{count.get(UNMATCHED_FACE, 0)} face(s) found; faces are not matched in this mode"
    answered = count.get(FindingType.ANSWERED_FACE, 0)
    if answered:
        return (
            f"{faces} face(s); {answered} of them a person already said are not the "
            "students they looked like"
        )
    return f"{faces} face(s), none near an opted-out student" if faces else "no faces found"


def worst(verdicts: list[Verdict]) -> Verdict:
    return max(verdicts, key=lambda v: _RANK[v]) if verdicts else VerdictKind.CLEAR
