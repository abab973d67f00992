"""A safe copy killed half-way does not stop the next one, and leaves nothing for good.

The real ``photoguard safe-copy`` command is killed with SIGKILL (its whole process
group, workers included, as in test_kill_durability.py) at the worst moment: the copy
is written beside its final name as a ``.partial`` file, flushed, and about to be
linked into place. That leaves the partial file in the output folder and the
rendering's temporary folder behind. The next safe copy into the same folder must
work, and remove both, and nothing else: a user's file of a similar name, a link, and
what a photoguard that still runs is using all stay.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FACES

from photoguard.safecopy import leftovers

pytestmark = [
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
    pytest.mark.engine_neutral,
]

#: Runs the command line, and SIGKILLs its process group when the partial file of a
#: safe copy is complete and about to be linked into place (Python's "os.link" event).
KILLED_AT_LINK = textwrap.dedent(
    """
    import os, signal, sys

    def kill_at_link(event, args):
        if event == "os.link" and os.fspath(args[0]).endswith(".partial"):
            os.killpg(0, signal.SIGKILL)

    sys.addaudithook(kill_at_link)
    from photoguard.cli.main import main
    sys.exit(main(sys.argv[1:]))
    """
)

RUN = "import sys; from photoguard.cli.main import main; sys.exit(main())"


def run(args: list[str], tmp: Path, *, kill_at_link: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PHOTOGUARD_KEY_STORE": "file", "TMPDIR": str(tmp)}
    env.pop("PHOTOGUARD_DEBUG", None)
    code = KILLED_AT_LINK if kill_at_link else RUN
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group: the workers die with it
    )
    try:
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """An empty TMPDIR with a short path: the fork server's socket lives in it, and a Unix
    socket path may not exceed 107 bytes (pytest-xdist's tmp_path is longer)."""
    folder = Path(tempfile.mkdtemp(prefix="pg-tmp-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def everything(*folders: Path) -> set[str]:
    """Every path below ``folders``, but for Python's own ``pymp-*`` folders: the socket of
    multiprocessing's fork server, which a killed process leaves and only Python names."""
    return {
        str(p)
        for folder in folders
        for p in folder.rglob("*")
        if not any(part.startswith("pymp-") for part in p.relative_to(folder).parts)
    }


@pytest.mark.faces
def test_the_next_safe_copy_cleans_up_after_a_killed_one(
    copy_home: Path, tmp_path: Path, short_tmp: Path
) -> None:
    photo = tmp_path / "photos" / "IMG_2.jpg"
    photo.parent.mkdir()
    photo.write_bytes((FACES / "kit_harington" / "kit1.jpg").read_bytes())
    out = tmp_path / "to-post"
    out.mkdir()
    system_tmp = short_tmp  # the process's TMPDIR
    args = ["--home", str(copy_home), "safe-copy", str(photo), "--out", str(out), "--by", "x"]

    killed = run(args, system_tmp, kill_at_link=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = everything(out, system_tmp, copy_home / "tmp")
    partials = [p for p in left if p.endswith(".partial")]
    assert len(partials) == 1 and not (out / "IMG_2-safe.jpg").exists(), left
    assert any("safecopy" in Path(p).name and Path(p).is_dir() for p in left), left

    # What is not a killed run's leftover stays, whatever its name looks like.
    user_file = out / ".IMG_2-safe.jpg.partial"  # a name a person (or another tool) chose
    user_file.write_bytes(b"mine")
    running = out / f".a.jpg.0123abcd.photoguard-{os.getpid()}@{leftovers._host()}.partial"
    running.write_bytes(b"a save still being written by a photoguard that runs")
    link = out / f".b.jpg.0123abcd.photoguard-{2**22 + 7}@{leftovers._host()}.partial"
    link.symlink_to(user_file)
    in_use = copy_home / "tmp" / f"safecopy.keep.photoguard-{os.getpid()}@{leftovers._host()}"
    in_use.mkdir(parents=True)
    kept = {user_file, running, link, in_use}

    again = run(args, system_tmp, kill_at_link=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (out / "IMG_2-safe.jpg").is_file()
    after = everything(out, system_tmp, copy_home / "tmp")
    assert after == {str(out / "IMG_2-safe.jpg")} | {str(p) for p in kept}
    assert user_file.read_bytes() == b"mine"


def test_which_leftovers_count_as_abandoned(tmp_path: Path) -> None:
    """The rules on their own: the name, a plain file, this user, this computer, a process
    that has ended or an hour without a write."""
    host = leftovers._host()
    dead = 2**22 + 11  # above Linux's largest process ID: no process has it
    alive = os.getpid()
    old = time.time() - 2 * leftovers.PARTIAL_IDLE_S
    files = {
        f".x.jpg.00000001.photoguard-{dead}@{host}.partial": (None, True),
        f".x.jpg.00000002.photoguard-{alive}@{host}.partial": (None, True),  # an earlier life
        f".x.jpg.00000003.photoguard-{os.getppid()}@{host}.partial": (None, False),  # runs
        f".x.jpg.00000004.photoguard-{dead}@another-pc.partial": (None, False),
        f".x.jpg.00000005.photoguard-{dead}@another-pc.partial": (old, True),
        f".x.jpg.00000006.photoguard-{os.getppid()}@{host}.partial": (old, True),
        ".x.jpg.partial": (old, False),  # not photoguard's name
        f"x.jpg.00000007.photoguard-{dead}@{host}.partial": (old, False),  # not hidden
        f".x.jpg.photoguard-{dead}@{host}.partial": (old, False),  # no random part
    }
    for name, (mtime, _) in files.items():
        (tmp_path / name).write_bytes(b"")
        if mtime:
            os.utime(tmp_path / name, (mtime, mtime))
    mine = leftovers.partial_path(tmp_path / "y.jpg")  # this process is writing it
    leftovers._in_use.add(str(mine))
    mine.write_bytes(b"")
    try:
        removed = leftovers.remove_stale_partials(tmp_path)
    finally:
        leftovers.release(mine)
    assert sorted(p.name for p in removed) == sorted(n for n, (_, gone) in files.items() if gone)
