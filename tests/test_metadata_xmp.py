"""XMP captions, keywords and face-region names; hostile or broken packets are refused."""

from __future__ import annotations

import struct
from pathlib import Path

import piexif
from test_metadata_samples import (
    alt,
    bag,
    embedded,
    exif_segment,
    jpeg_with,
    read_file,
    segment,
    texts,
    xmp_packet,
    xmp_segment,
)

from photoguard.metadata import xmp
from photoguard.metadata.fields import Collector

DIGIKAM_REGIONS = """
<mwg-rs:Regions rdf:parseType="Resource">
  <mwg-rs:RegionList><rdf:Bag>
    <rdf:li><rdf:Description mwg-rs:Name="Liam O'Brien" mwg-rs:Type="Face">
      <mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="0.1" stArea:h="0.1"/>
    </rdf:Description></rdf:li>
    <rdf:li><rdf:Description mwg-rs:Type="Face">
      <mwg-rs:Name>Ana Lee</mwg-rs:Name>
    </rdf:Description></rdf:li>
  </rdf:Bag></mwg-rs:RegionList>
</mwg-rs:Regions>
"""

MICROSOFT_REGIONS = """
<MP:RegionInfo rdf:parseType="Resource">
  <MPRI:Regions><rdf:Bag>
    <rdf:li MPReg:PersonDisplayName="Grace Hall" MPReg:Rectangle="0.1, 0.2, 0.3, 0.4"/>
    <rdf:li rdf:parseType="Resource">
      <MPReg:PersonDisplayName>Zoë Martínez</MPReg:PersonDisplayName>
    </rdf:li>
  </rdf:Bag></MPRI:Regions>
</MP:RegionInfo>
"""


def test_every_xmp_property_in_a_jpeg(tmp_path: Path) -> None:
    packet = xmp_packet(
        "<dc:description>" + alt("Liam O'Brien's volcano") + "</dc:description>"
        "<dc:title>" + alt("Science fair") + "</dc:title>"
        "<dc:subject>" + bag("Emily Johnson", "volcano") + "</dc:subject>"
        "<Iptc4xmpExt:PersonInImage>" + bag("Sofia Delgado-Ruiz") + "</Iptc4xmpExt:PersonInImage>"
        "<lr:hierarchicalSubject>"
        + bag("People|Will Smith")
        + "</lr:hierarchicalSubject>"
        + DIGIKAM_REGIONS
        + MICROSOFT_REGIONS,
        attributes='photoshop:Headline="Marie St. Pierre takes first"',
    )
    result = read_file(tmp_path, "a.jpg", jpeg_with(xmp_segment(packet)))
    assert embedded(result) == {
        "XMP:photoshop:Headline": ["Marie St. Pierre takes first"],
        "XMP:dc:description": ["Liam O'Brien's volcano"],
        "XMP:dc:title": ["Science fair"],
        "XMP:dc:subject": ["Emily Johnson", "volcano"],
        "XMP:Iptc4xmpExt:PersonInImage": ["Sofia Delgado-Ruiz"],
        "XMP:lr:hierarchicalSubject": ["People|Will Smith"],
        "XMP:mwg-rs:Name": ["Liam O'Brien", "Ana Lee"],
        "XMP:MP:PersonDisplayName": ["Grace Hall", "Zoë Martínez"],
    }
    assert result.errors == ()


def test_simple_property_as_element_text_and_seq_items() -> None:
    out = Collector()
    xmp.read_xmp(
        xmp_packet(
            "<photoshop:Headline>Headline text</photoshop:Headline>"
            "<dc:subject><rdf:Seq><rdf:li>one</rdf:li><rdf:li>two</rdf:li></rdf:Seq></dc:subject>"
        ),
        out,
    )
    assert [(f.field, f.text) for f in out.fields] == [
        ("XMP:photoshop:Headline", "Headline text"),
        ("XMP:dc:subject", "one"),
        ("XMP:dc:subject", "two"),
    ]


def test_other_prefixes_for_the_same_namespace_are_recognised() -> None:
    out = Collector()
    xmp.read_xmp(
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:purl="http://purl.org/dc/elements/1.1/"><purl:description>Ana Lee'
        b"</purl:description></rdf:Description></rdf:RDF></x:xmpmeta>",
        out,
    )
    assert [(f.field, f.text) for f in out.fields] == [("XMP:dc:description", "Ana Lee")]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<x:xmpmeta xmlns:x="adobe:ns:meta/">&lol3;</x:xmpmeta>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>"""


def test_entity_bomb_is_refused_and_the_other_fields_are_still_read(tmp_path: Path) -> None:
    data = jpeg_with(
        exif_segment({"0th": {piexif.ImageIFD.ImageDescription: b"Grace Hall"}}),
        xmp_segment(BILLION_LAUGHS),
    )
    result = read_file(tmp_path, "a.jpg", data)
    assert texts(result, "EXIF:ImageDescription") == ["Grace Hall"]
    assert [(e.field, e.detail) for e in result.errors] == [
        ("XMP", "refused: the XMP packet declares a DTD or entities")
    ]


def test_external_entity_is_refused() -> None:
    out = Collector()
    xmp.read_xmp(EXTERNAL_ENTITY, out)
    assert out.fields == [] and [e.field for e in out.errors] == ["XMP"]


def test_malformed_xml_is_an_error() -> None:
    out = Collector()
    xmp.read_xmp(b"<x:xmpmeta><dc:title>unclosed", out)
    assert [e.field for e in out.errors] == ["XMP"]
    assert "not well-formed" in out.errors[0].detail


def test_utf16_packet_and_trailing_nul_padding() -> None:
    out = Collector()
    xmp.read_xmp(xmp_packet("<dc:description>Ana Lee</dc:description>") + b"\0\0\0", out)
    packet16 = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:title>Zoë</dc:title></x:xmpmeta>"
    ).encode("utf-16")
    xmp.read_xmp(packet16, out)
    assert [f.text for f in out.fields] == ["Ana Lee", "Zoë"]
    assert out.errors == []


def test_packet_larger_than_the_limit_is_reported_not_parsed() -> None:
    out = Collector()
    xmp.read_xmp(b" " * (xmp.MAX_PACKET + 1), out)
    assert [e.field for e in out.errors] == ["XMP"]


def _extended_segments(packet: bytes, chunk: int, drop: int | None = None) -> list[bytes]:
    guid = b"0123456789ABCDEF0123456789ABCDEF"
    segments = []
    for n, offset in enumerate(range(0, len(packet), chunk)):
        if n == drop:
            continue
        payload = (
            b"http://ns.adobe.com/xmp/extension/\x00"
            + guid
            + struct.pack(">II", len(packet), offset)
            + packet[offset : offset + chunk]
        )
        segments.append(segment(0xE1, payload))
    return segments


def test_extended_xmp_is_assembled_from_its_chunks(tmp_path: Path) -> None:
    big = xmp_packet("<dc:description>" + alt("Liam O'Brien " + "x" * 3000) + "</dc:description>")
    data = jpeg_with(
        xmp_segment(xmp_packet("<dc:title>" + alt("main") + "</dc:title>")),
        *reversed(_extended_segments(big, 1000)),
    )
    result = read_file(tmp_path, "a.jpg", data)
    assert texts(result, "XMP:dc:title") == ["main"]
    assert texts(result, "XMP:dc:description")[0].startswith("Liam O'Brien xxx")
    assert result.errors == ()


def test_incomplete_extended_xmp_is_an_error(tmp_path: Path) -> None:
    big = xmp_packet("<dc:description>" + "y" * 3000 + "</dc:description>")
    result = read_file(tmp_path, "a.jpg", jpeg_with(*_extended_segments(big, 1000, drop=1)))
    assert [e.field for e in result.errors] == ["XMP"]
