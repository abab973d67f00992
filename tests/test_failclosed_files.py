"""Hostile files never come out clear: each ends as ``error`` with a reason, and the
scan goes on with the rest.

One scan over a folder of files written here (a decompression bomb, absurd
dimensions in PNG/JPEG/GIF/TIFF headers, a corrupt EXIF block, an unreadable
sidecar, videos with no frames, truncated/empty/text-as-JPEG files) next to two
good photos, one of them with bidirectional controls in its name. Then: memory
stays bounded while the bombs are refused, Pillow's limit holds even if someone
switches it off, a file that takes too long is stopped, and names that are not
valid UTF-8 reach the reports as visible, valid text.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import hostile
import pytest
from conftest import FACES, ROOT, VIDEO

from photoguard import audit
from photoguard.scan.report import ScanReport, summary_lines, write_json, write_report_csv
from photoguard.scan.run import FileDecided, ScanFinished, ScanOptions, scan
from photoguard.workspace.folder import open_workspace

pytestmark = [pytest.mark.faces, pytest.mark.engine_neutral]

GOOD = FACES / "rose_leslie" / "rose1.jpg"  # one face, nobody opted out: clear
BIDI_NAME = "invoice\u202egpj.exe.jpg"  # shows as "invoiceexe.jpg" reversed: ...gpj
BIDI_SHOWN = "invoice[U+202E]gpj.exe.jpg"

#: file name -> words its error reason must contain
HOSTILE: dict[str, str] = {
    "bomb.png": "too large to check safely",
    "over_limit.png": "too large to check safely",
    "absurd.png": "too large to check safely",
    "absurd.jpg": "too large to check safely",
    "huge_screen.gif": "too large to check safely",
    "tall_page.tif": "too large to check safely",
    "corrupt_exif.jpg": "EXIF",
    "bad_sidecar.jpg": "sidecar:bad_sidecar.xmp",
    "truncated.jpg": "truncated",
    "empty.jpg": "not a readable photo",
    "text.jpg": "not a readable photo",
    "corrupt.mp4": "video",
    "no_tracks.mp4": "not a readable video",
    "empty_track.mp4": "video",
    "cut_short.mp4": "the video stopped decoding at",
}


def write_hostile_folder(d: Path) -> None:
    d.mkdir(parents=True)
    shutil.copyfile(GOOD, d / "good.jpg")
    shutil.copyfile(GOOD, d / BIDI_NAME)
    hostile.png_claiming(d / "bomb.png", 20000, 20000)  # 400 MP, a few hundred KB
    hostile.png_claiming(d / "over_limit.png", 10000, 10000)  # over the limit, under 2x
    hostile.png_claiming(d / "absurd.png", 100000, 100000, rows=1)
    hostile.jpeg_claiming(d / "absurd.jpg", 65000, 65000)
    hostile.gif_with_screen(d / "huge_screen.gif", 65535, 65535)
    hostile.tiff_second_page_claiming(d / "tall_page.tif", 60000, 60000)
    hostile.with_corrupt_exif(d / "corrupt_exif.jpg", GOOD)
    shutil.copyfile(GOOD, d / "bad_sidecar.jpg")
    (d / "bad_sidecar.xmp").write_bytes(b"<x:xmpmeta><rdf:RDF><unclosed")
    data = GOOD.read_bytes()
    (d / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (d / "empty.jpg").write_bytes(b"")
    (d / "text.jpg").write_text("Field day list: Barry Obama, Kit Harington\n")
    (d / "corrupt.mp4").write_bytes(VIDEO.read_bytes()[:4000] + b"\x00" * 5000)
    hostile.mp4_without_tracks(d / "no_tracks.mp4")
    hostile.mp4_with_empty_track(d / "empty_track.mp4")
    hostile.video_cut_short(d / "cut_short.mp4", VIDEO, 0.6)
    # What the walk skips: a named pipe (opening it would block), a link loop, a link out.
    if hasattr(os, "mkfifo"):
        os.mkfifo(d / "pipe.jpg")
        (d / "loop").symlink_to(".")
        (d / "outside.jpg").symlink_to(FACES / "obama" / "obama.jpg")


@pytest.fixture(scope="module")
def hostile_scan(enrolled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("hostile")
    home = base / "home"
    shutil.copytree(enrolled_home, home)
    drop = base / "drop"
    write_hostile_folder(drop)
    with open_workspace(home) as ws:
        events = list(scan(ws, [drop], ScanOptions(processes=2)))
    report: ScanReport = next(e for e in events if isinstance(e, ScanFinished)).report
    write_json(report, base / "report.json")
    write_report_csv(report, base / "report.csv")
    return {
        "report": report,
        "files": {f.rel: f for f in report.files},
        "json": (base / "report.json").read_bytes(),
        "csv": (base / "report.csv").read_bytes(),
        "drop": drop,
    }


def error_text(result: Any) -> str:
    return " | ".join(
        f"{f.field + ': ' if f.field else ''}{f.detail}"
        for f in result.findings
        if f.type == "error"
    )


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_an_error_with_a_reason(hostile_scan: dict[str, Any], name: str) -> None:
    result = hostile_scan["files"][name]
    assert result.verdict == "error", (name, result.assessment.reason)
    assert HOSTILE[name] in error_text(result), error_text(result)
    assert result.assessment.reason.startswith("not fully checked: ")


def test_the_good_photos_beside_them_are_still_checked(hostile_scan: dict[str, Any]) -> None:
    files = hostile_scan["files"]
    assert files["good.jpg"].verdict == "clear"
    assert files[BIDI_SHOWN].verdict == "clear"
    assert files["good.jpg"].assessment.faces == 1


def test_every_file_is_reported_and_the_scan_is_not_clear(hostile_scan: dict[str, Any]) -> None:
    report = hostile_scan["report"]
    assert len(report.files) == len(HOSTILE) + 2
    skipped = {s.rel: s.reason for s in report.skipped}
    assert skipped.pop("bad_sidecar.xmp") == "read as the captions of bad_sidecar.jpg"
    if hasattr(os, "mkfifo"):
        assert skipped == {
            "pipe.jpg": "not a regular file (a named pipe; never opened)",
            "loop": "folder link loop (already checked)",
            "outside.jpg": "link leads outside the folder",
        }
    assert report.counts["error"] == len(HOSTILE)
    assert not report.all_clear


def test_bidi_controls_in_names_are_visible_in_every_report(hostile_scan: dict[str, Any]) -> None:
    text = hostile_scan["json"].decode("utf-8")
    doc = json.loads(text)
    assert BIDI_SHOWN in {f["path"] for f in doc["files"]}
    assert "\u202e" not in text
    csv_text = hostile_scan["csv"].decode("utf-8-sig")
    assert "\u202e" not in csv_text
    assert BIDI_SHOWN in {row["path"] for row in csv.DictReader(io.StringIO(csv_text))}
    lines = "\n".join(summary_lines(hostile_scan["report"]))
    assert "\u202e" not in lines


# ------------------------------------------------------------------ bounded memory

MEMORY_PROBE = """
import json, resource, sys
from pathlib import Path
from photoguard.scan.analysis import AnalysisOptions, analyze_file

options = AnalysisOptions(min_face_px=48, frames_per_second=4.0, encode=True)
analyze_file(Path(sys.argv[1]), "photo", options)  # warm up: libraries and models loaded
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
errors = {p: analyze_file(Path(p), "photo", options).error for p in sys.argv[2:]}
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"errors": errors, "growth_kb": after - before}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs the resource module")
def test_bombs_and_absurd_headers_are_refused_without_allocating(
    hostile_scan: dict[str, Any],
) -> None:
    """What a worker does with each file, in a fresh process whose peak memory is read.

    Decoding the 20000 x 20000 bomb would take 400 MB (grey) to 1.2 GB (RGB); it is
    refused from its header, so the peak does not move.
    """
    drop = hostile_scan["drop"]
    names = ["bomb.png", "over_limit.png", "absurd.png", "absurd.jpg", "huge_screen.gif"]
    names.append("tall_page.tif")
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(GOOD), *(str(drop / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for name in names:
        assert out["errors"][str(drop / name)].startswith("too large to check safely"), name
    assert out["growth_kb"] < 64 * 1024, f"peak memory grew by {out['growth_kb'] // 1024} MB"


def test_the_pixel_limit_holds_even_if_pillows_own_is_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    from photoguard.media import MediaError, photo_frames

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # what some code does to "fix" errors
    bomb = hostile.png_claiming(tmp_path / "bomb.png", 12000, 12000, rows=1)
    with pytest.raises(MediaError, match="too large to check safely"):
        list(photo_frames(bomb, 48))


# ------------------------------------------------------------------ slow files


def test_a_file_that_takes_too_long_is_an_error_and_the_scan_goes_on(
    copy_home: Path, tmp_path: Path
) -> None:
    """The 9 s fixture video needs seconds of face detection; with a 0.3 s limit per
    file its worker is stopped and the video is an error. The photo after it is still
    reported (with whatever verdict its own time allows)."""
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(VIDEO, drop / "a_clip.mp4")
    shutil.copyfile(GOOD, drop / "b_photo.jpg")
    with open_workspace(copy_home) as ws:
        events = list(scan(ws, [drop], ScanOptions(processes=1, timeout_s=0.3)))
    report = next(e for e in events if isinstance(e, ScanFinished)).report
    files = {f.rel: f for f in report.files}
    assert set(files) == {"a_clip.mp4", "b_photo.jpg"}
    clip = files["a_clip.mp4"]
    assert clip.verdict == "error"
    assert "checking this file took longer than 0.3 s, so it was stopped" in error_text(clip)
    assert files["b_photo.jpg"].verdict in ("clear", "error")


# ------------------------------------------------------------ names not in UTF-8


@pytest.mark.skipif(sys.platform != "linux", reason="Linux file names are bytes")
def test_file_names_that_are_not_utf8_are_checked_and_shown_visibly(
    copy_home: Path, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    hostile.non_utf8_name(drop, b"caf\xe9.jpg", GOOD.read_bytes())  # Latin-1 "café"
    hostile.non_utf8_name(drop, b"\xff\xfe.jpg", b"")  # also not UTF-8, and empty
    with open_workspace(copy_home) as ws:
        options = ScanOptions(processes=1, approve_by="office")
        events = list(scan(ws, [drop], options))
        report = next(e for e in events if isinstance(e, ScanFinished)).report
        decided = {e.result.rel: e.decision for e in events if isinstance(e, FileDecided)}
        assert audit.verify(ws.db, ws.school, ws.home).ok
    files = {f.rel: f for f in report.files}
    assert files["caf\\xe9.jpg"].verdict == "clear"
    assert files["\\xff\\xfe.jpg"].verdict == "error"
    assert decided == {"caf\\xe9.jpg": "approve", "\\xff\\xfe.jpg": "pending"}
    write_json(report, tmp_path / "r.json")
    write_report_csv(report, tmp_path / "r.csv")
    doc = json.loads((tmp_path / "r.json").read_bytes().decode("utf-8"))
    assert {f["path"] for f in doc["files"]} == {"caf\\xe9.jpg", "\\xff\\xfe.jpg"}
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_bytes().decode("utf-8-sig"))))
    assert {r["path"] for r in rows} == {"caf\\xe9.jpg", "\\xff\\xfe.jpg"}
