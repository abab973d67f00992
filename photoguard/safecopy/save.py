"""Saving a previewed safe copy, and its record in the approval log.

:func:`save_safe_copy` writes the copy to the chosen folder (never the
original's folder, never over an existing file), reads it back, and appends one
``safecopy`` record to the approval log with both SHA-256 values and who made
it. The original is only ever read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from photoguard import audit
from photoguard.audit import bodies
from photoguard.errors import UserError
from photoguard.files.hashing import sha256_file
from photoguard.safecopy.leftovers import release, remove_stale_partials, write_partial
from photoguard.safecopy.preview import SafeCopyPreview
from photoguard.vocab import LogAction
from photoguard.workspace.folder import Workspace

#: The log action of a saved safe copy.
ACTION = LogAction.SAFECOPY


@dataclass(frozen=True)
class SavedCopy:
    path: Path
    sha256: str
    record_seq: int
    record_hash: str


def _clean_by(by: str) -> str:
    name = " ".join(by.split())
    if not name:
        raise UserError("say who is making the copy (--by NAME)")
    if any(ord(c) < 32 for c in by if c not in " \t"):
        raise UserError("the name of who is making the copy must be one line")
    return name


def check_destination(source: Path, out_dir: Path, name: str | None = None) -> Path:
    """The folder (and file) a copy may be written to; raises UserError if it may not."""
    try:
        same = out_dir.resolve() == source.resolve().parent
    except OSError:
        same = False
    if same:
        raise UserError(
            f"a safe copy is never written into the folder it is copied from ({out_dir}); "
            "choose another output folder"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir} is not a folder")
    if name is not None and (out_dir / name).exists():
        raise UserError(f"{out_dir / name} already exists; a safe copy never replaces a file")
    return out_dir / name if name else out_dir


def save_safe_copy(
    ws: Workspace, preview: SafeCopyPreview, out_dir: Path | str, by: str
) -> SavedCopy:
    """Write the previewed copy into ``out_dir`` and record it in the approval log."""
    by = _clean_by(by)
    out_dir = Path(out_dir)
    target = check_destination(preview.source, out_dir, preview.name)
    if (
        not preview.path.is_file()
        or sha256_file(preview.path, regular_only=True) != preview.copy_sha256
    ):
        raise UserError("the previewed copy is no longer there as it was made; make it again")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _place(preview.path, target)
    except FileExistsError as exc:
        raise UserError(f"{target} already exists; a safe copy never replaces a file") from exc
    except OSError as exc:
        raise UserError(f"could not write {target}: {exc.strerror or exc}") from exc
    written = sha256_file(target, regular_only=True)
    if written != preview.copy_sha256:
        target.unlink(missing_ok=True)
        raise UserError(f"{target} did not read back as written; it was removed")
    body = bodies.SafeCopy(
        source_path=str(preview.source.resolve()),
        source_sha256=preview.source_sha256,
        copy_path=str(target.resolve()),
        copy_sha256=written,
        kind=preview.kind,
        faces_covered=preview.faces_covered,
        faces=tuple(f.as_json() for f in preview.faces),
        style=preview.style,
        strength=preview.level,
        names_rewritten=tuple(f.as_json() for f in preview.names_rewritten),
        fields_removed=tuple(sorted({f.field for f in preview.fields if f.action != "rewritten"})),
        removed=tuple(preview.removed),
        by=by,
        rescan={
            "verdict": preview.rescan.verdict,
            "frames_checked": preview.rescan.frames_checked,
            "faces": preview.rescan.faces,
            "reason": preview.rescan.reason,
        },
        roster_version=preview.roster_version,
        settings=preview.settings,
        # Written for videos only, and always False (OpenCV writes pictures only).
        audio_kept=False if preview.kind == "video" else None,
        texts_covered=tuple(t.as_json() for t in preview.texts),
    ).to_json_dict()
    with ws.db.transaction() as tx:
        record = audit.append(tx, ws.school, by, ACTION, body)
    audit.write_head(ws.home, ws.school, record)
    return SavedCopy(target, written, record.seq, record.hash)


def _place(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` without ever replacing a file at ``target``: written
    beside it under a temporary name of its own, flushed, then linked into place. What
    killed saves left in that folder is removed first (safecopy/leftovers.py)."""
    remove_stale_partials(target.parent)
    partial = write_partial(source, target)
    try:
        try:
            os.link(partial, target)
        except FileExistsError:
            raise
        except OSError:  # no hard links here (FAT, some network shares)
            if target.exists():
                raise FileExistsError(str(target)) from None
            os.rename(partial, target)
    finally:
        release(partial)
