"""Walking the folders a person dropped: every file met is either checked or skipped with a reason.

Sorted order, so reports are stable; hidden files skipped; directory links
followed only inside the dropped folder and never in a loop; FIFOs, devices and
sockets never opened; unreadable folders reported. The walk always ends.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from photoguard.errors import UserError
from photoguard.media import SNIFF_BYTES, Kind, kind_of
from photoguard.pathtext import display, relative

HEAD_BYTES = SNIFF_BYTES


@dataclass(frozen=True)
class Found:
    """A photo or video to check."""

    path: Path
    #: Relative to the folder given (``/``-separated, display-safe), or the file's name.
    rel: str
    root: Path
    kind: Kind


@dataclass(frozen=True)
class Skipped:
    path: Path
    rel: str
    reason: str


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "an unknown kind of file"


def _not_regular(mode: int) -> str:
    return f"not a regular file ({_special_kind(mode)}; never opened)"


def _read_head(path: Path) -> bytes | str:
    """The file's first bytes, or why it is skipped. Opened without blocking and checked
    again once open, so a file swapped for a named pipe meanwhile cannot stall the walk."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return _not_regular(mode)
        return os.read(fd, HEAD_BYTES)
    finally:
        os.close(fd)


def _classify(path: Path, rel: str, root: Path) -> Found | Skipped:
    try:
        head = _read_head(path)
    except PermissionError:
        # Named like a photo: the scan still lists it (as an error, since it cannot be read).
        kind = kind_of(path, b"")
        if kind is None:
            return Skipped(path, rel, "unreadable file (permission denied)")
        return Found(path, rel, root, kind)
    except OSError as exc:
        return Skipped(path, rel, f"unreadable file ({exc.strerror or exc})")
    if isinstance(head, str):
        return Skipped(path, rel, head)
    kind = kind_of(path, head)
    if kind is None:
        return Skipped(path, rel, "not a photo or video")
    return Found(path, rel, root, kind)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def walk(paths: Sequence[Path]) -> Iterator[Found | Skipped]:
    """Every file under ``paths``, in sorted order. Raises UserError for a path that
    does not exist (nothing is checked then)."""
    for given in paths:
        if not os.path.lexists(given):
            raise UserError(f"{given} does not exist")
    for given in paths:
        given = Path(os.path.abspath(given))
        try:
            st = given.stat()
        except OSError as exc:
            yield Skipped(given, display(given.name), f"unreadable ({exc.strerror or exc})")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk_folder(given)
        elif stat.S_ISREG(st.st_mode):
            yield _classify(given, relative(given, given.parent), given.parent)
        else:
            yield Skipped(given, display(given.name), _not_regular(st.st_mode))


def _folder_rel(folder: Path, root: Path) -> str:
    return relative(folder, root) if folder != root else display(root.name)


def _walk_folder(root: Path) -> Iterator[Found | Skipped]:
    real_root = Path(os.path.realpath(root))
    seen: set[tuple[int, int]] = set()
    stack: list[Path] = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
        except OSError as exc:
            yield Skipped(folder, _folder_rel(folder, root), f"unreadable folder ({exc.strerror})")
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            yield Skipped(folder, _folder_rel(folder, root), "folder link loop (already checked)")
            continue
        seen.add(ident)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror
            yield Skipped(folder, _folder_rel(folder, root), f"unreadable folder ({reason})")
            continue
        subfolders: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            rel = relative(path, root)
            if entry.name.startswith("."):
                yield Skipped(path, rel, "hidden")
                continue
            try:
                is_link = entry.is_symlink()
            except OSError:
                is_link = False
            try:
                mode = entry.stat(follow_symlinks=True).st_mode
            except OSError as exc:
                reason = "broken link" if is_link else f"unreadable ({exc.strerror or exc})"
                yield Skipped(path, rel, reason)
                continue
            if is_link and not _inside(Path(os.path.realpath(path)), real_root):
                yield Skipped(path, rel, "link leads outside the folder")
                continue
            if stat.S_ISDIR(mode):
                subfolders.append(path)
            elif stat.S_ISREG(mode):
                yield _classify(path, rel, root)
            else:
                yield Skipped(path, rel, _not_regular(mode))
        stack.extend(reversed(subfolders))
