"""The file's own name, and the names of its folders below the scanned folder."""

from __future__ import annotations

from pathlib import Path

from photoguard.metadata.fields import Collector


def read_path_names(path: Path, root: Path | None, out: Collector) -> None:
    """``filename`` is the whole name ("LiamOBrien_field_day.jpg"); each folder between
    ``root`` and the file is a ``folder`` field. The root itself is not checked."""
    out.text("filename", path.name)
    if root is None:
        return
    try:
        relative = path.parent.relative_to(root)
    except ValueError:
        try:
            relative = path.resolve().parent.relative_to(root.resolve())
        except (ValueError, OSError):
            return
    for part in relative.parts:
        out.text("folder", part)
