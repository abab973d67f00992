"""Report files are written only where they destroy nothing, and checked before the work.

``scan --json/--csv``, ``log export`` and ``log summary --csv/--html`` replace an
earlier report of the same kind, refuse any other existing file unless --force,
and never write over a file being scanned. A folder that does not exist is found
before the scan starts: nothing is scanned or logged, one line, exit 2.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FACES
from faceworld import write_roster

from photoguard.cli.main import main

ROSE = FACES / "rose_leslie" / "rose2.jpg"


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def scan_records(home: Path, capsys: pytest.CaptureFixture[str]) -> int:
    capsys.readouterr()
    assert run(home, "log", "show", "--json") == 0
    return sum(1 for r in json.loads(capsys.readouterr().out) if r["action"] == "scan.start")


def refused(capsys: pytest.CaptureFixture[str], *words: str) -> None:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    for w in words:
        assert w in err, err


@pytest.mark.faces
def test_a_report_never_replaces_the_photo_being_scanned(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ow = tmp_path / "ow"
    ow.mkdir()
    shutil.copyfile(ROSE, ow / "IMG_2.jpg")
    original = (ow / "IMG_2.jpg").read_bytes()
    before = scan_records(copy_home, capsys)
    for extra in ((), ("--force",)):
        for option in ("--json", "--csv"):
            capsys.readouterr()
            assert run(copy_home, "scan", str(ow), option, str(ow / "IMG_2.jpg"), *extra) == 2
            refused(capsys, "IMG_2.jpg", "one of the files being checked")
    # Given as a file, or reached through a link: the same.
    (tmp_path / "link.jpg").symlink_to(ow / "IMG_2.jpg")
    assert run(copy_home, "scan", str(ow / "IMG_2.jpg"), "--json", str(tmp_path / "link.jpg")) == 2
    refused(capsys, "one of the files being checked")
    assert (ow / "IMG_2.jpg").read_bytes() == original
    assert scan_records(copy_home, capsys) == before  # nothing was scanned or logged


@pytest.mark.faces
def test_a_report_replaces_an_earlier_report_but_nothing_else_without_force(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(ROSE, drop / "rose.jpg")
    notes = tmp_path / "notes.json"
    notes.write_text('{"my": "notes"}')
    table = tmp_path / "budget.csv"
    table.write_text("item,cost\r\nbus,120\r\n")
    before = scan_records(copy_home, capsys)
    assert run(copy_home, "scan", str(drop), "--json", str(notes)) == 2
    refused(capsys, "notes.json already exists and is not an earlier", "--force")
    assert run(copy_home, "scan", str(drop), "--csv", str(table)) == 2
    refused(capsys, "budget.csv already exists", "--force")
    assert notes.read_text() == '{"my": "notes"}' and table.read_text().startswith("item,cost")
    assert scan_records(copy_home, capsys) == before
    # The same --json and --csv as the last scan: an earlier report, replaced.
    report, rows = tmp_path / "report.json", tmp_path / "report.csv"
    for _ in range(2):
        assert run(copy_home, "scan", str(drop), "--json", str(report), "--csv", str(rows)) == 0
    assert json.loads(report.read_text("utf-8"))["schema"] == "photoguard.report/1"
    # A report written inside the scanned folder is not a file to post: still all clear.
    inside = drop / "report.json"
    for _ in range(2):
        capsys.readouterr()
        assert run(copy_home, "scan", str(drop), "--json", str(inside)) == 0
        assert "All files are clear." in capsys.readouterr().out
    # --force replaces a file that is not a report (and not being scanned).
    assert run(copy_home, "scan", str(drop), "--json", str(notes), "--force") == 0
    assert json.loads(notes.read_text("utf-8"))["schema"] == "photoguard.report/1"


@pytest.mark.faces
def test_a_missing_output_folder_stops_the_scan_before_it_starts(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(ROSE, drop / "rose.jpg")
    before = scan_records(copy_home, capsys)
    for option in ("--json", "--csv"):
        missing = tmp_path / "missing" / "dir" / "r.out"
        assert run(copy_home, "scan", str(drop), option, str(missing)) == 2
        out, err = capsys.readouterr()
        assert out == ""  # no summary, no decision: nothing was done
        assert err.count("\n") == 1 and "does not exist" in err
    assert run(copy_home, "scan", str(drop), "--json", str(tmp_path)) == 2
    refused(capsys, "it is a folder")
    assert scan_records(copy_home, capsys) == before


def test_log_export_and_summary_files_replace_only_their_own_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    assert run(home, "roster", "import", str(write_roster(tmp_path / "roster.csv"))) == 0
    photo = tmp_path / "IMG_2.jpg"
    shutil.copyfile(ROSE, photo)
    original = photo.read_bytes()
    period = ("--from", "2020-01-01", "--to", "2100-01-01")
    attempts = [
        ("log", "export", str(photo)),
        ("log", "summary", *period, "--csv", str(photo)),
        ("log", "summary", *period, "--html", str(photo)),
    ]
    for attempt in attempts:
        capsys.readouterr()
        assert run(home, *attempt) == 2, attempt
        refused(capsys, "IMG_2.jpg already exists and is not an earlier", "--force")
    assert photo.read_bytes() == original
    capsys.readouterr()
    assert run(home, "log", "export", str(tmp_path / "nowhere" / "log.csv")) == 2
    refused(capsys, "does not exist")
    # Earlier files of the same kind are replaced without --force.
    export, csv_file, page = tmp_path / "log.csv", tmp_path / "s.csv", tmp_path / "s.html"
    for _ in range(2):
        assert run(home, "log", "export", str(export)) == 0
        assert run(home, "log", "summary", *period, "--csv", str(csv_file)) == 0
        assert run(home, "log", "summary", *period, "--html", str(page)) == 0
    assert page.read_text("utf-8").startswith("<!DOCTYPE html>")
    # ...but not one kind over another.
    assert run(home, "log", "export", str(csv_file)) == 2
    refused(capsys, "not an earlier photoguard log export")
    # --force replaces a file that is not one.
    assert run(home, "log", "export", str(photo), "--force") == 0
    assert photo.read_bytes().startswith(b"\xef\xbb\xbfseq,")
