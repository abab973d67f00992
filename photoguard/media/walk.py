"""Walking the folders a person dropped: every file met is either checked or skipped with a reason.

Sorted order, so reports are stable; hidden files skipped; directory links
followed only inside the dropped folder and never in a loop; FIFOs, devices and
sockets never opened; unreadable folders reported. The walk always ends.

Each file is met once: a path given twice (``scan t1 t1/a.jpg``, ``scan t1 t1``)
is checked once and the repeat is skipped as such.

A skipped entry either ``blocks_clear`` (it may be posted and was not checked, or
could not be read: the run is then not "all clear") or is something nobody posts:
a caption sidecar read with its photo, a system file (``Thumbs.db``,
``desktop.ini``, Office's ``~$`` lock files, macOS ``._`` files), a hidden file
that is not named like a picture, a file met twice, a link that leads nowhere, a
pipe or device.
Documents and archives (PDF, Word, ZIP, ...) are not skipped: they are found
with kind ``document`` and the scan reports them as ``error`` (documents.py).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from photoguard.errors import UserError
from photoguard.files.pathtext import display, relative
from photoguard.media import SNIFF_BYTES, Kind, kind_of
from photoguard.media.documents import DOCUMENT_SUFFIXES, unchecked_reason
from photoguard.metadata.sidecars import sidecar_paths

#: Enough for every signature kinds.py and documents.py read, and for photoguard's own
#: JSON report header.
HEAD_BYTES = max(SNIFF_BYTES, 64)

#: What a file is: a photo or video to decode, or a document or archive whose
#: pictures photoguard does not check (reported as ``error``).
FoundKind = Kind | Literal["document"]

NOT_MEDIA = "not a photo or video"

#: Files and folders that operating systems and cameras write, which nobody posts.
SYSTEM_NAMES = frozenset(
    {
        "thumbs.db",
        "ehthumbs.db",
        "ehthumbs_vista.db",
        "desktop.ini",
        "icon\r",  # a macOS folder icon
        "$recycle.bin",
        "system volume information",
        "__macosx",  # what macOS's zip adds: "._" copies of the files' metadata
    }
)

#: The first bytes of photoguard's own JSON and CSV reports (report.py).
_OWN_REPORTS = (b'{\n  "schema": "photoguard.report/', b"\xef\xbb\xbfpath,sha256,kind,verdict,")


@dataclass(frozen=True)
class Found:
    """A photo or video to check, or a document whose pictures are not checked."""

    path: Path
    #: Relative to the folder given (``/``-separated, display-safe), or the file's name.
    rel: str
    root: Path
    kind: FoundKind
    #: For a document or archive: why its pictures were not checked (its error reason).
    unchecked: str | None = None

    @property
    def media_kind(self) -> Kind:
        """The kind to decode; only photos and videos are ever decoded."""
        if self.kind == "document":
            raise ValueError(f"{self.rel} is a document, not a photo or video")
        return self.kind


@dataclass(frozen=True)
class Skipped:
    path: Path
    rel: str
    reason: str
    #: True when this may be posted and was not checked, or could not be read: a run
    #: that skipped it is never "all clear". False only for what nobody posts.
    blocks_clear: bool = True


def _harmless(path: Path, rel: str, reason: str) -> Skipped:
    return Skipped(path, rel, reason, blocks_clear=False)


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "an unknown kind of file"


def _not_regular(path: Path, rel: str, mode: int) -> Skipped:
    # Pipes, sockets and devices hold no file a person could post.
    return _harmless(path, rel, f"not a regular file ({_special_kind(mode)}; never opened)")


def _read_head(path: Path) -> bytes | int:
    """The file's first bytes, or its mode if it is not a regular file. Opened without
    blocking and checked again once open, so a file swapped for a named pipe meanwhile
    cannot stall the walk."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return mode
        return os.read(fd, HEAD_BYTES)
    finally:
        os.close(fd)


def _by_name(path: Path, rel: str, root: Path) -> Found | None:
    """A file that could not be opened but is named like a photo, video or document: the
    scan still lists it (as an error, since it cannot be read)."""
    kind = kind_of(path, b"")
    if kind is not None:
        return Found(path, rel, root, kind)
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        return Found(path, rel, root, "document", unchecked_reason(path, b""))
    return None


def _classify(path: Path, rel: str, root: Path) -> Found | Skipped:
    try:
        head = _read_head(path)
    except PermissionError:
        return _by_name(path, rel, root) or Skipped(
            path, rel, "unreadable file (permission denied)"
        )
    except OSError as exc:
        return _by_name(path, rel, root) or Skipped(
            path, rel, f"unreadable file ({exc.strerror or exc})"
        )
    if isinstance(head, int):
        return _not_regular(path, rel, head)
    kind = kind_of(path, head)
    if kind is not None:
        return Found(path, rel, root, kind)
    reason = unchecked_reason(path, head)
    if reason is not None:
        return Found(path, rel, root, "document", reason)
    if head.startswith(_OWN_REPORTS):
        return _harmless(path, rel, "a photoguard report")
    return Skipped(path, rel, NOT_MEDIA)


def _hidden(path: Path, rel: str, is_folder: bool) -> Skipped:
    """Hidden entries are not opened. A hidden folder (``.thumbnails``, ``.git``) or a
    hidden file not named like a picture (``.DS_Store``) is never posted; a hidden file
    named like a photo, video or document may be, and was not checked."""
    name = path.name
    pictures = not is_folder and not name.startswith("._")  # "._x.jpg": macOS metadata
    if pictures and (kind_of(path, b"") or path.suffix.lower() in DOCUMENT_SUFFIXES):
        return Skipped(path, rel, "hidden")
    return _harmless(path, rel, "hidden")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def walk(paths: Sequence[Path]) -> Iterator[Found | Skipped]:
    """Every file under ``paths``, in sorted order, each once. Raises UserError for a
    path that does not exist (nothing is checked then)."""
    for given in paths:
        if not os.path.lexists(given):
            raise UserError(f"{display(given)} does not exist")
    met: list[Found | Skipped] = []
    roots: set[str] = set()
    for given in paths:
        given = Path(os.path.abspath(given))
        real = os.path.realpath(given)
        if real in roots:
            met.append(_harmless(given, display(given.name), "given more than once (met once)"))
            continue
        roots.add(real)
        try:
            st = given.stat()
        except OSError as exc:
            met.append(Skipped(given, display(given.name), f"unreadable ({exc.strerror or exc})"))
            continue
        if stat.S_ISDIR(st.st_mode):
            met.extend(_walk_folder(given))
        elif stat.S_ISREG(st.st_mode):
            met.append(_classify(given, relative(given, given.parent), given.parent))
        else:
            met.append(_not_regular(given, display(given.name), st.st_mode))
    yield from _mark_sidecars(_once_each(met))


def _once_each(met: list[Found | Skipped]) -> list[Found | Skipped]:
    """The same file met again (given twice, or inside two given folders) is skipped
    the second time. Paths are compared with folder links resolved (one lookup per
    folder, not per file); a file link with a name of its own is kept, since its name
    is checked too."""
    folders: dict[str, str] = {}
    first: dict[tuple[str, str], str] = {}
    out: list[Found | Skipped] = []
    for item in met:
        parent, name = os.path.split(os.fspath(item.path))
        real = folders.get(parent)
        if real is None:
            real = folders[parent] = os.path.realpath(parent)
        key = (real, name)
        if key in first:
            out.append(_harmless(item.path, item.rel, f"met twice (checked once, as {first[key]})"))
            continue
        first[key] = item.rel
        out.append(item)
    return out


def _mark_sidecars(met: list[Found | Skipped]) -> list[Found | Skipped]:
    """Files that are read as the captions of a checked file (``IMG_1.xmp``,
    ``IMG_1.txt``, ``IMG_1.jpg.json``) are not posted on their own: they do not block
    "all clear". Which names count is metadata/sidecars.py's rule; it is asked only
    about checked files whose name (without suffix) starts the unknown file's name, so
    a folder of 1000 photos and one ``notes.txt`` costs no extra look-ups."""
    if not any(isinstance(item, Skipped) and _unknown(item) for item in met):
        return met
    by_stem: dict[tuple[str, str], list[Found]] = {}
    for item in met:
        if isinstance(item, Found):
            folder, name = os.path.split(os.fspath(item.path))
            by_stem.setdefault((folder, os.path.splitext(name)[0]), []).append(item)
    sidecars_of: dict[Path, set[str]] = {}
    out: list[Found | Skipped] = []
    for item in met:
        owner = None
        if isinstance(item, Skipped) and _unknown(item):
            folder, name = os.path.split(os.fspath(item.path))
            real = os.path.realpath(item.path)
            for end in range(1, len(name)):
                for found in by_stem.get((folder, name[:end]), ()):
                    if found.path not in sidecars_of:
                        sidecars_of[found.path] = {
                            os.path.realpath(p) for p in sidecar_paths(found.path)
                        }
                    if real in sidecars_of[found.path]:
                        owner = owner or found.rel
        if isinstance(item, Skipped) and owner is not None:
            out.append(replace(item, reason=f"read as the captions of {owner}", blocks_clear=False))
        else:
            out.append(item)
    return out


def _unknown(item: Skipped) -> bool:
    return item.blocks_clear and item.reason == NOT_MEDIA


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
            yield _harmless(folder, _folder_rel(folder, root), "folder link loop (already checked)")
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
                try:
                    is_folder = entry.is_dir()
                except OSError:
                    is_folder = False
                yield _hidden(path, rel, is_folder)
                continue
            if entry.name.lower() in SYSTEM_NAMES or entry.name.startswith("~$"):
                # "~$Report.docx": the lock file Office keeps beside an open document.
                yield _harmless(path, rel, "a system file (never posted)")
                continue
            try:
                is_link = entry.is_symlink()
            except OSError:
                is_link = False
            try:
                mode = entry.stat(follow_symlinks=True).st_mode
            except OSError as exc:
                if is_link:  # a link to nothing holds nothing to post
                    yield _harmless(path, rel, "broken link")
                else:
                    yield Skipped(path, rel, f"unreadable ({exc.strerror or exc})")
                continue
            if is_link and not _inside(Path(os.path.realpath(path)), real_root):
                yield Skipped(path, rel, "link leads outside the folder")
                continue
            if stat.S_ISDIR(mode):
                subfolders.append(path)
            elif stat.S_ISREG(mode):
                yield _classify(path, rel, root)
            else:
                yield _not_regular(path, rel, mode)
        stack.extend(reversed(subfolders))
