"""EXIF captions in JPEG and TIFF files: every text tag, every UserComment charset, damage."""

from __future__ import annotations

import io
from pathlib import Path

import piexif
import piexif.helper
import pytest
from PIL import Image, TiffImagePlugin
from test_metadata_samples import (
    app13,
    ascii_value,
    embedded,
    exif_segment,
    iim,
    jpeg_with,
    read_file,
    resource,
    segment,
    texts,
    tiff_block,
    undefined_value,
    xmp_packet,
    xmp_segment,
)

from photoguard.metadata import exif


def test_every_exif_text_tag_written_by_piexif(tmp_path: Path) -> None:
    data = jpeg_with(
        exif_segment(
            {
                "0th": {
                    piexif.ImageIFD.ImageDescription: "Zoë Martínez at the fair".encode(),
                    piexif.ImageIFD.Artist: b"Ms. Rivera",
                    piexif.ImageIFD.XPTitle: "Liam O'Brien".encode("utf-16le") + b"\0\0",
                    piexif.ImageIFD.XPComment: tuple("Ana Lee reading".encode("utf-16le")),
                    piexif.ImageIFD.XPSubject: "Science fair".encode("utf-16le"),
                    piexif.ImageIFD.XPKeywords: "Grace Hall;field day".encode("utf-16le"),
                    piexif.ImageIFD.XPAuthor: "Room 12".encode("utf-16le"),
                },
                "Exif": {
                    piexif.ExifIFD.UserComment: piexif.helper.UserComment.dump(
                        "Emily Johnson's poem", encoding="unicode"
                    )
                },
            }
        )
    )
    assert embedded(read_file(tmp_path, "IMG_1.jpg", data)) == {
        "EXIF:ImageDescription": ["Zoë Martínez at the fair"],
        "EXIF:Artist": ["Ms. Rivera"],
        "EXIF:XPTitle": ["Liam O'Brien"],
        "EXIF:XPComment": ["Ana Lee reading"],
        "EXIF:XPAuthor": ["Room 12"],
        "EXIF:XPKeywords": ["Grace Hall;field day"],
        "EXIF:XPSubject": ["Science fair"],
        "EXIF:UserComment": ["Emily Johnson's poem"],
    }


@pytest.mark.parametrize(
    ("prefix_and_body", "expected"),
    [
        (b"ASCII\0\0\0Liam O'Brien\0", "Liam O'Brien"),
        (b"UNICODE\0" + "Zoë Martínez".encode("utf-16-be"), "Zoë Martínez"),
        (b"UNICODE\0" + "Zoë Martínez".encode("utf-16-le"), "Zoë Martínez"),
        (b"UNICODE\0" + "Zoë".encode("utf-16"), "Zoë"),
        (b"JIS\0\0\0\0\0" + "山田太郎".encode("iso2022_jp"), "山田太郎"),
        (b"JIS\0\0\0\0\0" + bytes(b & 0x7F for b in "山田".encode("euc_jp")), "山田"),
        (b"JIS\0\0\0\0\0Liam O'Brien", "Liam O'Brien"),
        (b"\0" * 8 + b"Ana Lee", "Ana Lee"),
        (b"Ana Lee without a prefix", "Ana Lee without a prefix"),
    ],
)
@pytest.mark.parametrize("big_endian", [True, False])
def test_user_comment_charsets_in_both_byte_orders(
    tmp_path: Path, prefix_and_body: bytes, expected: str, big_endian: bool
) -> None:
    block = tiff_block({}, {0x9286: undefined_value(prefix_and_body)}, big_endian=big_endian)
    result = read_file(tmp_path, "a.jpg", jpeg_with(segment(0xE1, b"Exif\0\0" + block)))
    assert texts(result, "EXIF:UserComment") == [expected]
    assert result.errors == ()


def test_unicode_user_comment_follows_the_files_byte_order_for_non_latin_text() -> None:
    # No zero bytes to tell the order by: the file's byte order decides.
    body = "山田".encode("utf-16-le")
    assert exif.decode_user_comment(b"UNICODE\0" + body, big_endian=False) == "山田"
    body = "山田".encode("utf-16-be")
    assert exif.decode_user_comment(b"UNICODE\0" + body, big_endian=True) == "山田"


def test_utf8_and_latin1_image_descriptions(tmp_path: Path) -> None:
    block = tiff_block({270: (2, "Zoë".encode("latin-1") + b"\0"), 315: ascii_value("Seán")})
    result = read_file(tmp_path, "a.jpg", jpeg_with(segment(0xE1, b"Exif\0\0" + block)))
    assert texts(result, "EXIF:ImageDescription") == ["Zoë"]
    assert texts(result, "EXIF:Artist") == ["Seán"]


def test_tag_declaring_four_billion_bytes_is_an_error_and_other_tags_are_read(
    tmp_path: Path,
) -> None:
    block = tiff_block(
        {270: ascii_value("Liam O'Brien"), 0x9C9B: (1, "title".encode("utf-16le"))},
        counts={0x9C9B: 0xFFFFFFFF},
    )
    result = read_file(tmp_path, "a.jpg", jpeg_with(segment(0xE1, b"Exif\0\0" + block)))
    assert texts(result, "EXIF:ImageDescription") == ["Liam O'Brien"]
    assert [e.field for e in result.errors] == ["EXIF:XPTitle"]


def test_tag_pointing_outside_the_block_is_an_error(tmp_path: Path) -> None:
    block = bytearray(tiff_block({270: ascii_value("a long enough description")}))
    block[8 + 2 + 8 : 8 + 2 + 12] = (60000).to_bytes(4, "little")  # value offset
    result = read_file(tmp_path, "a.jpg", jpeg_with(segment(0xE1, b"Exif\0\0" + bytes(block))))
    assert [e.field for e in result.errors] == ["EXIF:ImageDescription"]
    assert "outside" in result.errors[0].detail


def test_damaged_exif_still_reads_iptc_and_xmp(tmp_path: Path) -> None:
    data = jpeg_with(
        segment(0xE1, b"Exif\0\0II*\0\xff\xff\xff\x7f"),  # IFD0 far beyond the block
        app13(resource(0x0404, iim([(2, 120, b"IPTC caption")]))),
        xmp_segment(xmp_packet("<dc:description>XMP caption</dc:description>")),
    )
    result = read_file(tmp_path, "a.jpg", data)
    assert [e.field for e in result.errors] == ["EXIF"]
    assert embedded(result) == {
        "IPTC:Caption-Abstract": ["IPTC caption"],
        "XMP:dc:description": ["XMP caption"],
    }


@pytest.mark.parametrize(
    "block",
    [
        b"",
        b"MM",
        b"XX*\0\0\0\0\x08",
        b"II+\0\x08\0\0\0",  # BigTIFF
        b"II*\0\x08\0\0\0\xff\xff",  # 65535 entries in a tiny block
    ],
)
def test_unreadable_exif_blocks_are_reported(tmp_path: Path, block: bytes) -> None:
    result = read_file(tmp_path, "a.jpg", jpeg_with(segment(0xE1, b"Exif\0\0" + block)))
    assert [e.field for e in result.errors] == ["EXIF"]


def test_bad_exif_ifd_pointer_names_user_comment(tmp_path: Path) -> None:
    block = tiff_block({270: ascii_value("ok"), 0x8769: (4, (99999).to_bytes(4, "little"))})
    result = read_file(tmp_path, "a.jpg", jpeg_with(segment(0xE1, b"Exif\0\0" + block)))
    assert texts(result, "EXIF:ImageDescription") == ["ok"]
    assert [e.field for e in result.errors] == ["EXIF:UserComment"]


def test_tiff_file_description_xmp_and_iptc_tags(tmp_path: Path) -> None:
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[270] = "Liam O'Brien in the lab"
    info[700] = xmp_packet(
        '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Ana Lee</rdf:li></rdf:Alt></dc:title>'
    )
    info.tagtype[700] = 1
    info[33723] = iim([(2, 105, b"Headline Grace Hall")])
    info.tagtype[33723] = 7
    buf = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buf, "TIFF", tiffinfo=info)
    result = read_file(tmp_path, "scan.tif", buf.getvalue())
    assert embedded(result) == {
        "EXIF:ImageDescription": ["Liam O'Brien in the lab"],
        "XMP:dc:title": ["Ana Lee"],
        "IPTC:Headline": ["Headline Grace Hall"],
    }
    assert result.errors == ()


def test_big_endian_tiff_written_by_piexif(tmp_path: Path) -> None:
    block = piexif.dump({"0th": {piexif.ImageIFD.ImageDescription: b"Emily Johnson"}})[6:]
    assert block[:2] == b"MM"
    result = read_file(tmp_path, "raw.tif", block)
    assert texts(result, "EXIF:ImageDescription") == ["Emily Johnson"]
