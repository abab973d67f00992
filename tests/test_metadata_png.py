"""PNG text chunks (every keyword), XMP in iTXt, EXIF in eXIf, and damaged chunks."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import piexif
from PIL import Image, PngImagePlugin
from test_metadata_samples import alt, embedded, read_file, texts, xmp_packet

from photoguard.metadata import png


def png_bytes(info: PngImagePlugin.PngInfo | None = None, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kwargs: dict[str, object] = {"pnginfo": info} if info else {}
    if exif:
        kwargs["exif"] = exif
    Image.new("RGB", (16, 16), (10, 200, 30)).save(buf, "PNG", **kwargs)
    return buf.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def with_chunks(*chunks: bytes) -> bytes:
    """A real PNG with extra chunks before IEND."""
    data = png_bytes()
    iend = data.rindex(b"IEND") - 4
    return data[:iend] + b"".join(chunks) + data[iend:]


def test_text_chunks_with_any_keyword(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "Liam O'Brien at the science fair")
    info.add_text("Title", "Zoë Martínez", zip=True)  # zTXt
    info.add_text("Author", "Ms. Rivera")
    info.add_itxt("Comment", "Ana Lee ✨", lang="en", tkey="Kommentar")
    info.add_itxt("Caption", "Grace Hall " * 50, zip=True)
    result = read_file(tmp_path, "a.png", png_bytes(info))
    assert embedded(result) == {
        "PNG:tEXt:Description": ["Liam O'Brien at the science fair"],
        "PNG:zTXt:Title": ["Zoë Martínez"],
        "PNG:tEXt:Author": ["Ms. Rivera"],
        "PNG:iTXt:Comment": ["Kommentar", "Ana Lee ✨"],
        "PNG:iTXt:Caption": [("Grace Hall " * 50).strip()],
    }
    assert result.errors == ()


def test_xmp_in_itxt_and_exif_in_exif_chunk(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    packet = xmp_packet("<dc:description>" + alt("Emily Johnson") + "</dc:description>")
    info.add_itxt("XML:com.adobe.xmp", packet.decode("utf-8"))
    exif = piexif.dump({"0th": {piexif.ImageIFD.ImageDescription: b"Will Smith"}})
    result = read_file(tmp_path, "a.png", png_bytes(info, exif=exif))
    assert embedded(result) == {
        "EXIF:ImageDescription": ["Will Smith"],
        "XMP:dc:description": ["Emily Johnson"],
    }


def test_imagemagick_raw_profiles_are_decoded(tmp_path: Path) -> None:
    packet = xmp_packet("<dc:title>" + alt("Liam O'Brien") + "</dc:title>")
    raw = f"\nxmp\n{len(packet):8d}\n{packet.hex()}\n"
    data = with_chunks(chunk(b"tEXt", b"Raw profile type xmp\x00" + raw.encode()))
    assert texts(read_file(tmp_path, "a.png", data), "XMP:dc:title") == ["Liam O'Brien"]


def test_ztxt_that_expands_too_far_is_an_error(tmp_path: Path) -> None:
    bomb = zlib.compress(b"A" * (png.MAX_TEXT_CHUNK + 10), 9)
    data = with_chunks(
        chunk(b"zTXt", b"Comment\x00\x00" + bomb), chunk(b"tEXt", b"Title\x00still read")
    )
    result = read_file(tmp_path, "a.png", data)
    assert [e.field for e in result.errors] == ["PNG:zTXt:Comment"]
    assert texts(result, "PNG:tEXt:Title") == ["still read"]


def test_damaged_compressed_text_is_an_error(tmp_path: Path) -> None:
    data = with_chunks(
        chunk(b"zTXt", b"Comment\x00\x00not zlib"),
        chunk(b"iTXt", b"Caption\x00\x01\x00\x00\x00also not zlib"),
        chunk(b"iTXt", b"Short\x00"),
        chunk(b"tEXt", b"no separator"),
    )
    result = read_file(tmp_path, "a.png", data)
    assert sorted(e.field for e in result.errors) == [
        "PNG:iTXt:Caption",
        "PNG:iTXt:Short",
        "PNG:tEXt:no separator",
        "PNG:zTXt:Comment",
    ]


def test_truncated_png_is_an_error(tmp_path: Path) -> None:
    data = png_bytes()
    result = read_file(tmp_path, "a.png", data[: len(data) // 2])
    assert [e.field for e in result.errors] == ["PNG"]


def test_chunk_claiming_to_run_past_the_file_is_an_error(tmp_path: Path) -> None:
    data = with_chunks(struct.pack(">I", 0x7FFFFFF0) + b"tEXt" + b"Title\x00x")
    result = read_file(tmp_path, "a.png", data)
    assert [e.field for e in result.errors] == ["PNG"]
