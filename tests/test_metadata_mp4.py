"""MP4/MOV titles and comments, read from boxes built by hand; damage and huge files."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from test_metadata_samples import (
    alt,
    box,
    data_box,
    embedded,
    full_box,
    hdlr,
    itunes_udta,
    mp4_file,
    read_file,
    xmp_packet,
)

from photoguard.metadata import mp4, read_embedded
from photoguard.metadata.fields import Collector


def test_itunes_title_comment_and_descriptions(tmp_path: Path) -> None:
    data = mp4_file(
        box(b"mvhd", b"\x00" * 100),
        itunes_udta(
            box(b"\xa9nam", data_box("Liam O'Brien's solo")),
            box(b"\xa9cmt", data_box("Zoë Martínez", type_indicator=2)),
            box(b"\xa9des", data_box("Spring concert")),
            box(b"desc", data_box("Ana Lee on drums")),
            box(b"ldes", data_box("Long description")),
            box(b"\xa9day", data_box("2024")),  # a date: not a caption
            box(b"covr", box(b"data", struct.pack(">II", 13, 0), b"\xff\xd8")),
        ),
    )
    result = read_file(tmp_path, "concert.mp4", data)
    assert embedded(result) == {
        "MP4:title": ["Liam O'Brien's solo"],
        "MP4:comment": ["Zoë Martínez"],
        "MP4:description": ["Spring concert", "Ana Lee on drums"],
        "MP4:long-description": ["Long description"],
    }
    assert result.errors == ()


def test_quicktime_user_data_text_atoms(tmp_path: Path) -> None:
    def qt_text(text: str) -> bytes:
        raw = text.encode("utf-8")
        return struct.pack(">HH", len(raw), 0x15C7) + raw  # packed language "eng"

    data = mp4_file(
        box(
            b"udta",
            box(b"\xa9nam", qt_text("Grace Hall")),
            box(b"\xa9cmt", qt_text("Emily Johnson"), qt_text("second entry")),
            box(b"\xa9inf", qt_text("info")),
            box(b"titl", b"\x00" * 4 + b"\x15\xc7" + b"Will Smith" + b"\x00"),
        )
    )
    result = read_file(tmp_path, "clip.mov", data)
    assert embedded(result) == {
        "QuickTime:title": ["Grace Hall"],
        "QuickTime:comment": ["Emily Johnson", "second entry"],
        "QuickTime:information": ["info"],
        "3GPP:title": ["Will Smith"],
    }


def test_apple_keys_metadata(tmp_path: Path) -> None:
    def key(name: str) -> bytes:
        raw = name.encode()
        return struct.pack(">I", 8 + len(raw)) + b"mdta" + raw

    keys = full_box(
        b"keys",
        struct.pack(">I", 3),
        key("com.apple.quicktime.make"),
        key("com.apple.quicktime.title"),
        key("com.apple.quicktime.description"),
    )
    ilst = box(
        b"ilst",
        box(struct.pack(">I", 1), data_box("Apple")),
        box(struct.pack(">I", 2), data_box("Liam O'Brien")),
        box(struct.pack(">I", 3), data_box("Field day")),
    )
    # QuickTime's moov/meta has no version/flags.
    data = mp4_file(box(b"meta", hdlr(b"mdta"), keys, ilst))
    assert embedded(read_file(tmp_path, "IMG_0001.MOV", data)) == {
        "QuickTime:com.apple.quicktime.title": ["Liam O'Brien"],
        "QuickTime:com.apple.quicktime.description": ["Field day"],
    }


def test_xmp_in_uuid_box_and_udta(tmp_path: Path) -> None:
    packet = xmp_packet("<dc:title>" + alt("Sofia Delgado-Ruiz") + "</dc:title>")
    data = mp4_file(
        box(b"udta", box(b"XMP_", packet)),
        top=[box(b"uuid", mp4.XMP_UUID, packet)],
    )
    assert embedded(read_file(tmp_path, "a.mp4", data)) == {
        "XMP:dc:title": ["Sofia Delgado-Ruiz", "Sofia Delgado-Ruiz"],
    }


def test_large_size_and_to_end_of_file_boxes(tmp_path: Path) -> None:
    moov = box(b"moov", itunes_udta(box(b"\xa9nam", data_box("Ana Lee"))))
    large = struct.pack(">I4sQ", 1, b"free", 16 + 4) + b"\x00" * 4
    to_end = struct.pack(">I4s", 0, b"mdat") + b"\x00" * 100
    data = box(b"ftyp", b"mp42\x00\x00\x00\x00") + large + moov + to_end
    result = read_file(tmp_path, "a.mp4", data)
    assert embedded(result) == {"MP4:title": ["Ana Lee"]}
    assert result.errors == ()


class CountingFile(io.FileIO):
    """A real file that counts the bytes read from it."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_a_huge_video_is_read_by_seeking(tmp_path: Path) -> None:
    path = tmp_path / "huge.mp4"
    head = box(b"ftyp", b"isom\x00\x00\x00\x00")
    mdat_size = 6 << 30  # 6 GB of (sparse) media data
    moov = box(b"moov", itunes_udta(box(b"\xa9nam", data_box("Liam O'Brien"))))
    with path.open("wb") as f:
        f.write(head + struct.pack(">I4sQ", 1, b"mdat", mdat_size))
        try:
            f.seek(len(head) + mdat_size)
        except OSError:
            pytest.skip("this file system has no sparse files")
        f.write(moov)
    out = Collector()
    with CountingFile(path, "r") as f:
        read_embedded(f, path.stat().st_size, out)
        assert f.bytes_read < 4096
    assert [(x.field, x.text) for x in out.fields] == [("MP4:title", "Liam O'Brien")]


@pytest.mark.parametrize(
    "data",
    [
        # a child box larger than its parent
        box(b"ftyp", b"isom") + struct.pack(">I4s", 16, b"moov") + struct.pack(">I4s", 99, b"udta"),
        # a box shorter than its own header
        box(b"ftyp", b"isom") + struct.pack(">I4s", 4, b"moov"),
        # a top-level box running past the end of the file
        box(b"ftyp", b"isom") + struct.pack(">I4s", 10_000, b"moov") + b"\x00" * 10,
        # a keys box with a bad entry
        mp4_file(box(b"meta", hdlr(b"mdta"), full_box(b"keys", struct.pack(">II", 1, 2)))),
    ],
)
def test_malformed_boxes_are_an_error(tmp_path: Path, data: bytes) -> None:
    result = read_file(tmp_path, "bad.mp4", data)
    assert [e.field for e in result.errors] == ["MP4"]


def test_a_damaged_item_is_an_error_and_the_other_items_are_read(tmp_path: Path) -> None:
    data = mp4_file(
        itunes_udta(
            box(b"\xa9nam", box(b"data", b"\x00\x00")),  # data box too short
            box(b"\xa9cmt", data_box("Ana Lee")),
        ),
        box(b"udta", box(b"\xa9nam", struct.pack(">HH", 500, 0) + b"abc")),  # text past its atom
    )
    result = read_file(tmp_path, "bad.mp4", data)
    assert [e.field for e in result.errors] == ["MP4:title", "QuickTime:title"]
    assert embedded(result) == {"MP4:comment": ["Ana Lee"]}


def test_boxes_nested_without_end_are_refused(tmp_path: Path) -> None:
    inner = box(b"\xa9nam", data_box("deep"))
    for _ in range(50):
        inner = box(b"udta", inner)
    result = read_file(tmp_path, "deep.mp4", mp4_file(inner))
    assert [e.field for e in result.errors] == ["MP4"]
    assert "nested" in result.errors[0].detail


def test_value_too_large_to_check_is_an_error(tmp_path: Path) -> None:
    data = mp4_file(itunes_udta(box(b"\xa9nam", data_box("x" * (mp4.MAX_VALUE + 10)))))
    result = read_file(tmp_path, "a.mp4", data)
    assert [e.field for e in result.errors] == ["MP4:title"]
    assert "too large" in result.errors[0].detail
