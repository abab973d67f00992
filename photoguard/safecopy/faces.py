"""Which faces a safe copy covers, and how each covered face is described.

A face is covered when it is an opted-out student's: it matches one
(``opted_out_face``) or is in the review band (``possible_opted_out_face``),
since "review" is not clear. In faces-off mode every face is covered, since
none can be told apart. A video's faces are followed between frames
(safecopy/video.py) and described once per face, from when to when.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from photoguard.faces.detect import Box
from photoguard.faces.match import ReferenceSet
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

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"box": list(self.box), "region": list(self.region)}
        if self.student_id:
            out["student_id"] = self.student_id
        if self.distance is not None:
            out["distance"] = round(self.distance, 4)
        if self.time_s is not None:
            out["time_s"] = round(self.time_s, 2)
            out["until_s"] = round(self.until_s or self.time_s, 2)
        return out


def must_cover(
    references: ReferenceSet, review_distance: float, encoding: Any
) -> tuple[bool, str | None, float | None]:
    """Whether a face must be covered: (cover, student, distance). ``review_distance``
    is the one the scan would judge this face with (Settings.review_distance_for)."""
    if encoding is None:  # faces-off mode: every face
        return True, None, None
    match = references.possible_student(encoding, review_distance)
    if match is None:
        return False, None, None
    return True, match.student_id, match.distance


def box4(box: Box) -> tuple[int, int, int, int]:
    return (box.left, box.top, box.width, box.height)


def cover_reason(sid: str | None, distance: float | None, match_distance: float | None) -> str:
    """Why a face is covered, in words."""
    if sid is None:
        return "faces-off mode: every face is covered"
    if distance is not None and match_distance is not None and distance > match_distance:
        return f"looks like an opted-out student (distance {distance:.2f}, review band)"
    return f"matches an opted-out student (distance {distance:.2f})"


def track_faces(
    tracks: list[Track],
    fps: float,
    step: int,
    frame_count: int,
    size: tuple[int, int],
    level: int,
    match_distance: float,
) -> tuple[CoveredFace, ...]:
    """One entry per face followed through the video: who, and from when to when."""
    out = []
    for t in tracks:
        if not t.covered:
            continue
        frames = [f for f, _box, _grow in track_boxes(t, fps, step, frame_count)]
        first = min(t.detections, key=lambda d: d.frame)
        matched = [d for d in t.detections if d.cover]
        best = min(matched, key=lambda d: 9.0 if d.distance is None else d.distance)
        out.append(
            CoveredFace(
                student_id=best.student_id,
                distance=best.distance,
                box=box4(first.box),
                region=region_as_box(region_for(first.box, *size, level)),
                time_s=min(frames) / fps,
                until_s=max(frames) / fps,
                reason=cover_reason(best.student_id, best.distance, match_distance),
            )
        )
    return tuple(sorted(out, key=lambda f: (f.time_s or 0.0, f.box)))
