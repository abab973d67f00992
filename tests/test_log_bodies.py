"""Every approval-log action has a typed body (photoguard/audit/bodies.py), and what a
writer builds is what a reader gets back from the stored record, byte for byte.

One real data folder is built through the real writers (roster import, enrolment,
a scan that approves and blocks, decisions, a safe copy, a second and third roster, a
re-check that withdraws an approval, a takedown, a purge,
the schema upgrade's roster seals); each body a writer serialised is captured, and
compared with the body read back from its record.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FACES, require_fixtures
from faceworld import ROSTER_CSV, write_picture_day

from photoguard import audit
from photoguard.audit import bodies
from photoguard.audit.upgrades import link_and_seal
from photoguard.audit.witness import canonical_json
from photoguard.references.enroll import enroll, plan_folder, plan_student
from photoguard.references.privacy import purge_student
from photoguard.roster.importing import apply_import, preview_import
from photoguard.safecopy.make import make_safe_copy
from photoguard.safecopy.save import save_safe_copy
from photoguard.scan.decisions import decide
from photoguard.scan.recheck import recheck, take_down
from photoguard.scan.run import ScanOptions, scan
from photoguard.vocab import LogAction
from photoguard.workspace.folder import open_workspace

Written = list[tuple[audit.Record, bodies.Body]]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Written]:
    """Every record of a real flow, with the body its writer built for it."""
    require_fixtures()
    faces = FACES
    base = tmp_path_factory.mktemp("bodies")
    photos = base / "photos"
    photos.mkdir()
    for rel in ("groups/obama_biden_1.jpg", "biden/biden.jpg", "rose_leslie/rose1.jpg"):
        shutil.copyfile(faces / rel, photos / Path(rel).name)
    # Approved by the scan, then withdrawn once Rose is opted out and enrolled.
    shutil.copyfile(faces / "rose_leslie" / "rose1.jpg", photos / "rose_again.jpg")
    # Approved by the scan, and found still holding by that re-check.
    shutil.copyfile(faces / "alex_lacamoire" / "alex1.jpg", photos / "alex1.jpg")
    roster = base / "roster.csv"
    roster.write_text(ROSTER_CSV, "utf-8", newline="")
    second = base / "roster2.csv"
    second.write_text(
        ROSTER_CSV.replace("Kit,4,102,Yes", "Kit,4,102,No"), "utf-8", newline=""
    )  # 1003 opts back in: enroll.remove from the import
    third = base / "roster3.csv"
    third.write_text(
        second.read_text("utf-8").replace("Roseanne,,4,102,", "Roseanne,,4,102,Y"),
        "utf-8",
        newline="",
    )  # 1004 opts out: her approved photo's approval is withdrawn, then taken down
    picday = write_picture_day(base / "picture-day", faces)

    built: list[bodies.Body] = []
    serialise = bodies.Body.to_json_dict

    def capture(self: bodies.Body) -> dict[str, Any]:
        built.append(self)
        return serialise(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bodies.Body, "to_json_dict", capture)
        with open_workspace(base / "home") as ws:
            apply_import(ws, preview_import(ws, roster), "office")
            enroll(ws, plan_folder(ws, picday), "office")
            list(scan(ws, [photos], ScanOptions(approve_by="scanner", processes=1)))
            decide(ws, photos / "biden.jpg", "block", by="Ms. Rivera", reason="not this one")
            decide(ws, photos / "rose1.jpg", "approve", by="Ms. Rivera")
            group = photos / "obama_biden_1.jpg"
            decide(ws, group, "override", by="Ms. Rivera", reason="consent on file")
            decide(ws, group, "pending", by="Ms. Rivera")
            (photos / "rose1.jpg").unlink()
            decide(ws, photos / "rose1.jpg", "block", by="Ms. Rivera")  # current_sha256 null
            preview = make_safe_copy(ws, group, "blur", out_dir=base / "copies", processes=1)
            save_safe_copy(ws, preview, base / "copies", "Ms. Rivera")
            apply_import(ws, preview_import(ws, second), "office")
            apply_import(ws, preview_import(ws, third), "office")
            rose = [faces / "rose_leslie" / "rose1.jpg"]
            enroll(ws, plan_student(ws, "1004", rose), "office")
            assert recheck(ws, by="office").affected
            take_down(ws, photos / "rose_again.jpg", where="school website", by="Ms. Rivera")
            purge_student(ws, "1001", "office", "parent asked")
            with ws.db.transaction() as tx:
                link_and_seal(tx)  # the upgrade's roster.seal records, by its own writer
            with ws.db.snapshot() as tx:
                records = list(audit.records(tx, ws.school))
    assert len(records) == len(built), "each record's body was built by a writer"
    yield list(zip(records, built, strict=True))


@pytest.mark.parametrize("action", list(LogAction))
def test_every_action_has_a_body_class(action: LogAction) -> None:
    cls = bodies.BODY_CLASSES[action]
    assert action in cls.actions
    assert bodies.body_class(action) is cls


@pytest.mark.faces
@pytest.mark.parametrize("action", list(LogAction))
def test_a_written_body_reads_back_as_the_same_body_and_bytes(
    action: LogAction, written: Written
) -> None:
    mine = [(r, b) for r, b in written if r.action == action]
    assert mine, f"the flow wrote no {action} record"
    for record, built in mine:
        assert type(built) is bodies.BODY_CLASSES[action]
        read = bodies.parse(record.action, record.body)
        assert read == built
        assert record.typed_body == built
        assert record.body_as(type(built)) == built
        # What is stored is exactly what the body serialises to (what is hashed).
        assert canonical_json(built.to_json_dict()) == canonical_json(record.body)
        assert canonical_json(read.to_json_dict()) == canonical_json(record.body)


@pytest.mark.faces
def test_decision_pending_reads_as_a_decision(written: Written) -> None:
    (record, built), *_ = [(r, b) for r, b in written if r.action == "decision.pending"]
    assert isinstance(built, bodies.Decision)
    assert bodies.parse(record.action, record.body) == built


@pytest.mark.faces
def test_keys_written_only_sometimes_stay_only_sometimes(written: Written) -> None:
    decisions = [r.body for r, _ in written if r.action.startswith("decision.")]
    assert any("reason" in b for b in decisions) and any("reason" not in b for b in decisions)
    current = [b for b in decisions if "current_sha256" in b]
    assert [b["current_sha256"] for b in current if b["current_sha256"] is None]
    (copy,) = [r.body for r, _ in written if r.action == "safecopy"]
    assert "audio_kept" not in copy  # a photo; videos: tests/test_safecopy_video.py
    video = bodies.SafeCopy(kind="video", audio_kept=False).to_json_dict()
    assert video["audio_kept"] is False and list(video)[-1] == "audio_kept"
    old_start = bodies.ScanStart.from_body({"scan_id": 3})
    assert not old_start.roster_logged and "roster_version" not in old_start.to_json_dict()
    # A check with no face group to review writes scan.finish as earlier versions did.
    finish = bodies.ScanFinish(scan_id=3, counts={"clear": 1})
    assert "face_groups" not in finish.to_json_dict()
    grouped = bodies.ScanFinish(
        scan_id=3, face_groups=({"group": 1, "student_id": "1001", "files": {"/a.jpg": 1}},)
    ).to_json_dict()
    assert list(grouped)[-1] == "face_groups"
    assert list(bodies.ScanFinish.from_body(grouped).face_groups) == grouped["face_groups"]


def test_key_order_is_the_order_writers_always_used() -> None:
    body = bodies.Decision(path="p", reason="r", scan_record=4, current_logged=True)
    assert list(body.to_json_dict()) == [
        "path",
        "sha256",
        "verdict",
        "scan_id",
        "scanned_at",
        "roster_version",
        "settings",
        "model",
        "scan_record",
        "reason",
        "current_sha256",
    ]


@pytest.mark.parametrize("cls", sorted(set(bodies.BODY_CLASSES.values()), key=lambda c: c.__name__))
@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"scan_id": "7", "path": 5, "findings": "x", "diff": [], "student_ids": None},
        {k: [1, {"a": None}] for k in ("path", "settings", "counts", "faces", "rescan")},
        {"cancelled": 1, "student_id": 1001, "paths": [None, 3]},
    ],
)
def test_an_old_or_damaged_body_reads_without_raising(
    cls: type[bodies.Body], raw: dict[str, Any]
) -> None:
    action = cls.actions[0]
    body = bodies.parse(action, raw)
    assert type(body) is cls
    json.dumps(body.to_json_dict())  # still serialisable


def test_unreadable_and_unknown_bodies() -> None:
    assert bodies.parse("scan.file", {"unreadable_body": "{oops"}) == bodies.Unreadable("{oops")
    assert bodies.parse("later.action", {"a": 1}) == bodies.Unknown("later.action", {"a": 1})
    assert bodies.parse_as(bodies.ScanFile, "scan.start", {"scan_id": 1}) is None
