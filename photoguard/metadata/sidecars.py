"""Files next to a photo that carry its caption.

- ``IMG_1.xmp`` and ``IMG_1.jpg.xmp``: XMP sidecars (Lightroom, darktable, digiKam).
- ``IMG_1.txt``: a caption saved as text.
- ``IMG_1.jpg.json`` (and ``IMG_1.jpg.supplemental-metadata.json``): Google Takeout,
  whose ``title``, ``description`` and ``people[].name`` are read.

Every text found in a sidecar is reported as the field ``sidecar:<its file name>``.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from photoguard.metadata import xmp
from photoguard.metadata.fields import Collector
from photoguard.metadata.text import decode_text
from photoguard.safeopen import open_regular

#: Largest sidecar read (bytes); a bigger one is reported, not silently skipped.
MAX_SIDECAR = 4 << 20


def sidecar_paths(path: Path) -> Iterator[Path]:
    """Sidecars that exist for ``path``, each once (on a case-insensitive disk
    IMG_1.xmp and IMG_1.XMP are the same file)."""
    seen: set[tuple[int, int]] = set()
    names = [path.stem + ext for ext in (".xmp", ".XMP", ".txt", ".TXT")]
    names += [path.name + ext for ext in (".xmp", ".XMP", ".json", ".supplemental-metadata.json")]
    for name in names:
        candidate = path.with_name(name)
        if name == path.name:
            continue
        try:
            st = candidate.stat()
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        yield candidate


def read_sidecars(path: Path, out: Collector) -> None:
    for sidecar in sidecar_paths(path):
        field = f"sidecar:{sidecar.name}"
        try:
            size = sidecar.stat().st_size
            if size > MAX_SIDECAR:
                out.error(field, f"{size} bytes: too large to check")
                continue
            with open_regular(sidecar) as f:
                data = f.read(MAX_SIDECAR + 1)
        except OSError as exc:
            out.error(field, f"could not be read: {exc.strerror or exc}")
            continue
        suffix = sidecar.suffix.lower()
        if suffix == ".xmp":
            xmp.read_xmp(data, out, field=field)
        elif suffix == ".json":
            _takeout(data, field, out)
        else:
            out.text(field, decode_text(data))


def _takeout(data: bytes, field: str, out: Collector) -> None:
    try:
        doc: Any = json.loads(decode_text(data))
    except (ValueError, RecursionError) as exc:
        out.error(field, f"not valid JSON ({exc})")
        return
    if not isinstance(doc, dict):
        out.error(field, "not a Google Takeout metadata file (no JSON object)")
        return
    for key in ("title", "description"):
        value = doc.get(key)
        if isinstance(value, str):
            out.text(field, value)
    people = doc.get("people")
    if isinstance(people, list):
        for person in people:
            if isinstance(person, dict) and isinstance(person.get("name"), str):
                out.text(field, person["name"])
