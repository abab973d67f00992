"""Many machines append to one school's approval log at once; the chain stays one chain.

Eight processes each append 200 records to the same school as fast as they can,
all starting together. Afterwards the log holds all 1,600, numbered 1 to 1,600
without a gap, every record links to the one before it, each writer's records
are in the order it wrote them, and ``verify`` (with the witness every process
wrote to the shared data folder) finds nothing wrong. On PostgreSQL the writers
log in as a staff login, so row-level security and the server's chain check are
in force; on SQLite ``BEGIN IMMEDIATE`` serialises them.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from photoguard import audit
from photoguard.workspace import district
from photoguard.workspace.folder import open_workspace

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 8
EACH = 200

WRITER = """
import sys, time
from pathlib import Path

from photoguard import audit
from photoguard.workspace.folder import open_workspace

home, url, go = sys.argv[1], sys.argv[2] or None, Path(sys.argv[5])
writer, count = int(sys.argv[3]), int(sys.argv[4])
with open_workspace(home, db_url=url, school="north") as ws:
    print("READY", flush=True)
    while not go.exists():
        time.sleep(0.005)
    for i in range(count):
        audit.log_action(ws.db, ws.home, "north", f"writer-{writer}", "test.append",
                         {"writer": writer, "i": i})
print("DONE", flush=True)
"""

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_eight_writers_append_1600_records_to_one_chain_at_once(
    home: Path,
    db_url: str | None,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    with open_workspace(home, db_url=db_url, school="north") as ws:
        dialect = ws.db.dialect
        writer_url = db_url
        if dialect == "postgresql":
            assert db_url is not None
            make_login: Callable[[str, str], str] = request.getfixturevalue("pg_login")
            writer_url = make_login(db_url, "writer")
            district.grant(ws.db, writer_url.split("//", 1)[1].split(":", 1)[0], "staff", "north")
    go = tmp_path / "go"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(home), writer_url or "", str(n), str(EACH), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(WRITERS)
    ]
    try:
        for p in procs:
            assert p.stdout is not None
            assert p.stdout.readline().strip() == "READY", p.stderr.read() if p.stderr else ""
        go.touch()  # all of them at once
        outcomes = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, outcomes, strict=True):
        assert p.returncode == 0 and "DONE" in out, err

    with open_workspace(home, db_url=db_url, school="north") as ws:
        result = audit.verify(ws.db, "north", ws.home)
        with ws.db.snapshot() as tx:
            records = list(audit.records(tx, "north"))
    assert result.ok, result.reason
    assert result.records == WRITERS * EACH == 1600
    assert result.witnessed == 1600  # every append was witnessed in the shared folder
    assert [r.seq for r in records] == list(range(1, 1601))
    for writer in range(WRITERS):
        mine = [r.body["i"] for r in records if r.body["writer"] == writer]
        assert mine == list(range(EACH)), f"writer {writer}'s records are out of order"
    # They really ran at once: the chain interleaves the writers.
    switches = sum(a.body["writer"] != b.body["writer"] for a, b in itertools.pairwise(records))
    assert switches > WRITERS, dialect
