"""`photoguard log show | export | summary | verify` on a log like a real week's work."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from photoguard import audit
from photoguard.audit import POLICY_2A3, summarise
from photoguard.audit.view import EXPORT_COLUMNS
from photoguard.cli.main import main
from photoguard.roster import stored as roster_store
from photoguard.roster.importing import apply_import, preview_import
from photoguard.scan import stored as scan_store
from photoguard.scan.decisions import decide
from photoguard.workspace.folder import Workspace, open_workspace

SETTINGS = {"match_distance": 0.6, "review_distance": 0.65, "min_face_px": 48, "faces": True}
MODEL = "dlib-resnet-v1 (face_recognition_models 0.3.0)"
HOSTILE_NAME = '=HYPERLINK("evil.example","click").jpg'
HOSTILE_REASON = '<script>alert("x")</script> parent said yes & it is fine'


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scan(
    ws: Workspace, files: dict[Path, tuple[str, list[dict[str, str]]]], gaps: list[str]
) -> int:
    """The rows and records the real scan writes (see notes/log-records.md)."""
    with ws.db.transaction() as tx:
        version = roster_store.current_version(tx, ws.school)
        scan_id = scan_store.start_scan(
            tx, ws.school, "scanner", version.id if version else None, SETTINGS
        )
    audit.log_action(
        ws.db,
        ws.home,
        ws.school,
        "scanner",
        "scan.start",
        {
            "scan_id": scan_id,
            "paths": sorted({str(p.parent) for p in files}),
            "roster_version": version.label if version else None,
            "settings": SETTINGS,
            "model": MODEL,
        },
    )
    counts = {"clear": 0, "flagged": 0, "review": 0, "error": 0, "skipped": 0}
    for path, (verdict, findings) in files.items():
        with ws.db.transaction() as tx:
            scan_store.record_file(tx, scan_id, str(path.resolve()), sha256(path), verdict, "")
            rec = audit.append(
                tx,
                ws.school,
                "scanner",
                "scan.file",
                {
                    "scan_id": scan_id,
                    "path": str(path.resolve()),
                    "sha256": sha256(path),
                    "kind": "photo",
                    "verdict": verdict,
                    "findings": findings,
                },
            )
        audit.write_head(ws.home, ws.school, rec)
        counts[verdict] += 1
    with ws.db.transaction() as tx:
        scan_store.finish_scan(tx, scan_id, counts)
        rec = audit.append(
            tx,
            ws.school,
            "scanner",
            "scan.finish",
            {"scan_id": scan_id, "counts": counts, "coverage_gaps": gaps, "cancelled": False},
        )
    audit.write_head(ws.home, ws.school, rec)
    return scan_id


@pytest.fixture
def week(home: Path, tmp_path: Path) -> dict[str, Path]:
    """Roster import, an enrollment, one scan of four photos, and three decisions: 11 records."""
    folder = tmp_path / "field-day"
    folder.mkdir()
    photos = {
        "clear": folder / "relay.jpg",
        "flagged": folder / "finish-line.jpg",
        "review": folder / "crowd.jpg",
        "hostile": folder / HOSTILE_NAME,
    }
    for name, path in photos.items():
        path.write_bytes(b"\xff\xd8 " + name.encode())
    roster = tmp_path / "aspen.csv"
    roster.write_text(
        "Student ID,Last Name,First Name,Photo Opt Out\n1001,Rivera,Ana,Y\n1002,Okafor,Ben,Y\n"
        "1003,Chen,Li,N\n",
        "utf-8",
    )
    with open_workspace(home) as ws:
        apply_import(ws, preview_import(ws, roster), "main.office")
        audit.log_action(
            ws.db,
            ws.home,
            ws.school,
            "main.office",
            "enroll.add",
            {"student_id": "1001", "references_added": 2, "source": "picture-day"},
        )
        scan(
            ws,
            {
                photos["clear"]: ("clear", []),
                photos["flagged"]: ("flagged", [{"type": "opted_out_face", "student_id": "1001"}]),
                photos["review"]: (
                    "review",
                    [
                        {"type": "possible_opted_out_face", "student_id": "1001"},
                        {"type": "full_name", "student_id": "1003"},
                    ],
                ),
                photos["hostile"]: ("clear", []),
            },
            gaps=["1002"],
        )
        decide(ws, photos["clear"], "approve", by="ms.rivera")
        decide(ws, photos["flagged"], "block", by="ms.rivera")
        decide(ws, photos["review"], "override", by="mr.chen", reason=HOSTILE_REASON)
    return photos


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def today_utc(home: Path) -> date:
    with open_workspace(home) as ws, ws.db.snapshot() as tx:
        last = audit.last_record(tx, ws.school)
    assert last is not None
    return last.when.date()


# ----------------------------------------------------------------------------- show


def test_show_lists_every_record_with_who_and_what(
    week: dict[str, Path], home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(home, "log", "show") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["Seq", "Time", "(UTC)", "Who", "Action", "What"]
    assert len(lines) == 2 + 11  # header, rule, 11 records
    assert "roster.import" in out and "main.office" in out
    assert "finish-line.jpg flagged (opted out face 1001)" in out
    assert "override crowd.jpg (scanned review)" in out
    assert (
        "scan 1 finished: 2 clear, 1 flagged, 1 review; 1 opted-out student not recognisable" in out
    )


def test_show_filters_by_file_action_and_day(
    week: dict[str, Path],
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(week["flagged"].parent)
    assert run(home, "log", "show", "--file", "finish-line.jpg", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert [r["action"] for r in shown] == ["scan.file", "decision.block"]
    assert all(r["body"]["path"] == str(week["flagged"].resolve()) for r in shown)

    assert run(home, "log", "show", "--action", "decision", "--json") == 0
    actions = [r["action"] for r in json.loads(capsys.readouterr().out)]
    assert actions == ["decision.approve", "decision.block", "decision.override"]

    day = today_utc(home)
    assert run(home, "log", "show", "--since", str(day), "--json") == 0
    assert len(json.loads(capsys.readouterr().out)) == 11
    assert run(home, "log", "show", "--since", str(day + timedelta(days=1))) == 0
    assert capsys.readouterr().out.strip() == "No records match."


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "2026-02-30", "20260501"])
def test_a_bad_date_is_one_line_and_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        run(home, "log", "show", "--since", bad)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "YYYY-MM-DD" in err or "not a real date" in err


# --------------------------------------------------------------------------- export


def read_export(path: Path) -> tuple[bytes, list[dict[str, str]]]:
    raw = path.read_bytes()
    return raw, list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_export_writes_every_record_excel_safe(
    week: dict[str, Path], home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "log.csv"
    assert run(home, "log", "export", str(out)) == 0
    assert "Wrote 11 records" in capsys.readouterr().out
    raw, rows = read_export(out)

    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(rows[0].keys()) == list(EXPORT_COLUMNS)
    assert [int(r["seq"]) for r in rows] == list(range(1, 12))
    for row in rows:
        for cell in row.values():
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))
    hostile = [r for r in rows if r["path"].endswith(".jpg") and "HYPERLINK" in r["path"]]
    assert hostile and all(r["path"] == str(week["hostile"].resolve()) for r in hostile)
    flagged = next(r for r in rows if r["action"] == "scan.file" and r["verdict"] == "flagged")
    assert flagged["student_ids"] == "1001"
    assert flagged["sha256"] == sha256(week["flagged"])
    override = next(r for r in rows if r["action"] == "decision.override")
    assert override["reason"] == HOSTILE_REASON
    with open_workspace(home) as ws, ws.db.snapshot() as tx:
        stored = list(audit.records(tx, ws.school))
    for row, rec in zip(rows, stored, strict=True):
        assert json.loads(row["body"]) == rec.body
        assert (row["prev_hash"], row["hash"], row["at"]) == (rec.prev_hash, rec.hash, rec.at)


def test_a_hostile_path_starting_with_a_formula_is_escaped(tmp_path: Path, home: Path) -> None:
    with open_workspace(home) as ws:
        audit.log_action(
            ws.db, ws.home, ws.school, "=cmd|'/c calc'!A0", "safecopy", {"source_path": "@SUM(1)"}
        )
    out = tmp_path / "log.csv"
    assert run(home, "log", "export", str(out)) == 0
    _, rows = read_export(out)
    assert rows[0]["actor"] == "'=cmd|'/c calc'!A0"
    assert rows[0]["path"] == "'@SUM(1)"


def test_export_into_a_missing_folder_is_one_line_exit_2(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(home, "log", "export", str(tmp_path / "nope" / "log.csv")) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "does not exist" in err


# -------------------------------------------------------------------------- summary


def test_summary_counts_the_period(week: dict[str, Path], home: Path) -> None:
    day = today_utc(home)
    with open_workspace(home) as ws:
        s = summarise(ws, day, day)
    assert s.verification.ok
    assert (s.scans, s.scans_cancelled, s.file_checks, s.distinct_files) == (1, 0, 4, 4)
    assert s.verdicts == {"clear": 2, "flagged": 1, "review": 1, "error": 0}
    assert s.findings == {"full_name": 1, "opted_out_face": 1, "possible_opted_out_face": 1}
    assert s.decisions == {"approve": 1, "override": 1, "block": 1, "pending": 0}
    assert [(o.by, o.verdict, o.reason) for o in s.overrides] == [
        ("mr.chen", "review", HOSTILE_REASON)
    ]
    assert [(i.by, i.students, i.opted_out) for i in s.roster_imports] == [("main.office", 3, 2)]
    assert s.students_enrolled == 1
    assert s.coverage_gaps == ("1002",) and s.coverage_gaps_scan == 1
    assert any("1002" in c for c in s.concerns)
    assert any("approved by a person" in c for c in s.concerns)


def test_summary_of_an_empty_period_says_so(week: dict[str, Path], home: Path) -> None:
    with open_workspace(home) as ws:
        s = summarise(ws, date(2001, 1, 1), date(2001, 1, 31))
    assert (s.scans, s.file_checks, s.overrides, s.coverage_gaps) == (0, 0, (), None)
    assert "No scan was recorded in this period." in s.concerns


def test_summary_writes_csv_and_a_printable_html_page(
    week: dict[str, Path], home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day = str(today_utc(home))
    csv_file, page = tmp_path / "report.csv", tmp_path / "report.html"

    code = run(
        home,
        "log",
        "summary",
        "--from",
        day,
        "--to",
        day,
        "--csv",
        str(csv_file),
        "--html",
        str(page),
    )

    out = capsys.readouterr().out
    assert code == 0
    assert "Scans: 1 (0 cancelled); file checks: 4 (4 distinct files)" in out
    assert "Coverage gaps at scan 1: 1002" in out
    _, rows = read_export(csv_file)
    assert {"section", "item", "count", "when", "who", "file", "detail"} == set(rows[0])
    assert ("verdicts", "flagged", "1") in {(r["section"], r["item"], r["count"]) for r in rows}
    override = next(r for r in rows if r["section"] == "override")
    assert (override["who"], override["detail"]) == ("mr.chen", HOSTILE_REASON)
    hostile_rows = [r for r in rows if "HYPERLINK" in "".join(r.values())]
    assert all(not v.startswith("=") for r in hostile_rows for v in r.values())

    html = page.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; parent said yes &amp; it is fine" in html
    )
    for external in ("src=", "<link", "@import", "url("):
        assert external not in html
    assert "@page" in html
    assert POLICY_2A3 in html
    assert "Public Records Law" in html and "subject to retention" in html
    with open_workspace(home) as ws:
        head = audit.verify(ws.db, ws.school, ws.home).head_hash
    assert head in html


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2026-05-01"],
        ["--from", "2026-05-01", "--to", "May 30"],
        ["--from", "2026-5-1", "--to", "2026-05-30"],
    ],
)
def test_summary_dates_are_checked(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        run(home, "log", "summary", *args)
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_summary_period_ending_before_it_starts_is_refused(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(home, "log", "summary", "--from", "2026-05-02", "--to", "2026-05-01") == 2
    assert "before" in capsys.readouterr().err


@pytest.mark.sqlite_only
def test_summary_of_a_broken_log_says_so_and_exits_1(
    week: dict[str, Path], home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = sqlite3.connect(home / "photoguard.sqlite")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 10")
    conn.commit()
    conn.close()
    day = str(today_utc(home))
    page = tmp_path / "r.html"
    assert run(home, "log", "summary", "--from", day, "--to", day, "--html", str(page)) == 1
    assert "NOT intact" in capsys.readouterr().out
    assert "does NOT verify at record 10" in page.read_text("utf-8")


# --------------------------------------------------------------------------- verify


def test_verify_json(week: dict[str, Path], home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(home, "log", "verify", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True and result["records"] == 11 and result["first_bad"] is None


@pytest.mark.sqlite_only
def test_the_installed_command_exits_0_then_1_after_tampering(
    week: dict[str, Path], home: Path
) -> None:
    cmd = [sys.executable, "-m", "photoguard", "--home", str(home), "log", "verify"]
    ok = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    conn = sqlite3.connect(home / "photoguard.sqlite")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE seq = 11")
    conn.commit()
    conn.close()
    bad = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "record 11 is bad" in bad.stdout
