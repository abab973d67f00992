"""The distances one opted-out student's faces are judged with: their age band's.

The values are chosen in photoguard/workspace/settings.py (``Settings.distances_for``,
from ``CHILD_BAND_DISTANCES`` and the school's settings); faces/match.py applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from photoguard.vocab import AgeBand


@dataclass(frozen=True)
class BandDistances:
    """The distances one opted-out student's faces are judged with (their age band's)."""

    band: AgeBand
    #: At or under this distance a face is the student's: ``flagged``.
    flag: float
    #: At or under this (and over ``flag``) a person must look: ``review``.
    review: float
    #: The review distance for a face turned far from the camera.
    profile_review: float

    def review_for(self, *, profile: bool) -> float:
        return self.profile_review if profile else self.review

    def as_json(self) -> dict[str, float]:
        return {
            "flag_distance": self.flag,
            "review_distance": self.review,
            "profile_review_distance": self.profile_review,
        }
