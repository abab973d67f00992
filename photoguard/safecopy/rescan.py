"""The rescan a safe copy must come out clear of, before it is offered.

The copy is checked at once with the scan's own detector, matcher and verdict
(videos on every frame, not the scan's samples). A face still recognised is
fixed by covering again, larger and stronger (safecopy/cover.py ``LEVELS``);
anything else the rescan finds (a full name left in a caption, a part that could
not be checked), or a face still recognised under the strongest cover, means no
copy is offered.
"""

from __future__ import annotations

from pathlib import Path

from photoguard.errors import UserError
from photoguard.faces.match import ReferenceSet
from photoguard.metadata import CaptionFields, read_caption_fields, read_failing_closed
from photoguard.roster.names import NameIndex
from photoguard.safecopy.faces import FACE_FINDINGS
from photoguard.safecopy.video import VideoScan
from photoguard.scan.analysis import FaceHit, FileAnalysis
from photoguard.scan.verdict import TEXT_IN_PICTURE, Assessment, assess


def read_captions(path: Path) -> CaptionFields:
    """The captions of the original or of the copy; a reader that raises fails closed."""
    return read_failing_closed(lambda: read_caption_fields(path, path.parent))


def assess_copy(
    copy: Path,
    analysis: FileAnalysis,
    references: ReferenceSet,
    names: NameIndex,
) -> Assessment:
    """The scan's verdict on the copy, from its pictures (``analysis``) and its captions."""
    return assess(analysis, read_captions(copy), references, names)


def video_analysis(scanned: VideoScan, fps: float) -> FileAnalysis:
    """A video copy's every-frame scan, in the form the scan's verdict reads."""
    return FileAnalysis(
        kind="video",
        width=scanned.width,
        height=scanned.height,
        frames_checked=scanned.frames_checked,
        duration_s=scanned.frames_read / fps,
        faces=tuple(
            FaceHit(f.box, f.encoding, round(f.frame / fps, 2), profile=f.profile)
            for f in scanned.faces
        ),
    )


def refuse_unless_coverable(source: Path, rescan: Assessment, last_level: bool) -> None:
    """Raise if the rescan found something that a stronger cover cannot fix."""
    others = [
        f
        for f in rescan.findings
        if f.type not in FACE_FINDINGS and f.field != TEXT_IN_PICTURE  # text: covered again
    ]
    if others:
        first = others[0]
        where = f" in {first.field}" if first.field else ""
        raise UserError(
            f"the safe copy of {source.name} did not rescan clear ({first.type}{where}: "
            f"{first.detail or rescan.reason}); no copy was made"
        )
    if last_level and any(f.field == TEXT_IN_PICTURE for f in rescan.findings):
        raise UserError(
            f"a full name written in the safe copy of {source.name} could still be read under "
            "a solid cover; no copy was made"
        )
    if last_level:
        raise UserError(
            f"a face in the safe copy of {source.name} was still recognised after the "
            f"strongest cover ({rescan.reason}); no copy was made. Try --style box"
        )
