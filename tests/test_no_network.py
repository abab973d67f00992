"""A full scan opens no network connection: photos of children never leave the machine.

Two independent witnesses watch the installed ``photoguard scan --approve`` over
photos and the video, in the parent and in every worker process:

* Python's audit hooks (a ``sitecustomize`` on PYTHONPATH, loaded by the parent
  and by the fork server the workers come from) log every socket created,
  bound or connected and every name lookup;
* ``strace -f`` logs the same at the system-call level, which also covers C
  libraries (codecs, dlib, OpenCV).

Multiprocessing's own AF_UNIX sockets (between the parent and its workers) are
allowed; any AF_INET/AF_INET6/AF_PACKET socket, any connect to an address that
is not a local socket file, and any host-name lookup fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FACES, VIDEO

pytestmark = [pytest.mark.faces, pytest.mark.slow]

SITECUSTOMIZE = r'''
"""Loaded by every Python process of the scan under test: log network activity."""
import os
import sys

_LOG = os.environ["PHOTOGUARD_TEST_NET_LOG"]
_WATCH = os.environ["PHOTOGUARD_TEST_NET_WATCH"]
_busy = False


def _write(line):
    global _busy
    _busy = True
    try:
        fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8", "backslashreplace"))
        finally:
            os.close(fd)
    finally:
        _busy = False


def _hook(event, args):
    if _busy:
        return
    if event == "socket.__new__":
        _write(f"{os.getpid()} socket family={int(args[1])}")
    elif event in ("socket.connect", "socket.bind", "socket.sendto"):
        _write(f"{os.getpid()} {event} address={args[1]!r}")
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
                   "urllib.Request", "http.client.connect", "ftplib.connect",
                   "smtplib.connect"):
        _write(f"{os.getpid()} {event} {args!r}")
    elif event == "open" and isinstance(args[0], str) and args[0].startswith(_WATCH):
        _write(f"{os.getpid()} open")


sys.addaudithook(_hook)
_write(f"{os.getpid()} start")
'''

AF_UNIX = 1


def photoguard_exe() -> str:
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe, "the photoguard console script is not installed in this environment"
    return exe


def scan_folder(base: Path, enrolled_home: Path) -> tuple[Path, Path]:
    home = base / "home"
    shutil.copytree(enrolled_home, home)
    drop = base / "drop"
    drop.mkdir()
    for rel in (
        "obama/obama.jpg",
        "biden/biden.jpg",
        "rose_leslie/rose1.jpg",
        "groups/kit_rose.jpg",
    ):
        shutil.copyfile(FACES / rel, drop / rel.replace("/", "_"))
    shutil.copyfile(VIDEO, drop / "clip.mp4")
    return home, drop


def test_a_full_scan_creates_no_network_socket_python_audit_hooks(
    enrolled_home: Path, tmp_path: Path
) -> None:
    home, drop = scan_folder(tmp_path, enrolled_home)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "net.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(hooks),
        "PHOTOGUARD_TEST_NET_LOG": str(log),
        "PHOTOGUARD_TEST_NET_WATCH": str(drop),
        "PHOTOGUARD_KEY_STORE": "file",
    }
    proc = subprocess.run(
        [photoguard_exe(), "--home", str(home), "scan", str(drop), "--approve", "--by", "t"],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # flagged files: found something
    assert "Traceback" not in proc.stderr
    lines = log.read_text().splitlines()
    started = {line.split()[0] for line in lines if line.endswith(" start")}
    readers = {line.split()[0] for line in lines if line.endswith(" open")}
    parent = lines[0].split()[0]
    # The hooks were live where the files were read: in worker processes.
    assert len(started) >= 2, "the fork server did not load the hooks"
    assert readers - {parent}, "no worker process was watched reading the photos"

    sockets = [line for line in lines if " socket family=" in line]
    assert all(line.endswith(f"family={AF_UNIX}") for line in sockets), sockets
    # A local socket's address is a file name (text); a network address is a tuple.
    addresses = [line for line in lines if "socket.connect" in line or "socket.bind" in line]
    assert not [a for a in addresses if "address=(" in a], addresses
    lookups = [
        line
        for line in lines
        if re.search(r"getaddrinfo|gethostby|urllib|http\.client|ftplib|smtplib|sendto", line)
    ]
    assert not lookups, lookups


def _strace() -> str:
    found = shutil.which("strace")
    if found:
        return found
    message = "strace is not installed (Debian: apt-get install -y strace)"
    if os.environ.get("PHOTOGUARD_REQUIRE_FIXTURES"):
        pytest.fail(f"{message}; CI requires it")
    pytest.skip(f"{message}: the system-call witness of the no-network test is skipped")


@pytest.mark.skipif(sys.platform != "linux", reason="strace is Linux only")
def test_a_full_scan_creates_no_network_socket_system_calls(
    enrolled_home: Path, tmp_path: Path
) -> None:
    strace = _strace()
    probe = subprocess.run([strace, "-f", "-qq", "-o", os.devnull, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here: {probe.stderr.decode(errors='replace').strip()}")
    home, drop = scan_folder(tmp_path, enrolled_home)
    trace = tmp_path / "trace.txt"
    proc = subprocess.run(
        [strace, "-f", "-qq", "-s", "256", "-o", str(trace),
         "-e", "trace=socket,socketpair,connect,bind,sendto,sendmsg,openat",
         photoguard_exe(), "--home", str(home), "scan", str(drop), "--approve", "--by", "t"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PHOTOGUARD_KEY_STORE": "file"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    lines = trace.read_text(errors="replace").splitlines()
    pids = [line.split(None, 1)[0] for line in lines if line[:1].isdigit()]
    parent = pids[0]
    drop_readers = {
        line.split(None, 1)[0] for line in lines if "openat(" in line and str(drop) in line
    }
    assert drop_readers - {parent}, "strace did not follow the worker processes"

    created = [line for line in lines if re.search(r"\bsocket(pair)?\(", line)]
    assert created, "no socket at all: the trace did not see multiprocessing's own"
    network = [
        line for line in created if not re.search(r"\bsocket(pair)?\(AF_(UNIX|LOCAL),", line)
    ]
    assert not network, network
    connects = [line for line in lines if re.search(r"\b(connect|bind|sendto)\(", line)]
    outside = [c for c in connects if "sa_family=AF_INET" in c or "sa_family=AF_PACKET" in c]
    assert not outside, outside
