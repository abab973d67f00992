"""Sidecars under every name they really have: ``IMG_2.jpg.txt`` and Google Takeout's
JSON, cut short, numbered for duplicates, shared by the edited copy.

Real files beside real photos, read as the scan reads them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_metadata_samples import plain_jpeg
from unprivileged import run_unprivileged, shared_folder

from photoguard.metadata import read_caption_fields, sidecars


def photo(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(plain_jpeg())
    return path


def takeout(folder: Path, name: str, who: str) -> Path:
    path = folder / name
    path.write_text(
        json.dumps(
            {
                "title": "IMG.jpg",
                "description": "",
                "people": [{"name": who}],
                "photoTakenTime": {"timestamp": "1714560000"},
            }
        ),
        encoding="utf-8",
    )
    return path


def sidecar_texts(path: Path) -> dict[str, list[str]]:
    result = read_caption_fields(path, path.parent)
    assert result.errors == ()
    out: dict[str, list[str]] = {}
    for f in result.fields:
        if f.field.startswith("sidecar:"):
            out.setdefault(f.field, []).append(f.text)
    return out


def test_a_text_sidecar_named_after_the_whole_file_name(tmp_path: Path) -> None:
    path = photo(tmp_path, "IMG_2.jpg")
    (tmp_path / "IMG_2.jpg.txt").write_text("Kit Harington's drawing\n", encoding="utf-8")
    assert sidecar_texts(path) == {"sidecar:IMG_2.jpg.txt": ["Kit Harington's drawing"]}


LONG = "IMG_20230101_123456789_very_long_name_that_goes_on.jpg"


@pytest.mark.parametrize(
    ("photo_name", "json_name"),
    [
        ("IMG_1.jpg", "IMG_1.jpg.supplemental-metadat.json"),
        ("IMG_1.jpg", "IMG_1.jpg.supplemental-metad.json"),
        ("IMG_1.jpg", "IMG_1.jpg.supplemental-me.json"),
        ("IMG_1.jpg", "IMG_1.jpg.supplemen.json"),
        ("IMG_1.jpg", "IMG_1.jpg.suppl.json"),
        ("IMG_1.jpg", "IMG_1.jpg.s.json"),
        ("IMG_1.jpg", "IMG_1.jpg..json"),
        ("IMG_1.JPG", "IMG_1.JPG.supplemental-metadata.JSON"),
        # Takeout cut the name itself short (46 or 47 characters before ".json")
        (LONG, LONG[:46] + ".json"),
        (LONG, LONG[:47] + ".json"),
        (LONG, "IMG_20230101_123456789_very_long_name_th.json"),
        # duplicates: the number goes before ".json"
        ("IMG_1(1).jpg", "IMG_1.jpg(1).json"),
        ("IMG_1(2).jpg", "IMG_1.jpg.supplemental-metadata(2).json"),
        ("IMG_1(1).jpg", "IMG_1.jpg.suppl(1).json"),
        (LONG.replace(".jpg", "(1).jpg"), LONG[:46] + "(1).json"),
        # the edited copy shares the original's
        ("IMG_1-edited.jpg", "IMG_1.jpg.supplemental-metadata.json"),
        ("IMG_1-bearbeitet.jpg", "IMG_1.jpg.json"),
    ],
)
def test_takeout_json_under_all_its_names(tmp_path: Path, photo_name: str, json_name: str) -> None:
    path = photo(tmp_path, photo_name)
    takeout(tmp_path, json_name, "Kit Harington")
    assert sidecar_texts(path) == {f"sidecar:{json_name}": ["IMG.jpg", "Kit Harington"]}


@pytest.mark.parametrize(
    ("photo_name", "json_name"),
    [
        ("IMG_1.jpg", "IMG_1.jpg.json"),
        ("IMG_1.jpg", "IMG_1.jpg.supplemental-metadata.json"),
        # a name with spaces and "(1)" of its own (a browser download)
        ("Field day (1).jpg", "Field day (1).jpg.json"),
    ],
)
def test_takeout_names_read_before_are_still_read(
    tmp_path: Path, photo_name: str, json_name: str
) -> None:
    path = photo(tmp_path, photo_name)
    takeout(tmp_path, json_name, "Kit Harington")
    assert sidecar_texts(path) == {f"sidecar:{json_name}": ["IMG.jpg", "Kit Harington"]}


@pytest.mark.parametrize(
    ("photo_name", "json_name"),
    [
        ("IMG_1.jpg", "IMG_1.jpg(1).json"),  # the duplicate's, not this one's
        ("IMG_1(1).jpg", "IMG_1.jpg.json"),  # the original's, not the duplicate's
        ("IMG_1.jpg", "IMG_10.jpg.json"),  # another photo
        ("IMG_1.jpg", "IMG.json"),  # too short to be a cut name
        ("IMG_1.jpg", "IMG_1.jpg.supplemental-metadata-x.json"),
        ("IMG_1.jpg", "metadata.json"),  # the album's
        (LONG, LONG[:20] + ".json"),
    ],
)
def test_json_of_other_files_is_not_read(tmp_path: Path, photo_name: str, json_name: str) -> None:
    path = photo(tmp_path, photo_name)
    takeout(tmp_path, json_name, "Kit Harington")
    assert sidecar_texts(path) == {}


def test_every_takeout_json_of_a_photo_is_read_once(tmp_path: Path) -> None:
    path = photo(tmp_path, "IMG_1.jpg")
    takeout(tmp_path, "IMG_1.jpg.json", "Kit Harington")
    takeout(tmp_path, "IMG_1.jpg.supplemental-metad.json", "John Smith")
    assert sidecar_texts(path) == {
        "sidecar:IMG_1.jpg.json": ["IMG.jpg", "Kit Harington"],
        "sidecar:IMG_1.jpg.supplemental-metad.json": ["IMG.jpg", "John Smith"],
    }


def test_a_json_added_later_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder's list of JSON files is kept between files, never served stale: a
    folder changed in the last seconds is listed again, a settled one when its time
    changes."""
    monkeypatch.setattr(sidecars, "_RELIST_S", 0.0)  # no grace between listings
    path = photo(tmp_path, "IMG_1.jpg")
    assert sidecar_texts(path) == {}
    takeout(tmp_path, "IMG_1.jpg.suppl.json", "Kit Harington")
    assert sidecar_texts(path) == {"sidecar:IMG_1.jpg.suppl.json": ["IMG.jpg", "Kit Harington"]}
    settled = os.stat(tmp_path).st_mtime - 60
    os.utime(tmp_path, (settled, settled))
    assert sidecar_texts(path) == {"sidecar:IMG_1.jpg.suppl.json": ["IMG.jpg", "Kit Harington"]}
    takeout(tmp_path, "IMG_1.jpg.json", "John Smith")
    os.utime(tmp_path, (settled + 10, settled + 10))
    assert sidecar_texts(path) == {
        "sidecar:IMG_1.jpg.json": ["IMG.jpg", "John Smith"],
        "sidecar:IMG_1.jpg.suppl.json": ["IMG.jpg", "Kit Harington"],
    }


def test_a_big_folder_is_matched_by_lookup(tmp_path: Path) -> None:
    """3,000 photos and their cut-short JSON: each photo gets its own, none of the others'."""
    names = [f"IMG_{n:04d}.jpg" for n in range(3000)]
    for name in names:
        (tmp_path / f"{name}.supplemen.json").write_text("{}")
    (tmp_path / names[1234]).write_bytes(plain_jpeg())
    found = list(sidecars.sidecar_paths(tmp_path / names[1234]))
    assert [p.name for p in found] == [f"{names[1234]}.supplemen.json"]


def test_a_folder_that_cannot_be_listed_is_an_error() -> None:
    """Files opened by name are still read; Takeout's JSON could not be looked for."""

    def read(path: Path) -> list[list[str]]:
        result = read_caption_fields(path, path.parent.parent)
        return [[f.field for f in result.fields], [e.field for e in result.errors]]

    with shared_folder("pg-names-") as base:
        folder = base / "locked"
        path = photo(folder, "IMG_1.jpg")
        (folder / "IMG_1.txt").write_text("a caption")
        for p in (path, folder / "IMG_1.txt"):
            p.chmod(0o644)
        folder.chmod(0o311)  # others may open files by name, may not list
        fields, errors = run_unprivileged(lambda: read(path))
    assert fields == ["filename", "folder", "sidecar:IMG_1.txt"]
    assert errors == ["sidecar:*.json"]
