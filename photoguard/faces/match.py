"""Comparing a face with the opted-out students' references: who is nearest, and how near.

Every reference encoding of every enrolled opted-out student is held as one
matrix (:class:`ReferenceSet`); a face's :class:`Match` is the student with the
closest reference and that distance. Whether it is close enough to count is the
scan's decision, with the distances in the settings (photoguard/scan/verdict.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from photoguard.faces.encode import Encoding


@dataclass(frozen=True)
class Reference:
    student_id: str
    encoding: Encoding


@dataclass(frozen=True)
class Match:
    """The nearest opted-out student to one face."""

    student_id: str
    distance: float


class ReferenceSet:
    """Every reference of every enrolled opted-out student, as one matrix."""

    def __init__(self, references: Sequence[Reference]) -> None:
        self.student_ids = [r.student_id for r in references]
        self.matrix = (
            np.stack([r.encoding for r in references])
            if references
            else np.zeros((0, 128), dtype=np.float64)
        )

    def __len__(self) -> int:
        return len(self.student_ids)

    @property
    def students(self) -> set[str]:
        return set(self.student_ids)

    def nearest(self, encoding: Encoding) -> Match | None:
        """The closest student over all of their references, or None if there are none."""
        if not self.student_ids:
            return None
        distances = np.linalg.norm(self.matrix - encoding, axis=1)
        best = int(np.argmin(distances))
        return Match(self.student_ids[best], float(distances[best]))

    def distance_to(self, encoding: Encoding, student_id: str) -> float | None:
        """How near this face is to ``student_id``'s closest reference (None: none)."""
        rows = [i for i, sid in enumerate(self.student_ids) if sid == student_id]
        if not rows:
            return None
        return float(np.linalg.norm(self.matrix[rows] - encoding, axis=1).min())

    def possible_student(self, encoding: Encoding, review_distance: float) -> Match | None:
        """The opted-out student this face may be: the nearest one, when it is within
        ``review_distance``; otherwise None. The one rule for "is this face an opted-out
        student": the scan's verdict and the safe copy's covers both apply it (a face a
        check flags or sends to review is a face a safe copy covers)."""
        match = self.nearest(encoding)
        if match is None or match.distance > review_distance:
            return None
        return match
