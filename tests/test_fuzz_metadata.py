"""Arbitrary and damaged bytes never crash a reader, and the matcher never crashes on any text.

Each reader gets random bytes behind the right signature, and real samples with
bytes flipped, cut or inserted. "Never crashes" means: no exception, and every
result is a well-formed field or error. Bounded so the file runs in seconds.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import piexif
import piexif.helper
from fuzzing import FUZZ
from hypothesis import given
from hypothesis import strategies as st
from test_metadata_samples import (
    UTF8_CHARSET,
    alt,
    app13,
    bag,
    box,
    data_box,
    exif_segment,
    gif_with,
    iim,
    itunes_udta,
    jpeg_with,
    mp4_file,
    resource,
    segment,
    xmp_packet,
    xmp_segment,
)

from photoguard.metadata import exif, iptc, read_embedded, xmp
from photoguard.metadata.fields import CaptionField, Collector, FieldError
from photoguard.roster.first_names import first_name_only
from photoguard.roster.model import Student
from photoguard.roster.names import NameIndex


@st.composite
def mutated(draw: st.DrawFn, sample: bytes) -> bytes:
    """``sample`` with a few bytes changed, a slice cut out or inserted, or cut short."""
    data = bytearray(sample)
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    action = draw(st.sampled_from(["none", "cut", "insert", "truncate"]))
    if action == "cut" and data:
        i = draw(st.integers(0, len(data) - 1))
        del data[i : i + draw(st.integers(1, 64))]
    elif action == "insert":
        i = draw(st.integers(0, len(data)))
        data[i:i] = draw(st.binary(max_size=64))
    elif action == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def check(out: Collector) -> None:
    assert all(isinstance(f, CaptionField) and isinstance(f.text, str) for f in out.fields)
    assert all(isinstance(e, FieldError) and e.field and e.detail for e in out.errors)


def run_container(data: bytes) -> None:
    out = Collector()
    read_embedded(io.BytesIO(data), len(data), out)
    check(out)
    # read_embedded turns a reader's unexpected exception into an error: none may happen.
    assert not [e for e in out.errors if e.detail.startswith("metadata could not be read")]


def run_block(reader: Callable[[bytes, Collector], None], data: bytes) -> None:
    out = Collector()
    reader(data, out)
    check(out)


def run_tiff(data: bytes) -> None:
    out = Collector()
    exif.read_tiff(io.BytesIO(data), 0, len(data), out)
    check(out)


# --- samples ------------------------------------------------------------------------

EXIF_BLOCK = piexif.dump(
    {
        "0th": {
            piexif.ImageIFD.ImageDescription: b"Liam O'Brien",
            piexif.ImageIFD.XPTitle: "Ana Lee".encode("utf-16le"),
        },
        "Exif": {piexif.ExifIFD.UserComment: piexif.helper.UserComment.dump("Zoe", "unicode")},
    }
)[6:]
IIM = iim([UTF8_CHARSET, (2, 120, b"Grace Hall"), (2, 25, b"kw"), (2, 105, b"Headline")])
PHOTOSHOP = b"".join([resource(0x03ED, b"\x00" * 16), resource(0x0404, IIM)])
PACKET = xmp_packet(
    "<dc:description>" + alt("Liam O'Brien") + "</dc:description>"
    "<dc:subject>" + bag("a", "b") + "</dc:subject>",
    attributes='photoshop:Headline="h"',
)
JPEG = jpeg_with(
    exif_segment({"0th": {piexif.ImageIFD.ImageDescription: b"Liam O'Brien"}}),
    app13(resource(0x0404, IIM)),
    xmp_segment(PACKET),
    segment(0xFE, b"comment"),
)


GIF = gif_with(b"Liam O'Brien", PACKET)


def _png() -> bytes:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "Liam O'Brien")
    info.add_text("Title", "Zoe", zip=True)
    info.add_itxt("Comment", "Ana", zip=True)
    info.add_itxt("XML:com.adobe.xmp", PACKET.decode())
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


PNG = _png()
MP4 = mp4_file(
    itunes_udta(box(b"\xa9nam", data_box("Liam O'Brien")), box(b"desc", data_box("d", 2))),
    box(b"udta", box(b"\xa9cmt", b"\x00\x03\x15\xc7abc"), box(b"XMP_", PACKET)),
)


# --- readers ------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=4096))
def test_jpeg_reader_survives_random_bytes(data: bytes) -> None:
    run_container(b"\xff\xd8" + data)


@FUZZ
@given(mutated(JPEG))
def test_jpeg_reader_survives_damaged_files(data: bytes) -> None:
    run_container(data)


@FUZZ
@given(st.binary(max_size=2048))
def test_gif_reader_survives_random_bytes(data: bytes) -> None:
    run_container(b"GIF89a" + data)


@FUZZ
@given(mutated(GIF))
def test_gif_reader_survives_damaged_files(data: bytes) -> None:
    run_container(data)


@FUZZ
@given(st.binary(max_size=2048))
def test_exif_reader_survives_random_bytes(data: bytes) -> None:
    run_tiff(b"II*\x00" + data)
    run_tiff(b"MM\x00*" + data)


@FUZZ
@given(mutated(EXIF_BLOCK))
def test_exif_reader_survives_damaged_blocks(data: bytes) -> None:
    run_tiff(data)


@FUZZ
@given(st.binary(max_size=64))
def test_user_comment_decoder_survives_any_bytes(data: bytes) -> None:
    for prefix in (b"ASCII\0\0\0", b"UNICODE\0", b"JIS\0\0\0\0\0", b"\0" * 8, b""):
        assert isinstance(exif.decode_user_comment(prefix + data, big_endian=True), str)
        assert isinstance(exif.decode_user_comment(prefix + data, big_endian=False), str)


@FUZZ
@given(st.binary(max_size=1024))
def test_iptc_readers_survive_random_bytes(data: bytes) -> None:
    run_block(iptc.read_iim, b"\x1c" + data)
    run_block(iptc.read_photoshop, b"8BIM" + data)


@FUZZ
@given(mutated(PHOTOSHOP))
def test_iptc_reader_survives_damaged_resources(data: bytes) -> None:
    run_block(iptc.read_photoshop, data)


@FUZZ
@given(st.one_of(mutated(PACKET), st.binary(max_size=512)))
def test_xmp_reader_survives_damaged_packets(data: bytes) -> None:
    run_block(xmp.read_xmp, data)


@FUZZ
@given(st.text(alphabet=st.sampled_from('<>/="&;! ?abcx:rdfli\n'), max_size=300))
def test_xmp_reader_survives_xml_like_text(text: str) -> None:
    run_block(xmp.read_xmp, text.encode())


@FUZZ
@given(st.binary(max_size=2048))
def test_png_reader_survives_random_bytes(data: bytes) -> None:
    run_container(b"\x89PNG\r\n\x1a\n" + data)


@FUZZ
@given(mutated(PNG))
def test_png_reader_survives_damaged_files(data: bytes) -> None:
    run_container(data)


@FUZZ
@given(st.binary(max_size=2048))
def test_mp4_reader_survives_random_bytes(data: bytes) -> None:
    run_container(b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00" + data)


@FUZZ
@given(mutated(MP4))
def test_mp4_reader_survives_damaged_files(data: bytes) -> None:
    run_container(data)


@FUZZ
@given(st.binary(max_size=1024))
def test_webp_reader_survives_random_bytes(data: bytes) -> None:
    run_container(b"RIFF" + len(data).to_bytes(4, "little") + b"WEBP" + data)


# --- the matcher --------------------------------------------------------------------

INDEX = NameIndex(
    [
        Student("1", "O'Brien", "Liam"),
        Student("2", "Delgado-Ruiz", "Sofía"),
        Student("3", "Van der Berg", "Anna"),
        Student("4", "St. Pierre", "Marie", preferred_name="Mimi"),
        Student("5", "Martínez", "Zoë"),
        Student("6", "Lee", "Ana"),
        Student("7", "O", "Bo"),
    ]
)
NAMEISH = st.sampled_from(
    ["Liam", "O'Brien", "OBrien", "O", "Brien", "Zoë", "Martínez", "Ana", "Lee", "Van", "der",
     "Berg", "St.", "Pierre", "Saint", "Mimi", "Bo", "'s", "-", ",", " ", "  ", "\u0301", "ß",
     "🎉", "ﬁ", "İ", "_", ".", "\n", "LIAM", "Sofia", "Delgado", "Ruiz"]
)  # fmt: skip


@FUZZ
@given(st.one_of(st.text(max_size=200), st.lists(NAMEISH, max_size=30).map("".join)))
def test_matcher_spans_always_index_the_original_text(text: str) -> None:
    for file_name in (False, True):
        matches = INDEX.find(text, file_name=file_name)
        for m in matches:
            assert 0 <= m.start < m.end <= len(text)
            assert text[m.start : m.end] == m.matched
            assert m.start <= m.first_span[0] < m.first_span[1] <= m.end
            assert m.start <= m.last_span[0] < m.last_span[1] <= m.end
        for style in ("initial", "remove"):
            assert isinstance(first_name_only(text, matches, style), str)


SAFE = st.text(alphabet=st.sampled_from(" .,!?;:()0123456789\n"), max_size=20)


@FUZZ
@given(SAFE, SAFE, st.sampled_from(["Liam O'Brien", "liam obrien", "O'Brien, Liam", "Ana Lee"]))
def test_a_full_name_between_punctuation_is_always_found(
    before: str, after: str, name: str
) -> None:
    text = f"{before} {name} {after}"
    assert [m.matched for m in INDEX.find(text)] == [name]
