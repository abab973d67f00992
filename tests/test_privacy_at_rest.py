"""Children's biometric data at rest: a raw read of everything photoguard writes shows no
face encoding, no reference photo and no face crop.

The encodings searched for are computed here from the same photos with the same
pipeline (never obtained by decrypting what photoguard stored), and searched for
as float32 and float64 bytes (whole, and every short window, so a truncated or
shifted copy is caught), as base64, and as the numbers printed in text/JSON.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import FACES
from faceworld import ROSTER_CSV, write_roster

from photoguard import audit
from photoguard.references.enroll import enroll, plan_student, reference_thumbnails
from photoguard.roster.importing import apply_import, preview_import
from photoguard.scan.analysis import AnalysisOptions, analyze_file, analyze_reference
from photoguard.scan.cache import CACHE_FILE, ScanCache
from photoguard.scan.report import write_json, write_report_csv
from photoguard.scan.run import ScanFinished, scan
from photoguard.workspace.folder import open_workspace

pytestmark = pytest.mark.faces

OPTIONS = AnalysisOptions(min_face_px=48, frames_per_second=4.0, encode=True)
#: The picture-day photos enrolled_home was enrolled from (see faceworld.write_picture_day).
ENROLLED = {
    "1001": FACES / "obama" / "obama.jpg",
    "1003": FACES / "kit_harington" / "kit1.jpg",
    "1006": FACES / "lin_manuel_miranda" / "lin1.png",
}


# ----------------------------------------------------------------- what to look for


def encoding_needles(encoding: np.ndarray) -> list[bytes]:
    """Every form in which (part of) an encoding could have been written."""
    f4 = encoding.astype("<f4").tobytes()
    f8 = encoding.astype("<f8").tobytes()
    f4be = encoding.astype(">f4").tobytes()
    needles = [f4, f8, f4be, base64.b64encode(f4), base64.b64encode(f8)]
    needles += [f4[i : i + 12] for i in range(0, len(f4) - 8, 4)]  # any 3 numbers
    needles += [f8[i : i + 16] for i in range(0, len(f8) - 8, 8)]  # any 2 numbers
    needles += [f4be[i : i + 12] for i in range(0, len(f4be) - 8, 4)]
    needles += [base64.b64encode(f4)[:24], base64.b64encode(f8)[:24]]
    for v in encoding[:4]:
        needles += [repr(float(v)).encode(), str(np.float32(v)).encode()]
    a, b = float(encoding[0]), float(encoding[1])
    needles += [
        f"{a}, {b}".encode(),
        f"{a},{b}".encode(),
        json.dumps([round(a, 4), round(b, 4)])[1:-1].encode(),
        f"{a:.6f}".encode(),
    ]
    return needles


def first_hit(blob: bytes, needles: Iterable[bytes]) -> bytes | None:
    """The first needle found in ``blob`` (any offset), or None.

    Needles of 8 bytes and more are found by their first 8 bytes at every offset
    at once (numpy), then compared whole; a plain ``in`` per needle would take
    seconds per megabyte with thousands of needles.
    """
    by_prefix: dict[int, list[bytes]] = {}
    for needle in needles:
        if len(needle) < 8:
            if needle in blob:
                return needle
        else:
            by_prefix.setdefault(int.from_bytes(needle[:8], "little"), []).append(needle)
    if len(blob) < 8 or not by_prefix:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(np.frombuffer(blob, np.uint8), 8)
    keys = np.ascontiguousarray(windows).view("<u8").ravel()
    wanted = np.sort(np.fromiter(by_prefix, dtype=np.uint64, count=len(by_prefix)))
    at = np.minimum(np.searchsorted(wanted, keys), len(wanted) - 1)
    for offset in np.nonzero(wanted[at] == keys)[0]:
        for needle in by_prefix[int(keys[offset])]:
            if blob[offset : offset + len(needle)] == needle:
                return needle
    return None


def assert_no_encodings(blob: bytes, encodings: Iterable[np.ndarray], where: str) -> None:
    needles = [n for e in encodings for n in encoding_needles(e)]
    hit = first_hit(blob, needles)
    assert hit is None, f"an encoding (as {hit[:24]!r}...) found in {where}"


def reference_encodings() -> dict[str, np.ndarray]:
    out = {}
    for sid, photo in ENROLLED.items():
        found = analyze_reference(photo, OPTIONS)
        assert len(found.faces) == 1 and found.faces[0].encoding is not None
        out[sid] = found.faces[0].encoding
    return out


def face_encodings(photo: Path) -> list[np.ndarray]:
    found = analyze_file(photo, "photo", OPTIONS)
    assert found.faces, photo
    return [f.encoding for f in found.faces if f.encoding is not None]


def folder_bytes(home: Path) -> dict[str, bytes]:
    """Every file in the data folder, as raw bytes."""
    return {
        str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()
    }


def long_float_lists(value: Any) -> list[list[Any]]:
    """Lists of 16 or more numbers anywhere in a JSON value (an encoding has 128)."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in long_float_lists(v)]
    if isinstance(value, list):
        if len(value) >= 16 and all(isinstance(v, float) for v in value):
            return [value]
        return [x for v in value for x in long_float_lists(v)]
    return []


# ---------------------------------------------------------------------------- tests


@pytest.mark.sqlite_only
def test_database_wal_cache_log_and_reports_hold_no_encoding(
    copy_home: Path, tmp_path: Path
) -> None:
    """Enroll and scan with the database open (so its WAL and the cache's WAL hold the
    latest writes), then read every byte photoguard wrote."""
    drop = tmp_path / "drop"
    drop.mkdir()
    scanned = ["groups/obama_biden_1.jpg", "groups/kit_rose.jpg", "alex_lacamoire/alex1.jpg"]
    for rel in scanned:
        shutil.copyfile(FACES / rel, drop / rel.replace("/", "_"))
    # Biden opts out and is enrolled from his own photo while the database is open.
    biden_ref = FACES / "biden" / "biden2.jpg"
    roster = write_roster(
        tmp_path / "r.csv",
        ROSTER_CSV.replace("1002,Biden,Joseph,,5,101,N", "1002,Biden,Joseph,,5,101,Y"),
    )
    ScanCache(copy_home, 30).close()  # the cache file exists, so a watcher can hold its WAL
    watcher = sqlite3.connect(copy_home / CACHE_FILE)
    watcher.execute("SELECT count(*) FROM entries").fetchone()
    try:
        with open_workspace(copy_home) as ws:
            apply_import(ws, preview_import(ws, roster), "office")
            enroll(ws, plan_student(ws, "1002", [biden_ref]), "office")
            events = list(scan(ws, [drop]))
            report = next(e for e in events if isinstance(e, ScanFinished)).report
            write_json(report, tmp_path / "report.json")
            write_report_csv(report, tmp_path / "report.csv")
            with ws.db.snapshot() as tx:
                sealed_1002 = bytes(
                    tx.scalar(
                        "SELECT sealed_encoding FROM face_references WHERE student_id = '1002'"
                    )
                )
                bodies = [json.dumps(r.body) for r in audit.records(tx, ws.school)]
            live = folder_bytes(copy_home)  # read while the database is open
        cache_rows = [bytes(r[0]) for r in watcher.execute("SELECT sealed FROM entries")]
        live_cache = folder_bytes(copy_home)  # the watcher still holds the cache's WAL
    finally:
        watcher.close()
    closed = folder_bytes(copy_home)  # everything checkpointed into the main files

    # The reads saw the data they are meant to check: the WALs hold the latest writes.
    assert sorted(r.verdict for r in report.files) == ["clear", "flagged", "flagged"]
    assert sealed_1002 in live["photoguard.sqlite-wal"]
    assert len(cache_rows) == 3 and all(
        row in live_cache[CACHE_FILE + "-wal"] for row in cache_rows
    )
    assert sealed_1002 in closed["photoguard.sqlite"]

    refs = reference_encodings()
    refs["1002"] = face_encodings(biden_ref)[0]
    seen = [e for rel in scanned for e in face_encodings(FACES / rel)]
    assert len(seen) == 5  # two in each group photo, one of Alex
    everything = [*refs.values(), *seen]
    for label, files in (("live", live), ("cache", live_cache), ("closed", closed)):
        for name, blob in files.items():
            assert_no_encodings(blob, everything, f"{label} {name}")
    for name in ("report.json", "report.csv"):
        assert_no_encodings((tmp_path / name).read_bytes(), everything, name)
    assert_no_encodings("\n".join(bodies).encode(), everything, "the approval log")
    # Structurally too: no list of numbers anywhere in the log or the report.
    assert not long_float_lists([json.loads(b) for b in bodies])
    assert not long_float_lists(json.loads((tmp_path / "report.json").read_text("utf-8")))
    # IDs and names are what the log and the report do hold.
    assert '"1001"' in "".join(bodies) and b"1001" in (tmp_path / "report.json").read_bytes()


def test_no_reference_photo_or_face_crop_is_kept_in_the_clear(copy_home: Path) -> None:
    files = folder_bytes(copy_home)
    blob = b"".join(files.values())
    # No image file of any kind sits in the data folder (the face crops are sealed).
    for marker in (b"JFIF", b"Exif\x00\x00", b"\x89PNG\r\n\x1a\n", b"ICC_PROFILE"):
        assert marker not in blob, marker
    for sid, photo in ENROLLED.items():
        data = photo.read_bytes()
        windows = [data[i : i + 48] for i in range(1024, len(data) - 48, 1500)]
        assert len(windows) > 5
        assert not [w for w in windows if w in blob], f"bytes of {photo.name} in the data folder"
        crop = analyze_reference(photo, OPTIONS).thumbnail
        assert crop is not None
        with open_workspace(copy_home) as ws:
            assert reference_thumbnails(ws, sid) == [crop]  # kept, but only sealed:
        body = crop[700:]
        crop_windows = [body[i : i + 32] for i in range(0, len(body) - 32, 200)]
        assert not [w for w in crop_windows if w in blob], f"the face crop of {sid} in clear"


@pytest.mark.sqlite_only
def test_only_opted_out_students_have_anything_stored(copy_home: Path) -> None:
    """Biden and Leslie were in the picture-day folder but are not opted out."""
    db = sqlite3.connect(copy_home / "photoguard.sqlite")
    try:
        keyed = {r[0] for r in db.execute("SELECT student_id FROM student_keys")}
        referenced = {r[0] for r in db.execute("SELECT student_id FROM face_references")}
        # Roster names stay readable inside the private data folder.
        names = {r[0] for r in db.execute("SELECT last_name FROM roster_students")}
    finally:
        db.close()
    assert keyed == referenced == {"1001", "1003", "1006"}
    assert {"Biden", "Leslie", "Obama"} <= names
