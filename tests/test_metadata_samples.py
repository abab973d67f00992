"""Builders for the metadata test files, written byte by byte like the tools that write them.

EXIF comes from piexif (or a hand-built TIFF block where piexif cannot write the
case, e.g. little-endian), IPTC and XMP segments and MP4 boxes are built here.
The tests at the bottom check that the builders make files real decoders accept.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import piexif
from PIL import Image

from photoguard.metadata import CaptionFields, read_caption_fields

# --- JPEG ---------------------------------------------------------------------------


def plain_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 120, 200)).save(buf, "JPEG")
    data = buf.getvalue()
    # Pillow writes a JFIF APP0 only; strip nothing, the metadata goes after SOI.
    return data


def segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with(*segments: bytes) -> bytes:
    """A real JPEG with the given segments right after SOI."""
    data = plain_jpeg()
    return data[:2] + b"".join(segments) + data[2:]


def exif_segment(exif_dict: dict[str, dict[int, object]]) -> bytes:
    """APP1 "Exif" written by piexif."""
    return segment(0xE1, piexif.dump(exif_dict))


def tiff_block(
    ifd0: dict[int, tuple[int, bytes]],
    exif_ifd: dict[int, tuple[int, bytes]] | None = None,
    big_endian: bool = False,
    counts: dict[int, int] | None = None,
) -> bytes:
    """A TIFF structure by hand: IFD0 (and an Exif IFD), values as (type, raw bytes).

    ``counts`` overrides the declared count of a tag (to write damaged files).
    """
    bo = ">" if big_endian else "<"
    head = (b"MM" if big_endian else b"II") + struct.pack(bo + "HI", 42, 8)
    ifd0 = dict(ifd0)
    if exif_ifd is not None:
        ifd0[0x8769] = (4, b"\x00\x00\x00\x00")  # patched below
    sizes = {1: 1, 2: 1, 7: 1, 3: 2, 4: 4}
    counts = counts or {}

    def layout(entries: dict[int, tuple[int, bytes]], at: int) -> tuple[bytes, bytes, int]:
        n = len(entries)
        data_at = at + 2 + 12 * n + 4
        table = struct.pack(bo + "H", n)
        blob = b""
        for tag in sorted(entries):
            typ, raw = entries[tag]
            count = counts.get(tag, len(raw) // sizes[typ])
            if len(raw) <= 4:
                field = raw.ljust(4, b"\x00")
            else:
                field = struct.pack(bo + "I", data_at + len(blob))
                blob += raw + (b"\x00" if len(raw) % 2 else b"")
            table += struct.pack(bo + "HHI", tag, typ, count) + field
        table += b"\x00\x00\x00\x00"
        return table, blob, data_at + len(blob)

    if exif_ifd is None:
        table, blob, _ = layout(ifd0, 8)
        return head + table + blob
    # IFD0 first, then the Exif IFD after IFD0's data.
    table0, blob0, end0 = layout(ifd0, 8)
    ifd0[0x8769] = (4, struct.pack(bo + "I", end0))
    table0, blob0, end0 = layout(ifd0, 8)
    table1, blob1, _ = layout(exif_ifd, end0)
    return head + table0 + blob0 + table1 + blob1


def ascii_value(text: str) -> tuple[int, bytes]:
    return (2, text.encode("utf-8") + b"\x00")


def undefined_value(raw: bytes) -> tuple[int, bytes]:
    return (7, raw)


# --- IPTC ---------------------------------------------------------------------------


def iim(datasets: Iterable[tuple[int, int, bytes]]) -> bytes:
    out = b""
    for record, dataset, value in datasets:
        if len(value) < 0x8000:
            out += struct.pack(">BBBH", 0x1C, record, dataset, len(value)) + value
        else:  # extended dataset: 4-byte length
            out += struct.pack(">BBBHI", 0x1C, record, dataset, 0x8004, len(value)) + value
    return out


def resource(rid: int, data: bytes, name: bytes = b"") -> bytes:
    pascal = bytes([len(name)]) + name
    if len(pascal) % 2:
        pascal += b"\x00"
    return (
        b"8BIM"
        + struct.pack(">H", rid)
        + pascal
        + struct.pack(">I", len(data))
        + data
        + (b"\x00" if len(data) % 2 else b"")
    )


def app13(*resources: bytes) -> bytes:
    return segment(0xED, b"Photoshop 3.0\x00" + b"".join(resources))


UTF8_CHARSET = (1, 90, b"\x1b%G")

# --- XMP ----------------------------------------------------------------------------

NAMESPACES = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "stArea": "http://ns.adobe.com/xmp/sType/Area#",
    "MP": "http://ns.microsoft.com/photo/1.2/",
    "MPRI": "http://ns.microsoft.com/photo/1.2/t/RegionInfo#",
    "MPReg": "http://ns.microsoft.com/photo/1.2/t/Region#",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
}


def xmp_packet(description: str, attributes: str = "") -> bytes:
    """An XMP packet as Adobe tools write it, with ``description`` inside rdf:Description."""
    ns = " ".join(f'xmlns:{k}="{v}"' for k, v in NAMESPACES.items() if k not in ("x", "rdf"))
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="{NAMESPACES["rdf"]}">'
        f'<rdf:Description rdf:about="" {ns} {attributes}>{description}</rdf:Description>'
        "</rdf:RDF></x:xmpmeta>\n" + " " * 200 + '\n<?xpacket end="w"?>'
    ).encode("utf-8")


def xmp_segment(packet: bytes) -> bytes:
    return segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet)


def alt(text: str) -> str:
    return f'<rdf:Alt><rdf:li xml:lang="x-default">{text}</rdf:li></rdf:Alt>'


def bag(*items: str) -> str:
    return "<rdf:Bag>" + "".join(f"<rdf:li>{i}</rdf:li>" for i in items) + "</rdf:Bag>"


# --- MP4 ----------------------------------------------------------------------------


def box(kind: bytes, *children: bytes) -> bytes:
    payload = b"".join(children)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, *children: bytes) -> bytes:
    return box(kind, b"\x00\x00\x00\x00", *children)


def data_box(text: str, type_indicator: int = 1) -> bytes:
    value = text.encode("utf-16-be" if type_indicator == 2 else "utf-8")
    return box(b"data", struct.pack(">II", type_indicator, 0), value)


def hdlr(handler: bytes) -> bytes:
    return full_box(b"hdlr", b"\x00" * 4, handler, b"\x00" * 12, b"\x00")


def mp4_file(*moov_children: bytes, top: Sequence[bytes] = ()) -> bytes:
    ftyp = box(b"ftyp", b"isom", b"\x00\x00\x02\x00", b"isommp41")
    return ftyp + box(b"moov", *moov_children) + b"".join(top) + box(b"mdat", b"\x00" * 64)


def itunes_udta(*items: bytes) -> bytes:
    return box(b"udta", full_box(b"meta", hdlr(b"mdir"), box(b"ilst", *items)))


# --- reading ------------------------------------------------------------------------


def read_file(tmp_path: Path, name: str, data: bytes) -> CaptionFields:
    path = tmp_path / name
    path.write_bytes(data)
    return read_caption_fields(path, tmp_path)


def texts(result: CaptionFields, field: str) -> list[str]:
    return [f.text for f in result.fields if f.field == field]


def embedded(result: CaptionFields) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in result.fields:
        if f.field not in ("filename", "folder"):
            out.setdefault(f.field, []).append(f.text)
    return out


# --- the builders make real files ---------------------------------------------------


def test_built_jpeg_with_every_segment_still_decodes() -> None:
    data = jpeg_with(
        exif_segment({"0th": {piexif.ImageIFD.ImageDescription: b"x"}}),
        app13(resource(0x0404, iim([(2, 120, b"caption")]))),
        xmp_segment(xmp_packet("<dc:title>" + alt("t") + "</dc:title>")),
    )
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        assert im.size == (16, 16)
        assert im.getexif()[270] == "x"


def test_hand_built_tiff_block_reads_back_in_pillow() -> None:
    block = tiff_block(
        {270: ascii_value("Hand built")}, {0x9286: undefined_value(b"ASCII\0\0\0hi")}
    )
    exif = Image.Exif()
    exif.load(b"Exif\x00\x00" + block)
    assert exif[270] == "Hand built"
    assert exif.get_ifd(0x8769)[0x9286].endswith(b"hi")


def gif_with(comment: bytes | None = None, packet: bytes | None = None) -> bytes:
    """A small GIF (Pillow's) with a comment and/or an XMP packet as Adobe tools store it:
    the "XMP DataXMP" application extension, the packet raw, then the 258-byte trailer."""
    buf = io.BytesIO()
    Image.new("P", (8, 8), 3).save(buf, "GIF", **({"comment": comment} if comment else {}))
    data = buf.getvalue()
    if packet is None:
        return data
    trailer = bytes([1, *range(255, -1, -1)]) + b"\x00"
    extension = b"!\xff\x0bXMP DataXMP" + packet + trailer
    return data[:-1] + extension + data[-1:]  # before the ';' that ends the file
