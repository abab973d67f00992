"""The arithmetic of make bench-accuracy (benchmarks/roc.py, benchmarks/accuracy.py), on
made-up distances whose answers can be worked out by hand. The bench itself (real photos,
real dlib) is not run here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import accuracy, roc
from benchmarks.accuracy import Photo, band_of, gap_of, make_pairs
from benchmarks.accuracy_report import Counts, Split, band_report


def test_a_pair_at_the_distance_is_within_it() -> None:
    assert roc.rate_within([0.1, 0.2, 0.3, 0.4], 0.3) == 0.75
    assert roc.rate_within([0.1, 0.2, 0.3, 0.4], 0.299) == 0.5
    assert roc.rate_within([], 0.3) == 0.0


def test_flag_distance_stops_just_short_of_the_first_false_match_too_many() -> None:
    different = [0.30, 0.40, 0.50, 0.60] + [1.0] * 196  # 200 pairs
    # 0.5 % of 200 is 1 pair: 0.30 may be within, 0.40 may not.
    assert roc.flag_distance(different, 0.005) == 0.399
    # 1 % is 2 pairs: up to just short of 0.50.
    assert roc.flag_distance(different, 0.01) == 0.499
    # None allowed: just short of the closest.
    assert roc.flag_distance(different, 0.0) == 0.299
    # Two pairs at the same distance count together.
    assert roc.flag_distance([0.3, 0.3, 0.7, 0.8], 0.25) == 0.299
    assert roc.flag_distance([], 0.01) is None
    assert roc.flag_distance([0.0, 0.0], 0.0) is None


def test_review_distance_is_the_smallest_that_catches_enough() -> None:
    same = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    # 99 % of 10 pairs is all 10 (9.9 rounded up).
    assert roc.review_distance(same, 0.99) == 1.0
    assert roc.review_distance(same, 0.9) == 0.9
    assert roc.review_distance(same, 0.5) == 0.5
    # Off the 0.001 grid: rounded up, so the pair stays within.
    assert roc.review_distance([0.4551], 0.99) == 0.456
    assert roc.review_distance([], 0.99) is None
    assert roc.review_distance([3.0], 0.99) is None  # beyond the grid


def test_roc_point_reports_the_true_rate_at_the_flag_distance() -> None:
    same = [0.2, 0.35, 0.45, 0.55]
    different = [0.4, 0.5, 0.6, 0.7]
    point = roc.roc_point(same, different, 0.25)
    assert point.distance == 0.499
    assert point.true_rate == 0.75  # 0.2, 0.35, 0.45
    assert point.false_rate == 0.25  # 0.4
    assert roc.roc_point([], different, 0.25).true_rate is None


def test_equal_error_is_where_misses_and_false_matches_meet() -> None:
    same = [0.1, 0.2, 0.3, 0.6]
    different = [0.5, 0.7, 0.8, 0.9]
    eer = roc.equal_error(same, different)
    assert eer is not None
    # From 0.5 to 0.599: one same pair missed (0.6), one different pair within (0.5).
    assert eer.distance == 0.5
    assert eer.rate == 0.25
    assert eer.false_rate == 0.25 and eer.miss_rate == 0.25
    assert roc.equal_error(same, []) is None


def test_review_is_widened_to_flag_but_never_narrowed() -> None:
    wide_flag = roc.propose([0.3], [0.7] * 10, 0.99, 0.005)
    assert (wide_flag.review, wide_flag.flag, wide_flag.review_used) == (0.3, 0.699, 0.699)
    narrow_flag = roc.propose([0.6], [0.5] * 10, 0.99, 0.005)
    assert (narrow_flag.review, narrow_flag.flag, narrow_flag.review_used) == (0.6, 0.499, 0.6)


def test_bands_and_gaps() -> None:
    assert [band_of(a) for a in (4, 5, 8, 9, 12, 13, 15, 16, 18, 19, 69)] == [
        None,
        "5-8",
        "5-8",
        "9-12",
        "9-12",
        "13-15",
        "13-15",
        "16-18",
        "16-18",
        "adults",
        "adults",
    ]
    assert band_of(None) == "adults"
    assert [gap_of(y) for y in (0, 1, 2, 3, 4, 30, None)] == [
        "<=1",
        "<=1",
        "2-3",
        "2-3",
        "4+",
        "4+",
        None,
    ]


def _photo(person: str, age: int | None) -> Photo:
    band = band_of(age)
    assert band is not None
    return Photo(Path(f"{person}{age}.jpg"), person, age, band)


def test_a_same_child_pair_takes_the_band_of_the_later_photo() -> None:
    photos = [
        _photo("ana", 7),
        _photo("ana", 9),
        _photo("ben", 8),
        _photo("kit", None),
        _photo("kit", None),
        _photo("dan", 30),
    ]
    pairs = {(p.first, p.second): p for p in make_pairs(photos)}
    ana = pairs[(0, 1)]
    assert (ana.same, ana.band, ana.gap) == (True, "9-12", "2-3")
    assert (pairs[(0, 2)].same, pairs[(0, 2)].band) == (False, "5-8")
    assert (1, 2) not in pairs  # ana at 9 and ben at 8: different bands
    kit = pairs[(3, 4)]
    assert (kit.same, kit.band, kit.gap) == (True, "adults", None)
    assert (pairs[(3, 5)].same, pairs[(3, 5)].band) == (False, "adults")
    assert len(pairs) == 5  # and ana/ben against the adults: none


def test_fgnet_names_give_person_and_age_and_the_youngest_are_left_out(tmp_path: Path) -> None:
    for name in ("001A02.JPG", "001A05.JPG", "002A18b.JPG", "002A18a.JPG", "README.md"):
        (tmp_path / name).write_bytes(b"")
    photos = accuracy.fgnet_photos(tmp_path)
    assert [(p.path.name, p.person, p.age, p.band) for p in photos] == [
        ("001A05.JPG", "fgnet-001", 5, "5-8"),
        ("002A18a.JPG", "fgnet-002", 18, "16-18"),
        ("002A18b.JPG", "fgnet-002", 18, "16-18"),
    ]
    pairs = make_pairs(photos)
    assert [(p.same, p.band, p.gap) for p in pairs] == [(True, "16-18", "<=1")]


def test_adult_fixtures_leave_out_groups_and_copies(tmp_path: Path) -> None:
    for rel in (
        "obama/obama.jpg",
        "obama/obama-240p.jpg",
        "obama/obama_partial_face.jpg",
        "biden/biden.jpg",
        "groups/kit_rose.jpg",
        "misc/rgba_32bit.png",
    ):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    photos = accuracy.adult_photos(tmp_path)
    assert [(p.path.name, p.person) for p in photos] == [
        ("biden.jpg", "fixture-biden"),
        ("obama.jpg", "fixture-obama"),
    ]


def test_band_report_splits_flags_and_reviews_as_the_thresholds_do() -> None:
    same = np.array([0.55, 0.62, 0.70, 0.30])
    gaps = ["<=1", "<=1", "4+", "2-3"]
    labels = ["a1 / a2", "b1 / b2", "c1 / c2", "d1 / d2"]
    different = np.array([0.58, 0.64, 0.90, 1.00])
    counts = Counts(8, 4, 4, 4, {"<=1": 2, "2-3": 1, "4+": 1})
    report = band_report(counts, same, gaps, labels, different, 0.6, 0.65)
    same_split = report.current.same
    assert same_split is not None
    assert (same_split.flagged, same_split.caught) == (0.5, 0.75)
    assert same_split.review == pytest.approx(0.25)
    assert report.current.different == Split(0.25, 0.25, 0.5)
    four_years = report.current.same_by_gap["4+"]
    assert four_years is not None and four_years.caught == 0.0
    # The rule: review catches both pairs <= 1 y apart (0.62); 0.5 % of 4 pairs is none,
    # so flag stops short of the closest different pair (0.58).
    assert (report.proposed.review, report.proposed.flag) == (0.62, 0.579)
    assert report.hardest_recent == ["0.620 b1 / b2", "0.550 a1 / a2"]
    # 1 % of 4 pairs is none too: the first ROC point is the flag distance; 5 %, the same.
    assert [p.distance for p in report.roc] == [0.579, 0.579, 0.579]
    assert report.roc[0].true_rate == 0.5  # 0.30 and 0.55
    assert report.roc[0].true_rate_by_gap == {"<=1": 0.5, "2-3": 1.0, "4+": 0.0}
