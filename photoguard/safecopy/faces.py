"""Which faces a safe copy covers, and how each covered face is described.

A face is covered when it is an opted-out student's: it matches one
(``opted_out_face``) or is in the review band (``possible_opted_out_face``),
since "review" is not clear. Which faces those are is decided by the scan's own
rule, :meth:`ReferenceSet.possible_student` (each student at their age band's
distances), so a safe copy covers exactly the faces a check flags or reviews.
In faces-off mode every face is covered, since none can be told apart. A video's
faces are followed between frames (safecopy/video.py) and described once per face,
from when to when.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from photoguard.faces.detect import Box
from photoguard.faces.match import Match, ReferenceSet
from photoguard.safecopy.cover import region_as_box, region_for
from photoguard.safecopy.video import Track, track_boxes
from photoguard.scan.verdict import OPTED_OUT_FACE, POSSIBLE_OPTED_OUT_FACE, UNMATCHED_FACE

#: Finding types that put a face under a cover.
FACE_FINDINGS = frozenset({OPTED_OUT_FACE, POSSIBLE_OPTED_OUT_FACE, UNMATCHED_FACE})


@dataclass(frozen=True)
class CoveredFace:
    """One face covered in the copy (for videos: one face followed through frames)."""

    #: The opted-out student it matches; None in faces-off mode.
    student_id: str | None
    distance: float | None
    #: The face as found in the original, [left, top, width, height] in upright pixels
    #: (videos: where it was first found).
    box: tuple[int, int, int, int]
    #: The pixels covered in the copy, same form (videos: at the first frame covered).
    region: tuple[int, int, int, int]
    #: Videos: the first and last second in which this face is covered.
    time_s: float | None = None
    until_s: float | None = None
    reason: str = ""
    #: The student's age band and the distances the face was judged with.
    age_band: str | None = None
    flag_distance: float | None = None
    review_distance: float | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"box": list(self.box), "region": list(self.region)}
        if self.student_id:
            out["student_id"] = self.student_id
        if self.distance is not None:
            out["distance"] = round(self.distance, 4)
        if self.age_band is not None:
            out["age_band"] = self.age_band
        for key in ("flag_distance", "review_distance"):
            if (value := getattr(self, key)) is not None:
                out[key] = round(value, 4)
        if self.time_s is not None:
            out["time_s"] = round(self.time_s, 2)
            out["until_s"] = round(self.until_s or self.time_s, 2)
        return out


def must_cover(
    references: ReferenceSet, encoding: Any, *, profile: bool
) -> tuple[bool, Match | None]:
    """Whether a face must be covered, and the student it may be (None in faces-off
    mode, where every face is covered): the scan's rule, possible_student."""
    if encoding is None:  # faces-off mode: every face
        return True, None
    match = references.possible_student(encoding, profile=profile)
    return match is not None, match


def covered_face(
    box: Box, match: Match | None, region: tuple[int, int, int, int] = (0, 0, 0, 0)
) -> CoveredFace:
    """A covered face as the report describes it: who, how near, by which distances."""
    band = match.distances if match else None
    return CoveredFace(
        match.student_id if match else None,
        match.distance if match else None,
        box4(box),
        region,
        reason=cover_reason(match),
        age_band=band.band if band else None,
        flag_distance=band.flag if band else None,
        review_distance=match.review_distance if match else None,
    )


def box4(box: Box) -> tuple[int, int, int, int]:
    return box.as_tuple()


def cover_reason(match: Match | None) -> str:
    """Why a face is covered, in words."""
    if match is None:
        return "faces-off mode: every face is covered"
    if not match.flagged:
        return f"looks like an opted-out student (distance {match.distance:.2f}, review band)"
    return f"matches an opted-out student (distance {match.distance:.2f})"


def track_faces(
    tracks: list[Track],
    fps: float,
    step: int,
    frame_count: int,
    size: tuple[int, int],
    level: int,
) -> tuple[CoveredFace, ...]:
    """One entry per face followed through the video: who, and from when to when."""
    out = []
    for t in tracks:
        if not t.covered:
            continue
        frames = [f for f, _box, _grow in track_boxes(t, fps, step, frame_count)]
        first = min(t.detections, key=lambda d: d.frame)
        matched = [d for d in t.detections if d.cover]
        # The detection that decided: a flag before a review, then the nearest.
        best = min(
            matched,
            key=lambda d: (
                not (d.match and d.match.flagged),
                9.0 if d.distance is None else d.distance,
            ),
        )
        region = region_as_box(region_for(first.box, *size, level))
        face = covered_face(first.box, best.match, region)
        out.append(replace(face, time_s=min(frames) / fps, until_s=max(frames) / fps))
    return tuple(sorted(out, key=lambda f: (f.time_s or 0.0, f.box)))
