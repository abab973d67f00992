"""Settings, and the thresholds every decision is measured against.

The thresholds live here and nowhere else. Every report records the values it
was made with, so a decision can be re-read later against the numbers in force.

Face distances are Euclidean distances between dlib's 128-number face
encodings (smaller = more alike). Measured on ../shared/fixtures with
photoguard's own pipeline (tests/test_model_card.py re-measures them):

* the same person in two photos: 0.00 to 0.519 (the hardest pair is
  alex1.jpg / alex2.png, a small, soft crop);
* two different people: 0.648 and up; the closest is lin1.png against
  obama_partial_face2.jpg, half a face cropped at the edge; every other pair is
  0.69 or more. The unknown third person in obama_biden_2.jpg is 0.77 from Obama.

``MATCH_DISTANCE = 0.6`` is dlib's published operating point for this model
(99.38 % on Labeled Faces in the Wild) and sits above every same-person pair
measured and below every different-person pair. The model was trained mostly on
adults and is known to be weaker on children, whose faces sit closer together
and change year to year, and a missed opted-out child is the costly error; so
faces between 0.6 and ``REVIEW_DISTANCE = 0.65`` are not called clear but sent
to a person (``review``). The band stops at 0.65 because that is where
different people begin (0.648 for the cropped half face, 0.69 for whole faces):
a wider band would send ordinary photos of other children to review.

Those two numbers are the **adults'** distances. Children are judged per age band
(``CHILD_BAND_DISTANCES`` below, issue 18): each opted-out student's faces are
compared with the distances of that student's band (roster/ages.py), so that a face
near a young child is judged as one.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from photoguard.errors import UserError
from photoguard.faces.distances import BandDistances
from photoguard.vocab import AgeBand

#: A face this close to an opted-out student's reference is that student: ``flagged``.
MATCH_DISTANCE = 0.6
#: Closer than this but not a match: a person must look (``review``).
REVIEW_DISTANCE = 0.65

#: A face turned far from the camera (a profile: photoguard/faces/detect.py,
#: PROFILE_TURN) closer than this to an opted-out student is at least ``review``.
#: A profile's encoding sits far from the same person's frontal references. Measured
#: in the fixture video (4 samples a second): Obama's profile at 7.2-9.1 s is
#: 0.62-0.70 from obama.jpg in every sample, where his frontal photos are under 0.52;
#: at REVIEW_DISTANCE it would be missed in all of them. The other people's profiles
#: there are 0.62-0.89 from their nearest fixture reference, so a profile is never
#: *flagged* beyond MATCH_DISTANCE: a person looks. A safe copy covers every profile
#: within this distance.
PROFILE_REVIEW_DISTANCE = 0.75

# ------------------------------------------------------------------ age bands
# The flag and review distances per age band, from the accuracy harness of issue 18
# (benchmarks/accuracy.py, `make bench-accuracy`, on branch h/acc, commits 9e8473b-364e627,
# the same numbers in 3 runs on 2026-12-04; proposed in acc-distances.json): FG-NET
# subjects 001-041 aged 5 and up, CenterFace boxes, dlib's ResNet; same-child pairs in the
# band of the later photo, different-child pairs with both photos in the band. Its rule:
#
# * flag: the largest distance at which at most 0.5 % of pairs of *different* children
#   of the band are within it, so an automatic "this is that child" is rarely wrong;
# * review: the smallest distance that catches at least 99 % of pairs of photos of the
#   *same* child taken at most a year apart.
#
# The harness calls its run preliminary: every band has fewer than 100 same-child pairs
# a year apart or less (5-8: 12, 9-12: 9, 13-15: 7, 16-18: 17), so each review distance
# is simply the farthest such pair seen, and will grow as pairs are added. The flag
# distances rest on 849-2,049 pairs of different children per band.
#
# How they combine with the settings (Settings.distances_for), failing closed:
#
# * adults are judged with the school's settings, match_distance and review_distance
#   (defaults MATCH_DISTANCE and REVIEW_DISTANCE above: the adult fixtures' 55 of 55 in
#   `make bench`). The harness measured 0.555 / 0.580 on adults; using them would turn
#   adult flags between 0.555 and 0.6 into reviews: a change of the adult operating
#   point, left to its own decision;
# * a child band flags at the *smaller* of its distance and match_distance, and sends to
#   review up to the *larger* of its distance and review_distance. So no setting makes a
#   child's flag looser than the band allows, and a band never narrows the review below
#   what the school set: the harness's review distances (0.483-0.616, from 7-17 pairs)
#   are all under today's 0.65, so for now the review reaches 0.65 in every band and only
#   the flags get stricter: faces of children between the band's flag distance and 0.65
#   go to a person instead of being flagged, none is let through that was caught before;
# * a face turned away from the camera is at least review up to PROFILE_REVIEW_DISTANCE
#   in every band (the same rule as for adults; never flagged beyond the band's flag).

#: band -> (flag distance, review distance), as the harness proposed them.
CHILD_BAND_DISTANCES: dict[AgeBand, tuple[float, float]] = {
    # 5-8: at 0.60, 37.7 % of pairs of different children match (issue 18); 0.5 % of
    # them are within 0.465. The farthest of 12 same-child pairs a year apart: 0.483.
    AgeBand.AGES_5_8: (0.465, 0.483),
    # 9-12: 0.5 % of 1,157 different-child pairs within 0.497; farthest of 9 same-child
    # pairs: 0.616.
    AgeBand.AGES_9_12: (0.497, 0.616),
    # 13-15: 0.5 % of 849 different-child pairs within 0.514; farthest of 7: 0.558.
    AgeBand.AGES_13_15: (0.514, 0.558),
    # 16-18: 0.5 % of 2,049 different-child pairs within 0.525; farthest of 17: 0.597.
    AgeBand.AGES_16_18: (0.525, 0.597),
}
#: Where CHILD_BAND_DISTANCES come from, for the report's settings.
BAND_DISTANCES_SOURCE = (
    "issue 18 accuracy harness (h/acc 364e627, 2026-12-04; preliminary: 7-17 same-child pairs)"
)


#: Video frames sampled per second, plus the first and the last frame.
FRAMES_PER_SECOND = 4.0

#: The smallest face, in pixels of the upright photo, that a scan must find.
#: A class photo of 30 children taken at 4000 px puts faces at 80-100 px. Each photo
#: is analysed at the scale that brings a face of this size to 64 px (landmarks and
#: encodings), and CenterFace looks for it at 24 px (photoguard/faces/detect.py).
MIN_FACE_PX = 48

#: A reference photo must show exactly one face at least this wide (pixels).
REFERENCE_MIN_FACE_PX = 80

SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class Settings:
    match_distance: float = MATCH_DISTANCE
    review_distance: float = REVIEW_DISTANCE
    frames_per_second: float = FRAMES_PER_SECOND
    min_face_px: int = MIN_FACE_PX
    #: False is faces-off mode: no face is ever encoded; faces found mean ``review``.
    faces: bool = True
    #: The school this machine checks for (district mode has several).
    school: str = "default"
    #: PostgreSQL URL for district mode; empty means the SQLite file in the data folder.
    db_url: str = ""
    #: Days the scan cache keeps what it found in a photo.
    cache_days: int = 30
    #: Days what was found in an *approved* photo is kept past cache_days, so that a
    #: roster change later in the school year can still re-check it (scan/recheck.py)
    #: after the file itself is gone: the school year.
    recheck_days: int = 300
    #: Reference faces older than this are stale: ask for this year's photos.
    reference_max_age_days: int = 365
    #: What a safe copy does with a full-name caption: "initial" (Liam O.) or "remove".
    caption_names: str = "initial"
    #: Read the text written in photos and video frames (name tags, certificates,
    #: posters: photoguard/ocr) and check it for full names as captions are. Off, a
    #: name written in the picture is not looked for; every report says which.
    read_text_in_pictures: bool = True

    def validate(self) -> Settings:
        if not 0.0 < self.match_distance <= self.review_distance <= 1.5:
            raise UserError(
                "distances must satisfy 0 < match distance <= review distance <= 1.5 "
                f"(got {self.match_distance} and {self.review_distance})"
            )
        if not 0.1 <= self.frames_per_second <= 30:
            raise UserError(f"frames per second must be 0.1 to 30, not {self.frames_per_second}")
        if not 20 <= self.min_face_px <= 400:
            raise UserError(f"the smallest face must be 20 to 400 px, not {self.min_face_px}")
        if not 0 <= self.cache_days <= 3650:
            raise UserError(f"cache days must be 0 to 3650, not {self.cache_days}")
        if not 0 <= self.recheck_days <= 3650:
            raise UserError(f"re-check days must be 0 to 3650, not {self.recheck_days}")
        if not 1 <= self.reference_max_age_days <= 3650:
            raise UserError(
                f"reference age must be 1 to 3650 days, not {self.reference_max_age_days}"
            )
        if not isinstance(self.read_text_in_pictures, bool):
            raise UserError("read_text_in_pictures must be true or false")
        if self.caption_names not in ("initial", "remove"):
            raise UserError("caption_names must be 'initial' or 'remove'")
        if not self.school.strip():
            raise UserError("the school code must not be empty")
        return self

    def review_distance_for(self, *, profile: bool) -> float:
        """The distance within which a face is at least ``review``: wider for a profile
        (PROFILE_REVIEW_DISTANCE), never narrower than the school's setting."""
        if profile:
            return max(self.review_distance, PROFILE_REVIEW_DISTANCE)
        return self.review_distance

    def distances_for(self, band: AgeBand) -> BandDistances:
        """The distances a face is judged with against a student of ``band`` (the rules
        are above CHILD_BAND_DISTANCES: adults take the settings; a child band the
        stricter flag and the wider review of its own and the settings')."""
        if band == AgeBand.ADULT:
            flag, review = self.match_distance, self.review_distance
        else:
            band_flag, band_review = CHILD_BAND_DISTANCES[band]
            flag = min(self.match_distance, band_flag)
            review = max(self.review_distance, band_review)
        return BandDistances(band, flag, review, max(review, PROFILE_REVIEW_DISTANCE))

    def band_table(self) -> dict[AgeBand, BandDistances]:
        """Every band's distances, youngest first."""
        return {band: self.distances_for(band) for band in AgeBand}

    def report_fields(self) -> dict[str, Any]:
        return {
            "match_distance": self.match_distance,
            "review_distance": self.review_distance,
            "profile_review_distance": self.review_distance_for(profile=True),
            "age_bands": {str(b): d.as_json() for b, d in self.band_table().items()},
            "age_bands_source": BAND_DISTANCES_SOURCE,
            "frames_per_second": self.frames_per_second,
            "min_face_px": self.min_face_px,
            "faces": self.faces,
            "read_text_in_pictures": self.read_text_in_pictures,
        }


def load_settings(home: Path) -> Settings:
    path = home / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"the settings file {path} is not readable JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise UserError(f"the settings file {path} is not a JSON object")
    known = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in known:
            values[key] = value
    try:
        return Settings(**values).validate()
    except TypeError as exc:
        raise UserError(f"the settings file {path} has a bad value: {exc}") from exc


def save_settings(home: Path, settings: Settings) -> None:
    settings.validate()
    path = home / SETTINGS_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(asdict(settings), f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    """A copy with the given fields changed (``None`` values ignored), validated."""
    return replace(settings, **{k: v for k, v in changes.items() if v is not None}).validate()
