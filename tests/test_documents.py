"""Files that carry photos are never skipped as "not a photo or video".

A ZIP of yearbook photos, a Word newsletter, a PowerPoint from the concert, a
spreadsheet or OpenDocument file with pictures, a PDF, an SVG with a photo inside,
tar and gzip archives: each holds an opted-out child's real fixture photo here, and
each must come out ``error`` ("contains pictures photoguard did not check"), never
clear, and never approved. JPEG 2000, which Pillow decodes, is a photo: checked
like any other, faces and captions.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import FACES
from PIL import Image

pytestmark = [pytest.mark.faces, pytest.mark.engine_neutral]

OBAMA = FACES / "obama" / "obama.jpg"  # Barry Obama (1001) is opted out
ROSE = FACES / "rose_leslie" / "rose2.jpg"  # nobody opted out: clear


def photoguard(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a person runs it."""
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe, "the photoguard console script is not installed in this environment"
    return subprocess.run(
        [exe, "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PHOTOGUARD_KEY_STORE": "file"},
    )


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def write_documents(d: Path) -> dict[str, str]:
    """Every kind of file that carries the opted-out photo; name -> words of its reason."""
    d.mkdir(parents=True, exist_ok=True)
    photo = OBAMA.read_bytes()
    _zip(d / "yearbook.zip", {"class/obama.jpg": photo, "class/readme.txt": b"Class of 2031"})
    _zip(
        d / "newsletter.docx",
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "word/media/image1.jpeg": photo,
        },
    )
    _zip(
        d / "concert.pptx",
        {"[Content_Types].xml": b"<Types/>", "ppt/media/image1.jpeg": photo},
    )
    _zip(d / "list.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/media/image1.jpeg": photo})
    _zip(
        d / "flyer.odt",
        {"mimetype": b"application/vnd.oasis.opendocument.text", "Pictures/1.jpg": photo},
    )
    _zip(d / "slides.odp", {"mimetype": b"x", "Pictures/1.jpg": photo})
    # Office files with the wrong name are recognised by their bytes (a ZIP).
    _zip(d / "renamed.dat", {"photos/obama.jpg": photo})
    with Image.open(OBAMA) as im:
        im.convert("RGB").save(d / "newsletter.pdf")  # Pillow embeds the photo as a JPEG
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400">'
        f'<image href="data:image/jpeg;base64,{base64.b64encode(photo).decode()}"/></svg>'
    )
    (d / "poster.svg").write_text(svg)
    with tarfile.open(d / "photos.tar.gz", "w:gz") as tar:
        tar.add(OBAMA, arcname="obama.jpg")
    (d / "obama.jpg.gz").write_bytes(gzip.compress(photo))
    # Real 7-Zip and RAR files start with these signatures; nothing here decodes them.
    (d / "photos.7z").write_bytes(b"7z\xbc\xaf\x27\x1c\x00\x04" + photo[:200])
    (d / "photos.rar").write_bytes(b"Rar!\x1a\x07\x01\x00" + photo[:200])
    return {
        "yearbook.zip": "a ZIP archive with 1 picture(s) inside",
        "newsletter.docx": "a Word document with 1 picture(s) inside",
        "concert.pptx": "a PowerPoint presentation with 1 picture(s) inside",
        "list.xlsx": "an Excel workbook with 1 picture(s) inside",
        "flyer.odt": "an OpenDocument text with 1 picture(s) inside",
        "slides.odp": "an OpenDocument presentation with 1 picture(s) inside",
        "renamed.dat": "a ZIP archive with 1 picture(s) inside",
        "newsletter.pdf": "a PDF document",
        "poster.svg": "an SVG drawing",
        "photos.tar.gz": "a gzip archive",
        "obama.jpg.gz": "a gzip archive",
        "photos.7z": "a 7-Zip archive",
        "photos.rar": "a RAR archive",
    }


@pytest.fixture(scope="module")
def document_scan(enrolled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("documents")
    home = base / "home"
    shutil.copytree(enrolled_home, home)
    drop = base / "drop"
    expected = write_documents(drop)
    shutil.copyfile(ROSE, drop / "rose.jpg")
    proc = photoguard(
        home,
        "scan",
        str(drop),
        "--approve",
        "--by",
        "Ms. Tan",
        "--workers",
        "1",
        "--json",
        str(base / "r.json"),
    )
    log = photoguard(home, "log", "show", "--json")
    return {
        "proc": proc,
        "expected": expected,
        "report": json.loads((base / "r.json").read_text("utf-8")),
        "log": json.loads(log.stdout),
    }


def test_documents_and_archives_holding_an_opted_out_photo_are_errors(
    document_scan: dict[str, Any],
) -> None:
    files = {f["path"]: f for f in document_scan["report"]["files"]}
    for name, words in document_scan["expected"].items():
        assert name in files, f"{name} was skipped, not reported"
        f = files[name]
        assert f["verdict"] == "error", name
        assert f["kind"] == "document", name
        assert "pictures photoguard did not check" in f["reason"], name
        assert words in f["reason"], (name, f["reason"])
    assert files["rose.jpg"]["verdict"] == "clear"
    skipped = {s["path"] for s in document_scan["report"]["skipped"]}
    assert not skipped & set(document_scan["expected"])


def test_a_run_with_documents_is_not_clear_and_approves_none_of_them(
    document_scan: dict[str, Any],
) -> None:
    proc = document_scan["proc"]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "All files are clear." not in proc.stdout
    assert "  ERROR    yearbook.zip: contains pictures photoguard did not check" in proc.stdout
    assert "extract it and scan the folder" in proc.stdout
    assert document_scan["report"]["all_clear"] is False
    decisions = {
        Path(r["body"]["path"]).name: r["action"]
        for r in document_scan["log"]
        if r["action"].startswith("decision.")
    }
    assert decisions.pop("rose.jpg") == "decision.approve"
    assert set(decisions) == set(document_scan["expected"])
    assert set(decisions.values()) == {"decision.pending"}


def test_office_files_without_pictures_are_not_clear_either(tmp_path: Path) -> None:
    from photoguard.media.walk import Found, walk

    _zip(tmp_path / "minutes.docx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b""})
    (item,) = walk([tmp_path / "minutes.docx"])
    assert isinstance(item, Found) and item.kind == "document"
    assert item.unchecked is not None and "no pictures inside" in item.unchecked


def test_a_zip_is_listed_from_its_directory_only(tmp_path: Path) -> None:
    """A zip bomb costs nothing: members are counted from the central directory, never
    decompressed (a 64 MB member of zeros compresses to about 64 KB)."""
    from photoguard.media.documents import unchecked_reason, zip_member_names

    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("huge.jpg", "w", force_zip64=True) as member:
            block = b"\x00" * (1 << 20)
            for _ in range(64):
                member.write(block)
        z.writestr("../../etc/evil.png", b"x")
    assert path.stat().st_size < 1 << 20
    assert zip_member_names(path) == ["huge.jpg", "../../etc/evil.png"]
    reason = unchecked_reason(path, path.read_bytes()[:64])
    assert reason is not None and "with 2 picture(s) inside" in reason
    # A damaged directory is not listed, and the file is still not clear.
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(path.read_bytes()[:-30])
    reason = unchecked_reason(damaged, damaged.read_bytes()[:64])
    assert reason is not None and reason.startswith("may contain pictures photoguard did not check")


# ------------------------------------------------------------------ JPEG 2000

XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")


def _with_xmp_caption(path: Path, caption: str) -> None:
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt>'
        f'<rdf:li xml:lang="x-default">{caption}</rdf:li></rdf:Alt></dc:description>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()
    box = struct.pack(">I4s", 8 + 16 + len(packet), b"uuid") + XMP_UUID + packet
    path.write_bytes(path.read_bytes() + box)


def test_jpeg_2000_photos_are_checked_for_faces_and_captions(
    copy_home: Path, tmp_path: Path
) -> None:
    from PIL import features

    assert features.check("jpg_2000"), "this Pillow wheel has no JPEG 2000 decoder"
    drop = tmp_path / "drop"
    drop.mkdir()
    with Image.open(OBAMA) as im:
        im.convert("RGB").save(drop / "obama.jp2")
        im.convert("RGB").save(drop / "codestream.j2k")
    with Image.open(ROSE) as im:
        buf = io.BytesIO()
        im.convert("RGB").save(buf, "JPEG2000")
    (drop / "rose.jpx").write_bytes(buf.getvalue())
    _with_xmp_caption(drop / "rose.jpx", "Barry Obama at field day")
    out = tmp_path / "r.json"
    proc = photoguard(copy_home, "scan", str(drop), "--workers", "1", "--json", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    files = {f["path"]: f for f in json.loads(out.read_text("utf-8"))["files"]}
    assert set(files) == {"obama.jp2", "codestream.j2k", "rose.jpx"}
    for name in ("obama.jp2", "codestream.j2k"):
        assert files[name]["kind"] == "photo"
        assert files[name]["verdict"] == "flagged"
        assert {x["student_id"] for x in files[name]["findings"]} == {"1001"}
    caption = files["rose.jpx"]
    assert caption["verdict"] == "flagged"
    assert [(x["type"], x["field"]) for x in caption["findings"]] == [
        ("full_name", "XMP:dc:description")
    ]


def test_damaged_jpeg_2000_captions_never_crash_the_reader(tmp_path: Path) -> None:
    """Every truncation and many single-byte changes of a real JP2 file with an XMP box:
    the reader returns what it read or says why not, itself (read_embedded turns a
    reader's exception into "metadata could not be read (TypeError: ...)": a bug)."""
    import random

    from photoguard.metadata import read_embedded_fields

    good = tmp_path / "good.jp2"
    with Image.open(ROSE) as im:
        im.convert("RGB").resize((64, 64)).save(good, comment=b"made for a test")
    _with_xmp_caption(good, "Field day")
    data = good.read_bytes()
    fields = read_embedded_fields(good)
    assert {f.field for f in fields.fields} >= {"XMP:dc:description", "JPEG2000:comment"}
    assert not fields.errors
    damaged = tmp_path / "damaged.jp2"
    rng = random.Random(15)
    variants = [data[:n] for n in range(12, len(data), max(1, len(data) // 97))]
    for _ in range(300):
        b = bytearray(data)
        b[rng.randrange(12, len(b))] = rng.randrange(256)
        variants.append(bytes(b))
    for variant in variants:
        damaged.write_bytes(variant)
        for error in read_embedded_fields(damaged).errors:
            assert not error.detail.startswith("metadata could not be read ("), error
