"""Decisions about checked files: only what a scan found clear is approved without a person.

Scans here are the rows the real scan writes (photoguard.scan.stored) plus its
scan.start record, made on real files written by the test.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from photoguard import audit
from photoguard.audit import bodies
from photoguard.cli.main import main
from photoguard.errors import UserError
from photoguard.references import stored as ref_store
from photoguard.references.stored import StoredReference
from photoguard.roster import stored as roster_store
from photoguard.roster.importing import apply_import, preview_import
from photoguard.scan import stored as scan_store
from photoguard.scan.decisions import (
    check,
    confirmed_decisions,
    decide,
    decision_for_verdict,
    latest_decision,
    standing_decisions,
)
from photoguard.scan.logged_check import current_roster, later
from photoguard.vocab import LogAction
from photoguard.workspace.folder import Workspace

MODEL = "dlib-resnet-v1 (face_recognition_models 0.3.0)"
SETTINGS = {
    "match_distance": 0.6,
    "review_distance": 0.65,
    "frames_per_second": 4.0,
    "min_face_px": 48,
    "faces": True,
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def photo(folder: Path, name: str, content: bytes | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content if content is not None else b"\xff\xd8 pretend jpeg " + name.encode())
    return path


def record_scan(ws: Workspace, verdicts: dict[Path, str]) -> int:
    """What the scan stores: scan rows plus its scan.* log records."""
    with ws.db.transaction() as tx:
        version = roster_store.current_version(tx, ws.school)
        scan_id = scan_store.start_scan(
            tx, ws.school, "scanner", version.id if version else None, SETTINGS
        )
        recs = [
            audit.append(
                tx,
                ws.school,
                "scanner",
                "scan.start",
                {
                    "scan_id": scan_id,
                    "paths": [str(p.resolve()) for p in verdicts],
                    "roster_version": version.label if version else None,
                    "settings": SETTINGS,
                    "model": MODEL,
                },
            )
        ]
        for path, verdict in verdicts.items():
            absolute = str(path.resolve())
            scan_store.record_file(tx, scan_id, absolute, sha256(path), verdict, verdict)
            recs.append(
                audit.append(
                    tx,
                    ws.school,
                    "scanner",
                    "scan.file",
                    {
                        "scan_id": scan_id,
                        "path": absolute,
                        "sha256": sha256(path),
                        "kind": "photo",
                        "verdict": verdict,
                        "findings": [],
                    },
                )
            )
        scan_store.finish_scan(tx, scan_id, {})
        # A check is decided on only once it finished (its face groups may revise it).
        recs.append(
            audit.append(
                tx, ws.school, "scanner", "scan.finish", {"scan_id": scan_id, "counts": {}}
            )
        )
    audit.write_head(ws.home, ws.school, *recs)
    return scan_id


def import_roster(ws: Workspace, folder: Path, opted_out: str = "Y") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    csv_file = folder / "aspen.csv"
    csv_file.write_text(
        f"Student ID,Last Name,First Name,Photo Opt Out\n1001,Rivera,Ana,{opted_out}\n"
        "1002,Okafor,Ben,N\n",
        "utf-8",
    )
    # Lifting Ana's opt-out lifts every opt-out of this two-student school: a mass change.
    preview = preview_import(ws, csv_file)
    return apply_import(ws, preview, "office", allow_mass_change=True).version.label


def enroll_a_face_later(ws: Workspace) -> None:
    """A reference face stored as if enrolled an hour from now (after any scan so far)."""
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec="seconds")
    with ws.db.transaction() as tx:
        ref_store.store_key(tx, ws.school, "1001", b"wrapped", later)
        ref_store.insert_reference(
            tx,
            ws.school,
            StoredReference(
                0, "1001", "ab" * 32, "ana.jpg", "[0,0,1,1]", 120, MODEL, later, b"s", None
            ),
        )


def log_size(ws: Workspace) -> int:
    with ws.db.snapshot() as tx:
        return int(tx.scalar("SELECT count(*) FROM audit_log WHERE school = ?", (ws.school,)))


# ------------------------------------------------------------------------------ approve


def test_approving_a_clear_file_records_what_was_checked(ws: Workspace, tmp_path: Path) -> None:
    label = import_roster(ws, tmp_path / "roster")
    pic = photo(tmp_path / "event", "field-day.jpg")
    scan_id = record_scan(ws, {pic: "clear"})

    result = decide(ws, pic, "approve", by="Ms. Rivera")

    assert result.decision == "approve" and result.lets_through
    assert (result.path, result.sha256, result.verdict) == (
        str(pic.resolve()),
        sha256(pic),
        "clear",
    )
    with ws.db.snapshot() as tx:
        rec = list(audit.records(tx, ws.school))[-1]
    assert rec.seq == result.record_seq
    assert rec.action == "decision.approve"
    assert rec.actor == "Ms. Rivera"
    assert rec.at.endswith("+00:00")
    assert rec.body["path"] == str(pic.resolve())
    assert rec.body["sha256"] == sha256(pic)
    assert rec.body["verdict"] == "clear"
    assert rec.body["scan_id"] == scan_id
    assert rec.body["roster_version"] == label
    assert rec.body["settings"] == SETTINGS
    assert rec.body["model"] == MODEL
    assert "reason" not in rec.body
    assert audit.read_head(ws.home, ws.school) == (rec.seq, rec.hash)
    assert audit.verify(ws.db, ws.school, ws.home).ok


@pytest.mark.parametrize("verdict", ["flagged", "review", "error"])
def test_a_file_that_was_not_clear_is_never_simply_approved(
    ws: Workspace, tmp_path: Path, verdict: str
) -> None:
    pic = photo(tmp_path, "class.jpg")
    record_scan(ws, {pic: verdict})
    before = log_size(ws)
    with pytest.raises(UserError, match=f"not clear.*{verdict}.*override with a reason"):
        decide(ws, pic, "approve", by="x")
    assert log_size(ws) == before


def test_a_file_never_scanned_cannot_be_decided_on(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "new.jpg")
    for kind in ("approve", "override", "block", "pending"):
        with pytest.raises(UserError, match="has not been checked yet; scan it first"):
            decide(ws, pic, kind, by="x", reason="looked at it")
    assert log_size(ws) == 0


def test_approving_a_file_whose_bytes_changed_since_its_scan_is_refused(
    ws: Workspace, tmp_path: Path
) -> None:
    pic = photo(tmp_path, "trip.jpg")
    record_scan(ws, {pic: "clear"})
    pic.write_bytes(b"different picture, same name")
    before = log_size(ws)
    for kind, reason in (("approve", None), ("override", "I looked")):
        with pytest.raises(
            UserError, match=r"trip\.jpg changed since it was checked at .*UTC; scan it again"
        ):
            decide(ws, pic, kind, by="x", reason=reason)
    assert log_size(ws) == before


def test_a_hash_given_by_the_caller_is_what_is_compared(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "trip.jpg")
    record_scan(ws, {pic: "clear"})
    with pytest.raises(UserError, match="changed since"):
        decide(ws, pic, "approve", by="scanner", sha256="0" * 64)
    ok = decide(ws, pic, "approve", by="scanner", sha256=sha256(pic).upper())
    assert ok.sha256 == sha256(pic)


def test_a_deleted_file_cannot_be_approved(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "gone.jpg")
    record_scan(ws, {pic: "clear"})
    pic.unlink()
    with pytest.raises(UserError, match="cannot read"):
        decide(ws, pic, "approve", by="x")


def test_the_newest_scan_of_a_file_is_the_one_that_counts(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "team.jpg")
    record_scan(ws, {pic: "flagged"})
    pic.write_bytes(b"the safe copy, faces covered")
    newest = record_scan(ws, {pic: "clear"})
    result = decide(ws, pic, "approve", by="x")
    assert result.scan_id == newest and result.sha256 == sha256(pic)


def test_a_relative_path_names_the_same_file(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pic = photo(tmp_path / "event", "a.jpg")
    record_scan(ws, {pic: "clear"})
    monkeypatch.chdir(tmp_path / "event")
    assert decide(ws, Path("a.jpg"), "approve", by="x").path == str(pic.resolve())


def test_approving_after_a_newer_roster_was_imported_needs_a_new_scan(
    ws: Workspace, tmp_path: Path
) -> None:
    import_roster(ws, tmp_path / "r1")
    pic = photo(tmp_path, "concert.jpg")
    record_scan(ws, {pic: "clear"})
    import_roster(ws, tmp_path / "r2", opted_out="N")
    with pytest.raises(UserError, match="newer roster was imported since; scan it again"):
        decide(ws, pic, "approve", by="x")
    assert decide(ws, pic, "block", by="x").decision == "block"


def test_approving_after_reference_faces_were_enrolled_needs_a_new_scan(
    ws: Workspace, tmp_path: Path
) -> None:
    pic = photo(tmp_path, "concert.jpg")
    record_scan(ws, {pic: "clear"})
    enroll_a_face_later(ws)
    with pytest.raises(UserError, match="reference faces were enrolled since"):
        decide(ws, pic, "approve", by="x")


# ----------------------------------------------------------------------------- override


def test_an_override_needs_a_reason(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "play.jpg")
    record_scan(ws, {pic: "review"})
    for reason in (None, "", "   \n"):
        with pytest.raises(UserError, match="needs a reason"):
            decide(ws, pic, "override", by="x", reason=reason)
    result = decide(
        ws, pic, "override", by="Mr. Chen", reason="  the face is a parent, not a student "
    )
    assert result.decision == "override" and result.verdict == "review"
    assert result.reason == "the face is a parent, not a student"
    with ws.db.snapshot() as tx:
        rec = list(audit.records(tx, ws.school))[-1]
    assert rec.action == "decision.override"
    assert rec.body["reason"] == "the face is a parent, not a student"


# -------------------------------------------------------------------------- block, pending


def test_a_scanned_file_can_always_be_blocked(ws: Workspace, tmp_path: Path) -> None:
    flagged = photo(tmp_path, "flagged.jpg")
    changed = photo(tmp_path, "changed.jpg")
    gone = photo(tmp_path, "gone.jpg")
    record_scan(ws, {flagged: "flagged", changed: "clear", gone: "clear"})
    changed.write_bytes(b"edited")
    gone.unlink()

    results = [decide(ws, p, "block", by="x") for p in (flagged, changed, gone)]
    assert [r.decision for r in results] == ["block"] * 3
    assert not any(r.lets_through for r in results)
    with ws.db.snapshot() as tx:
        bodies = [r.body for r in audit.records(tx, ws.school, action_prefix="decision.")]
    assert "current_sha256" not in bodies[0]
    assert bodies[1]["current_sha256"] == sha256(changed)
    assert bodies[2]["current_sha256"] is None
    assert audit.verify(ws.db, ws.school, ws.home).ok


def test_pending_is_recorded_for_files_that_need_a_person(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "blurry.jpg")
    record_scan(ws, {pic: "error"})
    result = decide(ws, pic, "pending", by="scanner", sha256=sha256(pic))
    assert result.decision == "pending" and not result.lets_through


def test_what_scan_approve_records_for_each_verdict() -> None:
    assert decision_for_verdict("clear") == "approve"
    assert decision_for_verdict("flagged") == "block"
    assert decision_for_verdict("review") == "pending"
    assert decision_for_verdict("error") == "pending"
    assert decision_for_verdict("something new") == "pending"


# ------------------------------------------------------------------------------- general


def test_who_decides_must_be_named_on_one_line(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "a.jpg")
    record_scan(ws, {pic: "clear"})
    with pytest.raises(UserError, match="who is deciding"):
        decide(ws, pic, "approve", by="  ")
    with pytest.raises(UserError, match="one line"):
        decide(ws, pic, "approve", by="Ana\nRivera")
    assert decide(ws, pic, "approve", by="  Ana   Rivera ").by == "Ana Rivera"


def test_an_unknown_decision_is_refused(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "a.jpg")
    record_scan(ws, {pic: "clear"})
    with pytest.raises(UserError, match="unknown decision"):
        decide(ws, pic, "publish", by="x")


def test_check_refuses_exactly_like_decide_but_records_nothing(
    ws: Workspace, tmp_path: Path
) -> None:
    pic = photo(tmp_path, "a.jpg")
    record_scan(ws, {pic: "flagged"})
    before = log_size(ws)
    with pytest.raises(UserError, match="not clear"):
        check(ws, pic, "approve", "x")
    check(ws, pic, "block", "x")
    assert log_size(ws) == before


def test_the_latest_decision_about_a_file(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "a.jpg")
    other = photo(tmp_path, "b.jpg")
    record_scan(ws, {pic: "clear", other: "clear"})
    assert latest_decision(ws, pic) is None
    decide(ws, pic, "approve", by="x")
    blocked = decide(ws, pic, "block", by="y", reason="a parent asked")
    decide(ws, other, "approve", by="x")
    latest = latest_decision(ws, pic)
    assert latest is not None
    assert (latest.decision, latest.record_seq, latest.reason) == (
        "block",
        blocked.record_seq,
        "a parent asked",
    )


def test_a_reopened_check_gets_the_decisions_that_still_hold(ws: Workspace, tmp_path: Path) -> None:
    """Re-opening yesterday's check shows what was decided, only where it still applies."""
    import_roster(ws, tmp_path / "r1")
    kept = photo(tmp_path, "kept.jpg")
    blocked = photo(tmp_path, "blocked.jpg")
    edited = photo(tmp_path, "edited.jpg")
    now_flagged = photo(tmp_path, "now_flagged.jpg")
    undecided = photo(tmp_path, "undecided.jpg")
    record_scan(ws, {kept: "clear", blocked: "flagged", edited: "clear", now_flagged: "clear"})
    decide(ws, kept, "approve", by="Ms. Tan")
    decide(ws, blocked, "block", by="Ms. Tan")
    decide(ws, edited, "approve", by="Ms. Tan")
    decide(ws, now_flagged, "approve", by="Ms. Tan")
    edited.write_bytes(b"\xff\xd8 cropped since")
    again = {
        kept: "clear",
        blocked: "flagged",
        edited: "clear",
        now_flagged: "flagged",
        undecided: "clear",
    }

    def standing() -> dict[str, str]:
        got = standing_decisions(ws, [(p, sha256(p), v) for p, v in again.items()])
        return {Path(k).name: d.decision for k, d in got.items()}

    # The approval of bytes since edited, and one given on a clear verdict the check
    # no longer finds, do not carry over; nothing is invented for the undecided file.
    assert standing() == {"kept.jpg": "approve", "blocked.jpg": "block"}
    assert standing_decisions(ws, [(kept, sha256(kept), "clear")])[str(kept)].by == "Ms. Tan"

    # A newer roster: approvals must be given again; a block still stands.
    import_roster(ws, tmp_path / "r2")
    assert standing() == {"blocked.jpg": "block"}


def test_an_approval_does_not_stand_after_reference_faces_were_enrolled(
    ws: Workspace, tmp_path: Path
) -> None:
    pic = photo(tmp_path, "concert.jpg")
    record_scan(ws, {pic: "clear"})
    decide(ws, pic, "approve", by="x")
    assert set(standing_decisions(ws, [(pic, sha256(pic), "clear")])) == {str(pic)}
    enroll_a_face_later(ws)
    assert standing_decisions(ws, [(pic, sha256(pic), "clear")]) == {}


def test_only_the_newest_decision_about_a_file_counts(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "concert.jpg")
    record_scan(ws, {pic: "clear"})
    decide(ws, pic, "block", by="x")
    decide(ws, pic, "approve", by="y")
    got = standing_decisions(ws, [(pic, sha256(pic), "clear")])
    assert (got[str(pic)].decision, got[str(pic)].by) == ("approve", "y")
    decide(ws, pic, "block", by="z")
    assert standing_decisions(ws, [(pic, sha256(pic), "clear")])[str(pic)].by == "z"


@pytest.mark.sqlite_only
def test_decisions_cannot_be_rewritten_in_the_database(ws: Workspace, tmp_path: Path) -> None:
    pic = photo(tmp_path, "a.jpg")
    record_scan(ws, {pic: "flagged"})
    decide(ws, pic, "block", by="x")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), ws.db.transaction() as tx:
        tx.execute(
            "UPDATE audit_log SET action = 'decision.approve' WHERE action = 'decision.block'"
        )


# ---------------------------------------------------------------------------- the CLI


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def test_cli_approve_records_approve_for_clear_and_override_for_others(
    ws: Workspace, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clear = photo(tmp_path, "clear.jpg")
    review = photo(tmp_path, "review.jpg")
    record_scan(ws, {clear: "clear", review: "review"})

    code = run(
        home, "approve", str(clear), str(review), "--by", "Ms. Rivera", "--reason", "reviewed both"
    )

    out = capsys.readouterr().out
    assert code == 0
    assert "Approved clear.jpg (the scan found it clear)" in out
    assert "Approved review.jpg over the scan, which found it review" in out
    with ws.db.snapshot() as tx:
        recs = list(audit.records(tx, ws.school, action_prefix="decision."))
    assert [(r.action, r.actor, r.body["reason"]) for r in recs] == [
        ("decision.approve", "Ms. Rivera", "reviewed both"),
        ("decision.override", "Ms. Rivera", "reviewed both"),
    ]


def test_cli_approve_requires_a_reason(home: Path, tmp_path: Path) -> None:
    pic = photo(tmp_path, "a.jpg")
    with pytest.raises(SystemExit) as exc:
        run(home, "approve", str(pic), "--by", "x")
    assert exc.value.code == 2


def test_cli_approve_records_nothing_if_any_file_is_refused(
    ws: Workspace, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = photo(tmp_path, "good.jpg")
    changed = photo(tmp_path, "changed.jpg")
    never = photo(tmp_path, "never.jpg")
    record_scan(ws, {good: "clear", changed: "clear"})
    changed.write_bytes(b"edited after the scan")
    before = log_size(ws)

    code = run(home, "approve", str(good), str(changed), str(never), "--reason", "ok")

    err = capsys.readouterr().err
    assert code == 2
    assert "changed.jpg changed since it was checked" in err
    assert "never.jpg has not been checked yet" in err
    assert "nothing was recorded (2 files refused)" in err
    assert log_size(ws) == before


def test_cli_block_defaults_to_the_os_user(
    ws: Workspace, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pic = photo(tmp_path, "a.jpg")
    record_scan(ws, {pic: "flagged"})
    assert run(home, "block", str(pic)) == 0
    assert "Blocked a.jpg; record" in capsys.readouterr().out
    with ws.db.snapshot() as tx:
        rec = list(audit.records(tx, ws.school))[-1]
    assert rec.action == "decision.block" and rec.actor == audit.default_actor()


# ----------------------------------------------------------------------------- same second


def test_times_compare_to_the_microsecond_not_the_second() -> None:
    """A face enrolled 0.4 s after a check began, in the same second, is one it never saw."""
    assert later("2026-12-04T12:00:00.500000+00:00", "2026-12-04T12:00:00.100000+00:00")
    assert not later("2026-12-04T12:00:00.100000+00:00", "2026-12-04T12:00:00.500000+00:00")
    # A row stamped to the second reads as that second's start.
    assert not later("2026-12-04T12:00:00+00:00", "2026-12-04T12:00:00.100000+00:00")
    assert not later("2026-12-04T12:00:00.100000+00:00", "2026-12-04T12:00:00.100000+00:00")


def test_a_face_enrolled_in_the_second_a_recheck_confirmed_an_approval_unconfirms_it(
    ws: Workspace, tmp_path: Path
) -> None:
    pic = photo(tmp_path, "fair.jpg")
    record_scan(ws, {pic: "clear"})
    approval = decide(ws, pic, "approve", by="x")
    with ws.db.snapshot() as tx:
        roster = current_roster(tx, ws.school)
    as_of = datetime.now(UTC).replace(microsecond=100_000)
    with ws.db.transaction() as tx:
        audit.append(
            tx,
            ws.school,
            "office",
            LogAction.APPROVAL_RECHECKED,
            bodies.ApprovalRechecked(
                holds=({"decision": approval.record_seq, "path": str(pic), "sha256": "x"},),
                roster_version=roster,
                references_as_of=as_of.isoformat(timespec="microseconds"),
            ).to_json_dict(),
        )
    with ws.db.snapshot() as tx:
        assert approval.record_seq in confirmed_decisions(tx, ws.school)
    # 0.3 s later, in the same second: the re-check never matched against that face.
    when = (as_of + timedelta(microseconds=300_000)).isoformat(timespec="microseconds")
    with ws.db.transaction() as tx:
        ref_store.store_key(tx, ws.school, "1001", b"wrapped", when)
        ref_store.insert_reference(
            tx,
            ws.school,
            StoredReference(
                0, "1001", "cd" * 32, "ana.jpg", "[0,0,1,1]", 120, MODEL, when, b"s", None
            ),
        )
    with ws.db.snapshot() as tx:
        assert approval.record_seq not in confirmed_decisions(tx, ws.school)
