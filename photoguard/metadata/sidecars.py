"""Files next to a photo that carry its caption.

- ``IMG_1.xmp`` and ``IMG_1.jpg.xmp``: XMP sidecars (Lightroom, darktable, digiKam).
- ``IMG_1.txt`` and ``IMG_1.jpg.txt``: a caption saved as text.
- Google Takeout's JSON, whose ``title``, ``description`` and ``people[].name`` are
  read, under every name Takeout gives it: ``IMG_1.jpg.json``,
  ``IMG_1.jpg.supplemental-metadata.json`` and its cut-short forms
  (``IMG_1.jpg.supplemental-metad.json``, ``IMG_1.jpg.suppl.json``, ``IMG_1.jpg..json``),
  a long name cut short (``IMG_20230101_123456789_very_long_name_th.json`` for
  ``IMG_20230101_123456789_very_long_name_that_goes_on.jpg``), the duplicate
  numbering (``IMG_1(1).jpg`` has ``IMG_1.jpg(1).json`` or
  ``IMG_1.jpg.supplemental-metadata(1).json``), and the edited copy
  (``IMG_1-edited.jpg`` shares ``IMG_1.jpg``'s).

Every text found in a sidecar is reported as the field ``sidecar:<its file name>``.
Finding Takeout's names needs the folder's list of files; a folder that cannot be
listed is an error for the file (its Takeout JSON, if any, could not be looked for).
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from photoguard.files.safeopen import open_regular
from photoguard.metadata import xmp
from photoguard.metadata.fields import Collector
from photoguard.metadata.text import decode_text

#: Largest sidecar read (bytes); a bigger one is reported, not silently skipped.
MAX_SIDECAR = 4 << 20

#: What Takeout appends to a photo's name for its JSON (before ".json"), which it
#: cuts short when the whole name would be too long.
TAKEOUT_SUFFIX = ".supplemental-metadata"
#: Takeout cuts a JSON file's name to 51 characters (46 before ".json"; some exports
#: 47). A JSON name that is the start of the photo's own name is taken as cut short
#: from it if it keeps at least this many characters: fewer would let "IMG.json"
#: stand for "IMG_1.jpg". Lower than 46 on purpose: a sidecar read for one photo
#: too many can only add findings, one missed hides a name.
TAKEOUT_MIN_CUT = 30
#: "-edited" in the languages Takeout writes it in: the edited copy has no JSON of
#: its own and shares the original's.
EDITED_SUFFIXES = ("-edited", "-bearbeitet", "-modifié", "-editado", "-modificato", "-bewerkt")
_DUPLICATE = re.compile(r"^(.*)\((\d{1,4})\)$")

#: (name before ".json", folded, and its duplicate number or "") -> the JSON files.
_JsonIndex = dict[tuple[str, str], list[str]]


#: Takeout JSON in the folders seen last: (folder, mtime, inode, device) -> (when it was
#: listed, the index). A scan checks the files of one folder one after another, so each
#: is listed once. A folder changed in the last seconds (a change within the file
#: system's clock tick, 2 s on FAT, leaves its time as it was) is listed again when its
#: listing is older than _RELIST_S: a folder being filled is read a few times, not once
#: per file.
_LISTINGS: OrderedDict[tuple[str, int, int, int], tuple[float, _JsonIndex]] = OrderedDict()
_LISTINGS_KEPT = 16
_SETTLED_S = 2.0
_RELIST_S = 0.1


def sidecar_paths(path: Path) -> Iterator[Path]:
    """Sidecars that exist for ``path``, each once (on a case-insensitive disk
    IMG_1.xmp and IMG_1.XMP are the same file). Raises OSError if the folder
    cannot be listed (after yielding the sidecars found by their exact names)."""
    seen: set[tuple[int, int]] = set()
    names = [path.stem + ext for ext in (".xmp", ".XMP", ".txt", ".TXT")]
    names += [path.name + ext for ext in (".xmp", ".XMP", ".txt", ".TXT")]
    names += [path.name + ext for ext in (".json", TAKEOUT_SUFFIX + ".json")]
    for name in names:
        candidate = _existing(path, name, seen)
        if candidate is not None:
            yield candidate
    for name in takeout_names(path.name, _json_index(path.parent)):
        candidate = _existing(path, name, seen)
        if candidate is not None:
            yield candidate


def _existing(path: Path, name: str, seen: set[tuple[int, int]]) -> Path | None:
    if name == path.name:
        return None
    candidate = path.with_name(name)
    try:
        st = candidate.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) in seen:
        return None
    seen.add((st.st_dev, st.st_ino))
    return candidate


def _json_index(folder: Path) -> _JsonIndex:
    """The files in ``folder`` whose names end in ".json" (any case), by name."""
    st = os.stat(folder)
    key = (os.fspath(folder), st.st_mtime_ns, st.st_ino, st.st_dev)
    now = time.time()
    kept = _LISTINGS.get(key)
    if kept is not None:
        listed_at, index = kept
        if listed_at - st.st_mtime > _SETTLED_S or now - listed_at < _RELIST_S:
            _LISTINGS.move_to_end(key)
            return index
    index = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name[-5:].lower() == ".json":
                for head, number in _json_forms(entry.name):
                    index.setdefault((head.casefold(), number), []).append(entry.name)
    _LISTINGS[key] = (now, index)
    _LISTINGS.move_to_end(key)
    while len(_LISTINGS) > _LISTINGS_KEPT:
        _LISTINGS.popitem(last=False)
    return index


def _photo_forms(name: str) -> list[tuple[str, str]]:
    """(name as Takeout knew it, duplicate number) for a photo's file name:
    "IMG_1(1).jpg" -> [("IMG_1(1).jpg", ""), ("IMG_1.jpg", "1")]."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    suffix = dot + ext
    forms = [(name, "")]
    m = _DUPLICATE.match(stem)
    if m:
        forms.append((m.group(1) + suffix, m.group(2)))
    for base, number in list(forms):
        base_stem = base[: len(base) - len(suffix)] if suffix else base
        for edited in EDITED_SUFFIXES:
            if base_stem.lower().endswith(edited):
                forms.append((base_stem[: -len(edited)] + suffix, number))
    return forms


def _json_forms(name: str) -> list[tuple[str, str]]:
    """(name before ".json", duplicate number): "IMG_1.jpg(1).json" ->
    [("IMG_1.jpg(1)", ""), ("IMG_1.jpg", "1")]."""
    head = name[:-5]
    forms = [(head, "")]
    m = _DUPLICATE.match(head)
    if m:
        forms.append((m.group(1), m.group(2)))
    return forms


def takeout_names(photo: str, index: _JsonIndex) -> list[str]:
    """The JSON files of ``index`` that are Google Takeout's for the file ``photo``:
    its name and a start of ".supplemental-metadata", or its name cut short, with the
    same duplicate number. A few dictionary look-ups, however many files the folder has."""
    out: list[str] = []
    for base, number in _photo_forms(photo):
        base = base.casefold()
        heads = [base + TAKEOUT_SUFFIX[:i] for i in range(len(TAKEOUT_SUFFIX) + 1)]
        heads += [base[:i] for i in range(TAKEOUT_MIN_CUT, len(base))]
        for head in heads:
            for name in index.get((head, number), ()):
                if name not in out:
                    out.append(name)
    return out


def read_sidecars(path: Path, out: Collector) -> None:
    sidecars = sidecar_paths(path)
    while True:
        try:
            sidecar = next(sidecars)
        except StopIteration:
            return
        except OSError as exc:
            out.error(
                "sidecar:*.json",
                "the folder could not be listed, so Google Takeout sidecars were not "
                f"looked for ({exc.strerror or exc})",
            )
            return
        _read_one(sidecar, out)


def _read_one(sidecar: Path, out: Collector) -> None:
    field = f"sidecar:{sidecar.name}"
    try:
        size = sidecar.stat().st_size
        if size > MAX_SIDECAR:
            out.error(field, f"{size} bytes: too large to check")
            return
        with open_regular(sidecar) as f:
            data = f.read(MAX_SIDECAR + 1)
    except OSError as exc:
        out.error(field, f"could not be read: {exc.strerror or exc}")
        return
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
