"""What a safe copy leaves on disk while it works, and cleaning up after a killed one.

A safe copy is rendered into a temporary folder inside the data folder
(``DATA/tmp/safecopy.<random>.photoguard-<pid>@<host>``), then saved by writing it
beside its final name as a hidden ``.<name>.<random>.photoguard-<pid>@<host>.partial``
file and linking that into place. A process killed half-way (SIGKILL, a power cut, the
app force-quit) leaves either behind. The next safe copy removes them, and only what
it can tell photoguard made and no running photoguard still uses:

* the name has photoguard's pattern, with the process ID and host that made it;
* it is a plain file (a folder, for temporary folders), not a link, and belongs to
  this user;
* it was made on this computer by a process that has ended, or by this process in
  an earlier life of its process ID (IDs are reused: a container's are small numbers).
  A ``.partial`` file untouched for ``PARTIAL_IDLE_S`` is stale whoever made it: one
  is written in one go and linked into place at once.

A user's own file never has that name, so it is never touched; and since each name
holds a random part, a leftover that cannot be removed never blocks the next copy.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import stat
import sys
import tempfile
import time
from pathlib import Path

#: A ``.partial`` file is written start to end in one go, then linked into place: one
#: whose last write is this old is abandoned, whoever made it (even a copy of a video of
#: several GB to a slow network share writes every few milliseconds).
PARTIAL_IDLE_S = 3600
#: Where temporary folders go, inside the data folder (mode 0700, like the folder).
TMP_FOLDER = "tmp"

_MARK = r"photoguard-(?P<pid>\d+)@(?P<host>[A-Za-z0-9-]*)"
_PARTIAL = re.compile(rf"\..*\.[0-9a-f]{{8}}\.{_MARK}\.partial")
_TMPDIR = re.compile(rf"safecopy\.[A-Za-z0-9_]+\.{_MARK}")
#: Longest file name most file systems take, in bytes.
_NAME_MAX = 255

#: Temporary folders and partial files this process made and still uses.
_in_use: set[str] = set()
#: Output folders already cleaned by this process: once is enough, since leftovers come
#: from processes that ended before (a folder copy saves hundreds of files into one).
_cleaned: set[str] = set()


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "", socket.gethostname().split(".")[0])[:32]


def _mark() -> str:
    return f"photoguard-{os.getpid()}@{_host()}"


# ------------------------------------------------------------------ making them


def partial_path(target: Path) -> Path:
    """A new name beside ``target`` to write it under before it is linked into place."""
    tail = f".{secrets.token_hex(4)}.{_mark()}.partial"
    room = _NAME_MAX - 1 - len(tail.encode())
    name = target.name.encode()[:room].decode(errors="ignore")  # the name is for people
    return target.with_name(f".{name}{tail}")


def write_partial(source: Path, target: Path) -> Path:
    """Copy ``source`` to a new partial file beside ``target``, flushed to disk.

    The caller links it into place and calls :func:`release` (also if that fails).
    """
    partial = partial_path(target)
    _in_use.add(str(partial))
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0))
        with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
    except BaseException:
        release(partial)
        raise
    return partial


def make_temp_folder(home: Path) -> Path:
    """A new private folder for one safe copy, inside the data folder."""
    root = home / TMP_FOLDER
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="safecopy.", suffix=f".{_mark()}", dir=root))
    _in_use.add(str(folder))
    return folder


def release(path: Path) -> None:
    """Remove a partial file or a temporary folder this process made (safe to repeat)."""
    _in_use.discard(str(path))
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# ------------------------------------------------------------------ cleaning up


def _running(pid: int) -> bool:
    """Whether a process with this ID runs on this computer (any user's)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it runs, as someone else
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError:
        return True  # cannot tell: keep the file
    return True


def _abandoned(path: Path, match: re.Match[str], want_dir: bool, idle_s: float | None) -> bool:
    if str(path) in _in_use:
        return False  # this process is still writing or showing it
    try:
        st = path.lstat()
    except OSError:
        return False
    if (stat.S_ISDIR(st.st_mode) if want_dir else stat.S_ISREG(st.st_mode)) is False:
        return False  # a link, or not what photoguard makes
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    if idle_s is not None and time.time() - st.st_mtime > idle_s:
        return True
    if match["host"] != _host():
        return False  # another computer's (a shared folder): it may still be working
    pid = int(match["pid"])
    # This process's own ID (not in use, above): an earlier process that had the same ID.
    return pid == os.getpid() or not _running(pid)


def remove_stale_partials(folder: Path) -> list[Path]:
    """Remove the partial files killed safe copies left in ``folder``; what was removed.

    Looks once per folder and process (see ``_cleaned``).
    """
    removed: list[Path] = []
    key = os.path.abspath(folder)
    if key in _cleaned:
        return removed
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    _cleaned.add(key)
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(".partial")):
            continue
        match = _PARTIAL.fullmatch(entry.name)
        path = Path(entry.path)
        if match and _abandoned(path, match, want_dir=False, idle_s=PARTIAL_IDLE_S):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


def remove_stale_temp_folders(home: Path) -> list[Path]:
    """Remove the temporary folders killed safe copies left in the data folder."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(home / TMP_FOLDER))
    except OSError:
        return removed
    for entry in entries:
        match = _TMPDIR.fullmatch(entry.name)
        path = Path(entry.path)
        if match and _abandoned(path, match, want_dir=True, idle_s=None):
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(path)
    return removed
