"""A full disk is said plainly: "the disk ... is full: free some space and run the
command again", not "unexpected error (OperationalError: disk I/O error) ... Please
report it". And it is true that nothing saved before was lost.

The data folder is put on a real, small tmpfs (in a mount namespace of its own, so
nothing outside the test sees it), nearly filled, and ``scan --approve`` runs until
the disk is full. Then space is freed and ``log verify`` must pass, with every
approval the scan printed still in the log.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FACES

pytestmark = [
    pytest.mark.faces,
    # The full disk is the data folder's disk, where the SQLite file lives; a district's
    # PostgreSQL database is on its server, so a full local disk does not reach it.
    pytest.mark.sqlite_only,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="tmpfs is Linux"),
]

#: What runs inside the mount namespace: mount, fill, scan, free, verify; prints JSON.
INSIDE = r"""
import json, os, shutil, subprocess, sys
exe, home, mnt, drop = sys.argv[1:5]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt], check=True)
try:
    shutil.copytree(home, os.path.join(mnt, "home"))
    filler = os.path.join(mnt, "filler")
    st = os.statvfs(mnt)
    leave = 320 * 1024  # room for the scan to start and record a few files
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - leave))
    args = [exe, "--home", os.path.join(mnt, "home")]
    scan = subprocess.run(
        args + ["scan", drop, "--approve", "--by", "T", "--workers", "1"],
        capture_output=True, text=True, timeout=600,
    )
    os.unlink(filler)
    verify = subprocess.run(args + ["log", "verify"], capture_output=True, text=True)
    show = subprocess.run(args + ["log", "show", "--json"], capture_output=True, text=True)
    print(json.dumps({
        "scan": [scan.returncode, scan.stdout, scan.stderr],
        "verify": [verify.returncode, verify.stdout, verify.stderr],
        "log": json.loads(show.stdout or "[]"),
    }))
finally:
    subprocess.run(["umount", "-l", mnt])
"""


def _namespace() -> list[str]:
    """How to get a private mount namespace here, or skip."""
    unshare = shutil.which("unshare")
    if unshare is None or shutil.which("mount") is None:
        pytest.skip("needs util-linux unshare and mount")
    cmd = [unshare, "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    probe = subprocess.run([*cmd, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.decode().strip()}")
    return cmd


def test_a_full_disk_is_said_plainly_and_loses_nothing(enrolled_home: Path, tmp_path: Path) -> None:
    cmd = _namespace()
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe
    drop = tmp_path / "drop"
    drop.mkdir()
    for n in range(30):
        shutil.copyfile(FACES / "rose_leslie" / "rose2.jpg", drop / f"IMG_{n:02d}.jpg")
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    proc = subprocess.run(
        [*cmd, sys.executable, "-c", INSIDE, exe, str(enrolled_home), str(mnt), str(drop)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PHOTOGUARD_KEY_STORE": "file"},
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    status, out, err = got["scan"]
    assert status == 2, (out, err)
    assert err.count("\n") == 1, err
    assert "is full: free some space and run the command again" in err
    assert "unexpected error" not in err and "Please report it" not in err
    assert "Traceback" not in err
    # Nothing saved before was lost: the log verifies, and every approval printed is in it.
    assert got["verify"][0] == 0, got["verify"]
    printed = {line.split()[1] for line in out.splitlines() if line.startswith("approved ")}
    logged = {Path(r["body"]["path"]).name for r in got["log"] if r["action"] == "decision.approve"}
    assert printed <= logged
    assert len(logged) < 30  # the disk really filled during the scan
