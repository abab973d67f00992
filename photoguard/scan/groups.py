"""Face groups: the faces of one check that are the same person, and what one flag in a
group means for the group's other faces.

Within one check (an event's photos, a class's videos) a child is photographed on the
same day, in the same clothes and light: two faces of one child there are far closer
to each other than either is to a picture-day reference taken months before. So
faces of one check within :data:`GROUP_DISTANCE` of each other are linked, and faces
linked directly or through others form a **face group**. Every face finding in the
report carries its group's number (``face_group``, numbered from 1 in the order the
groups' first faces were checked), so a person sees which findings are one child.

**A flag reaches the whole group.** A group in which a face is flagged as an
opted-out student (within the match distance) makes each other face of the group at
least *review* for that student, wherever it is in the check: a child far from the
reference in one photo (turned, blurred, a year older) but close to their own
flagged face in the next is not let through as clear. This only ever adds review
findings; it never clears anything. (Clearing a group at once, by a person who knows
the children, is the review view's job, not this module's.)

Two faces in the same picture (one photo, or one video frame) are never linked
directly: they are two people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

#: Faces of one check at most this far apart are the same person. Measured with this
#: pipeline (CenterFace boxes, dlib's ResNet): of 5,790 pairs of different children of
#: the same age band in the FG-NET fixtures (ages 5-18), none is within 0.40 (at 0.45,
#: 0.35 % of the pairs at ages 5-8 are); in the fixture video, Lin-Manuel Miranda's
#: frontal faces from 3.7 to 7.0 s form one group of 11 at 0.40. Tighter splits one
#: person into several groups (which costs only a longer list); looser starts joining
#: different young children (which sends their photos to review, never to clear).
GROUP_DISTANCE = 0.40

#: How the detail of a finding a face group added begins (the file's name follows).
#: Review by group, safe copies and decisions read it back from the file's record.
GROUP_REACHED = "the same person as a face matched to this student in "


def reached_by_group(finding: Mapping[str, Any]) -> bool:
    """Whether a finding (as a scan.file record holds it) is one a face group added."""
    return str(finding.get("detail") or "").startswith(GROUP_REACHED)


#: Distances are worked out this many faces at a time (a 10,000-face check would
#: otherwise need 400 MB for the whole matrix at once).
_BLOCK = 1024


@dataclass(frozen=True)
class CheckedFace:
    """One encoded face of a check: which file and which of its faces, in which picture."""

    file: int
    face: int
    #: The picture it is in, within its file: (the embedded video it is in or None,
    #: its time in a video or None). Faces of one picture are never linked.
    picture: tuple[str | None, float | None]
    encoding: npt.NDArray[np.float64]


def face_groups(faces: Sequence[CheckedFace]) -> list[int]:
    """The group number (1, 2, ...) of each face, in the order given: faces within
    GROUP_DISTANCE of each other, directly or through others, share one. Groups are
    numbered in the order of their first face."""
    n = len(faces)
    if n == 0:
        return []
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    matrix = np.stack([np.asarray(f.encoding, dtype=np.float64) for f in faces])
    squares = np.einsum("ij,ij->i", matrix, matrix)
    limit = GROUP_DISTANCE**2
    for start in range(0, n, _BLOCK):
        block = matrix[start : start + _BLOCK]
        # Squared distances of this block to every later face (|a|^2 + |b|^2 - 2ab).
        d2 = squares[start : start + _BLOCK, None] + squares[None, :] - 2.0 * block @ matrix.T
        rows, cols = np.nonzero(d2 <= limit)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + r
            if c <= i or _same_picture(faces[i], faces[c]):
                continue
            a, b = root(i), root(c)
            if a != b:
                parent[max(a, b)] = min(a, b)
    numbers: dict[int, int] = {}
    out = []
    for i in range(n):
        out.append(numbers.setdefault(root(i), len(numbers) + 1))
    return out


def _apart(a: CheckedFace, b: CheckedFace) -> float:
    return float(np.linalg.norm(a.encoding - b.encoding))


def _same_picture(a: CheckedFace, b: CheckedFace) -> bool:
    return a.file == b.file and a.picture == b.picture


@dataclass(frozen=True)
class GroupMatch:
    """A face that is the same person as a face flagged as ``student_id``."""

    face: CheckedFace
    student_id: str
    #: The flagged face it was reached from (the nearest one in its group).
    via: CheckedFace
    #: How far apart the two faces are.
    apart: float


def reached_by_flags(
    faces: Sequence[CheckedFace],
    groups: Sequence[int],
    flagged: dict[tuple[int, int], set[str]],
    already: dict[tuple[int, int], set[str]],
) -> list[GroupMatch]:
    """The faces a flag in their group makes review: for every student flagged on some
    face of a group (``flagged``: (file, face) -> students), each other face of the
    group not in the same picture as that flagged face and not already a finding for
    that student (``already``: (file, face) -> students flagged or sent to review)."""
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    out: list[GroupMatch] = []
    for indices in members.values():
        if len(indices) < 2:
            continue
        sources: dict[str, list[int]] = {}
        for i in indices:
            for sid in flagged.get((faces[i].file, faces[i].face), ()):
                sources.setdefault(sid, []).append(i)
        for sid, flagged_faces in sorted(sources.items()):
            for i in indices:
                face = faces[i]
                if sid in already.get((face.file, face.face), ()):
                    continue
                candidates = [j for j in flagged_faces if not _same_picture(faces[j], face)]
                if not candidates:
                    continue
                apart = [
                    float(np.linalg.norm(faces[j].encoding - face.encoding)) for j in candidates
                ]
                k = int(np.argmin(apart))
                out.append(GroupMatch(face, sid, faces[candidates[k]], apart[k]))
    return out
