"""Which text in a photo a safe copy covers: every line read in the picture that holds
a student's full name, or text one letter from one (the scan's own rules, names.py and
near_names.py), under a solid box whatever the face style: a blurred name can still be
read, and a box says plainly that something was covered. The box is the text's box
grown by :data:`TEXT_MARGIN` of its height on every side (the reader's box is tight,
and the tops of tall letters and descenders must go too); the copy is rescanned, and
text still read there is covered in turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from photoguard.faces.detect import Box
from photoguard.roster.names import NameIndex
from photoguard.roster.near_names import near_full_names
from photoguard.safecopy.cover import Region
from photoguard.scan.analysis import TextHit

#: Share of the text box's height added on every side of it.
TEXT_MARGIN = 0.35


@dataclass(frozen=True)
class CoveredText:
    """One line of text covered in the copy: where, and whose name it held."""

    box: tuple[int, int, int, int]
    region: tuple[int, int, int, int]
    student_ids: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "box": list(self.box),
            "region": list(self.region),
            "student_ids": list(self.student_ids),
        }


def named_in(text: str, names: NameIndex) -> tuple[str, ...]:
    """The students whose full name (or a reading one letter from it) ``text`` holds."""
    found = [m.student_id for m in names.find(text)]
    found += [n.student_id for n in near_full_names(names, text)]
    return tuple(dict.fromkeys(found))


def text_region(box: Box | tuple[int, int, int, int], width: int, height: int) -> Region:
    left, top, w, h = box.as_tuple() if isinstance(box, Box) else box
    margin = max(2.0, h * TEXT_MARGIN)
    return (
        max(0, int(left - margin)),
        max(0, int(top - margin)),
        min(width, int(left + w + margin + 1)),
        min(height, int(top + h + margin + 1)),
    )


def texts_to_cover(
    texts: tuple[TextHit, ...], names: NameIndex, width: int, height: int
) -> list[CoveredText]:
    """The lines read in a photo that must be covered, with the pixels to cover."""
    out = []
    for hit in texts:
        if hit.time_s is not None:
            continue  # a frame of a video or animation: those copies are made otherwise
        who = named_in(hit.text, names)
        if who:
            region = text_region(hit.box, width, height)
            x0, y0, x1, y1 = region
            out.append(CoveredText(hit.box.as_tuple(), (x0, y0, x1 - x0, y1 - y0), who))
    return out
