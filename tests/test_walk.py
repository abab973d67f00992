"""Walking a dropped folder: every entry met is found or skipped with a reason, and
the walk always ends.

Link loops, links leading outside the folder, broken links, unreadable folders
and files, named pipes, sockets and devices are all skipped with a reason a
person can read; none of them is opened. Names that are not valid UTF-8 or hold
bidirectional controls come out as visible, valid text.
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from unprivileged import run_unprivileged, shared_folder

from photoguard.errors import UserError
from photoguard.media.walk import Found, Skipped, walk

JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX file kinds")


def items(*paths: Path) -> dict[str, Found | Skipped]:
    out: dict[str, Found | Skipped] = {}
    for item in walk(list(paths)):
        assert item.rel not in out, f"{item.rel} was met twice"
        out[item.rel] = item
    return out


def reasons(found: dict[str, Found | Skipped]) -> dict[str, str]:
    return {rel: i.reason for rel, i in found.items() if isinstance(i, Skipped)}


def photo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(JPEG_HEAD + b"\x00" * 64)
    return path


def test_files_are_found_in_sorted_order_and_hidden_ones_skipped(tmp_path: Path) -> None:
    for name in ["b.jpg", "a.jpg", "sub/c.jpg", ".hidden.jpg", ".cache/d.jpg"]:
        photo(tmp_path / name)
    (tmp_path / "notes.txt").write_text("a list of names")
    got = list(walk([tmp_path]))
    assert [i.rel for i in got] == [
        ".cache",
        ".hidden.jpg",
        "a.jpg",
        "b.jpg",
        "notes.txt",
        "sub/c.jpg",
    ]
    assert reasons(items(tmp_path)) == {
        ".cache": "hidden",
        ".hidden.jpg": "hidden",
        "notes.txt": "not a photo or video",
    }


def test_a_photo_is_recognised_by_its_bytes_whatever_its_name(tmp_path: Path) -> None:
    photo(tmp_path / "IMG_0001.dat")
    (tmp_path / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 32)
    got = items(tmp_path)
    assert isinstance(got["IMG_0001.dat"], Found) and got["IMG_0001.dat"].kind == "photo"
    assert isinstance(got["clip.mp4"], Found) and got["clip.mp4"].kind == "video"


@POSIX
def test_folder_link_loops_end_and_each_file_is_met_once(tmp_path: Path) -> None:
    photo(tmp_path / "a" / "one.jpg")
    photo(tmp_path / "a" / "b" / "two.jpg")
    (tmp_path / "a" / "b" / "up").symlink_to("..")  # a/b/up -> a
    (tmp_path / "a" / "self").symlink_to(".")  # a/self -> a
    (tmp_path / "top").symlink_to(tmp_path)  # the dropped folder itself
    got = items(tmp_path)
    found = sorted(rel for rel, i in got.items() if isinstance(i, Found))
    assert found == ["a/b/two.jpg", "a/one.jpg"]
    assert reasons(got) == {
        "a/b/up": "folder link loop (already checked)",
        "a/self": "folder link loop (already checked)",
        "top": "folder link loop (already checked)",
    }


@POSIX
def test_links_leading_outside_the_dropped_folder_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    photo(outside / "private.jpg")
    photo(outside / "folder" / "more.jpg")
    drop = tmp_path / "drop"
    photo(drop / "inside.jpg")
    (drop / "to-file.jpg").symlink_to(outside / "private.jpg")
    (drop / "to-folder").symlink_to(outside / "folder")
    (drop / "to-root").symlink_to("/")
    (drop / "same.jpg").symlink_to("inside.jpg")  # inside: followed
    (drop / "dangling.jpg").symlink_to(tmp_path / "nowhere.jpg")
    (drop / "loop.jpg").symlink_to("loop.jpg")
    got = items(drop)
    assert sorted(rel for rel, i in got.items() if isinstance(i, Found)) == [
        "inside.jpg",
        "same.jpg",
    ]
    assert reasons(got) == {
        "to-file.jpg": "link leads outside the folder",
        "to-folder": "link leads outside the folder",
        "to-root": "link leads outside the folder",
        "dangling.jpg": "broken link",
        "loop.jpg": "broken link",
    }


@POSIX
def test_named_pipes_and_sockets_are_skipped_without_being_opened(tmp_path: Path) -> None:
    photo(tmp_path / "a.jpg")
    # Opening a named pipe for reading blocks until a writer comes: a walk that
    # opened it would never end.
    os.mkfifo(tmp_path / "pipe.jpg")
    sock_path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(sock_path))
        got = items(tmp_path)
    finally:
        server.close()
    assert isinstance(got["a.jpg"], Found)
    assert reasons(got) == {
        "pipe.jpg": "not a regular file (a named pipe; never opened)",
        "s.sock": "not a regular file (a socket; never opened)",
    }
    # Given directly, too.
    (given,) = walk([tmp_path / "pipe.jpg"])
    assert isinstance(given, Skipped) and "named pipe" in given.reason


@POSIX
def test_devices_are_skipped_without_being_opened(tmp_path: Path) -> None:
    (given,) = walk([Path("/dev/zero")])  # reading it would never end
    assert isinstance(given, Skipped)
    assert given.reason == "not a regular file (a device; never opened)"
    try:
        os.mknod(tmp_path / "zero.jpg", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except (PermissionError, OSError):
        return  # creating device nodes needs privileges; /dev/zero above still shows it
    assert reasons(items(tmp_path)) == {"zero.jpg": "not a regular file (a device; never opened)"}


@POSIX
def test_a_named_pipe_swapped_in_after_the_listing_is_not_opened_for_reading(
    tmp_path: Path,
) -> None:
    from photoguard.media.walk import _classify

    os.mkfifo(tmp_path / "late.jpg")
    item = _classify(tmp_path / "late.jpg", "late.jpg", tmp_path)
    assert isinstance(item, Skipped) and "named pipe" in item.reason


def test_a_path_that_does_not_exist_stops_before_anything_is_checked(tmp_path: Path) -> None:
    photo(tmp_path / "a.jpg")
    with pytest.raises(UserError, match="does not exist"):
        list(walk([tmp_path / "a.jpg", tmp_path / "missing"]))


@POSIX
def test_names_that_are_not_utf8_or_hold_bidi_controls_are_shown_visibly(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path)
    with open(os.path.join(raw, b"caf\xe9.jpg"), "wb") as f:
        f.write(JPEG_HEAD)
    photo(tmp_path / "photo\u202egpj.exe.jpg")
    photo(tmp_path / "sub\u2066dir" / "x.jpg")
    got = items(tmp_path)
    assert set(got) == {"caf\\xe9.jpg", "photo[U+202E]gpj.exe.jpg", "sub[U+2066]dir/x.jpg"}
    for rel, item in got.items():
        assert isinstance(item, Found), rel
        rel.encode("utf-8")  # valid text for reports; raises on a lone surrogate
        assert item.path.exists()  # the real name is kept for opening the file


def _tree_entries(root: Path) -> set[str]:
    """Every non-folder entry below ``root`` (links not followed), and every folder
    that is hidden or a link: what a walk must account for."""
    out = set()
    for folder, dirs, files in os.walk(root):
        rel_folder = Path(folder).relative_to(root)
        for name in files:
            out.add(str(rel_folder / name))
        for name in list(dirs):
            p = Path(folder) / name
            if name.startswith(".") or p.is_symlink():
                out.add(str(rel_folder / name))
                dirs.remove(name)
    return out


@POSIX
def test_every_entry_of_a_messy_folder_is_found_or_skipped(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    outside = tmp_path / "outside"
    photo(outside / "x.jpg")
    for n in range(5):
        photo(drop / f"day{n}" / f"IMG_{n}.jpg")
        (drop / f"day{n}" / f"IMG_{n}.jpg.json").write_text("{}")
        (drop / f"day{n}" / "loop").symlink_to("..")
    os.mkfifo(drop / "day1" / "fifo")
    (drop / "day2" / "out").symlink_to(outside)
    (drop / "day3" / ".thumbs").mkdir()
    photo(drop / "day3" / ".thumbs" / "t.jpg")
    (drop / "day4" / "empty.jpg").write_bytes(b"")
    got = items(drop)
    assert set(got) == _tree_entries(drop)
    assert all(i.reason for i in got.values() if isinstance(i, Skipped))


# ------------------------------------------------------------ unreadable entries
# Root reads everything, so as root the walk runs in a child process that has
# given up its privileges (the usual case for a person running the app).


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    with shared_folder("photoguard-walk-") as base:
        yield base


def _walk_unprivileged(path: Path) -> dict[str, str]:
    """``{rel: "found" or skip reason}`` from a walk as an unprivileged user."""
    result: dict[str, str] = run_unprivileged(
        lambda: {i.rel: ("found" if isinstance(i, Found) else i.reason) for i in walk([path])}
    )
    return result


@POSIX
def test_unreadable_folders_and_files_are_skipped_with_a_reason(shared_tmp: Path) -> None:
    drop = shared_tmp / "drop"
    photo(drop / "ok.jpg")
    photo(drop / "locked" / "inside.jpg")
    photo(drop / "locked-photo.jpg")
    (drop / "locked-notes.txt").write_text("names")
    for p in shared_tmp.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    (drop / "locked").chmod(0)
    (drop / "locked-photo.jpg").chmod(0)
    (drop / "locked-notes.txt").chmod(0)
    got = _walk_unprivileged(drop)
    assert got == {
        "ok.jpg": "found",
        "locked": "unreadable folder (permission denied)",
        # Named like a photo: listed, and the scan reports it as an error.
        "locked-photo.jpg": "found",
        "locked-notes.txt": "unreadable file (permission denied)",
    }


@POSIX
def test_an_unreadable_dropped_folder_is_reported_not_ignored(shared_tmp: Path) -> None:
    drop = shared_tmp / "drop"
    photo(drop / "a.jpg")
    drop.chmod(0)
    assert _walk_unprivileged(drop) == {"drop": "unreadable folder (permission denied)"}
