"""SIGKILL at random points of real commands never damages the data folder.

The installed ``photoguard`` command runs ``scan --approve`` (over a folder of
fixture photos), ``roster import`` (a 1,000-student roster, alternating between
two versions) and ``enroll --student`` (a new reference photo each time), in
turn, on one data folder, and is killed with SIGKILL (with its worker processes:
the whole process group, as when the app is killed or the power goes) at a
random moment within the command's usual running time: while starting, while
decoding in the workers, inside a transaction, between the commit and the
witness files. 20 kills per command.

After every kill:

* ``PRAGMA integrity_check`` says ``ok``;
* ``photoguard log verify`` exits 0 (chain intact, witness files agree);
* nothing acknowledged is lost. A record is acknowledged once another process
  can read it (committed): the test reads the log just before each kill, and
  every record it ever saw must still be there, unchanged. What a command
  printed is checked too: a roster version it reported imported exists, an
  enrollment it reported is stored;
* every write was all-or-nothing: each roster version has its ``roster.import``
  record, each scanned-file row its ``scan.file`` record, each reference face
  its ``enroll.add`` count.

The next command then runs on the same folder: a kill never leaves it unusable.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import FACES
from faceworld import ROSTER_CSV

from photoguard.audit import Verification, verify
from photoguard.store.engine import SQLITE_FILE, SqliteDatabase

pytestmark = [
    pytest.mark.sqlite_only,
    pytest.mark.faces,
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
]

KILLS_PER_COMMAND = 20
SEED = 20260502
SCAN_PHOTOS = (  # and one new photo per run
    "obama/obama.jpg",
    "obama/obama2.jpg",
    "biden/biden.jpg",
    "rose_leslie/rose2.jpg",
    "alex_lacamoire/alex2.png",
    "groups/kit_rose.jpg",
)


def big_roster(variant: int) -> str:
    """The fixture school (Joseph Biden opted out, so he can be enrolled) and 3,000 more
    students; the two variants differ in 51 opt-out flags, so each import changes it."""
    lines = ROSTER_CSV.rstrip("\r\n").split("\r\n")
    lines = [
        line.replace("1002,Biden,Joseph,,5,101,N", "1002,Biden,Joseph,,5,101,Y") for line in lines
    ]
    if variant:
        lines = [
            line.replace("1008,Smith,John,,5,101,N", "1008,Smith,John,,5,101,Y") for line in lines
        ]
    for n in range(1000):
        flag = "Y" if (variant and n < 50) or n % 97 == 0 else "N"
        lines.append(f"2{n:04d},Surname{n},Given{n},,{n % 6 + 1},{100 + n % 20},{flag}")
    return "\r\n".join(lines) + "\r\n"


@dataclass
class Ledger:
    """What has been acknowledged so far, to check after every kill."""

    #: seq -> hash of every log record ever seen committed.
    records: dict[int, str] = field(default_factory=dict)
    #: roster versions a finished command reported imported.
    roster_versions: set[int] = field(default_factory=set)
    #: enrollments of student 1002 a finished command reported.
    enrolled: int = 0


def db_rows(home: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{home / SQLITE_FILE}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def log_records(home: Path) -> dict[int, str]:
    return dict(db_rows(home, "SELECT seq, hash FROM audit_log WHERE school = 'default'"))


class Runner:
    def __init__(self, home: Path, work: Path) -> None:
        self.home = home
        self.work = work
        exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
        assert exe, "the photoguard console script is not installed in this environment"
        self.exe = exe
        self.env = {**os.environ, "PHOTOGUARD_KEY_STORE": "file"}
        self.env.pop("PHOTOGUARD_DEBUG", None)
        self.drop = work / "drop"
        self.drop.mkdir()
        for rel in SCAN_PHOTOS:
            shutil.copyfile(FACES / rel, self.drop / rel.replace("/", "_"))
        for variant in (0, 1):
            (work / f"roster{variant}.csv").write_text(big_roster(variant), newline="")
        self.runs = Counter[str]()
        self.checks = 0

    def argv(self, command: str) -> list[str]:
        n = self.runs[command]
        self.runs[command] += 1
        base = [self.exe, "--home", str(self.home)]
        if command == "scan":
            # One photo the scan cache has not seen, so each scan also decodes in workers.
            for old in self.drop.glob("new-*.jpg"):
                old.unlink()
            fresh = (FACES / "rose_leslie" / "rose2.jpg").read_bytes() + os.urandom(16)
            (self.drop / f"new-{n}.jpg").write_bytes(fresh)
            return [*base, "scan", str(self.drop), "--approve", "--by", "kill-test"]
        if command == "roster":
            # Going back to variant 0 lifts 51 of 66 opt-outs: a mass change, confirmed.
            roster = str(self.work / f"roster{n % 2}.csv")
            return [*base, "roster", "import", roster, "--allow-mass-change", "--by", "k"]
        # A new reference photo of Joseph Biden each time (other bytes, same picture).
        photo = self.work / f"biden-{n}.jpg"
        photo.write_bytes((FACES / "biden" / "biden.jpg").read_bytes() + os.urandom(16))
        return [*base, "enroll", "--student", "1002", str(photo), "--by", "kill-test"]

    def run(self, command: str, kill_after: float | None, ledger: Ledger) -> tuple[int, str, float]:
        """Run ``command``; SIGKILL its process group after ``kill_after`` seconds.
        Returns (exit status, what it printed, seconds it ran)."""
        out_path = self.work / "out.txt"
        with out_path.open("wb") as out:
            started = time.monotonic()
            proc = subprocess.Popen(
                self.argv(command),
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,  # its own process group: the workers die with it
            )
            try:
                if kill_after is not None:
                    try:
                        proc.wait(timeout=kill_after)
                    except subprocess.TimeoutExpired:
                        # Committed before the kill: visible to another reader now.
                        ledger.records.update(log_records(self.home))
                        os.killpg(proc.pid, signal.SIGKILL)
                status = proc.wait(timeout=300)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            ran = time.monotonic() - started
        return status, out_path.read_text(errors="replace"), ran

    def log_verify(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.exe, "--home", str(self.home), "log", "verify"],
            capture_output=True,
            text=True,
            timeout=120,
            env=self.env,
        )


def verify_in_process(home: Path) -> Verification:
    db = SqliteDatabase(home / SQLITE_FILE)
    try:
        return verify(db, "default", home)
    finally:
        db.close()


def acknowledge(command: str, printed: str, ledger: Ledger) -> None:
    """What the command's own output says it finished."""
    for line in printed.splitlines():
        if line.startswith("Imported as roster version "):
            ledger.roster_versions.add(int(line.removeprefix("Imported as roster version ")[:-1]))
        if command == "enroll" and line.startswith("Enrolled 1 reference face for 1 student"):
            ledger.enrolled += 1


def check_after(runner: Runner, ledger: Ledger, where: str) -> None:
    home = runner.home
    assert db_rows(home, "PRAGMA integrity_check") == [("ok",)], where
    cache = home / "cache.sqlite"  # the scan cache: another SQLite file written by scans
    if cache.exists():
        conn = sqlite3.connect(cache)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], where
        finally:
            conn.close()
    # The chain and the witness files, with the same function `photoguard log verify` runs
    # (the command itself runs every tenth check and at the end: starting it costs 0.7 s).
    runner.checks += 1
    if runner.checks % 10 == 0:
        verify = runner.log_verify()
        assert verify.returncode == 0, (
            f"{where}: log verify failed:\n{verify.stdout}{verify.stderr}"
        )
    else:
        result = verify_in_process(home)
        assert result.ok, (
            f"{where}: log verify failed at record {result.first_bad}: {result.reason}"
        )

    now = log_records(home)
    lost = {seq for seq, digest in ledger.records.items() if now.get(seq) != digest}
    assert not lost, f"{where}: acknowledged log records lost or changed: {sorted(lost)}"
    ledger.records.update(now)
    versions = {v for (v,) in db_rows(home, "SELECT id FROM roster_versions")}
    assert ledger.roster_versions <= versions, f"{where}: an imported roster version is gone"

    # All or nothing: the rows and the log records written with them.
    actions = Counter(
        action
        for (action,) in db_rows(home, "SELECT action FROM audit_log WHERE school = 'default'")
    )
    assert len(versions) == actions["roster.import"], where
    file_records = Counter(
        json.loads(body)["scan_id"]
        for (body,) in db_rows(home, "SELECT body FROM audit_log WHERE action = 'scan.file'")
    )
    file_rows = Counter(scan_id for (scan_id,) in db_rows(home, "SELECT scan_id FROM scan_files"))
    assert file_rows == file_records, where
    added = sum(
        json.loads(body)["references_added"]
        for (body,) in db_rows(home, "SELECT body FROM audit_log WHERE action = 'enroll.add'")
        if json.loads(body)["student_id"] == "1002"
    )
    (refs,) = db_rows(home, "SELECT count(*) FROM face_references WHERE student_id = '1002'")
    assert refs[0] == added >= ledger.enrolled, where
    if refs[0]:
        assert db_rows(home, "SELECT 1 FROM student_keys WHERE student_id = '1002'"), where


def unfinished_scans(home: Path) -> int:
    started = {
        json.loads(b)["scan_id"]
        for (b,) in db_rows(home, "SELECT body FROM audit_log WHERE action = 'scan.start'")
    }
    finished = {
        json.loads(b)["scan_id"]
        for (b,) in db_rows(home, "SELECT body FROM audit_log WHERE action = 'scan.finish'")
    }
    return len(started - finished)


def test_sigkill_at_random_points_loses_nothing_acknowledged(
    copy_home: Path, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    runner = Runner(copy_home, tmp_path)
    ledger = Ledger()
    commands = ("roster", "scan", "enroll")

    # Each command once to the end: it works here, and how long it usually takes.
    usual: dict[str, float] = {}
    for command in commands:
        status, printed, ran = runner.run(command, None, ledger)
        assert status in (0, 1), printed
        acknowledge(command, printed, ledger)
        usual[command] = ran
    check_after(runner, ledger, "before any kill")

    kills = Counter[str]()
    mid_scan = 0
    for attempt in range(KILLS_PER_COMMAND * len(commands) * 2):
        command = commands[attempt % len(commands)]
        if kills[command] >= KILLS_PER_COMMAND:
            if all(kills[c] >= KILLS_PER_COMMAND for c in commands):
                break
            continue
        # Anywhere in the run, more often late: roster import and enroll write at the end.
        delay = usual[command] * rng.random() ** 0.5
        unfinished_before = unfinished_scans(runner.home)
        status, printed, ran = runner.run(command, delay, ledger)
        where = f"{command} run {runner.runs[command]} killed after {delay:.2f} s (seed {SEED})"
        if status == -signal.SIGKILL:
            kills[command] += 1
            if command == "scan" and unfinished_scans(runner.home) > unfinished_before:
                mid_scan += 1  # killed after the scan started writing, before it finished
        else:
            assert status in (0, 1), f"{where}: exit {status}:\n{printed}"
            usual[command] = ran  # kill the next run within the time this one took
        acknowledge(command, printed, ledger)
        check_after(runner, ledger, where)

    final = runner.log_verify()
    assert final.returncode == 0, f"log verify failed at the end:\n{final.stdout}{final.stderr}"
    assert sum(kills.values()) >= 50 and min(kills.values()) >= KILLS_PER_COMMAND, kills
    # Kills landed while scans were recording files, not only while starting.
    assert mid_scan >= KILLS_PER_COMMAND // 4, f"only {mid_scan} kills landed mid-scan"
    # And the folder still works: every command runs to the end once more.
    for command in commands:
        status, printed, _ = runner.run(command, None, ledger)
        assert status in (0, 1), printed
        acknowledge(command, printed, ledger)
    check_after(runner, ledger, "after the last kill")
