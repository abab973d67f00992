"""Living consent (scan/recheck.py, ``photoguard recheck``): approvals given before a
parent opted a child out are matched again, from the scan cache or the file, and those
that now show the child are withdrawn in the approval log. The real fixture school, real
photos through the real models, real roster imports and enrollments."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import FACES

pytestmark = pytest.mark.faces

OPTED_OUT_BIDEN = (
    "Student ID,Last Name,First Name,Preferred Name,Grade,Homeroom,Privacy Law Opt-Out\r\n"
    "1001,Obama,Barry,,5,101,Y\r\n"
    "1002,Biden,Joseph,,5,101,Y\r\n"
    "1003,Harington,Christopher,Kit,4,102,Yes\r\n"
    "1004,Leslie,Roseanne,,4,102,\r\n"
    "1005,Lacamoire,Alexander,,3,103,No\r\n"
    "1006,Miranda,Lin-Manuel,,3,103,X\r\n"
    "1007,Nobody,Nemo,,3,103,Y\r\n"
    "1008,Smith,John,,5,101,N\r\n"
)


def _withdrawals(home: Path) -> list:
    from photoguard import audit
    from photoguard.audit import bodies
    from photoguard.vocab import LogAction
    from photoguard.workspace.folder import open_workspace

    with open_workspace(home) as ws, ws.db.snapshot() as tx:
        return [
            (r, r.body_as(bodies.ApprovalWithdrawn))
            for r in audit.records_of(tx, ws.school, [LogAction.APPROVAL_WITHDRAWN])
        ]


def test_an_approval_of_a_child_newly_opted_out_is_withdrawn_and_the_rest_hold(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from photoguard import audit
    from photoguard.audit.summary import STILL_WITHDRAWN, summarise
    from photoguard.cli.main import main
    from photoguard.references.enroll import enroll, plan_student
    from photoguard.scan.decisions import decide, latest_decision, standing_decisions
    from photoguard.scan.recheck import FROM_CACHE, GONE, recheck
    from photoguard.scan.run import ScanFinished, ScanOptions, scan
    from photoguard.vocab import DecisionKind
    from photoguard.workspace.folder import open_workspace

    home = copy_home
    fair = tmp_path / "fair"
    fair.mkdir()
    shutil.copyfile(FACES / "biden" / "biden2.jpg", fair / "a_stage.jpg")
    shutil.copyfile(FACES / "alex_lacamoire" / "alex2.png", fair / "b_band.png")
    with open_workspace(home) as ws:
        list(scan(ws, [fair], ScanOptions(processes=1)))
        for name in ("a_stage.jpg", "b_band.png"):
            decide(ws, fair / name, DecisionKind.APPROVE, "Ms Rivera")

    # The office imports a roster that opts Joseph Biden out: nothing shows him yet (he
    # has no reference face), and the import says so.
    roster = tmp_path / "december.csv"
    roster.write_bytes(OPTED_OUT_BIDEN.encode())
    assert main(["--home", str(home), "roster", "import", str(roster), "--by", "office"]) == 0
    said = capsys.readouterr().out
    assert "Re-checked 2 approved file(s): none shows a newly opted-out student." in said

    with open_workspace(home) as ws:
        enroll(ws, plan_student(ws, "1002", [FACES / "biden" / "biden.jpg"]), "office")
        # A dry run says what would be withdrawn, and writes nothing.
        dry = recheck(ws, by="office", dry_run=True)
        assert [Path(r.approval.path).name for r in dry.affected] == ["a_stage.jpg"]
        assert dry.headline() == (
            "1 approved file(s) show Joseph Biden: approval would be withdrawn."
        )
        assert _withdrawals(home) == []

    assert main(["--home", str(home), "recheck", "--by", "office"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("1 approved file(s) show Joseph Biden: approval withdrawn.")
    assert "approved by Ms Rivera on " in out and "now shows Joseph Biden (newly opted out)" in out
    ((_record, body),) = _withdrawals(home)
    assert body is not None and Path(body.path or "").name == "a_stage.jpg"
    assert (body.students, body.because, body.decision) == (
        ("1002",),
        ("newly opted out",),
        "approve",
    )
    assert body.approved_by == "Ms Rivera" and body.source == FROM_CACHE
    with open_workspace(home) as ws:
        withdrawn = latest_decision(ws, fair / "a_stage.jpg")
        assert withdrawn is not None and withdrawn.decision == "approve"
        assert not withdrawn.lets_through and "1002 newly opted out" in (withdrawn.withdrawn or "")
        held = latest_decision(ws, fair / "b_band.png")
        assert held is not None and held.lets_through
        assert body.withdraws == withdrawn.record_seq
        assert audit.verify(ws.db, ws.school, ws.home).ok

    # The superintendent's summary lists it as still up, until it is taken down.
    today = date.today()
    with open_workspace(home) as ws:
        (w,) = summarise(ws, today - timedelta(days=1), today + timedelta(days=1)).withdrawn
        assert (Path(w.path).name, w.students, w.status) == (
            "a_stage.jpg",
            ("1002",),
            STILL_WITHDRAWN,
        )
        concerns = summarise(ws, today - timedelta(days=1), today + timedelta(days=1)).concerns
        assert any("not recorded as taken down" in c for c in concerns)
    take = ["--home", str(home), "takedown", "--where", "school website", "--by", "Ms Rivera"]
    assert main([*take, str(fair / "b_band.png")]) == 2
    assert "has no withdrawn approval" in capsys.readouterr().err
    assert main([*take, str(fair / "a_stage.jpg")]) == 0
    assert "taken down from school website" in capsys.readouterr().out
    with open_workspace(home) as ws:
        after = summarise(ws, today - timedelta(days=1), today + timedelta(days=1))
        (w,) = after.withdrawn
        assert w.status == "taken down from school website" and not w.still_up
        assert not any("not recorded as taken down" in c for c in after.concerns)
        assert audit.verify(ws.db, ws.school, ws.home).ok

    # Withdrawn once, and the other found holding: checking again has nothing to do.
    assert main(["--home", str(home), "recheck", "--by", "office"]) == 0
    assert capsys.readouterr().out.startswith("No approval to check again")
    assert len(_withdrawals(home)) == 1
    # The one that holds is shown as holding when its folder is checked again.
    with open_workspace(home) as ws:
        (again,) = [
            e.report
            for e in scan(ws, [fair], ScanOptions(processes=1))
            if isinstance(e, ScanFinished)
        ]
        checked = [(r.path, r.sha256, r.verdict) for r in again.files]
        standing = standing_decisions(ws, checked)
    assert [Path(p).name for p in standing] == ["b_band.png"]

    # Gone from its folder and from the cache: listed, never silently dropped.
    (fair / "b_band.png").unlink()
    assert main(["--home", str(home), "cache", "clear"]) == 0
    with open_workspace(home) as ws:
        enroll(ws, plan_student(ws, "1001", [FACES / "obama" / "obama2.jpg"]), "office")
        report = recheck(ws, by="office")
    (cannot,) = report.cannot
    assert Path(cannot.approval.path).name == "b_band.png" and cannot.cannot == GONE


def test_an_import_says_before_it_is_applied_which_approvals_it_would_withdraw(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new student's full name in an approved photo's file name: the import's preview
    (and its dry run) says the approval would be withdrawn; the import withdraws it."""
    from photoguard.cli.main import main
    from photoguard.scan.decisions import decide
    from photoguard.scan.run import ScanOptions, scan
    from photoguard.vocab import DecisionKind
    from photoguard.workspace.folder import open_workspace

    home = copy_home
    fair = tmp_path / "fair"
    fair.mkdir()
    shutil.copyfile(FACES / "alex_lacamoire" / "alex2.png", fair / "Wei Chen at the fair.png")
    with open_workspace(home) as ws:
        list(scan(ws, [fair], ScanOptions(processes=1)))
        decide(ws, fair / "Wei Chen at the fair.png", DecisionKind.APPROVE, "Ms Rivera")
    roster = tmp_path / "with-wei.csv"
    roster.write_bytes((OPTED_OUT_BIDEN + "1009,Chen,Wei,,2,104,N\r\n").encode())
    argv = ["--home", str(home), "roster", "import", str(roster), "--by", "office"]
    assert main([*argv, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Approved files this import affects:" in out
    assert "1 approved file(s) show Wei Chen: approval would be withdrawn." in out
    assert "now shows Wei Chen (newly on the roster)" in out
    assert "Dry run: nothing was changed." in out
    assert _withdrawals(home) == []
    assert main(argv) == 0
    assert "1 approved file(s) show Wei Chen: approval withdrawn." in capsys.readouterr().out
    ((_record, body),) = _withdrawals(home)
    assert body is not None and body.students == ("1009",)


def test_an_approved_files_faces_outlive_the_cache_age_for_the_recheck(
    copy_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the check found in approved bytes is kept recheck_days, past cache_days; a
    file no longer approved (blocked) is kept no longer than any other."""
    import time

    from photoguard.scan.cache import ScanCache
    from photoguard.scan.decisions import decide
    from photoguard.scan.run import ScanOptions, scan
    from photoguard.vocab import DecisionKind
    from photoguard.workspace.folder import open_workspace

    fair = tmp_path / "fair"
    fair.mkdir()
    shutil.copyfile(FACES / "biden" / "biden2.jpg", fair / "a.jpg")
    shutil.copyfile(FACES / "alex_lacamoire" / "alex2.png", fair / "b.png")
    with open_workspace(copy_home) as ws:
        list(scan(ws, [fair], ScanOptions(processes=1)))
        decide(ws, fair / "a.jpg", DecisionKind.APPROVE, "Ms Rivera")
        decide(ws, fair / "b.png", DecisionKind.APPROVE, "Ms Rivera")
        decide(ws, fair / "b.png", DecisionKind.BLOCK, "Ms Rivera")
    later = time.time() + 40 * 86400  # past the cache's 30 days, within the 300
    monkeypatch.setattr(time, "time", lambda: later)
    cache = ScanCache(copy_home, 30)
    try:
        assert cache.count() == 1 and cache.kept_count() == 1  # a.jpg only
    finally:
        cache.close()
