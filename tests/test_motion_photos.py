"""Motion photos: the clip a phone stores after the still is checked like a video, and a
clip that cannot be read makes the file an error, never clear.

Each photo's still is of Rose Leslie (not opted out: the still alone is clear); its
clip is cut from the fixture video while Lin-Manuel Miranda (1006, opted out) is on
screen. Layouts as Google and Samsung phones write them (tests/motionphotos.py).
"""

from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest
from conftest import FACES
from motionphotos import (
    appended,
    clip_mp4,
    google_micro_video,
    google_motion_photo,
    google_motion_xmp,
    samsung_motion_photo,
    still_jpeg,
)
from PIL import Image

from photoguard.safecopy import make_safe_copy, save_safe_copy
from photoguard.scan.report import FileResult
from photoguard.scan.run import ScanFinished, scan
from photoguard.workspace.folder import open_workspace

pytestmark = [pytest.mark.faces, pytest.mark.engine_neutral]

STILL = FACES / "rose_leslie" / "rose1.jpg"
LAYOUTS = {
    "PXL_20260314_101500123.MP.jpg": "Google Motion Photo (Container:Directory)",
    "MVIMG_20190314_101500.jpg": "Google micro video (MicroVideoOffset)",
    "20260314_101500.jpg": "Samsung (MotionPhoto_Data and SEF trailer)",
    "IMG_0042.jpg": "an MP4 appended, nothing in the XMP",
    "20260314_101501.heic": "Samsung HEIC (mpvd box)",
}


def _heic(still: Path, mp4: bytes) -> bytes:
    """A Samsung HEIC motion photo: the MP4 in a top-level mpvd box after the picture."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    with Image.open(still) as im:
        out = io.BytesIO()
        im.convert("RGB").save(out, "HEIF", quality=80)
    return out.getvalue() + struct.pack(">I", 8 + len(mp4)) + b"mpvd" + mp4


@pytest.fixture(scope="module")
def built(enrolled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("motion")
    home = base / "home"
    shutil.copytree(enrolled_home, home)
    mp4 = clip_mp4(base / "clip.mp4")
    d = base / "phone"
    d.mkdir()
    makers = [google_motion_photo, google_micro_video, samsung_motion_photo, appended, _heic]
    for name, make in zip(LAYOUTS, makers, strict=True):
        (d / name).write_bytes(make(STILL, mp4))
    whole = google_motion_photo(STILL, mp4)
    # The clip cut off half way (a copy that stopped early): it does not decode.
    (d / "PXL_cut.MP.jpg").write_bytes(whole[: len(whole) - len(mp4) // 2])
    # The XMP says a video follows; what follows is not one.
    (d / "PXL_junk.MP.jpg").write_bytes(still_jpeg(STILL, google_motion_xmp(5000)) + b"\x01" * 5000)
    (d / "still_only.jpg").write_bytes(still_jpeg(STILL))
    with open_workspace(home) as ws:
        final = list(scan(ws, [d]))[-1]
    assert isinstance(final, ScanFinished)
    return {"files": {f.rel: f for f in final.report.files}, "report": final.report}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_the_video_inside_a_motion_photo_is_checked(built: dict[str, Any], name: str) -> None:
    r: FileResult = built["files"][name]
    assert r.verdict == "flagged", f"{LAYOUTS[name]}: {r.assessment.reason}"
    hits = [f for f in r.findings if f.type == "opted_out_face"]
    assert {f.student_id for f in hits} == {"1006"}
    # Found in the clip's sampled frames, with times, and said to be in the video.
    assert all(f.time_s is not None for f in hits)
    assert all(f.detail and "motion-photo video" in f.detail for f in hits)
    assert r.assessment.frames_checked > 2  # the still, and the clip's samples


@pytest.mark.parametrize("name", ["PXL_cut.MP.jpg", "PXL_junk.MP.jpg"])
def test_a_motion_photo_video_that_cannot_be_read_is_an_error(
    built: dict[str, Any], name: str
) -> None:
    r: FileResult = built["files"][name]
    assert r.verdict == "error", r.assessment.reason
    assert "holds a motion-photo video that could not be checked" in r.assessment.reason


def test_the_summary_says_the_face_is_in_the_motion_photo_video(built: dict[str, Any]) -> None:
    from photoguard.scan.report import summary_lines

    (line,) = [x for x in summary_lines(built["report"]) if "PXL_20260314_101500123" in x]
    assert "FLAGGED" in line and "in its motion-photo video at" in line, line


def test_the_still_alone_is_clear(built: dict[str, Any]) -> None:
    """Guard: the same still without a clip is clear (the flags above come from the clip)."""
    assert built["files"]["still_only.jpg"].verdict == "clear"


def test_the_safe_copy_of_a_motion_photo_is_the_still_alone(
    copy_home: Path, tmp_path: Path
) -> None:
    """Obama (1001) in the still, Lin-Manuel Miranda in the clip: the copy covers Obama,
    says the video is left out, and holds no video (nor the XMP that points to one)."""
    mp4 = clip_mp4(tmp_path / "clip.mp4")
    source = tmp_path / "phone" / "PXL_20260314_101500123.MP.jpg"
    source.parent.mkdir()
    source.write_bytes(google_motion_photo(FACES / "groups" / "obama_biden_1.jpg", mp4))
    with open_workspace(copy_home) as ws:
        with make_safe_copy(ws, source) as preview:
            saved = save_safe_copy(ws, preview, tmp_path / "safe", "Ms. Rivera")
        final = list(scan(ws, [saved.path]))[-1]
    assert isinstance(final, ScanFinished)
    assert [f.verdict for f in final.report.files] == ["clear"]
    # Only the still's face is covered: the clip's faces are in the clip's pixels.
    assert [f.student_id for f in preview.faces] == ["1001"]
    assert "motion-photo video" in preview.removed
    from photoguard.media.motion import find_embedded_videos

    data = saved.path.read_bytes()
    assert find_embedded_videos(saved.path).videos == ()
    assert b"ftyp" not in data and b"MotionPhoto" not in data and b"Container" not in data
    assert len(data) < len(source.read_bytes()) - len(mp4) // 2


def test_a_motion_photo_scanned_at_another_rate_is_searched_again(
    copy_home: Path, tmp_path: Path
) -> None:
    """The clip is sampled at the video rate: a result cached at one rate is not reused
    at another (``--fps 10`` after a scan at the default must sample the clip at 10)."""
    from photoguard.workspace.settings import with_overrides

    mp4 = clip_mp4(tmp_path / "clip.mp4")
    source = tmp_path / "phone" / "PXL_20260314_101500123.MP.jpg"
    source.parent.mkdir()
    source.write_bytes(google_motion_photo(STILL, mp4))
    results = []
    with open_workspace(copy_home) as ws:
        for fps in (1.0, 10.0, 10.0):
            final = list(
                scan(ws.with_settings(with_overrides(ws.settings, frames_per_second=fps)), [source])
            )[-1]
            assert isinstance(final, ScanFinished)
            results.append(final.report.files[0])
    assert [r.cached for r in results] == [False, False, True]
    assert results[1].assessment.frames_checked > results[0].assessment.frames_checked + 10


@pytest.mark.parametrize("in_memory", [True, False])
def test_the_clip_is_copied_out_whole_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: bool
) -> None:
    """The worker decodes a copy of the clip: in memory where the system can (Linux),
    else in a private temporary folder that is removed afterwards."""
    import os
    import tempfile

    from photoguard.media import video_frames
    from photoguard.media.motion import extracted, find_embedded_videos

    if in_memory and not hasattr(os, "memfd_create"):
        pytest.skip("no in-memory files on this system")
    if not in_memory:
        monkeypatch.delattr(os, "memfd_create", raising=False)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    mp4 = clip_mp4(tmp_path / "clip.mp4")
    source = tmp_path / "PXL_20260314_101500123.MP.jpg"
    source.write_bytes(google_motion_photo(STILL, mp4))
    (video,) = find_embedded_videos(source).videos
    with extracted(source, video) as clip:
        assert clip.read_bytes() == mp4
        assert len(list(video_frames(clip, 2.0, 48))) >= 4
        assert list(scratch.iterdir()) == ([] if in_memory else [clip.parent])
    assert list(scratch.iterdir()) == []
