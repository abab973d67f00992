"""Where a safe copy puts its covers: the region around a face, the styles, and in
videos the frames between and around the samples where a face was found."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from photoguard.faces.detect import Box
from photoguard.safecopy.cover import BOX_COLOUR, STYLES, cover, region_for
from photoguard.safecopy.video import (
    Detection,
    build_tracks,
    chunks,
    hold_frames,
    plan_covers,
    track_boxes,
)

FPS = 30.0
STEP = 3  # about 10 samples a second


def test_region_is_the_face_and_a_third_more_mostly_upwards() -> None:
    x0, y0, x1, y1 = region_for(Box(100, 100, 60, 60), 1000, 1000)
    assert (x1 - x0, y1 - y0) == (80, 80)
    assert x0 == 90 and x1 == 170  # evenly left and right
    assert 100 - y0 > y1 - 160  # more room above (hair) than below
    stronger = region_for(Box(100, 100, 60, 60), 1000, 1000, level=2)
    assert stronger[2] - stronger[0] > x1 - x0


def test_region_is_clipped_to_the_picture() -> None:
    assert region_for(Box(0, 0, 60, 60), 50, 40) == (0, 0, 50, 40)


@pytest.mark.parametrize("style", STYLES)
def test_each_style_changes_the_region_and_nothing_else(style: str) -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(120, 160, 3), dtype=np.uint8)
    before = image.copy()
    cover(image, [(40, 30, 100, 90)], style)
    inside = np.abs(image[30:90, 40:100].astype(int) - before[30:90, 40:100]).mean()
    assert inside > 40  # random noise averaged away (or painted over)
    outside = image.copy()
    outside[30:90, 40:100] = before[30:90, 40:100]
    assert (outside == before).all()
    if style == "box":
        assert (image[30:90, 40:100] == BOX_COLOUR).all()


def test_cover_makes_transparent_pixels_opaque() -> None:
    image = np.zeros((20, 20, 4), dtype=np.uint8)
    cover(image, [(5, 5, 15, 15)], "blur")
    assert (image[5:15, 5:15, 3] == 255).all() and (image[:5, :, 3] == 0).all()


def face(frame: int, left: int, matched: bool = True) -> Detection:
    return Detection(
        frame,
        Box(left, 50, 60, 60),
        "1006" if matched else None,
        0.4 if matched else None,
        matched,
    )


def covered_frames(detections: list[Detection], frame_count: int = 300) -> dict[int, list]:
    tracks = build_tracks(detections, max_gap=30)
    return plan_covers(tracks, FPS, STEP, frame_count, 640, 360, level=0)


def test_every_frame_between_samples_is_covered_where_the_face_moves() -> None:
    covers = covered_frames([face(30, 100), face(33, 130), face(36, 160)])
    hold = hold_frames(FPS, STEP)
    assert sorted(covers) == list(range(30 - hold, 36 + hold + 1))
    # Halfway between two samples the cover is halfway between the two boxes.
    (x0, _y0, x1, _y1) = covers[34][0]
    assert x0 < 140 and x1 > 140 + 60


def test_a_face_that_turns_away_is_still_covered_in_its_track() -> None:
    """Samples where the same face did not match (turned away) are covered with it."""
    covers = covered_frames([face(30, 100), face(33, 104, matched=False), face(60, 300)])
    assert 33 in covers and any(r[0] <= 104 for r in covers[33])


def test_another_persons_face_is_not_covered() -> None:
    covers = covered_frames([face(30, 100), face(30, 500, matched=False)])
    assert all(r[2] < 500 for regions in covers.values() for r in regions)


def test_samples_far_apart_are_held_not_joined() -> None:
    tracks = build_tracks([face(0, 100), face(60, 100)], max_gap=30)
    assert len(tracks) == 2  # more than a second apart: two appearances
    tracks = build_tracks([face(0, 100), face(20, 100)], max_gap=30)
    frames = [f for f, _box, _grow in track_boxes(tracks[0], FPS, STEP, 300)]
    assert frames == list(range(0, 20 + hold_frames(FPS, STEP) + 1))


def test_growth_between_samples_is_largest_halfway() -> None:
    (track,) = build_tracks([face(30, 100), face(42, 100)], max_gap=30)
    growth = {f: g for f, _box, g in track_boxes(track, FPS, STEP, 300)}
    assert growth[30] == 0 and growth[36] > growth[33] > 0


def test_chunks_cover_the_whole_video_once() -> None:
    parts = chunks(275, 2, 3)
    assert parts[0][0] == 0 and parts[-1][1] is None
    assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
    assert chunks(0, 2, 3) == [(0, None)]
