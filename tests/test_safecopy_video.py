"""A safe copy of the fixture video: Lin-Manuel Miranda (1006, opted out) covered in
every frame, the copy re-encoded at the same size and frame rate without audio, and
an ordinary scan of the copy on every frame comes out clear.

The copy is made once for the module (about 30 s on two cores); each test reads it.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import pytest
from conftest import VIDEO, require_fixtures

from photoguard import audit
from photoguard.safecopy import SafeCopyPreview, SavedCopy, make_safe_copy, save_safe_copy
from photoguard.scan.run import ScanFinished, scan
from photoguard.workspace.folder import Workspace, open_workspace
from photoguard.workspace.settings import with_overrides

pytestmark = [pytest.mark.faces, pytest.mark.slow]


@dataclass
class Made:
    ws: Workspace
    preview: SafeCopyPreview
    saved: SavedCopy
    source_sha_before: str


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def made(enrolled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Made]:
    require_fixtures()
    base = tmp_path_factory.mktemp("safecopy-video")
    home = base / "home"
    shutil.copytree(enrolled_home, home)
    before = sha(VIDEO)
    with open_workspace(home) as ws:
        preview = make_safe_copy(ws, VIDEO, "blur")
        saved = save_safe_copy(ws, preview, base / "safe", "Ms. Rivera")
        preview.discard()
        yield Made(ws, preview, saved, before)


def video_props(path: Path) -> tuple[float, int, int, int]:
    cap = cv2.VideoCapture(str(path))
    try:
        return (
            round(cap.get(cv2.CAP_PROP_FPS), 2),
            int(cap.get(cv2.CAP_PROP_FRAME_COUNT)),
            int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
    finally:
        cap.release()


def test_same_size_frame_rate_and_frames_and_the_original_untouched(made: Made) -> None:
    assert made.saved.path.name == "short_hamilton_clip-safe.mp4"
    assert video_props(made.saved.path) == video_props(VIDEO) == (29.97, 275, 640, 360)
    assert made.preview.frames == 275
    assert sha(VIDEO) == made.source_sha_before


def test_lin_is_covered_wherever_the_scan_finds_him(made: Made) -> None:
    """Every moment an ordinary scan of the original flags Lin lies inside a stretch
    of the copy in which his face is covered."""
    events = list(scan(made.ws, [VIDEO]))
    final = events[-1]
    assert isinstance(final, ScanFinished)
    flagged = [
        f.time_s
        for f in final.report.files[0].findings
        if f.student_id == "1006" and f.time_s is not None
    ]
    assert flagged, "the original scan should find Lin"
    spans = [(f.time_s, f.until_s) for f in made.preview.faces if f.student_id == "1006"]
    assert spans
    for t in flagged:
        assert any(a is not None and b is not None and a <= t <= b for a, b in spans), t


def test_obamas_profile_is_covered(made: Made) -> None:
    """HOG never found Obama in profile at 7.2-8.3 s, so a safe copy left him visible;
    CenterFace finds him, and his profile is close enough to his photo to be covered."""
    spans = [(f.time_s, f.until_s) for f in made.preview.faces if f.student_id == "1001"]
    assert spans
    assert any(a is not None and b is not None and a <= 7.5 and b >= 8.2 for a, b in spans), spans


def test_the_copy_rescans_clear_on_every_frame(made: Made) -> None:
    assert made.preview.rescan.verdict == "clear"
    assert made.preview.rescan.frames_checked == 275
    # And the ordinary scan, told to look at every frame (30 a second), agrees.
    ws = made.ws.with_settings(with_overrides(made.ws.settings, frames_per_second=30))
    events = list(scan(ws, [made.saved.path]))
    final = events[-1]
    assert isinstance(final, ScanFinished)
    result = final.report.files[0]
    assert result.verdict == "clear", result.assessment.reason
    assert result.assessment.frames_checked == 275


def test_audio_is_not_kept_and_the_log_says_so(made: Made) -> None:
    assert made.preview.audio_kept is False
    assert any("Audio is not kept" in note for note in made.preview.notes)
    with made.ws.db.snapshot() as tx:
        records = [r for r in audit.records(tx, made.ws.school) if r.action == "safecopy"]
    assert len(records) == 1
    body = records[0].body
    assert body["audio_kept"] is False
    assert body["kind"] == "video"
    assert body["source_sha256"] == made.source_sha_before
    assert body["copy_sha256"] == sha(made.saved.path)
    assert body["by"] == "Ms. Rivera"
    assert body["faces_covered"] >= 1
    # Lin, and Obama's profile at 7.2-9.1 s (within the profile review distance).
    assert {f.get("student_id") for f in body["faces"]} == {"1006", "1001"}
