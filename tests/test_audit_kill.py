"""SIGKILL during a long run of decisions loses no acknowledged record and leaves a valid chain.

A driver process records approvals one after another through the public API and
prints ``ACK <seq> <hash>`` after each ``decide`` returns (committed and
witnessed). The test kills it with SIGKILL at random points, a dozen times, each
run continuing on the same database, and after every kill checks the database
file, the chain, and that every acknowledged record is there unchanged.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photoguard import audit
from photoguard.scan import stored as scan_store
from photoguard.store.engine import SQLITE_FILE
from photoguard.workspace.folder import open_workspace

ROOT = Path(__file__).resolve().parents[1]
FILES = 300
KILLS = 20
SEED = 20260501

DRIVER = """
import sys
from pathlib import Path

from photoguard.scan.decisions import decide
from photoguard.workspace.folder import open_workspace

home, folder, start = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
files = sorted(folder.iterdir())
with open_workspace(home) as ws:
    print("READY", flush=True)
    i = start
    while True:
        result = decide(ws, files[i % len(files)], "approve", by="kill-test")
        print(f"ACK {result.record_seq} {result.record_hash}", flush=True)
        i += 1
"""

pytestmark = [
    pytest.mark.sqlite_only,
    pytest.mark.slow,
    pytest.mark.timeout(180),
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
]


def scanned_folder(home: Path, folder: Path) -> None:
    """300 photos, scanned clear (the rows and records the real scan writes)."""
    folder.mkdir()
    with open_workspace(home) as ws:
        with ws.db.transaction() as tx:
            scan_id = scan_store.start_scan(tx, ws.school, "scanner", None, {"faces": True})
            recs = [
                audit.append(
                    tx, ws.school, "scanner", "scan.start", {"scan_id": scan_id, "model": "test"}
                )
            ]
            for n in range(FILES):
                path = folder / f"IMG_{n:04d}.jpg"
                data = f"photo {n}".encode()
                path.write_bytes(data)
                sha, where = hashlib.sha256(data).hexdigest(), str(path.resolve())
                body = {"scan_id": scan_id, "path": where, "sha256": sha, "verdict": "clear"}
                recs.append(audit.append(tx, ws.school, "scanner", "scan.file", body))
                scan_store.record_file(
                    tx, scan_id, where, sha, "clear", "", record_seq=recs[-1].seq
                )
            finish = {"scan_id": scan_id, "counts": {"clear": FILES}}
            recs.append(audit.append(tx, ws.school, "scanner", "scan.finish", finish))
        audit.write_head(ws.home, ws.school, *recs)


def acks(text: str) -> dict[int, str]:
    found = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "ACK":
            found[int(parts[1])] = parts[2]
    return found


def run_and_kill(
    home: Path, folder: Path, start: int, rng: random.Random, wait_for_acks: int | None
) -> dict[int, str]:
    """Start the driver, SIGKILL it, and return every record it acknowledged."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(home), str(folder), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    seen = []
    try:
        if wait_for_acks is None:
            # Anywhere: while starting, opening the database, or between appends.
            time.sleep(rng.uniform(0.0, 0.6))
        else:
            while sum(line.startswith("ACK") for line in seen) < wait_for_acks:
                line = proc.stdout.readline()
                assert line, (
                    f"the driver stopped by itself: {proc.stderr.read() if proc.stderr else ''}"
                )
                seen.append(line)
            # Land inside the next append: in the transaction, the commit, or the witness.
            time.sleep(rng.uniform(0.0, 0.004))
        proc.send_signal(signal.SIGKILL)
    finally:
        out, _ = proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    return acks("".join(seen) + out)


def test_sigkill_during_decisions_loses_no_acknowledged_record(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "event"
    scanned_folder(home, folder)
    rng = random.Random(SEED)
    acknowledged: dict[int, str] = {}
    kills_mid_run = 0

    for round_no in range(KILLS):
        wait = None if round_no % 4 == 3 else rng.randint(0, 25)
        got = run_and_kill(home, folder, len(acknowledged), rng, wait)
        assert not (got.keys() & acknowledged.keys()), "a sequence number was handed out twice"
        acknowledged.update(got)
        kills_mid_run += bool(got)

        conn = sqlite3.connect(home / SQLITE_FILE)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = dict(conn.execute("SELECT seq, hash FROM audit_log WHERE school = 'default'"))
        finally:
            conn.close()
        missing = {s for s in acknowledged if stored.get(s) != acknowledged[s]}
        assert not missing, f"round {round_no} (seed {SEED}): acknowledged records lost: {missing}"
        with open_workspace(home) as ws:
            result = audit.verify(ws.db, ws.school, ws.home)
        assert result.ok, f"round {round_no} (seed {SEED}): {result.first_bad}: {result.reason}"
        assert result.records == len(stored) >= len(acknowledged) + 1

    assert kills_mid_run >= KILLS // 2  # most kills landed while decisions were being written
