"""The enroll and scan commands as a person runs them: output, exit status, --approve."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FACES
from faceworld import write_picture_day, write_roster

from photoguard.cli.main import main

pytestmark = pytest.mark.faces


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def test_enroll_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    assert run(home, "roster", "import", str(write_roster(tmp_path / "r.csv"))) == 0
    picday = write_picture_day(tmp_path / "pd", FACES)
    capsys.readouterr()
    assert run(home, "enroll", str(picday), "--by", "office") == 0
    out = capsys.readouterr().out
    assert "Enrolled 3 reference faces for 3 students" in out
    assert "2 photos of students who are not opted out were not read" in out
    assert "index.txt line 7 (0099.jpg): no roster student named 'Jane Doe'" in out
    assert "Nemo Nobody (1007)" in out
    assert run(home, "enroll", "--status", "--json") == 0
    status = {s["student_id"]: s["references"] for s in json.loads(capsys.readouterr().out)}
    assert status == {"1001": 1, "1003": 1, "1006": 1, "1007": 0}
    assert run(home, "enroll", "--status") == 0
    assert "MISSING: cannot be recognised" in capsys.readouterr().out


def test_scan_approve_approves_clear_files_only(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(FACES / "biden" / "biden2.jpg", drop / "a_clear.jpg")
    shutil.copyfile(FACES / "obama" / "obama2.jpg", drop / "b_flagged.jpg")
    (drop / "c_broken.jpg").write_bytes(b"\xff\xd8\xff")
    assert run(copy_home, "scan", str(drop), "--approve", "--by", "J. Rivera") == 1
    out = capsys.readouterr().out
    assert "Approved 1 clear file(s) as J. Rivera" in out
    assert run(copy_home, "log", "show", "--json") == 0
    records = json.loads(capsys.readouterr().out)
    decisions = {
        Path(r["body"]["path"]).name: r["action"]
        for r in records
        if r["action"].startswith("decision.")
    }
    assert decisions == {
        "a_clear.jpg": "decision.approve",
        "b_flagged.jpg": "decision.block",
        "c_broken.jpg": "decision.pending",
    }
    assert all(r["actor"] == "J. Rivera" for r in records if r["action"].startswith("decision."))
    assert run(copy_home, "log", "verify") == 0


def test_scan_refusals_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    assert run(home, "scan", str(tmp_path / "nowhere")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err
    (tmp_path / "d").mkdir()
    assert run(home, "scan", str(tmp_path / "d")) == 2
    assert "no roster has been imported" in capsys.readouterr().err


def test_an_all_clear_scan_exits_zero(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(FACES / "rose_leslie" / "rose2.jpg", drop / "rose.jpg")
    # A caption saved beside the photo is read with it, and nobody posts it on its own.
    (drop / "rose.txt").write_text("hello")
    assert run(copy_home, "scan", str(drop), "--verbose") == 0
    out = capsys.readouterr().out
    assert "All files are clear." in out
    assert "skipped  rose.txt: read as the captions of rose.jpg" in out
