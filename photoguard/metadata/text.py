"""Turning the bytes of a metadata field into text when its encoding is not declared."""

from __future__ import annotations

import codecs


def decode_text(data: bytes) -> str:
    """UTF-8 (what most tools write, even where a standard says ASCII), else Windows-1252.

    A byte-order mark wins: UTF-8 or UTF-16 as marked.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_utf16(data: bytes, big_endian: bool) -> str:
    """UTF-16 whose byte order is uncertain: a BOM, else whichever order puts the zero
    bytes of Latin text where they belong, else ``big_endian``."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data[: len(data) & ~1].decode("utf-16", errors="replace")
    data = data[: len(data) & ~1]
    zeros_high = data[1::2].count(0)  # little-endian Latin text: every second byte is 0
    zeros_low = data[0::2].count(0)
    if zeros_high != zeros_low:
        big_endian = zeros_low > zeros_high
    return data.decode("utf-16-be" if big_endian else "utf-16-le", errors="replace")
