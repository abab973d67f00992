"""File names as text a person can read and trust.

File names are bytes on Linux and need not be valid UTF-8; they can also hold
bidirectional control characters that make ``gpj.exe`` look like ``exe.jpg``.
Reports and the app show names through :func:`display`, which writes undecodable
bytes as ``\\xNN`` and bidirectional controls as a visible ``[U+202E]`` marker.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePath

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\udc80-\udcff]")


def display(text: str | os.PathLike[str]) -> str:
    """Printable, honest text for a file name or path."""
    s = os.fspath(text)
    s = _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", s)
    return BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", s)


def stored(path: str | os.PathLike[str]) -> str:
    """A path as text every store accepts (valid UTF-8): bytes that are not UTF-8 as
    ``\\xNN``, everything else, bidirectional controls included, as it is. The one key
    under which scans, decisions and the approval log record a file."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", os.fspath(path))


def has_hidden_characters(text: str | os.PathLike[str]) -> bool:
    s = os.fspath(text)
    return bool(_SURROGATE.search(s) or BIDI_CONTROLS.search(s))


def relative(path: PurePath, root: PurePath) -> str:
    """``path`` below ``root`` as a ``/``-separated display string."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = PurePath(path.name)
    return display("/".join(rel.parts))
