"""IPTC IIM captions in a JPEG's APP13 segment (Photoshop 8BIM resource 0x0404)."""

from __future__ import annotations

from pathlib import Path

from test_metadata_samples import (
    UTF8_CHARSET,
    app13,
    embedded,
    iim,
    jpeg_with,
    read_file,
    resource,
    segment,
    texts,
)

from photoguard.metadata import iptc
from photoguard.metadata.fields import Collector


def test_caption_headline_object_name_and_every_keyword(tmp_path: Path) -> None:
    record = iim(
        [
            UTF8_CHARSET,
            (2, 5, "Zoë Martínez science".encode()),
            (2, 25, b"Liam O'Brien"),
            (2, 25, b"field day"),
            (2, 80, b"Ms. Rivera"),
            (2, 105, b"Ana Lee wins"),
            (2, 120, "Émilie Johnson and friends".encode()),
            (2, 55, b"20240501"),  # a date: not a caption
        ]
    )
    result = read_file(tmp_path, "a.jpg", jpeg_with(app13(resource(0x0404, record))))
    assert embedded(result) == {
        "IPTC:ObjectName": ["Zoë Martínez science"],
        "IPTC:Keywords": ["Liam O'Brien", "field day"],
        "IPTC:By-line": ["Ms. Rivera"],
        "IPTC:Headline": ["Ana Lee wins"],
        "IPTC:Caption-Abstract": ["Émilie Johnson and friends"],
    }
    assert result.errors == ()


def test_without_a_charset_utf8_is_tried_then_windows_1252() -> None:
    out = Collector()
    iptc.read_iim(iim([(2, 120, "Zoë".encode()), (2, 105, "Zoë".encode("cp1252"))]), out)
    assert [(f.field, f.text) for f in out.fields] == [
        ("IPTC:Caption-Abstract", "Zoë"),
        ("IPTC:Headline", "Zoë"),
    ]


def test_other_resources_and_named_resources_are_skipped(tmp_path: Path) -> None:
    data = jpeg_with(
        app13(
            resource(0x03ED, b"\x00" * 16),  # resolution info
            resource(0x0404, iim([(2, 120, b"Grace Hall")]), name=b"odd"),
            resource(0x0425, b"\x01" * 16),  # IPTC digest
        )
    )
    assert texts(read_file(tmp_path, "a.jpg", data), "IPTC:Caption-Abstract") == ["Grace Hall"]


def test_resource_split_over_two_app13_segments(tmp_path: Path) -> None:
    whole = b"Photoshop 3.0\x00" + resource(0x0404, iim([(2, 120, b"Liam O'Brien" * 10)]))
    cut = len(whole) // 2
    data = jpeg_with(segment(0xED, whole[:cut]), segment(0xED, b"Photoshop 3.0\x00" + whole[cut:]))
    assert texts(read_file(tmp_path, "a.jpg", data), "IPTC:Caption-Abstract") == [
        "Liam O'Brien" * 10
    ]


def test_extended_length_dataset() -> None:
    out = Collector()
    long_caption = "Ana Lee " + "x" * 40000
    iptc.read_iim(iim([(2, 120, long_caption.encode())]), out)
    assert out.fields[0].text == long_caption


def test_truncated_record_keeps_what_was_read_and_reports_the_damage() -> None:
    out = Collector()
    record = iim([(2, 105, b"Headline"), (2, 120, b"Caption that is cut")])[:-5]
    iptc.read_iim(record, out)
    assert [f.text for f in out.fields] == ["Headline"]
    assert [e.field for e in out.errors] == ["IPTC:Caption-Abstract"]


def test_garbage_inside_the_record_is_reported() -> None:
    out = Collector()
    iptc.read_iim(iim([(2, 120, b"ok")]) + b"\x07junk", out)
    assert [f.text for f in out.fields] == ["ok"]
    assert [e.field for e in out.errors] == ["IPTC"]


def test_trailing_zero_padding_is_not_damage() -> None:
    out = Collector()
    iptc.read_iim(iim([(2, 120, b"ok")]) + b"\x00\x00\x00", out)
    assert out.errors == []


def test_bad_extended_length_is_reported() -> None:
    out = Collector()
    iptc.read_iim(b"\x1c\x02\x78\x80\x09" + b"\x00" * 9, out)
    assert [e.field for e in out.errors] == ["IPTC"]


def test_damaged_photoshop_resources_are_reported(tmp_path: Path) -> None:
    for payload in (
        b"XXXX" + b"\x00" * 20,  # bad signature
        b"8BIM\x04\x04\x00\x00\xff\xff\xff\xff" + b"\x1c" * 8,  # size past the segment
        b"8BIM\x04\x04\x30" + b"\x00" * 6,  # name runs past the header
    ):
        result = read_file(
            tmp_path, "a.jpg", jpeg_with(segment(0xED, b"Photoshop 3.0\0" + payload))
        )
        assert [e.field for e in result.errors] == ["IPTC"], payload
