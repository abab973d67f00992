"""The scan cache: unchanged files are not decoded again, and what it keeps is sealed."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import FACES
from faceworld import ROSTER_CSV, write_roster

from photoguard.cli.main import main
from photoguard.references.enroll import enroll, plan_student
from photoguard.references.vault import key_store_for
from photoguard.roster.importing import apply_import, preview_import
from photoguard.scan.cache import CACHE_FILE, CACHE_KEY_ID, ScanCache, clear_cache
from photoguard.scan.report import ScanReport
from photoguard.scan.run import ScanFinished, ScanOptions, scan
from photoguard.workspace.folder import Workspace, open_workspace
from photoguard.workspace.settings import with_overrides

pytestmark = pytest.mark.faces


def _scan(ws: Workspace, folder: Path, **kw: object) -> ScanReport:
    events = list(scan(ws, [folder], ScanOptions(**kw)))
    return next(e for e in events if isinstance(e, ScanFinished)).report


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "drop"
    d.mkdir()
    for rel in ("obama/obama.jpg", "groups/kit_rose.jpg", "biden/biden.jpg"):
        shutil.copyfile(FACES / rel, d / rel.replace("/", "_"))
    return d


def test_rescan_uses_the_cache_and_gives_the_same_verdicts(copy_home: Path, folder: Path) -> None:
    with open_workspace(copy_home) as ws:
        cold = _scan(ws, folder)
        warm = _scan(ws, folder)
    assert [f.cached for f in cold.files] == [False] * 3
    assert all(f.cached for f in warm.files)
    assert {f.rel: f.verdict for f in cold.files} == {f.rel: f.verdict for f in warm.files}
    assert {f.rel: f.verdict for f in warm.files} == {
        "obama_obama.jpg": "flagged",
        "groups_kit_rose.jpg": "flagged",
        "biden_biden.jpg": "clear",
    }


def test_after_a_roster_refresh_the_rescan_rematches_cached_faces(
    copy_home: Path, folder: Path, tmp_path: Path
) -> None:
    with open_workspace(copy_home) as ws:
        _scan(ws, folder)
        roster = write_roster(
            tmp_path / "r.csv",
            ROSTER_CSV.replace("1002,Biden,Joseph,,5,101,N", "1002,Biden,Joseph,,5,101,Y"),
        )
        apply_import(ws, preview_import(ws, roster), "office")
        enroll(ws, plan_student(ws, "1002", [FACES / "biden" / "biden2.jpg"]), "office")
        warm = _scan(ws, folder)
    biden = next(f for f in warm.files if f.rel == "biden_biden.jpg")
    assert biden.cached and biden.verdict == "flagged"
    assert {f.student_id for f in biden.findings} == {"1002"}


@pytest.mark.sqlite_only
def test_changed_bytes_and_a_damaged_entry_are_searched_again(
    copy_home: Path, folder: Path
) -> None:
    with open_workspace(copy_home) as ws:
        _scan(ws, folder)
        db = sqlite3.connect(copy_home / CACHE_FILE)
        db.execute("UPDATE entries SET sealed = substr(sealed, 1, 20) || zeroblob(40)")
        db.commit()
        db.close()
        again = _scan(ws, folder)
        assert not any(f.cached for f in again.files)
        assert {f.verdict for f in again.files} == {"flagged", "clear"}


def test_the_cache_file_holds_no_face_encodings_in_the_clear(copy_home: Path, folder: Path) -> None:
    from photoguard.scan.analysis import AnalysisOptions, analyze_file

    with open_workspace(copy_home) as ws:
        _scan(ws, folder)
    found = analyze_file(folder / "obama_obama.jpg", "photo", AnalysisOptions(48, 4.0, True))
    assert found.faces and found.faces[0].encoding is not None
    raw = b"".join(p.read_bytes() for p in copy_home.iterdir() if p.name.startswith(CACHE_FILE))
    enc = found.faces[0].encoding
    for needle in (
        enc.astype("<f4").tobytes()[:16],
        enc.astype("<f8").tobytes()[:16],
        np.float32(enc[0]).tobytes() + np.float32(enc[1]).tobytes(),
    ):
        assert needle not in raw
    assert b"obama" not in raw.lower()  # no file names either: keys are hashes


def test_old_entries_expire_and_clear_destroys_the_key(copy_home: Path, folder: Path) -> None:
    with open_workspace(copy_home) as ws:
        _scan(ws, folder)
        cache = ScanCache(copy_home, 30)
        assert cache.count() == 3
        cache.close()
        expired = ScanCache(copy_home, 0)  # cache_days = 0: nothing is kept
        assert expired.count() == 0
        expired.close()
        ws2 = ws.with_settings(with_overrides(ws.settings, cache_days=0))
        assert not any(f.cached for f in _scan(ws2, folder).files)
    assert key_store_for(copy_home, local=True).get(CACHE_KEY_ID) is not None
    assert clear_cache(copy_home) == 3
    assert not (copy_home / CACHE_FILE).exists()
    assert key_store_for(copy_home, local=True).get(CACHE_KEY_ID) is None


def test_cache_commands(copy_home: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_workspace(copy_home) as ws:
        _scan(ws, folder)
    assert main(["--home", str(copy_home), "cache", "status"]) == 0
    assert "holds 3 file(s)" in capsys.readouterr().out
    assert main(["--home", str(copy_home), "cache", "clear"]) == 0
    assert "Cleared the scan cache (3 file(s))" in capsys.readouterr().out
    assert main(["--home", str(copy_home), "cache", "status"]) == 0
    assert "empty" in capsys.readouterr().out
