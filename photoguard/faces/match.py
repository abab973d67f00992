"""Comparing a face with the opted-out students' references, each with their own distances.

Every reference encoding of every enrolled opted-out student is held as one
matrix (:class:`ReferenceSet`), with the distances each student's faces are judged
with: those of their age band (roster/ages.py, workspace/settings.py
``Settings.distances_for``). :meth:`ReferenceSet.possible_student` is the one rule
for "is this face an opted-out student": the scan's verdict (scan/verdict.py) and the
safe copy's covers (safecopy/faces.py) both apply it, so a face a check flags or sends
to review is a face a safe copy covers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from photoguard.faces.distances import BandDistances
from photoguard.faces.encode import Encoding


@dataclass(frozen=True)
class Reference:
    student_id: str
    encoding: Encoding


@dataclass(frozen=True)
class Match:
    """An opted-out student near one face: how near, and by which distances judged."""

    student_id: str
    #: The distance to the student's closest reference.
    distance: float
    #: The student's age band and its distances (None from :meth:`ReferenceSet.nearest`).
    distances: BandDistances | None = None
    #: Within the student's flag distance: the face is theirs (``flagged``); else within
    #: their review distance (``review``).
    flagged: bool = False
    #: The review distance that applied (a profile's is wider).
    review_distance: float | None = None


class ReferenceSet:
    """Every reference of every enrolled opted-out student, as one matrix, and the
    distances each student is judged with.

    A student missing from ``distances`` is judged with ``unknown`` (the caller passes
    the youngest band's: fail closed); with neither, the set refuses to be built."""

    def __init__(
        self,
        references: Sequence[Reference],
        distances: Mapping[str, BandDistances] | None = None,
        unknown: BandDistances | None = None,
    ) -> None:
        self.student_ids = [r.student_id for r in references]
        self.matrix = (
            np.stack([r.encoding for r in references])
            if references
            else np.zeros((0, 128), dtype=np.float64)
        )
        #: Each student once, in order of first reference; row i of the matrix is theirs.
        self._students = list(dict.fromkeys(self.student_ids))
        index = {sid: k for k, sid in enumerate(self._students)}
        self._owner = np.array([index[sid] for sid in self.student_ids], dtype=np.intp)
        given = distances or {}
        self._distances: list[BandDistances] = []
        for sid in self._students:
            judged = given.get(sid, unknown)
            if judged is None:
                raise ValueError(f"no face distances for student {sid}")
            self._distances.append(judged)
        self._flag = np.array([d.flag for d in self._distances], dtype=np.float64)
        self._review = np.array([d.review for d in self._distances], dtype=np.float64)
        self._profile = np.array([d.profile_review for d in self._distances], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.student_ids)

    @property
    def students(self) -> set[str]:
        return set(self.student_ids)

    def distances_of(self, student_id: str) -> BandDistances | None:
        """The distances a student's faces are judged with (None: no references)."""
        if student_id not in self._students:
            return None
        return self._distances[self._students.index(student_id)]

    def _per_student(self, encoding: Encoding) -> np.ndarray:
        """Each student's distance: to the closest of their references."""
        distances = np.linalg.norm(self.matrix - encoding, axis=1)
        closest = np.full(len(self._students), np.inf)
        np.minimum.at(closest, self._owner, distances)
        return closest

    def nearest(self, encoding: Encoding) -> Match | None:
        """The closest student over all of their references, or None if there are none.
        (Not a decision: see :meth:`possible_student`.)"""
        if not self.student_ids:
            return None
        closest = self._per_student(encoding)
        best = int(np.argmin(closest))
        return Match(self._students[best], float(closest[best]))

    def distance_to(self, encoding: Encoding, student_id: str) -> float | None:
        """How near this face is to ``student_id``'s closest reference (None: none)."""
        if student_id not in self._students:
            return None
        return float(self._per_student(encoding)[self._students.index(student_id)])

    def possible_student(self, encoding: Encoding, *, profile: bool = False) -> Match | None:
        """The opted-out student this face may be, or None: the one rule for "is this face
        an opted-out student".

        The face is compared with *each* student's references at *that student's*
        distances, not only with the nearest student: a face may be nearest an adult
        yet within a young child's review distance, and it must not pass for the adult's
        "clear". A student within their flag distance wins over any within only their
        review distance (the face is flagged); among several, the nearest."""
        if not self.student_ids:
            return None
        closest = self._per_student(encoding)
        review = self._profile if profile else self._review
        for candidates, flagged in ((closest <= self._flag, True), (closest <= review, False)):
            if candidates.any():
                best = int(np.argmin(np.where(candidates, closest, np.inf)))
                return Match(
                    self._students[best],
                    float(closest[best]),
                    self._distances[best],
                    flagged,
                    float(review[best]),
                )
        return None

    def also_possible(
        self, encoding: Encoding, match: Match, *, profile: bool = False
    ) -> list[Match]:
        """The other students this face may be, when ``match`` (from
        :meth:`possible_student`) is only a review: each within their own review
        distance, nearest first. A person who answers "not Ana" for the face must not
        thereby clear it for Ben, whom it is as near."""
        if match.flagged or not self.student_ids:
            return []
        closest = self._per_student(encoding)
        review = self._profile if profile else self._review
        others = [
            k
            for k in np.argsort(closest, kind="stable")
            if closest[k] <= review[k] and self._students[k] != match.student_id
        ]
        return [
            Match(self._students[k], float(closest[k]), self._distances[k], False, float(review[k]))
            for k in others
        ]
