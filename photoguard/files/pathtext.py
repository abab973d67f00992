"""File names as text a person can read and trust.

File names are bytes on Linux and need not be valid UTF-8; they can also hold
bidirectional control characters that make ``gpj.exe`` look like ``exe.jpg``, and
control characters (a newline, a carriage return, an escape sequence) that start a
new line on the terminal or in a report, so a name can fake a line of the summary
("  clear  IMG_1.jpg"). Reports and the app show names through :func:`display`,
which writes undecodable bytes as ``\\xNN`` and bidirectional and other control
characters as a visible marker: ``[U+202E]``, ``[U+000A]``.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePath

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: C0 and C1 control characters (newline, tab, escape, NEL, ...), DEL, and the Unicode
#: line and paragraph separators: each can break a line or drive the terminal.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MARKED = re.compile(f"{BIDI_CONTROLS.pattern}|{CONTROLS.pattern}")
_SURROGATE = re.compile("[\udc80-\udcff]")


def display(text: str | os.PathLike[str]) -> str:
    """Printable, honest text for a file name or path: one line, no hidden direction."""
    s = os.fspath(text)
    s = _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", s)
    return _MARKED.sub(lambda m: f"[U+{ord(m.group()):04X}]", s)


def stored(path: str | os.PathLike[str]) -> str:
    """A path as text every store accepts (valid UTF-8): bytes that are not UTF-8 as
    ``\\xNN``, everything else, bidirectional and other controls included, as it is.
    The one key under which scans, decisions and the approval log record a file."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", os.fspath(path))


def relative(path: PurePath, root: PurePath) -> str:
    """``path`` below ``root`` as a ``/``-separated display string."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = PurePath(path.name)
    return display("/".join(rel.parts))
