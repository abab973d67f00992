"""Videos a school really has, through the real scan with the fixture school: a face that
walks into a still shot, a screen recording with a variable frame rate, damaged H.264,
a second picture track, camcorder and old formats, a phone video stored sideways, and
how densely each video was searched. One folder of real videos (tests/videos.py),
scanned once and shared by the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import VIDEO
from videos import (
    background,
    damage,
    every,
    obama_head,
    paste,
    photo_frame,
    rotated_mp4,
    with_noise,
    write_video,
    write_with_cover_art,
)

from photoguard.scan.analysis import AnalysisOptions, analyze_file, merge_parts
from photoguard.scan.report import ScanReport, csv_rows, summary_lines
from photoguard.scan.report_schema import REPORT_SCHEMA
from photoguard.scan.run import ScanFinished, scan
from photoguard.workspace.folder import open_workspace

pytestmark = [pytest.mark.faces, pytest.mark.engine_neutral]

OBAMA, KIT = "1001", "1003"

#: Camcorder, DVD, Windows, Flash, web and editing formats: file name -> (container,
#: codec, frame size, frame rate). Each shows Obama for a second.
FORMATS: dict[str, tuple[str, str, tuple[int, int], int]] = {
    "camcorder.MTS": ("mpegts", "libx264", (320, 180), 25),
    "bluray.m2ts": ("mpegts", "mpeg2video", (320, 180), 25),
    "old_camcorder.MPG": ("mpeg", "mpeg1video", (320, 180), 25),
    "dvd.vob": ("vob", "mpeg2video", (320, 180), 25),
    "windows.wmv": ("asf", "wmv2", (320, 180), 25),
    "windows.asf": ("asf", "msmpeg4", (320, 180), 25),
    "flash.flv": ("flv", "flv", (320, 180), 25),
    "flash.f4v": ("f4v", "libx264", (320, 180), 25),
    "web.ogv": ("ogg", "libvpx", (320, 180), 25),
    "phone.3g2": ("3g2", "mpeg4", (320, 180), 25),
    "studio.mxf": ("mxf", "mpeg2video", (320, 180), 25),
    "camera.dv": ("dv", "dvvideo", (720, 576), 25),
}


def _format_clip(path: Path, container: str, codec: str, size: tuple[int, int], fps: int) -> None:
    head = obama_head(90 if size[1] < 300 else 200)
    scene = paste(background(size), head, (size[0] // 3, (size[1] - head.shape[0]) // 2))
    options = {"mpegts_m2ts_mode": "1"} if path.suffix == ".m2ts" else None
    from fractions import Fraction

    import av

    out = av.open(str(path), "w", format=container, options=options or {})
    try:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        for i in range(fps):
            frame = av.VideoFrame.from_ndarray(with_noise(scene, i), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    finally:
        out.close()


def build_videos(d: Path) -> dict[str, Any]:
    d.mkdir()
    facts: dict[str, Any] = {}
    # 1. A still shot (a tripod at a school play): the same scene, sensor noise only,
    #    until Obama's head (a 120 px face in 1280 x 720) comes in at 3 s.
    scene = background((1280, 720))
    entered = paste(scene, obama_head(120), (860, 240))
    write_video(
        d / "still_shot.mp4",
        [(t, with_noise(entered if t >= 3.0 else scene, i)) for i, t in enumerate(every(10, 0, 5))],
        rate=10,
    )
    #    The same as an animated GIF and an animated WebP (a slideshow): two still
    #    frames, then the one with the head.
    from PIL import Image

    pictures = [Image.fromarray(p) for p in (scene, scene, entered)]
    for name in ("still_shot.gif", "still_shot.webp"):
        pictures[0].save(d / name, save_all=True, append_images=pictures[1:], duration=1000)
    # 5. A screen recording: 151 frames in the first 5 s, then one frame with Obama
    #    shown from 5.0 s to 8.1 s, then 30 frames a second again. (Frame 151 is prime:
    #    no whole-number step through the frame numbers lands on it.)
    small = background((640, 360), seed=5)
    slide = paste(small, obama_head(110), (240, 60))
    facts["slide"], facts["no_slide"] = slide, small
    write_video(
        d / "screen_recording.mp4",
        [(i * 5.0 / 151, with_noise(small, i)) for i in range(151)]
        + [(5.0, slide)]
        + [(t, with_noise(small, 200 + i)) for i, t in enumerate(every(30, 8.1, 10.0))],
    )
    # 13. H.264 with decode errors: no face anywhere; 20 bits flipped in the frame data.
    clean = write_video(
        d.parent / "clean.mp4",
        [(t, with_noise(small, i, 12)) for i, t in enumerate(every(30, 0, 3))],
        options={"g": "30"},
    )
    damage(clean, d / "damaged.mp4")
    facts["clean_h264"] = clean
    # 14. Matroska with two picture tracks: the first shows an empty room, the second
    #     (a second camera) Kit Harington from 1 s.
    kit = photo_frame("kit_harington/kit2.jpg", (640, 360))
    write_video(
        d / "two_cameras.mkv",
        [(t, with_noise(small, i)) for i, t in enumerate(every(10, 0, 2))],
        tracks=[
            [(t, with_noise(kit if t >= 1.0 else small, i)) for i, t in enumerate(every(10, 0, 2))]
        ],
        rate=10,
    )
    #     And an MP4 whose cover art (a picture stream of its own) shows Kit.
    write_with_cover_art(
        d / "with_cover_art.mp4",
        [(t, with_noise(small, i)) for i, t in enumerate(every(10, 0, 1))],
        photo_frame("kit_harington/kit2.jpg", (630, 374)),
    )
    # 4. Camcorder, DVD, Windows, Flash ... formats; and one clip renamed by a card reader.
    for name, spec in FORMATS.items():
        _format_clip(d / name, *spec)
    shutil.copyfile(d / "camcorder.MTS", d / "from_card.bin")
    (d / "helpers.ts").write_text("export const greet = (name: string) => `hi ${name}`;\n")
    # 15. Obama for 0.1 s (1.05-1.15 s of a 60 fps clip) between two samples; and a
    #     slideshow of two pictures a second, all of whose frames are searched.
    write_video(
        d / "blink.mp4",
        [
            (t, with_noise(slide if 1.04 < t < 1.14 else small, i))
            for i, t in enumerate(every(60, 0, 2))
        ],
        rate=60,
    )
    write_video(
        d / "slideshow.mp4",
        [(t, with_noise(small, i, 20)) for i, t in enumerate(every(2, 0, 3))],
        rate=2,
    )
    # A phone video stored sideways with a display matrix (regression: OpenCV turned it).
    upright = paste(background((360, 640), seed=8), obama_head(110), (60, 200))
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # turned back on display
    sideways = write_video(
        d.parent / "sideways.mp4",
        [(t, with_noise(stored, i)) for i, t in enumerate(every(10, 0, 1))],
        rate=10,
    )
    rotated_mp4(sideways, d / "portrait_phone.mp4", 90)
    facts["portrait_size"] = (360, 640)
    return facts


@pytest.fixture(scope="module")
def built(enrolled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("videos")
    home = base / "home"
    shutil.copytree(enrolled_home, home)
    d = base / "drop"
    facts = build_videos(d)
    with open_workspace(home) as ws:
        events = list(scan(ws, [d]))
    report: ScanReport = next(e for e in events if isinstance(e, ScanFinished)).report
    return {
        **facts,
        "dir": d,
        "home": home,
        "files": {f.rel: f for f in report.files},
        "skipped": {s.rel: s.reason for s in report.skipped},
        "report": report,
    }


def _times(result: Any, student: str) -> list[float]:
    return sorted(
        f.time_s
        for f in result.findings
        if f.type == "opted_out_face" and f.student_id == student and f.time_s is not None
    )


def test_a_face_that_walks_into_a_still_shot_is_found_when_it_enters(
    built: dict[str, Any],
) -> None:
    r = built["files"]["still_shot.mp4"]
    assert r.verdict == "flagged", r.assessment.reason
    times = _times(r, OBAMA)
    assert times and 2.9 <= times[0] <= 3.1, times
    # Every sample was searched (sensor noise makes no two frames identical) and the
    # face is found in every sample from 3 s on.
    assert r.assessment.frames_checked == 21  # 0, 0.25 ... 5 s and the last frame
    assert len(times) >= 8


@pytest.mark.parametrize("name", ["still_shot.gif", "still_shot.webp"])
def test_a_face_that_appears_in_a_still_animation_is_found(
    built: dict[str, Any], name: str
) -> None:
    r = built["files"][name]
    assert r.verdict == "flagged", r.assessment.reason
    assert _times(r, OBAMA) == [2.0]  # after two seconds of the empty scene
    assert r.assessment.frames_checked == 2  # Pillow stores the two equal frames as one


def test_only_a_pixel_identical_frame_reuses_the_last_search() -> None:
    """Faces are carried over from the last searched frame only when the new frame is
    identical at detection scale; a frame that differs at all is searched."""
    from photoguard.media import Frame
    from photoguard.scan.analysis import _check_frames

    scene = background((320, 180))
    face = paste(scene, obama_head(90), (120, 20))
    nudged = scene.copy()
    nudged[0, 0, 0] ^= 1  # one grey level in one pixel

    def frame(rgb: np.ndarray, t: float) -> Frame:
        return Frame(image=rgb, scale=1.0, width=320, height=180, time_s=t)

    tally = _check_frames(
        iter([frame(scene, 0), frame(scene.copy(), 1), frame(nudged, 2), frame(face, 3)]),
        encode=False,
    )
    assert (tally.checked, tally.searched) == (4, 3)
    assert [h.time_s for h in tally.hits] == [3.0]


def test_a_frame_shown_for_three_seconds_is_found_at_its_own_time(
    built: dict[str, Any],
) -> None:
    r = built["files"]["screen_recording.mp4"]
    assert r.verdict == "flagged", r.assessment.reason
    assert _times(r, OBAMA) == [5.0]  # shown 5.0-8.1 s: searched once, at its own time
    assert r.assessment.duration_s == pytest.approx(10.0, abs=0.05)


def test_the_frame_shown_at_a_reported_time_is_the_one_the_scan_saw(
    built: dict[str, Any],
) -> None:
    """The app shows a finding's frame by its time: in a variable-frame-rate video that
    is the frame on screen then, not the frame whose number is time x average rate."""
    from photoguard.media.preview import video_frame

    path = built["dir"] / "screen_recording.mp4"

    def distance(time_s: float, expected: np.ndarray) -> float:
        shown = np.asarray(video_frame(path, time_s).image, dtype=np.int16)
        return float(np.abs(shown - expected.astype(np.int16)).mean())

    for t in (5.0, 6.5, 8.0):
        assert distance(t, built["slide"]) < 4, t
    for t in (4.9, 8.2):
        assert distance(t, built["no_slide"]) < 4, t


def test_h264_with_decode_errors_is_an_error(built: dict[str, Any]) -> None:
    r = built["files"]["damaged.mp4"]
    assert r.verdict == "error"
    assert "damaged" in r.assessment.reason, r.assessment.reason


def test_the_second_picture_track_is_checked(built: dict[str, Any]) -> None:
    r = built["files"]["two_cameras.mkv"]
    assert r.verdict == "flagged", r.assessment.reason
    times = _times(r, KIT)
    assert times and 0.9 <= times[0] <= 1.1, times
    assert r.assessment.frames_in_video == 40  # 20 frames in each track


def test_cover_art_stored_as_a_picture_stream_is_checked(built: dict[str, Any]) -> None:
    r = built["files"]["with_cover_art.mp4"]
    assert r.verdict == "flagged", r.assessment.reason
    kit = [f for f in r.findings if f.type == "opted_out_face" and f.student_id == KIT]
    assert kit and all(f.time_s is None for f in kit)  # a picture with no place in time
    assert (r.assessment.width, r.assessment.height) == (640, 360)  # the video's own size


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_camcorder_dvd_windows_flash_and_web_formats_are_checked(
    built: dict[str, Any], name: str
) -> None:
    r = built["files"][name]
    assert r.kind == "video"
    assert r.verdict == "flagged", r.assessment.reason
    assert _times(r, OBAMA)[0] == 0.0


def test_a_camcorder_clip_with_another_name_is_recognised_by_its_contents(
    built: dict[str, Any],
) -> None:
    r = built["files"]["from_card.bin"]
    assert (r.kind, r.verdict) == ("video", "flagged")
    assert built["skipped"].get("helpers.ts") == "not a photo or video"  # TypeScript


def test_a_sideways_phone_video_is_turned_upright(built: dict[str, Any]) -> None:
    r = built["files"]["portrait_phone.mp4"]
    assert r.verdict == "flagged", r.assessment.reason
    assert (r.assessment.width, r.assessment.height) == built["portrait_size"]
    boxes = [f.box for f in r.findings if f.type == "opted_out_face"]
    assert boxes and all(b is not None and b[0] + b[2] <= 360 for b in boxes)


def test_each_video_says_how_densely_it_was_sampled(built: dict[str, Any]) -> None:
    report: ScanReport = built["report"]
    blink = built["files"]["blink.mp4"]
    # The face on screen for 0.1 s between two samples is not seen: the documented
    # limit, which the report states for every video.
    assert blink.verdict == "clear"
    doc = report.as_json()
    import jsonschema

    jsonschema.validate(doc, REPORT_SCHEMA)
    files = {f["path"]: f for f in doc["files"]}
    assert files["blink.mp4"]["sampling"] == {
        "per_second": 4.0,
        "frames": 120,
        "frames_searched": 9,  # 0, 0.25 ... 1.75 s and the last frame
        "every_frame": False,
        "may_miss_under_s": 0.25,
        "text_every_s": 1.0,  # text in the picture is read less densely (test_ocr.py)
    }
    assert 2 <= files["blink.mp4"]["text_frames_read"] < 9
    assert files["slideshow.mp4"]["sampling"]["every_frame"] is True
    assert files["slideshow.mp4"]["sampling"]["may_miss_under_s"] is None
    assert "sampling" not in files["damaged.mp4"]  # not checked: no claim about it
    by_path = {row[0]: row for row in csv_rows(report)}
    assert by_path["blink.mp4"][-1] == (
        "sampled 4 times a second: a face on screen for less than 0.25 s may be missed"
    )
    assert by_path["slideshow.mp4"][-1] == "every frame checked"
    summary = "\n".join(summary_lines(report))
    assert "sampled 4 times a second: a face on screen for less than 0.25 s may be missed" in (
        summary
    )


def test_parts_of_a_variable_frame_rate_video_see_the_same_samples(
    built: dict[str, Any],
) -> None:
    path = built["dir"] / "screen_recording.mp4"
    options = AnalysisOptions(min_face_px=48, frames_per_second=1.0, encode=True)
    whole = analyze_file(path, "video", options)
    merged = merge_parts([analyze_file(path, "video", options, k, 3) for k in range(3)])
    assert whole.error is None and merged.error is None
    # At 0, 1 ... 4 s, the slide (on screen at 5, 6, 7 and 8 s, searched once), 9 s, the last.
    assert merged.frames_checked == whole.frames_checked == 8
    assert [f.time_s for f in merged.faces] == [f.time_s for f in whole.faces] == [5.0]


def test_every_part_finds_a_video_cut_short(tmp_path: Path, fixtures_dir: Path) -> None:
    import hostile

    cut = hostile.video_cut_short(tmp_path / "cut.mp4", VIDEO, 0.6)
    options = AnalysisOptions(min_face_px=48, frames_per_second=1.0, encode=False)
    for k in range(2):
        part = analyze_file(cut, "video", options, k, 2)
        assert part.error and "stopped decoding" in part.error, part.error


def test_no_ffmpeg_lines_on_the_terminal_for_av1_and_damaged_video(
    built: dict[str, Any], tmp_path: Path
) -> None:
    """An AV1 clip gets a proper result and a damaged H.264 clip a plain error, and
    nothing FFmpeg says reaches the terminal (the workers' stderr is the terminal's)."""
    import av

    if "libsvtav1" not in av.codecs_available:
        pytest.skip("this PyAV build has no AV1 encoder to make the test clip")
    d = tmp_path / "drop"
    d.mkdir()
    scene = paste(background((640, 360), seed=5), obama_head(110), (240, 60))
    write_video(d / "av1.mp4", [(t, scene) for t in every(10, 0, 1)], codec="libsvtav1", rate=10)
    # Damaged in other places than the scanned one (which the scan cache knows).
    damage(built["clean_h264"], d / "damaged.mp4", seed=1)
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe
    proc = subprocess.run(
        [exe, "--home", str(built["home"]), "scan", str(d), "--json", str(tmp_path / "r.json")],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PHOTOGUARD_KEY_STORE": "file"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == "", proc.stderr
    assert "FLAGGED  av1.mp4: opted-out Barry Obama" in proc.stdout, proc.stdout
    assert "ERROR    damaged.mp4: the video is damaged at" in proc.stdout, proc.stdout
