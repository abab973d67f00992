"""The bytes a scan records, approves and caches are the bytes it decoded (issue 15, case 7).

A scan hashes every file first and decodes the misses later in worker processes.
Here the opted-out student's photo (or video) is replaced by a clear one exactly
in between: the scan is a generator, and it hands over a cache hit while it is
still hashing, so the test swaps the file while the scan waits for it to take
the event back, after the file was hashed and before any worker opened it. The
workers are the real ones, with real decoders and real dlib.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import FACES, VIDEO

from photoguard.scan.analysis import AnalysisOptions
from photoguard.scan.run import FileChecked, FileDecided, ScanOptions, scan
from photoguard.workspace.folder import open_workspace
from photoguard.workspace.settings import FRAMES_PER_SECOND, MIN_FACE_PX

pytestmark = pytest.mark.faces

OPTIONS = AnalysisOptions(min_face_px=MIN_FACE_PX, frames_per_second=FRAMES_PER_SECOND, encode=True)
CHANGED = "changed while it was being checked"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def photoguard(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe, "the photoguard console script is not installed in this environment"
    return subprocess.run(
        [exe, "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PHOTOGUARD_KEY_STORE": "file"},
    )


def replace_file(path: Path, source: Path) -> None:
    """Put ``source``'s bytes at ``path`` the way a sync client or an editor saving does."""
    tmp = path.with_name(path.name + ".tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, path)


def scan_swapping(
    home: Path, target: Path, cached: Path, swap_in: Path
) -> tuple[dict[Path, str], dict[Path, str]]:
    """``scan --approve`` of ``target`` then ``cached`` (already in the cache); when the
    scan hands over ``cached`` (so ``target`` was hashed and not decoded yet), replace
    ``target``. Returns each file's verdict and reason, and what was decided."""
    with open_workspace(home) as ws:
        for _ in scan(ws, [cached]):  # now in the cache
            pass
        found: dict[Path, str] = {}
        decided: dict[Path, str] = {}
        swapped = False
        for event in scan(ws, [target, cached], ScanOptions(approve_by="Ms. Rivera")):
            if isinstance(event, FileChecked):
                found[event.result.path] = (
                    f"{event.result.verdict}: {event.result.assessment.reason}"
                )
                if event.result.path == cached:
                    assert event.result.cached and target not in found
                    replace_file(target, swap_in)
                    swapped = True
            elif isinstance(event, FileDecided):
                decided[event.result.path] = event.decision
        assert swapped
    return found, decided


def test_a_photo_replaced_between_hashing_and_decoding_is_never_recorded_clear(
    copy_home: Path, tmp_path: Path
) -> None:
    drop = tmp_path / "field-day"
    drop.mkdir()
    target = drop / "IMG_0001.jpg"
    shutil.copyfile(FACES / "obama" / "obama2.jpg", target)  # Barry Obama, opted out
    cached = drop / "IMG_0002.jpg"
    shutil.copyfile(FACES / "rose_leslie" / "rose1.jpg", cached)
    opted_out = sha256(target)

    found, decided = scan_swapping(copy_home, target, cached, FACES / "biden" / "biden.jpg")

    verdict = found[target]
    assert verdict.startswith("error") and CHANGED in verdict, verdict
    assert decided == {target: "pending", cached: "approve"}
    # The opted-out photo put back: its SHA-256 is not clear in the cache either.
    replace_file(target, FACES / "obama" / "obama2.jpg")
    assert sha256(target) == opted_out
    again = photoguard(copy_home, "scan", str(target), "--json", str(tmp_path / "r.json"))
    assert again.returncode == 1, again.stdout + again.stderr
    assert "flagged" in again.stdout and "1001" in (tmp_path / "r.json").read_text("utf-8")


def _clear_video(path: Path) -> Path:
    """Three seconds of a person who is not opted out (Rose Leslie's photo), 640 x 360."""
    import cv2

    face = cv2.imread(str(FACES / "rose_leslie" / "rose1.jpg"))
    frame = np.full((360, 640, 3), 90, dtype=np.uint8)
    small = cv2.resize(face, (200, int(200 * face.shape[0] / face.shape[1])))
    frame[40 : 40 + small.shape[0], 220 : 220 + small.shape[1]] = small[: 320 - 40]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (640, 360))
    for _ in range(75):
        writer.write(frame)
    writer.release()
    return path


def test_a_video_replaced_between_hashing_and_decoding_is_never_recorded_clear(
    copy_home: Path, tmp_path: Path
) -> None:
    drop = tmp_path / "assembly"
    drop.mkdir()
    target = drop / "clip.mp4"
    shutil.copyfile(VIDEO, target)  # Lin-Manuel Miranda, opted out, from 3.3 s
    cached = drop / "still.jpg"
    shutil.copyfile(FACES / "alex_lacamoire" / "alex1.jpg", cached)
    clear = _clear_video(tmp_path / "clear.mp4")

    found, decided = scan_swapping(copy_home, target, cached, clear)

    verdict = found[target]
    assert verdict.startswith("error") and CHANGED in verdict, verdict
    assert decided == {target: "pending", cached: "approve"}
    shutil.copyfile(VIDEO, target)
    again = photoguard(copy_home, "scan", str(target))
    assert again.returncode == 1 and "flagged" in again.stdout, again.stdout + again.stderr


# ------------------------------------------------------- inside the worker, in place
# The worker's own check, run here in the test process: the file is rewritten while the
# decoders have it (the real analyze_file, called by a wrapper that first rewrites it).


def _rewriting(monkeypatch: pytest.MonkeyPatch, path: Path, *sources: Path) -> None:
    """Make the worker's decode step start by rewriting ``path`` in place with each of
    ``sources`` in turn (as ``cp other.jpg IMG.jpg`` does)."""
    from photoguard.scan import pinned

    real = pinned.analyze_file

    def analyze_after_rewrite(*args: object) -> object:
        for source in sources:
            with path.open("r+b") as f:
                f.truncate(0)
                f.write(source.read_bytes())
        return real(*args)

    monkeypatch.setattr(pinned, "analyze_file", analyze_after_rewrite)


def test_a_photo_rewritten_while_it_is_decoded_gives_the_hash_of_what_was_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = tmp_path / "IMG_0003.jpg"
    shutil.copyfile(FACES / "obama" / "obama.jpg", photo)
    before = sha256(photo)
    _rewriting(monkeypatch, photo, FACES / "biden" / "biden2.jpg")
    from photoguard.scan import pinned

    got = pinned.analyze_pinned(photo, "photo", OPTIONS)

    assert isinstance(got, pinned.PinnedAnalysis)
    # Read once: the decoders saw the bytes that were hashed (obama.jpg: one face, the
    # size of obama.jpg), whatever happened to the file on disk meanwhile.
    assert got.sha256 == before != sha256(photo)
    from PIL import Image

    with Image.open(FACES / "obama" / "obama.jpg") as im:
        assert (got.analysis.width, got.analysis.height) == im.size
    assert len(got.analysis.faces) == 1


def test_a_video_rewritten_while_it_is_checked_is_refused_even_if_written_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = tmp_path / "clip.mp4"
    shutil.copyfile(VIDEO, clip)
    clear = _clear_video(tmp_path / "clear.mp4")
    time.sleep(0.05)  # the copy is older than the file system's time stamp resolution
    _rewriting(monkeypatch, clip, clear, VIDEO)  # swapped, then put back while checked
    from photoguard.scan import pinned

    got = pinned.analyze_pinned(clip, "video", OPTIONS)

    assert isinstance(got, pinned.PinnedAnalysis)
    assert sha256(clip) == sha256(VIDEO)  # the same bytes again afterwards
    assert got.sha256 is None  # but it was written to while it was checked
