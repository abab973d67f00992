"""A safe copy made and rescanned clear, waiting to be looked at and saved.

:func:`~photoguard.safecopy.make.make_safe_copy` renders the copy into a private
temporary folder and describes it with a :class:`SafeCopyPreview`, so the app can
show it beside the original before anything is saved;
:func:`~photoguard.safecopy.save.save_safe_copy` then keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photoguard.media import Kind
from photoguard.roster.model import Student
from photoguard.safecopy.faces import CoveredFace
from photoguard.safecopy.leftovers import release
from photoguard.safecopy.metadata import FieldChange
from photoguard.safecopy.text import CoveredText
from photoguard.scan.verdict import Assessment


@dataclass(frozen=True)
class SafeCopyPreview:
    """A safe copy made and rescanned clear, waiting in a temporary folder to be saved.

    ``path`` is the copy itself (show it beside ``source``); call
    :func:`~photoguard.safecopy.save.save_safe_copy` to keep it, and :meth:`discard`
    (or use ``with``) to remove the temporary folder.
    """

    source: Path
    source_sha256: str
    kind: Kind
    #: The copy, in a private temporary folder, already under its final file name.
    path: Path
    copy_sha256: str
    style: str
    #: Which cover strength was needed (0 = the first; see safecopy/cover.py LEVELS).
    level: int
    width: int
    height: int
    faces: tuple[CoveredFace, ...]
    #: What happened to each field of the original's metadata and to its file name.
    fields: tuple[FieldChange, ...]
    #: What the original had that the copy does not, in plain words ("GPS location", ...).
    removed: tuple[str, ...]
    #: The rescan of the copy: always ``clear`` (no preview is made otherwise).
    rescan: Assessment
    #: Videos: False (OpenCV writes pictures only). Photos: None.
    audio_kept: bool | None
    #: Plain sentences the person saving the copy should read.
    notes: tuple[str, ...]
    coverage_gaps: tuple[Student, ...] = ()
    roster_version: str = ""
    #: Videos: frames written, and a moment worth showing (the first covered face).
    frames: int = 0
    preview_time_s: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    #: Photos: lines of text with a full name written in the picture, covered (text.py).
    texts: tuple[CoveredText, ...] = ()

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def faces_covered(self) -> int:
        return len(self.faces)

    @property
    def names_rewritten(self) -> tuple[FieldChange, ...]:
        return tuple(f for f in self.fields if f.student_ids)

    def discard(self) -> None:
        """Remove the temporary copy (safe to call twice, and after saving)."""
        release(self.path.parent)

    def __enter__(self) -> SafeCopyPreview:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()
