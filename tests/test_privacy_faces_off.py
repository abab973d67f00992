"""Faces-off mode, for places where face recognition is not allowed: no face encoding is
ever computed, caption and file-name checks still run, and a file with a face in it is
`review` (a person must look), never `clear`.

"Never computed" is shown two ways: in this process the encoder is never even loaded;
and end to end, the worker processes run with the encoder's weights made unavailable
(a stand-in ``face_recognition_models`` package first on PYTHONPATH), which fails any
file whose check loads the encoder: a faces-off scan of every fixture is untouched by
it, while the same trap turns a scan with faces on into errors.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import FACES, VIDEO
from faceworld import EXPECTED_CLEAR, EXPECTED_FLAGGED
from test_privacy_at_rest import assert_no_encodings, face_encodings

from photoguard import audit
from photoguard.cli.main import main
from photoguard.faces import model as facemodel
from photoguard.references.privacy import inventory
from photoguard.scan.analysis import AnalysisOptions, analyze_file
from photoguard.scan.cache import ScanCache, cache_key
from photoguard.scan.run import ScanFinished, scan
from photoguard.workspace.folder import open_workspace
from photoguard.workspace.settings import load_settings, save_settings, with_overrides

pytestmark = pytest.mark.faces

FACES_OFF = AnalysisOptions(min_face_px=48, frames_per_second=4.0, encode=False)


def test_without_encoding_the_encoder_is_never_loaded() -> None:
    from photoguard.faces import centerface

    facemodel.load_model.cache_clear()
    centerface._session.cache_clear()
    photo = analyze_file(FACES / "groups" / "obama_biden_1.jpg", "photo", FACES_OFF)
    video = analyze_file(VIDEO, "video", FACES_OFF)
    assert len(photo.faces) == 2 and video.faces
    assert all(hit.encoding is None for hit in photo.faces + video.faces)
    assert facemodel.load_model.cache_info().misses == 0  # never called
    assert centerface._session.cache_info().misses == 1  # the detector, once
    # The probe sees a load when there is one.
    on = analyze_file(FACES / "biden" / "biden.jpg", "photo", AnalysisOptions(48, 4.0, True))
    assert on.faces[0].encoding is not None and facemodel.load_model.cache_info().misses == 1


def _trap(tmp_path: Path) -> dict[str, str]:
    """An environment in which loading the encoder fails, in every process it starts."""
    fake = tmp_path / "trap" / facemodel.MODEL_PACKAGE
    (fake / "models").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    path = os.pathsep.join(filter(None, [str(tmp_path / "trap"), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "PHOTOGUARD_KEY_STORE": "file"}


def _photoguard(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe, "the photoguard console script is not installed in this environment"
    return subprocess.run(
        [exe, *argv], capture_output=True, text=True, timeout=600, env=env, check=False
    )


@pytest.fixture(scope="module")
def faces_off_scan(enrolled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``photoguard --no-faces scan`` of every fixture photo and the video, in the trap."""
    out = tmp_path_factory.mktemp("faces-off")
    home = out / "home"
    shutil.copytree(enrolled_home, home)
    proc = _photoguard(
        _trap(out), "--home", str(home), "--no-faces", "scan", str(FACES), str(VIDEO),
        "--json", str(out / "report.json"), "--csv", str(out / "report.csv"),
    )  # fmt: skip
    return {
        "proc": proc,
        "home": home,
        "out": out,
        "report": json.loads((out / "report.json").read_text("utf-8")),
    }


def test_the_trap_catches_a_scan_that_encodes(copy_home: Path, tmp_path: Path) -> None:
    photo = str(FACES / "biden" / "biden.jpg")
    report = tmp_path / "r.json"
    proc = _photoguard(
        _trap(tmp_path), "--home", str(copy_home), "scan", photo, "--json", str(report)
    )
    (checked,) = json.loads(report.read_text("utf-8"))["files"]
    assert proc.returncode == 1 and checked["verdict"] == "error"
    assert "face model file" in checked["findings"][0]["detail"]


def test_every_face_bearing_file_is_review_never_clear(faces_off_scan: dict[str, Any]) -> None:
    proc, report = faces_off_scan["proc"], faces_off_scan["report"]
    assert proc.returncode == 1, proc.stderr
    files = {f["path"]: f for f in report["files"]}
    expected = set(EXPECTED_FLAGGED) | EXPECTED_CLEAR | {VIDEO.name}
    assert set(files) == expected
    # The folder names "kit_harington" and "lin_manuel_miranda" are full names of students
    # on the roster (Kit is Christopher's preferred name): still caught, by name.
    by_name = {p for p in expected if p.startswith(("kit_harington/", "lin_manuel_miranda/"))}
    assert len(by_name) == 4
    for path in expected:
        f = files[path]
        assert f["verdict"] == ("flagged" if path in by_name else "review"), (path, f)
        faces = [x for x in f["findings"] if x["type"] == "face_not_matched"]
        names = [x for x in f["findings"] if x["type"] == "full_name"]
        assert faces and len(faces) + len(names) == len(f["findings"]), (path, f["findings"])
        assert bool(names) == (path in by_name)
        assert not any("student_id" in x for x in faces)  # no face is recognised
    assert not [f for f in report["files"] if f["verdict"] == "clear"]
    assert report["settings"]["faces"] is False
    assert "Faces-off mode: faces were detected but not matched" in proc.stdout


def test_nothing_it_wrote_holds_an_encoding(faces_off_scan: dict[str, Any]) -> None:
    home, out, report = faces_off_scan["home"], faces_off_scan["out"], faces_off_scan["report"]
    with open_workspace(home) as ws:
        with ws.db.snapshot() as tx:
            start = next(r for r in audit.records(tx, ws.school, newest_first=True)
                         if r.action == "scan.start")  # fmt: skip
        cache = ScanCache(home, ws.settings.cache_days)
        try:
            cached = [
                # The scan read the text in the pictures too (the default): its key says so.
                cache.get(cache_key(f["sha256"], f["kind"], replace(FACES_OFF, read_text=True)))
                for f in report["files"]
            ]
        finally:
            cache.close()
    assert start.body["settings"]["faces"] is False
    # The cache is used in this mode, and what it keeps is where the faces are, not who.
    assert all(c is not None and c.faces for c in cached)
    assert all(hit.encoding is None for c in cached if c for hit in c.faces)
    everything = [
        e
        for rel in ("groups/obama_biden_1.jpg", "groups/kit_rose.jpg", "rose_leslie/rose1.jpg")
        for e in face_encodings(FACES / rel)
    ]
    for path in [*sorted(home.rglob("*")), out / "report.json", out / "report.csv"]:
        if path.is_file():
            assert_no_encodings(path.read_bytes(), everything, str(path))


def test_faces_off_as_a_setting(copy_home: Path) -> None:
    save_settings(copy_home, with_overrides(load_settings(copy_home), faces=False))
    with open_workspace(copy_home) as ws:
        events = list(scan(ws, [FACES / "biden" / "biden.jpg"]))
        report = next(e for e in events if isinstance(e, ScanFinished)).report
        (checked,) = report.files
        assert checked.verdict == "review" and report.settings["faces"] is False
        assert not report.coverage_gaps  # no face is matched, so none is a gap
        notices = inventory(ws).notices
    # The enrolled references are still stored: the app says how to delete them.
    assert any("faces-off mode is on but 3 student(s)' reference faces" in n for n in notices)


def test_captions_and_file_names_are_still_checked(copy_home: Path, tmp_path: Path) -> None:
    named = tmp_path / "Barry Obama at the fair.jpg"
    shutil.copyfile(FACES / "biden" / "biden.jpg", named)
    with open_workspace(copy_home, faces=False) as ws:
        events = list(scan(ws, [named]))
    (checked,) = next(e for e in events if isinstance(e, ScanFinished)).report.files
    assert checked.verdict == "flagged"
    assert {f.type for f in checked.findings} == {"full_name", "face_not_matched"}


def test_enrolling_is_refused(copy_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = str(FACES / "obama" / "obama2.jpg")
    rc = main(["--home", str(copy_home), "--no-faces", "enroll", "--student", "1001", photo])
    assert rc == 2
    assert capsys.readouterr().err == (
        "photoguard: faces-off mode is on: reference faces are not enrolled\n"
    )


def test_a_switch_to_faces_off_finds_encodings_left_in_the_cache(copy_home: Path) -> None:
    with open_workspace(copy_home) as ws:
        list(scan(ws, [FACES / "biden" / "biden.jpg"]))  # faces on: the cache keeps encodings
    with open_workspace(copy_home, faces=False) as ws:
        list(scan(ws, [FACES / "rose_leslie" / "rose1.jpg"]))
        inv = inventory(ws)
    assert (inv.cache_entries, inv.cache_entries_with_encodings) == (2, 1)
    assert any("the scan cache holds face encodings of 1 file(s)" in n for n in inv.notices)
