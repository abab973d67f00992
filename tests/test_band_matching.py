"""Each opted-out student's faces are judged with their own age band's distances.

A face is compared with every opted-out student at that student's distances (issue 18),
not only with the nearest student: the nearest may be a student whose band lets the
face pass, while another student's band says a person must look, or that it is them.
The scan's verdict and the safe copy's covers apply the same rule, and the report and
the approval log say which band and which distances decided.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest

from photoguard import audit
from photoguard.faces.detect import Box
from photoguard.faces.distances import BandDistances
from photoguard.faces.match import Reference, ReferenceSet
from photoguard.metadata import CaptionFields
from photoguard.references.enroll import load_reference_set
from photoguard.roster.names import NameIndex
from photoguard.safecopy.faces import cover_reason, must_cover
from photoguard.scan.analysis import FaceHit, FileAnalysis
from photoguard.scan.report_schema import FINDING
from photoguard.scan.verdict import assess
from photoguard.vocab import YOUNGEST_BAND, AgeBand, FindingType, VerdictKind
from photoguard.workspace.folder import open_workspace
from photoguard.workspace.settings import (
    CHILD_BAND_DISTANCES,
    MATCH_DISTANCE,
    PROFILE_REVIEW_DISTANCE,
    REVIEW_DISTANCE,
    Settings,
)

ADULT, YOUNG, TEEN = "2001", "2002", "2003"


def at(distance: float, axis: int) -> np.ndarray:
    """An encoding exactly ``distance`` from the face at the origin, along one axis."""
    v = np.zeros(128)
    v[axis] = distance
    return v


FACE = np.zeros(128)


def references(distances: dict[str, float], bands: dict[str, BandDistances]) -> ReferenceSet:
    refs = [Reference(sid, at(d, k)) for k, (sid, d) in enumerate(distances.items())]
    return ReferenceSet(refs, bands)


def one_face(encoding: np.ndarray, profile: bool = False) -> FileAnalysis:
    hit = FaceHit(Box(10, 10, 80, 80), encoding, profile=profile)
    return FileAnalysis(kind="photo", width=200, height=200, frames_checked=1, faces=(hit,))


def judge(refs: ReferenceSet, encoding: np.ndarray = FACE, profile: bool = False) -> Any:
    return assess(one_face(encoding, profile), CaptionFields((), ()), refs, NameIndex([]))


S = Settings()


# ------------------------------------------------------------------ the distances


def test_adults_keep_the_schools_settings_and_children_take_the_stricter_flag() -> None:
    assert S.distances_for(AgeBand.ADULT) == BandDistances(
        AgeBand.ADULT, MATCH_DISTANCE, REVIEW_DISTANCE, PROFILE_REVIEW_DISTANCE
    )
    for band, (flag, review) in CHILD_BAND_DISTANCES.items():
        d = S.distances_for(band)
        assert d.flag == min(flag, MATCH_DISTANCE) < MATCH_DISTANCE  # children: stricter
        assert d.review == max(review, REVIEW_DISTANCE) >= REVIEW_DISTANCE  # never narrower
        assert d.flag <= d.review <= d.profile_review


def test_settings_never_loosen_a_childs_flag_or_narrow_anyones_review() -> None:
    loose = Settings(match_distance=0.7, review_distance=0.8).validate()
    assert loose.distances_for(AgeBand.ADULT).flag == 0.7  # the school's choice for adults
    young = loose.distances_for(AgeBand.AGES_5_8)
    assert young.flag == CHILD_BAND_DISTANCES[AgeBand.AGES_5_8][0]
    assert young.review == 0.8 and young.profile_review == 0.8
    strict = Settings(match_distance=0.3, review_distance=0.4).validate()
    assert strict.distances_for(AgeBand.AGES_5_8).flag == 0.3
    assert (
        strict.distances_for(AgeBand.AGES_5_8).review == CHILD_BAND_DISTANCES[AgeBand.AGES_5_8][1]
    )
    assert strict.distances_for(AgeBand.AGES_16_18).profile_review == PROFILE_REVIEW_DISTANCE


def test_the_report_settings_list_every_bands_distances() -> None:
    table = S.report_fields()["age_bands"]
    assert list(table) == ["5-8", "9-12", "13-15", "16-18", "adult"]
    assert table["adult"] == {
        "flag_distance": MATCH_DISTANCE,
        "review_distance": REVIEW_DISTANCE,
        "profile_review_distance": PROFILE_REVIEW_DISTANCE,
    }
    assert table["5-8"]["flag_distance"] == CHILD_BAND_DISTANCES[AgeBand.AGES_5_8][0]


# ------------------------------------------------------------- one rule per student


def test_a_face_nearest_a_young_child_is_flagged_as_the_adult_it_also_matches() -> None:
    # Nearest: the young child (0.50), beyond that band's flag distance (0.465): only
    # review for her. Judged by the nearest student alone, the file would be "review";
    # but the face is also within the adult's flag distance (0.55 <= 0.6): flagged.
    refs = references(
        {YOUNG: 0.50, ADULT: 0.55},
        {YOUNG: S.distances_for(AgeBand.AGES_5_8), ADULT: S.distances_for(AgeBand.ADULT)},
    )
    assert refs.nearest(FACE).student_id == YOUNG  # type: ignore[union-attr]
    a = judge(refs)
    assert a.verdict == VerdictKind.FLAGGED
    (finding,) = a.findings
    assert (finding.type, finding.student_id) == (FindingType.OPTED_OUT_FACE, ADULT)
    assert finding.age_band == "adult" and finding.flag_distance == MATCH_DISTANCE


def test_a_face_nearest_an_adult_but_within_a_childs_wider_review_is_review() -> None:
    # Band distances given directly: a child band whose review reaches 0.70.
    child = BandDistances(AgeBand.AGES_5_8, 0.45, 0.70, 0.75)
    adult = BandDistances(AgeBand.ADULT, 0.60, 0.65, 0.75)
    refs = references({ADULT: 0.66, YOUNG: 0.68}, {ADULT: adult, YOUNG: child})
    assert refs.nearest(FACE).student_id == ADULT  # type: ignore[union-attr]
    a = judge(refs)
    assert a.verdict == VerdictKind.REVIEW
    (finding,) = a.findings
    assert (finding.type, finding.student_id) == (FindingType.POSSIBLE_OPTED_OUT_FACE, YOUNG)
    assert (finding.age_band, finding.flag_distance, finding.review_distance) == (
        "5-8",
        0.45,
        0.70,
    )
    # Without the child, the same face is clear: the adult's review stops at 0.65.
    alone = references({ADULT: 0.66}, {ADULT: adult})
    assert judge(alone).verdict == VerdictKind.CLEAR


def test_a_young_childs_close_face_goes_to_review_where_an_adults_would_be_flagged() -> None:
    for band, verdict in ((AgeBand.ADULT, "flagged"), (AgeBand.AGES_5_8, "review")):
        refs = references({YOUNG: 0.55}, {YOUNG: S.distances_for(band)})
        assert judge(refs).verdict == verdict


def test_a_profile_is_reviewed_up_to_the_profile_distance_in_every_band() -> None:
    for band in AgeBand:
        refs = references({YOUNG: 0.72}, {YOUNG: S.distances_for(band)})
        assert judge(refs).verdict == VerdictKind.CLEAR
        (finding,) = judge(refs, profile=True).findings
        assert finding.type == FindingType.POSSIBLE_OPTED_OUT_FACE
        assert finding.review_distance == PROFILE_REVIEW_DISTANCE


def test_a_student_without_distances_is_judged_as_told_or_refused() -> None:
    youngest = S.distances_for(YOUNGEST_BAND)
    refs = ReferenceSet([Reference(YOUNG, at(0.55, 0))], {}, youngest)
    distances = refs.distances_of(YOUNG)
    assert distances is not None and distances.band == AgeBand.AGES_5_8
    assert judge(refs).verdict == VerdictKind.REVIEW
    with pytest.raises(ValueError, match="no face distances for student 2002"):
        ReferenceSet([Reference(YOUNG, at(0.55, 0))])


def test_the_safe_copy_covers_exactly_the_faces_the_scan_flags_or_reviews() -> None:
    rng = np.random.default_rng(18)
    students = {f"s{k}": rng.normal(size=128) for k in range(6)}
    bands = list(AgeBand)
    limits = {sid: S.distances_for(bands[k % len(bands)]) for k, sid in enumerate(students)}
    refs = ReferenceSet([Reference(sid, enc) for sid, enc in students.items()], limits)
    disagreements = covered = 0
    for trial in range(600):
        base = students[f"s{trial % 6}"]
        face = base + rng.normal(size=128) * rng.uniform(0.02, 0.08)
        profile = trial % 5 == 0
        a = judge(refs, face, profile)
        cover, match = must_cover(refs, face, profile=profile)
        covered += cover
        findings = [f for f in a.findings if f.student_id]
        if cover != bool(findings) or (
            findings and (match is None or match.student_id != findings[0].student_id)
        ):
            disagreements += 1
        if findings and match is not None:
            flagged = findings[0].type == FindingType.OPTED_OUT_FACE
            assert ("review band" in cover_reason(match)) == (not flagged)
    assert disagreements == 0
    assert 50 < covered < 600  # the trials reach both sides of the distances


def test_a_face_finding_carries_its_band_and_distances_in_the_report() -> None:
    refs = references({YOUNG: 0.50}, {YOUNG: S.distances_for(AgeBand.AGES_9_12)})
    (finding,) = judge(refs).findings
    doc = finding.as_json()
    jsonschema.validate(doc, FINDING)
    assert doc["age_band"] == "9-12"
    assert doc["flag_distance"] == CHILD_BAND_DISTANCES[AgeBand.AGES_9_12][0]
    assert doc["review_distance"] == REVIEW_DISTANCE
    without = {k: v for k, v in doc.items() if k != "age_band"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(without, FINDING)


# ------------------------------------------------------------- the real pipeline


def test_enrolled_students_are_judged_with_their_rosters_grade(copy_home: Path) -> None:
    # The fixture roster (benchmarks/school.py): Obama grade 5, Kit Harington grade 4,
    # Lin-Manuel Miranda grade 3 (ages 8-9: the younger band).
    with open_workspace(copy_home) as ws:
        refs = load_reference_set(ws, date.today())
    bands = {sid: refs.distances_of(sid) for sid in ("1001", "1003", "1006")}
    assert {sid: d.band for sid, d in bands.items() if d} == {
        "1001": AgeBand.AGES_9_12,
        "1003": AgeBand.AGES_9_12,
        "1006": AgeBand.AGES_5_8,
    }
    # The next school year, without a new import, Lin is in grade 4 (or 5): ages 9-10.
    with open_workspace(copy_home) as ws:
        later = load_reference_set(ws, date(date.today().year + 1, 10, 1))
    assert later.distances_of("1006").band == AgeBand.AGES_9_12  # type: ignore[union-attr]
    with open_workspace(copy_home) as ws:  # and years later, in high school
        years = load_reference_set(ws, date(date.today().year + 6, 10, 1))
    assert years.distances_of("1006").band == AgeBand.AGES_13_15  # type: ignore[union-attr]


def test_the_scan_report_and_log_record_each_face_findings_band_and_distances(
    fixture_scan: dict[str, Any],
) -> None:
    report = fixture_scan["report"]
    assert set(report["settings"]["age_bands"]) == {str(b) for b in AgeBand}
    faces = [
        x
        for f in report["files"]
        for x in f["findings"]
        if x["type"] in (FindingType.OPTED_OUT_FACE, FindingType.POSSIBLE_OPTED_OUT_FACE)
    ]
    assert faces
    for x in faces:
        band = report["settings"]["age_bands"][x["age_band"]]
        assert x["flag_distance"] == band["flag_distance"]
        assert x["review_distance"] in (band["review_distance"], band["profile_review_distance"])
        assert (x["type"] == FindingType.OPTED_OUT_FACE) == (x["distance"] <= x["flag_distance"])
    with open_workspace(fixture_scan["home"]) as ws, ws.db.snapshot() as tx:
        logged = [
            x
            for r in audit.records_of(tx, ws.school, ("scan.file",))
            for x in r.body["findings"]
            if x["type"] in (FindingType.OPTED_OUT_FACE, FindingType.POSSIBLE_OPTED_OUT_FACE)
        ]
        (start,) = audit.records_of(tx, ws.school, ("scan.start",))
    assert len(logged) == len(faces)
    assert all({"age_band", "flag_distance", "review_distance"} <= set(x) for x in logged)
    assert start.body["settings"]["age_bands"] == report["settings"]["age_bands"]


def test_an_unsure_face_names_every_student_it_may_be() -> None:
    """Near an adult (0.62, review only) and a young child (0.52, within the child's 0.65):
    one finding, for the nearer, naming the other too, so that "not the child" (review by
    group) cannot clear the face for the adult. A flag names nobody else: the file is
    flagged whoever else it may be."""
    bands = {ADULT: S.distances_for(AgeBand.ADULT), YOUNG: S.distances_for(YOUNGEST_BAND)}
    unsure = judge(references({ADULT: 0.62, YOUNG: 0.52}, bands))
    assert unsure.verdict == VerdictKind.REVIEW
    (finding,) = unsure.findings
    assert (finding.student_id, round(finding.distance, 2)) == (YOUNG, 0.52)
    assert finding.also_students == (ADULT,)
    assert finding.as_json()["also_students"] == [ADULT]
    alone = judge(references({ADULT: 0.9, YOUNG: 0.52}, bands))
    assert alone.findings[0].also_students is None
    flagged = judge(references({ADULT: 0.50, YOUNG: 0.55}, bands))
    assert [(f.type, f.student_id, f.also_students) for f in flagged.findings] == [
        (FindingType.OPTED_OUT_FACE, ADULT, None)
    ]
