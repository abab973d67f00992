"""Checking exactly the bytes that were hashed.

A scan hashes every file first (to find what the cache already knows) and
decodes the rest later, in worker processes. A file replaced in between would
have its *old* bytes' SHA-256 recorded with what was found in the *new* ones:
an opted-out child's photo recorded clear, approvable, and cached as clear for
30 days. So the worker says which bytes it checked, and the scan refuses a file
whose checked bytes are not the ones it hashed ("the file changed while it was
being checked": ``error``, not cached, never approvable).

How the worker knows which bytes it checked:

* **Photos** (on Linux, up to :data:`READ_ONCE_MAX_BYTES`): the file is read
  once, hashed as it is read, and the decoders read that same copy, held in an
  anonymous in-memory file (``memfd``) that nothing else can reach or change.
  The digest is exactly the digest of the bytes decoded.
* **Videos**, larger photos, and systems without ``/proc``: the file is opened
  once and the decoders read the file that is open (``/proc/PID/fd/N`` on
  Linux, so renaming another file into its place changes nothing); it is hashed
  through that descriptor before and again after it is checked, and its size,
  change time and modification time are compared. A file written to while it
  was checked is refused. (Where the open file cannot be handed to the decoders
  by name, they read the path, and the path must still name the same file
  afterwards.)

Measured on the fixtures (26 photos, 7.6 MB, and the 600 KB, 9 s clip) on a
2-core Linux machine, one process: the worker's extra read, SHA-256 and copy
costs 0.05-0.9 ms a photo (about 1 ms per MB) and 0.7 ms for the clip (hashed
twice), against 30-570 ms to decode and search a photo and 1.5 s for the clip:
9.7 ms in 5.3 s, 0.18 %. (SHA-256 runs at about 1.8 GB/s here.) The stronger
option costs next to nothing, so photos get it; a video is not copied into
memory because a long one would not fit, so it is hashed twice instead.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from photoguard.files.safeopen import open_regular
from photoguard.media import Kind
from photoguard.scan.analysis import AnalysisOptions, FileAnalysis, analyze_file
from photoguard.scan.failure import WorkerFailure

#: Photos up to this size are read once into memory and decoded from there; larger
#: ones (a 500-page TIFF) are checked in place like videos. A worker may grow by
#: 3 GiB (workers.MEMORY_HEADROOM); decoding a photo at the pixel limit takes 1.5 GB.
READ_ONCE_MAX_BYTES = 256 << 20

_BLOCK = 1 << 20

#: Why a file is refused when the bytes checked are not the bytes hashed.
CHANGED = "the file changed while it was being checked; check it again once nothing is writing it"


@dataclass(frozen=True)
class PinnedAnalysis:
    """What a worker found in a file, and the SHA-256 of exactly the bytes it checked."""

    analysis: FileAnalysis
    #: None: the file changed while it was checked (see :data:`CHANGED`).
    sha256: str | None


@dataclass(frozen=True)
class FileTask:
    """One file, or one part of a video (every ``parts``-th sample from ``part``), for a
    worker to check. The scan builds these; a worker runs :func:`run_file_task`."""

    path: Path
    kind: Kind
    options: AnalysisOptions
    part: int = 0
    parts: int = 1


def run_file_task(task: FileTask) -> PinnedAnalysis | WorkerFailure:
    """What a scan's worker process does with one task."""
    return analyze_pinned(task.path, task.kind, task.options, task.part, task.parts)


def analyze_pinned(
    path: Path, kind: Kind, options: AnalysisOptions, part: int = 0, parts: int = 1
) -> PinnedAnalysis | WorkerFailure:
    """:func:`photoguard.scan.analysis.analyze_file`, on bytes whose SHA-256 comes back with it.

    Runs in a worker process. A file that cannot be opened is a WorkerFailure.
    """
    try:
        f = open_regular(path)
    except OSError as exc:
        return WorkerFailure(f"unreadable ({exc.strerror or exc})")
    with f:
        size = os.fstat(f.fileno()).st_size
        if kind == "photo" and size <= READ_ONCE_MAX_BYTES and _memfd_available():
            return _read_once(f, kind, options, part, parts)
        return _in_place(path, f, kind, options, part, parts)


def _read_once(
    f: BinaryIO, kind: Kind, options: AnalysisOptions, part: int, parts: int
) -> PinnedAnalysis:
    """Read the file once into a private in-memory file, hashing what is read; decode that."""
    digest = hashlib.sha256()
    fd = os.memfd_create("photoguard-check", os.MFD_CLOEXEC)
    try:
        while block := f.read(_BLOCK):
            digest.update(block)
            view = memoryview(block)
            while view:
                view = view[os.write(fd, view) :]
        analysis = analyze_file(_fd_path(fd), kind, options, part, parts)
    finally:
        os.close(fd)
    return PinnedAnalysis(analysis, digest.hexdigest())


def _in_place(
    path: Path, f: BinaryIO, kind: Kind, options: AnalysisOptions, part: int, parts: int
) -> PinnedAnalysis:
    """Check the open file where it is; hash it before and after, and compare its stat."""
    fd = f.fileno()
    before, stat_before = _hash_fd(fd), os.fstat(fd)
    alias = _fd_path(fd) if _proc_fd_available() else path
    analysis = analyze_file(alias, kind, options, part, parts)
    after, stat_after = _hash_fd(fd), os.fstat(fd)
    same = before == after and _unchanged(stat_before, stat_after)
    if same and alias == path:
        same = _still_named(path, stat_after)
    return PinnedAnalysis(analysis, before if same else None)


def _hash_fd(fd: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while block := os.pread(fd, _BLOCK, offset):
        digest.update(block)
        offset += len(block)
    return digest.hexdigest()


def _unchanged(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_size, a.st_mtime_ns, a.st_ctime_ns) == (b.st_size, b.st_mtime_ns, b.st_ctime_ns)


def _still_named(path: Path, opened: os.stat_result) -> bool:
    """Whether ``path`` still names the file that was open (it was not replaced)."""
    try:
        now = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(now.st_mode) and (now.st_dev, now.st_ino) == (
        opened.st_dev,
        opened.st_ino,
    )


def _fd_path(fd: int) -> Path:
    # /proc/PID, not /proc/self: a decoder that runs a helper process reads the same file.
    return Path(f"/proc/{os.getpid()}/fd/{fd}")


def _proc_fd_available() -> bool:
    return os.path.isdir(f"/proc/{os.getpid()}/fd")


def _memfd_available() -> bool:
    return hasattr(os, "memfd_create") and _proc_fd_available()
