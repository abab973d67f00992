"""A data folder that cannot be written can still be read (issue 15, case 28).

An auditor's copy, a backup mounted read-only, a folder its owner locked: the
commands that only read (``log verify``, ``log show``, ``roster show``,
``roster history``) work, write nothing (no database, witness or cache file is
created or touched), and the commands that would record something refuse with
one plain line. The folder belongs to an unprivileged user who runs the real
command-line entry point (root writes everywhere, and CI runs as root).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from unprivileged import NOBODY, run_unprivileged, shared_folder

pytestmark = [
    pytest.mark.sqlite_only,  # the folder's own SQLite file, opened where it cannot be written
    pytest.mark.skipif(os.name != "posix", reason="POSIX permissions"),
]

ROSTER = (
    "Student ID,Last Name,First Name,Photo Opt Out\r\n"
    "1001,Rivera,Ana,Y\r\n1002,Okafor,Ben,N\r\n1003,Tan,Mei,N\r\n"
)


def photoguard(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe, "the photoguard console script is not installed in this environment"
    return subprocess.run(
        [exe, "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PHOTOGUARD_KEY_STORE": "file"},
    )


def lock(folder: Path) -> None:
    """Give ``folder`` to the unprivileged user, readable and not writable by them."""
    for root, dirs, files in os.walk(folder):
        for name in files:
            os.chown(os.path.join(root, name), NOBODY, NOBODY)
            os.chmod(os.path.join(root, name), 0o400)
        for name in dirs:
            os.chown(os.path.join(root, name), NOBODY, NOBODY)
    for root, dirs, _files in os.walk(folder, topdown=False):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o500)
    os.chown(folder, NOBODY, NOBODY)
    os.chmod(folder, 0o500)


def contents(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under ``folder``: size, modification time and SHA-256."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[str(path.relative_to(folder))] = (
                st.st_size,
                st.st_mtime_ns,
                hashlib.sha256(path.read_bytes()).hexdigest(),
            )
    return out


def _preload() -> None:
    """Import here what the commands import on first use: the unprivileged user cannot
    read this interpreter's library folder."""
    import importlib

    from photoguard.cli.main import build_parser

    build_parser()
    for name in (
        "photoguard.scan.run",
        "photoguard.audit.tables",
        "photoguard.store.migrations",
        "photoguard.roster.importing",
        "photoguard.roster.table",
        "photoguard.references.enroll",
        "photoguard.references.vault",
        "xml.etree.ElementTree",
        "defusedxml.ElementTree",
        "encodings.idna",
        "csv",
    ):
        with contextlib.suppress(ModuleNotFoundError):  # (photoguard before issue 15 had none)
            importlib.import_module(name)


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A used data folder (two roster imports), and a roster file, both locked."""
    from photoguard.store import per_folder

    monkeypatch.delenv(per_folder.ENV, raising=False)  # the SQLite file, on any suite engine
    with shared_folder("photoguard-readonly-") as base:
        home = base / "home"
        roster = base / "aspen.csv"
        roster.write_text(ROSTER, "utf-8")
        assert photoguard(home, "roster", "import", str(roster), "--by", "office").returncode == 0
        roster.write_text(ROSTER + "1004,Diaz,Leo,Y\r\n", "utf-8")
        assert photoguard(home, "roster", "import", str(roster), "--by", "office").returncode == 0
        photo = base / "IMG_0001.jpg"
        Image.new("RGB", (64, 48), (90, 140, 200)).save(photo)
        os.chmod(roster, 0o444)
        os.chmod(photo, 0o444)
        lock(home)
        _preload()
        yield home, base


def as_nobody(home: Path, *argv: str) -> tuple[int, str, str]:
    from photoguard.cli.main import main

    def run() -> list[object]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--home", str(home), *argv])
        return [code, out.getvalue(), err.getvalue()]

    code, out, err = run_unprivileged(run)
    return int(code), str(out), str(err)


def test_reading_commands_work_on_a_folder_that_cannot_be_written(
    locked: tuple[Path, Path],
) -> None:
    home, _base = locked
    before = contents(home)

    code, out, err = as_nobody(home, "log", "verify")
    assert code == 0, out + err
    assert "The approval log is intact: 2 records verified." in out
    assert "Every record also matches what this data folder witnessed" in out
    code, out, err = as_nobody(home, "roster", "show")
    assert code == 0, err
    assert "Rivera" in out and "Diaz" in out
    code, out, err = as_nobody(home, "roster", "history")
    assert code == 0 and "2" in out, err
    code, out, err = as_nobody(home, "log", "show")
    assert code == 0 and "roster.import" in out, err

    assert contents(home) == before  # nothing created, nothing touched


def test_writing_commands_refuse_with_one_plain_line(locked: tuple[Path, Path]) -> None:
    home, base = locked
    before = contents(home)

    for argv in (
        ("roster", "import", str(base / "aspen.csv"), "--by", "office"),
        ("scan", str(base / "IMG_0001.jpg")),
    ):
        code, out, err = as_nobody(home, *argv)
        assert code == 2, (argv, out, err)
        assert len(err.splitlines()) == 1, (argv, err)
        assert "is read-only, so nothing can be recorded" in err, (argv, err)
        assert "unexpected error" not in err and "Traceback" not in err

    assert contents(home) == before
