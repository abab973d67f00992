"""Captions beside a file and in its name; containers recognised by content; whole files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import piexif
import pillow_heif
import pytest
from PIL import Image
from test_metadata_samples import (
    alt,
    app13,
    embedded,
    exif_segment,
    gif_with,
    iim,
    jpeg_with,
    plain_jpeg,
    read_file,
    resource,
    segment,
    texts,
    xmp_packet,
    xmp_segment,
)

from photoguard.metadata import CaptionField, container_kind, read_caption_fields, sidecars
from photoguard.roster.model import Student
from photoguard.roster.names import NameIndex


def photo(folder: Path, name: str = "IMG_1.jpg") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(plain_jpeg())
    return path


def test_every_kind_of_sidecar(tmp_path: Path) -> None:
    path = photo(tmp_path)
    packet = xmp_packet("<dc:description>" + alt("Liam O'Brien") + "</dc:description>")
    (tmp_path / "IMG_1.xmp").write_bytes(packet)
    (tmp_path / "IMG_1.jpg.xmp").write_bytes(
        xmp_packet("<dc:title>" + alt("Ana Lee") + "</dc:title>")
    )
    (tmp_path / "IMG_1.txt").write_text("Zoë Martínez's painting\n", encoding="utf-8")
    (tmp_path / "IMG_1.jpg.json").write_text(
        json.dumps(
            {
                "title": "IMG_1.jpg",
                "description": "Grace Hall at recess",
                "people": [{"name": "Will Smith"}],
                "photoTakenTime": {"timestamp": "1714560000"},
            }
        )
    )
    result = read_caption_fields(path, tmp_path)
    assert embedded(result) == {
        "sidecar:IMG_1.xmp": ["Liam O'Brien"],
        "sidecar:IMG_1.txt": ["Zoë Martínez's painting"],
        "sidecar:IMG_1.jpg.xmp": ["Ana Lee"],
        "sidecar:IMG_1.jpg.json": ["IMG_1.jpg", "Grace Hall at recess", "Will Smith"],
    }
    assert result.errors == ()


def test_takeout_supplemental_metadata_name(tmp_path: Path) -> None:
    path = photo(tmp_path)
    (tmp_path / "IMG_1.jpg.supplemental-metadata.json").write_text('{"description": "Ana Lee"}')
    assert texts(
        read_caption_fields(path, tmp_path), "sidecar:IMG_1.jpg.supplemental-metadata.json"
    ) == ["Ana Lee"]


@pytest.mark.parametrize("content", ['{"description": "Ana Lee"', "[1, 2]", "\x00\x01"])
def test_malformed_takeout_json_is_an_error(tmp_path: Path, content: str) -> None:
    path = photo(tmp_path)
    (tmp_path / "IMG_1.jpg.json").write_text(content)
    result = read_caption_fields(path, tmp_path)
    assert [e.field for e in result.errors] == ["sidecar:IMG_1.jpg.json"]


def test_broken_xmp_sidecar_is_an_error(tmp_path: Path) -> None:
    path = photo(tmp_path)
    (tmp_path / "IMG_1.xmp").write_bytes(b"<x:xmpmeta><oops")
    result = read_caption_fields(path, tmp_path)
    assert [e.field for e in result.errors] == ["sidecar:IMG_1.xmp"]


def test_oversized_sidecar_is_an_error_not_skipped(tmp_path: Path) -> None:
    path = photo(tmp_path)
    (tmp_path / "IMG_1.txt").write_bytes(b"x" * (sidecars.MAX_SIDECAR + 1))
    result = read_caption_fields(path, tmp_path)
    assert [e.field for e in result.errors] == ["sidecar:IMG_1.txt"]


def test_upper_case_sidecar_extension(tmp_path: Path) -> None:
    path = photo(tmp_path, "IMG_2.JPG")
    (tmp_path / "IMG_2.XMP").write_bytes(xmp_packet("<dc:title>" + alt("Ana Lee") + "</dc:title>"))
    result = read_caption_fields(path, tmp_path)
    assert texts(result, "sidecar:IMG_2.XMP") == ["Ana Lee"]


def test_file_name_and_folders_below_the_scanned_root(tmp_path: Path) -> None:
    root = tmp_path / "Liam O'Brien uploads"  # the root itself is not checked
    path = photo(root / "Field Day" / "Ana Lee", "LiamOBrien_field_day.jpg")
    result = read_caption_fields(path, root)
    assert [(f.field, f.text) for f in result.fields] == [
        ("filename", "LiamOBrien_field_day.jpg"),
        ("folder", "Field Day"),
        ("folder", "Ana Lee"),
    ]
    assert all(f.is_path_name for f in result.fields)


def test_without_a_root_only_the_file_name_is_checked(tmp_path: Path) -> None:
    path = photo(tmp_path / "Ana Lee")
    assert [f.field for f in read_caption_fields(path, None).fields] == ["filename"]


def test_file_outside_the_root_gets_no_folder_fields(tmp_path: Path) -> None:
    path = photo(tmp_path / "a" / "Ana Lee")
    fields = read_caption_fields(path, tmp_path / "elsewhere").fields
    assert [f.field for f in fields] == ["filename"]


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    result = read_caption_fields(tmp_path / "gone.jpg", tmp_path)
    assert [e.field for e in result.errors] == ["file"]


def test_container_is_recognised_by_content_not_extension(tmp_path: Path) -> None:
    buf = io.BytesIO()
    info = Image.Exif()
    info[270] = "Liam O'Brien"
    Image.new("RGB", (8, 8)).save(buf, "PNG", exif=info.tobytes())
    result = read_file(tmp_path, "really_a_png.jpg", buf.getvalue())
    assert texts(result, "EXIF:ImageDescription") == ["Liam O'Brien"]


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"II*\x00\x08\x00\x00\x00", "TIFF"),
        (b"MM\x00*\x00\x00\x00\x08", "TIFF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"),
        (b"\x00\x00\x00\x18ftypheic", "HEIF"),
        (b"\x00\x00\x00\x18ftypavif", "HEIF"),
        (b"\x00\x00\x00\x18ftypmp42", "MP4"),
        (b"\x00\x00\x00\x14ftypqt  ", "MP4"),
        (b"\x00\x00\x00\x08wide", "MP4"),
        (b"GIF89a", "GIF"),
        (b"GIF87a", "GIF"),
        (b"BM6\x00\x00\x00", None),
        (b"", None),
    ],
)
def test_container_kind(head: bytes, kind: str | None) -> None:
    assert container_kind(head) == kind


def test_unknown_container_gets_path_names_and_sidecars_only(tmp_path: Path) -> None:
    path = tmp_path / "Ana Lee.bmp"
    path.write_bytes(b"BM" + b"\x00" * 20)
    (tmp_path / "Ana Lee.txt").write_text("caption")
    result = read_caption_fields(path, tmp_path)
    assert [f.field for f in result.fields] == ["filename", "sidecar:Ana Lee.txt"]
    assert result.errors == ()


def test_gif_comment_and_xmp(tmp_path: Path) -> None:
    packet = xmp_packet("<dc:description>" + alt("Liam O'Brien") + "</dc:description>")
    data = gif_with("Zoë Martínez at the art show".encode(), packet)
    result = read_file(tmp_path, "a.gif", data)
    assert texts(result, "GIF:Comment") == ["Zoë Martínez at the art show"]
    assert texts(result, "XMP:dc:description") == ["Liam O'Brien"]
    assert result.errors == ()
    assert Image.open(io.BytesIO(data)).size == (8, 8)  # still a GIF a decoder reads


def test_a_cut_short_gif_is_an_error_not_a_clean_file(tmp_path: Path) -> None:
    data = gif_with(b"Liam O'Brien")
    result = read_file(tmp_path, "a.gif", data[:-12])
    assert [e.field for e in result.errors] == ["GIF"]
    assert "ends before its trailer" in result.errors[0].detail


def test_jpeg_comment_segment(tmp_path: Path) -> None:
    result = read_file(tmp_path, "a.jpg", jpeg_with(segment(0xFE, b"Emily Johnson")))
    assert texts(result, "JPEG:Comment") == ["Emily Johnson"]


def test_truncated_jpeg_header_is_an_error(tmp_path: Path) -> None:
    data = jpeg_with(exif_segment({"0th": {piexif.ImageIFD.ImageDescription: b"Ana Lee"}}))
    result = read_file(tmp_path, "a.jpg", data[:40])
    assert "JPEG" in [e.field for e in result.errors]


def test_metadata_after_the_image_data_is_not_read(tmp_path: Path) -> None:
    data = plain_jpeg() + segment(0xFE, b"after the end")
    result = read_file(tmp_path, "a.jpg", data)
    assert texts(result, "JPEG:Comment") == [] and result.errors == ()


def test_heic_exif_and_xmp(tmp_path: Path) -> None:
    heif = pillow_heif.from_pillow(Image.new("RGB", (64, 64), (200, 10, 10)))
    path = tmp_path / "IMG_0042.HEIC"
    heif.save(
        str(path),
        exif=piexif.dump({"0th": {piexif.ImageIFD.ImageDescription: b"Liam O'Brien"}}),
        xmp=xmp_packet("<dc:description>" + alt("Ana Lee") + "</dc:description>"),
    )
    result = read_caption_fields(path, tmp_path)
    assert embedded(result) == {
        "EXIF:ImageDescription": ["Liam O'Brien"],
        "XMP:dc:description": ["Ana Lee"],
    }
    assert result.errors == ()


def test_damaged_heic_is_an_error(tmp_path: Path) -> None:
    result = read_file(tmp_path, "x.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40)
    assert [e.field for e in result.errors] == ["HEIF"]


def test_webp_exif_and_xmp(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(
        buf,
        "WEBP",
        exif=piexif.dump({"0th": {piexif.ImageIFD.ImageDescription: b"Grace Hall"}}),
        xmp=xmp_packet("<dc:title>" + alt("Will Smith") + "</dc:title>"),
    )
    result = read_file(tmp_path, "a.webp", buf.getvalue())
    assert embedded(result) == {
        "EXIF:ImageDescription": ["Grace Hall"],
        "XMP:dc:title": ["Will Smith"],
    }


def test_whole_file_every_place_a_full_name_hides(tmp_path: Path) -> None:
    """What the scan does: read every field, look for full names in each."""
    index = NameIndex([Student("1001", "O'Brien", "Liam"), Student("1002", "Lee", "Ana")])
    folder = tmp_path / "Spring" / "Ana_Lee"
    folder.mkdir(parents=True)
    data = jpeg_with(
        exif_segment({"0th": {piexif.ImageIFD.ImageDescription: b"Liam O'Brien's volcano"}}),
        app13(resource(0x0404, iim([(2, 120, b"Great job Liam!")]))),
        xmp_segment(
            xmp_packet("<dc:subject><rdf:Bag><rdf:li>OBRIEN, Liam</rdf:li></rdf:Bag></dc:subject>")
        ),
    )
    path = folder / "liam-obrien-2.jpg"
    path.write_bytes(data)
    found = [
        (f.field, m.student_id, m.start, m.end)
        for f in read_caption_fields(path, tmp_path).fields
        for m in index.find(f.text, file_name=f.is_path_name)
    ]
    assert found == [
        ("filename", "1001", 0, 11),
        ("folder", "1002", 0, 7),
        ("EXIF:ImageDescription", "1001", 0, 12),
        ("XMP:dc:subject", "1001", 0, 12),
    ]


def test_caption_field_knows_path_names() -> None:
    assert CaptionField("folder", "x").is_path_name
    assert not CaptionField("EXIF:ImageDescription", "x").is_path_name
