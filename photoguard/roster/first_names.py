"""Full names cut down to first names (policy 3.f.3: first names only).

Used where photoguard writes text for staff to post: the captions command's
suggestion, the app's caption check, and the metadata of a safe copy. The names
to cut are the findings of :class:`photoguard.roster.names.NameIndex`.
"""

from __future__ import annotations

from typing import Literal

from photoguard.roster.names import NameMatch

#: How a last name is cut: to its initial ("Liam O.") or away ("Liam").
Style = Literal["initial", "remove"]


def first_name_only(text: str, matches: list[NameMatch], style: Style = "initial") -> str:
    """The text with each full name cut down to the first name.

    "Liam O'Brien's project" -> "Liam O.'s project" (initial) or "Liam's project" (remove).
    Where two matches overlap, the one that starts first (then the longer) is rewritten.
    """
    if style not in ("initial", "remove"):
        raise ValueError(f"unknown rewrite style {style!r}")
    out: list[str] = []
    pos = 0
    for m in sorted(matches, key=lambda m: (m.start, -m.end)):
        if m.start < pos or not (0 <= m.start < m.end <= len(text)):
            continue
        out.append(text[pos : m.start])
        out.append(text[m.first_span[0] : m.first_span[1]])
        if style == "initial":
            initial = next((c for c in text[m.last_span[0] : m.last_span[1]] if c.isalnum()), "")
            if initial:
                dot = "" if text[m.end : m.end + 1] == "." else "."
                out.append(f" {initial.upper()}{dot}")
        pos = m.end
    out.append(text[pos:])
    return "".join(out)
