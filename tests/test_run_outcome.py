"""What a whole run says at the end, and its exit status: "All files are clear." and
exit 0 only when every file that may be posted was checked and is clear.

A run that checked nothing, skipped a file a person may post, or could not read a
folder is not clear (also with --approve). A closed stdout is never success. Each
file is checked once however often it is given. --approve prints what it recorded.
Control characters in a file name cannot fake a line of the summary.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FACES
from faceworld import ROSTER_CSV
from unprivileged import run_unprivileged, shared_folder

from photoguard.cli.main import main
from photoguard.media.walk import Found, Skipped, walk

pytestmark = pytest.mark.faces

OBAMA = FACES / "obama" / "obama2.jpg"  # Barry Obama (1001) is opted out
ROSE = FACES / "rose_leslie" / "rose2.jpg"  # nobody opted out: clear
BIDEN = FACES / "biden" / "biden2.jpg"  # not opted out: clear
ALL_CLEAR = "All files are clear."


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def photoguard(home: Path, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a person runs it."""
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe, "the photoguard console script is not installed in this environment"
    options: dict[str, Any] = kwargs or {"capture_output": True}
    return subprocess.run(
        [exe, "--home", str(home), *args],
        text=True,
        timeout=600,
        env={**os.environ, "PHOTOGUARD_KEY_STORE": "file"},
        **options,
    )


def decisions(home: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str]]:
    capsys.readouterr()
    assert run(home, "log", "show", "--json") == 0
    records = json.loads(capsys.readouterr().out)
    return [
        (Path(r["body"]["path"]).name, r["action"].removeprefix("decision."))
        for r in records
        if r["action"].startswith("decision.")
    ]


# ------------------------------------------------------------- nothing checked


def test_a_run_that_checked_nothing_or_skipped_a_postable_file_is_not_clear(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    only_skipped = tmp_path / "only-skipped"
    only_skipped.mkdir()
    (only_skipped / "field-day-list.txt").write_text("Barry Obama, Kit Harington")
    (only_skipped / "clip.xyz").write_bytes(b"\x00" * 64)
    beside = tmp_path / "beside"
    beside.mkdir()
    shutil.copyfile(ROSE, beside / "rose.jpg")
    (beside / "flyer.txt").write_text("Field day on Friday")  # no photo named flyer
    for folder in (empty, only_skipped, beside):
        for extra in ((), ("--approve", "--by", "Ms. Tan")):
            capsys.readouterr()
            assert run(copy_home, "scan", str(folder), "--workers", "1", *extra) == 1, folder
            out = capsys.readouterr().out
            assert ALL_CLEAR not in out
            assert "Not all clear:" in out
    capsys.readouterr()
    run(copy_home, "scan", str(beside))
    out = capsys.readouterr().out
    # Named without --verbose, with why it blocks.
    assert "  SKIPPED  flyer.txt: not a photo or video" in out
    assert "1 skipped item(s) may be posted and were not checked" in out


def test_what_nobody_posts_does_not_block_all_clear(tmp_path: Path) -> None:
    """Caption sidecars read with their photo, system files, macOS ``._`` files and
    hidden files are skipped without blocking; a hidden photo or a stray text file does."""
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(ROSE, drop / "rose.jpg")
    (drop / "rose.xmp").write_text("<x:xmpmeta/>")
    (drop / "rose.jpg.json").write_text("{}")
    (drop / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    (drop / "desktop.ini").write_text("[.ShellClassInfo]")
    (drop / "~$rose.docx").write_bytes(b"\x05J. Rivera")  # Word's lock file
    (drop / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (drop / "._rose.jpg").write_bytes(b"\x00\x05\x16\x07")
    (drop / ".thumbnails").mkdir()
    shutil.copyfile(ROSE, drop / ".thumbnails" / "rose.jpg")
    got = {i.rel: i for i in walk([drop])}
    assert isinstance(got.pop("rose.jpg"), Found)
    skipped = {rel: (s.reason, s.blocks_clear) for rel, s in got.items() if isinstance(s, Skipped)}
    assert skipped == {
        "rose.xmp": ("read as the captions of rose.jpg", False),
        "rose.jpg.json": ("read as the captions of rose.jpg", False),
        "Thumbs.db": ("a system file (never posted)", False),
        "desktop.ini": ("a system file (never posted)", False),
        "~$rose.docx": ("a system file (never posted)", False),
        ".DS_Store": ("hidden", False),
        "._rose.jpg": ("hidden", False),
        ".thumbnails": ("hidden", False),
    }
    shutil.copyfile(ROSE, drop / ".secret.jpg")
    (drop / "notes.txt").write_text("a list of names")
    blocking = {s.rel for s in walk([drop]) if isinstance(s, Skipped) and s.blocks_clear}
    assert blocking == {".secret.jpg", "notes.txt"}


# ------------------------------------------------------------- unreadable folder


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    with shared_folder("photoguard-outcome-") as base:
        yield base


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
# Runs as "nobody", who cannot read the test PostgreSQL server's credentials; what it
# tests (the walk) is the same on either engine.
@pytest.mark.sqlite_only
def test_an_unreadable_subfolder_makes_the_run_not_clear_and_is_named(
    enrolled_home: Path, shared_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = shared_tmp / "home"
    shutil.copytree(enrolled_home, home)
    drop = shared_tmp / "drop"
    (drop / "trip").mkdir(parents=True)
    shutil.copyfile(ROSE, drop / "rose.jpg")
    shutil.copyfile(OBAMA, drop / "trip" / "bus.jpg")
    for p in shared_tmp.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    # Scanned once first: rose.jpg is then in the scan cache, so the unprivileged run
    # below needs no worker process (the interpreter may not be runnable by "nobody").
    assert run(home, "scan", str(drop / "rose.jpg")) == 0
    (drop / "trip").chmod(0)
    if os.geteuid() == 0:
        for p in [home, *home.rglob("*")]:
            os.chown(p, 65534, 65534)

    def scan_as_a_person() -> dict[str, Any]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = run(home, "scan", str(drop))
        return {"status": status, "out": out.getvalue()}

    capsys.readouterr()
    got = run_unprivileged(scan_as_a_person)
    assert got["status"] == 1, got["out"]
    assert ALL_CLEAR not in got["out"]
    # Named in the summary without --verbose.
    assert "  SKIPPED  trip: unreadable folder (permission denied)" in got["out"]


# ------------------------------------------------------------- --approve counts


def test_approve_prints_the_decisions_actually_recorded(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    """A roster imported while the scan runs: the clear files cannot be approved (the scan
    did not look for everyone now on the roster) and are recorded pending; the command
    says so instead of "Approved 2 clear file(s)"."""
    import photoguard.scan.run as scan_module
    from photoguard.roster.importing import apply_import, preview_import
    from photoguard.workspace.folder import open_workspace

    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(ROSE, drop / "a.jpg")
    shutil.copyfile(BIDEN, drop / "b.jpg")
    newer = tmp_path / "roster-2.csv"
    newer.write_bytes((ROSTER_CSV + "1009,Doe,Jane,,2,104,Y\r\n").encode())
    real_scan = scan_module.scan

    def scan_while_the_office_imports(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for event in real_scan(*args, **kwargs):
            if isinstance(event, scan_module.ScanStarted):
                with open_workspace(copy_home) as office:  # a second person, same data
                    apply_import(office, preview_import(office, newer), "office")
            yield event

    monkeypatch.setattr(scan_module, "scan", scan_while_the_office_imports)
    status = run(copy_home, "scan", str(drop), "--approve", "--by", "J. Rivera", "--workers", "1")
    out = capsys.readouterr().out
    assert status == 1
    recorded = decisions(copy_home, capsys)
    assert sorted(recorded) == [("a.jpg", "pending"), ("b.jpg", "pending")]
    assert "Approved 2 clear file(s)" not in out
    assert "Approved 0 clear file(s) as J. Rivera" in out
    assert "2 clear file(s) could not be approved and were recorded pending" in out
    assert "Recorded in the approval log: 2 pending." in out
    assert "not approved, " in out and "newer roster was imported" in out


# ------------------------------------------------------------- closed stdout


def _closed_pipe() -> int:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written: `| head -0`
    return write_end


def test_a_closed_stdout_never_exits_zero(copy_home: Path, tmp_path: Path) -> None:
    flagged = tmp_path / "flagged"
    flagged.mkdir()
    shutil.copyfile(OBAMA, flagged / "obama.jpg")
    shutil.copyfile(ROSE, flagged / "rose.jpg")
    clear = tmp_path / "clear"
    clear.mkdir()
    shutil.copyfile(ROSE, clear / "rose.jpg")
    cases = [
        ((str(flagged),), 1),  # something was found
        ((str(flagged), "--approve", "--by", "T"), 1),  # the scan stopped halfway
        ((str(clear),), 2),  # all clear, but nobody saw it
    ]
    for args, expected in cases:
        pipe = _closed_pipe()
        try:
            proc = photoguard(
                copy_home, "scan", *args, "--workers", "1", stdout=pipe, stderr=subprocess.PIPE
            )
        finally:
            os.close(pipe)
        assert proc.returncode == expected, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
        assert proc.stderr.count("\n") == 1 and "broken pipe" in proc.stderr


# ------------------------------------------------------------- each file once


def test_a_file_given_twice_is_checked_and_approved_once(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t1 = tmp_path / "t1"
    t1.mkdir()
    shutil.copyfile(ROSE, t1 / "a.jpg")
    shutil.copyfile(OBAMA, t1 / "b.jpg")
    report = tmp_path / "r.json"
    for given in ((t1, t1 / "a.jpg"), (t1, t1), (t1 / "a.jpg", t1)):
        capsys.readouterr()
        args = [str(p) for p in given]
        run(copy_home, "scan", *args, "--approve", "--by", "T", "--json", str(report))
        doc = json.loads(report.read_text("utf-8"))
        assert sorted(f["path"] for f in doc["files"]) == ["a.jpg", "b.jpg"], given
    assert sorted(decisions(copy_home, capsys)) == sorted(
        [("a.jpg", "approve"), ("b.jpg", "block")] * 3
    )


# ------------------------------------------------------------- control characters


def test_control_characters_in_a_name_cannot_fake_a_line(
    copy_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    name = "IMG_1\nAll files are clear.\n\x1b[2K\r.jpg"
    shutil.copyfile(OBAMA, drop / name)
    report, table = tmp_path / "r.json", tmp_path / "r.csv"
    capsys.readouterr()
    status = run(copy_home, "scan", str(drop), "--json", str(report), "--csv", str(table))
    assert status == 1
    out = capsys.readouterr().out
    shown = "IMG_1[U+000A]All files are clear.[U+000A][U+001B][2K[U+000D].jpg"
    assert f"  FLAGGED  {shown}: opted-out Barry Obama" in out
    assert ALL_CLEAR not in out.splitlines()
    assert "\x1b" not in out and "\r" not in out
    doc = json.loads(report.read_text("utf-8"))
    assert [f["path"] for f in doc["files"]] == [shown]
    assert shown in table.read_text("utf-8-sig").splitlines()[1]
