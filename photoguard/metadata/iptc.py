"""IPTC IIM captions, as Photoshop and most photo tools store them in a JPEG (APP13).

The APP13 segment holds Photoshop image resources ("8BIM" blocks); resource
0x0404 is the IPTC IIM record, a list of datasets ``0x1C record dataset length value``.
"""

from __future__ import annotations

import struct

from photoguard.metadata.fields import Collector
from photoguard.metadata.text import decode_text

PHOTOSHOP_SIGNATURE = b"Photoshop 3.0\x00"
RESOURCE_SIGNATURES = (b"8BIM", b"MeSa", b"PHUT", b"AgHg", b"DCSR")
IPTC_RESOURCE = 0x0404

#: Record 2 datasets that carry text a person wrote.
DATASETS = {
    5: "IPTC:ObjectName",
    25: "IPTC:Keywords",
    80: "IPTC:By-line",
    105: "IPTC:Headline",
    120: "IPTC:Caption-Abstract",
}
CODED_CHARSET = (1, 90)
UTF8_ESCAPE = b"\x1b%G"


def read_photoshop(data: bytes, out: Collector) -> None:
    """Photoshop image resources (the APP13 payload after its signature)."""
    pos = 0
    while pos + 12 <= len(data):
        sig = data[pos : pos + 4]
        if sig not in RESOURCE_SIGNATURES:
            if not data[pos:].strip(b"\x00"):
                return  # padding
            out.error("IPTC", f"Photoshop resources damaged at byte {pos}")
            return
        (rid,) = struct.unpack(">H", data[pos + 4 : pos + 6])
        name_len = data[pos + 6]
        head = pos + 6 + ((1 + name_len + 1) & ~1)  # Pascal string padded to even length
        if head + 4 > len(data):
            out.error("IPTC", "Photoshop resources end inside a resource header")
            return
        (size,) = struct.unpack(">I", data[head : head + 4])
        body = head + 4
        if body + size > len(data):
            out.error("IPTC", f"Photoshop resource {rid:#06x} runs past the end of its segment")
            return
        if rid == IPTC_RESOURCE:
            read_iim(data[body : body + size], out)
        pos = body + size + (size & 1)


def read_iim(data: bytes, out: Collector) -> None:
    """IPTC IIM datasets; fields read before any damage are kept."""
    charset = b""
    values: list[tuple[str, bytes]] = []
    pos = 0
    while pos < len(data):
        if data[pos] != 0x1C:
            if data[pos:].strip(b"\x00"):
                out.error("IPTC", f"IPTC record damaged at byte {pos}")
            break
        if pos + 5 > len(data):
            out.error("IPTC", "IPTC record ends inside a dataset header")
            break
        record, dataset = data[pos + 1], data[pos + 2]
        (length,) = struct.unpack(">H", data[pos + 3 : pos + 5])
        pos += 5
        if length & 0x8000:  # extended dataset: the length's own length follows
            n = length & 0x7FFF
            if n > 4 or pos + n > len(data):
                out.error("IPTC", f"IPTC dataset {record}:{dataset} has a bad length")
                break
            length = int.from_bytes(data[pos : pos + n], "big")
            pos += n
        if pos + length > len(data):
            name = DATASETS.get(dataset, "IPTC") if record == 2 else "IPTC"
            out.error(name, f"IPTC dataset {record}:{dataset} runs past the end of the record")
            break
        value = data[pos : pos + length]
        pos += length
        if (record, dataset) == CODED_CHARSET:
            charset = value
        elif record == 2 and dataset in DATASETS:
            values.append((DATASETS[dataset], value))
    for name, value in values:
        out.text(name, decode_iim(value, charset))


def decode_iim(value: bytes, charset: bytes) -> str:
    """UTF-8 when 1:90 says so (ESC % G); otherwise UTF-8 if it decodes, else Windows-1252."""
    if UTF8_ESCAPE in charset:
        return value.decode("utf-8", errors="replace")
    return decode_text(value)
