"""Safe copies of photos without faces: what the copy's metadata holds, field by field.

Each test writes a real photo with the metadata a phone or a photo tool leaves
(GPS, camera serials, a thumbnail, captions with a student's full name, face
regions), makes a safe copy, and reads the copy back with the scan's own readers
and with piexif. No face detection is needed here: the photos are plain colours.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import piexif
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from test_metadata_samples import (
    UTF8_CHARSET,
    alt,
    app13,
    bag,
    embedded,
    iim,
    resource,
    segment,
    xmp_packet,
    xmp_segment,
)

from photoguard import audit
from photoguard.errors import UserError
from photoguard.metadata import read_caption_fields
from photoguard.roster.importing import apply_import, preview_import
from photoguard.safecopy import make_safe_copy, save_safe_copy
from photoguard.workspace.folder import Workspace
from photoguard.workspace.settings import with_overrides

ROSTER = (
    "Student ID,Last Name,First Name,Preferred Name,Grade,Homeroom,Privacy Law Opt-Out\r\n"
    "2001,O'Brien,Liam,,3,103,Y\r\n"
    "2002,Lee,Ana,,3,103,N\r\n"
)

DATE = b"2026:05:01 09:30:00"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def school(ws: Workspace, tmp_path: Path) -> Workspace:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    apply_import(ws, preview_import(ws, roster), "office")
    return ws


def picture(width: int = 64, height: int = 32) -> Image.Image:
    """A plain picture whose left half is red and right half blue (to see orientation)."""
    a = np.zeros((height, width, 3), dtype=np.uint8)
    a[:, : width // 2] = (220, 30, 30)
    a[:, width // 2 :] = (30, 30, 220)
    return Image.fromarray(a)


def phone_exif(description: str = "Liam O'Brien's volcano") -> bytes:
    """EXIF as a phone writes it, plus captions and a thumbnail; stored sideways (6)."""
    thumb = io.BytesIO()
    picture(16, 8).save(thumb, "JPEG")
    return piexif.dump(
        {
            "0th": {
                piexif.ImageIFD.Make: b"Apple",
                piexif.ImageIFD.Model: b"iPhone 15",
                piexif.ImageIFD.Software: b"17.4.1",
                piexif.ImageIFD.Orientation: 6,
                piexif.ImageIFD.DateTime: DATE,
                piexif.ImageIFD.Copyright: b"Springfield Elementary",
                piexif.ImageIFD.ImageDescription: description.encode("utf-8"),
                piexif.ImageIFD.Artist: b"Ms. Rivera",
                piexif.ImageIFD.XPTitle: "Ana Lee and the volcano".encode("utf-16le") + b"\0\0",
            },
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: DATE,
                piexif.ExifIFD.BodySerialNumber: b"F2LXK0ABCD",
                piexif.ExifIFD.LensModel: b"iPhone 15 back camera",
                piexif.ExifIFD.CameraOwnerName: b"Jane Rivera",
                piexif.ExifIFD.UserComment: b"ASCII\0\0\0Liam O'Brien, grade 3",
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((40, 1), (26, 1), (4600, 100)),
            },
            "1st": {piexif.ImageIFD.JPEGInterchangeFormat: 0},
            "thumbnail": thumb.getvalue(),
        }
    )


REGIONS = (
    "<mwg-rs:Regions><rdf:Description><mwg-rs:RegionList><rdf:Bag><rdf:li>"
    '<rdf:Description mwg-rs:Name="Liam O\'Brien" mwg-rs:Type="Face"/>'
    "</rdf:li></rdf:Bag></mwg-rs:RegionList></rdf:Description></mwg-rs:Regions>"
)


def tool_xmp() -> bytes:
    return xmp_packet(
        "<dc:description>" + alt("Liam O'Brien at the science fair") + "</dc:description>"
        "<dc:title>" + alt("Science fair") + "</dc:title>"
        "<dc:subject>" + bag("science", "O'BRIEN, Liam") + "</dc:subject>"
        "<Iptc4xmpExt:PersonInImage>" + bag("Ana Lee") + "</Iptc4xmpExt:PersonInImage>"
        "<lr:hierarchicalSubject>" + bag("People|Ana Lee") + "</lr:hierarchicalSubject>" + REGIONS
    )


def tool_iptc() -> bytes:
    return app13(
        resource(
            0x0404,
            iim(
                [
                    UTF8_CHARSET,
                    (2, 120, b"Liam O'Brien shows his volcano"),
                    (2, 105, b"Science fair"),
                    (2, 25, b"Liam O'Brien"),
                    (2, 25, b"volcano"),
                ]
            ),
        )
    )


def phone_jpeg(folder: Path, name: str = "LiamOBrien_volcano.jpg", **exif_args: str) -> Path:
    """A JPEG stored sideways (64x32 pixels, orientation 6: upright it is 32x64)."""
    buf = io.BytesIO()
    picture().save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    data = (
        data[:2]
        + segment(0xE1, phone_exif(**exif_args))
        + xmp_segment(tool_xmp())
        + tool_iptc()
        + segment(0xFE, b"Liam O'Brien")
        + data[2:]
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def test_jpeg_copy_metadata_field_by_field(school: Workspace, tmp_path: Path) -> None:
    source = phone_jpeg(tmp_path / "event")
    (tmp_path / "event" / "LiamOBrien_volcano.xmp").write_bytes(tool_xmp())
    before = sha(source)
    out = tmp_path / "safe"
    with make_safe_copy(school, source) as preview:
        saved = save_safe_copy(school, preview, out, "Ms. Rivera")
    copy = saved.path
    assert copy.name == "Liam_O_volcano-safe.jpg"
    assert sorted(p.name for p in out.iterdir()) == [copy.name]  # no sidecar copied
    assert sha(source) == before

    captions = read_caption_fields(copy, out)
    assert captions.errors == ()
    assert embedded(captions) == {
        "EXIF:ImageDescription": ["Liam O.'s volcano"],
        "EXIF:Artist": ["Ms. Rivera"],
        "EXIF:XPTitle": ["Ana L. and the volcano"],
        "EXIF:UserComment": ["Liam O., grade 3"],
        "IPTC:Keywords": ["Liam O.", "volcano"],
        "IPTC:Headline": ["Science fair"],
        "IPTC:Caption-Abstract": ["Liam O. shows his volcano"],
        "XMP:dc:description": ["Liam O. at the science fair"],
        "XMP:dc:title": ["Science fair"],
        "XMP:dc:subject": ["science", "Liam O."],
        "JPEG:Comment": ["Liam O."],
    }

    exif = piexif.load(str(copy))
    assert exif["GPS"] == {}
    assert exif["1st"] == {} and exif["thumbnail"] is None
    zeroth, sub = exif["0th"], exif["Exif"]
    for tag in (piexif.ImageIFD.Make, piexif.ImageIFD.Model, piexif.ImageIFD.Software):
        assert tag not in zeroth
    assert piexif.ImageIFD.Orientation not in zeroth
    for tag in (
        piexif.ExifIFD.BodySerialNumber,
        piexif.ExifIFD.LensModel,
        piexif.ExifIFD.CameraOwnerName,
    ):
        assert tag not in sub
    assert zeroth[piexif.ImageIFD.DateTime] == DATE
    assert sub[piexif.ExifIFD.DateTimeOriginal] == DATE
    assert zeroth[piexif.ImageIFD.Copyright] == b"Springfield Elementary"

    with Image.open(copy) as im:
        assert im.size == (32, 64)  # stored upright
        assert "xmp" in im.info
        xmp_text = im.info["xmp"].decode() if isinstance(im.info["xmp"], bytes) else im.info["xmp"]
        top = np.asarray(im.convert("RGB"))[2, 16]
    for gone in ("mwg-rs", "PersonInImage", "hierarchicalSubject", "Ana Lee"):
        assert gone not in xmp_text
    assert top[0] > 150 and top[2] < 100  # orientation 6: the red half is now on top

    assert set(preview.removed) >= {
        "GPS location",
        "camera make",
        "camera model",
        "software",
        "camera serial number",
        "lens model",
        "camera owner's name",
        "embedded thumbnail",
    }
    actions = {(f.field, f.action) for f in preview.fields}
    assert ("filename", "rewritten") in actions
    assert ("XMP:Iptc4xmpExt:PersonInImage", "removed") in actions
    assert ("XMP:mwg-rs:Name", "removed") in actions
    assert ("sidecar:LiamOBrien_volcano.xmp", "not copied") in actions
    assert preview.rescan.verdict == "clear"


def test_remove_setting_leaves_the_first_name_only(school: Workspace, tmp_path: Path) -> None:
    ws = school.with_settings(with_overrides(school.settings, caption_names="remove"))
    source = phone_jpeg(tmp_path / "event")
    with make_safe_copy(ws, source) as preview:
        assert preview.name == "Liam_volcano-safe.jpg"
        fields = embedded(read_caption_fields(preview.path))
    assert fields["EXIF:ImageDescription"] == ["Liam's volcano"]
    assert fields["IPTC:Caption-Abstract"] == ["Liam shows his volcano"]
    assert fields["XMP:dc:subject"] == ["science", "Liam"]


def test_the_copy_rescans_clear_and_the_log_names_both_files(
    school: Workspace, tmp_path: Path
) -> None:
    source = phone_jpeg(tmp_path / "event")
    with make_safe_copy(school, source, "pixelate") as preview:
        saved = save_safe_copy(school, preview, tmp_path / "safe", "Ms. Rivera")
        assert preview.rescan.verdict == "clear"
        assert preview.rescan.findings == ()
    with school.db.snapshot() as tx:
        record = audit.last_record(tx, school.school)
    assert record is not None
    assert record.action == "safecopy"
    assert record.actor == "Ms. Rivera"
    body = record.body
    assert body["source_path"] == str(source.resolve())
    assert body["source_sha256"] == sha(source)
    assert body["copy_path"] == str(saved.path.resolve())
    assert body["copy_sha256"] == sha(saved.path) == saved.sha256
    assert body["by"] == "Ms. Rivera"
    assert body["style"] == "pixelate"
    assert body["faces_covered"] == 0
    assert body["rescan"]["verdict"] == "clear"
    rewritten = {f["field"] for f in body["names_rewritten"]}
    assert {"filename", "EXIF:ImageDescription", "IPTC:Caption-Abstract"} <= rewritten
    assert all(f["student_ids"] for f in body["names_rewritten"])
    assert "audio_kept" not in body  # photos only
    assert "O'Brien" not in json.dumps(body)  # the log keeps IDs, not the caption text
    assert audit.verify(school.db, school.school, school.home).ok


def test_png_keeps_its_text_rewritten_and_loses_the_rest(school: Workspace, tmp_path: Path) -> None:
    info = PngInfo()
    info.add_text("Description", "Ana Lee painting")
    info.add_text("Software", "Snapseed 2.0")
    info.add_itxt("Title", "Art class")
    exif = piexif.dump(
        {"0th": {piexif.ImageIFD.Model: b"Pixel 8"}, "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N"}}
    )
    source = tmp_path / "art" / "painting.png"
    source.parent.mkdir()
    picture().convert("RGBA").save(source, "PNG", pnginfo=info, exif=exif)
    with make_safe_copy(school, source) as preview:
        copy = preview.path
        assert copy.name == "painting-safe.png"
        captions = read_caption_fields(copy)
        with Image.open(copy) as im:
            assert im.format == "PNG"
            assert im.mode == "RGBA"
            copy_exif = im.getexif()
    assert embedded(captions) == {
        "PNG:iTXt:Description": ["Ana L. painting"],
        "PNG:iTXt:Title": ["Art class"],
    }
    assert dict(copy_exif) == {}  # no model, no GPS: nothing left to write
    assert {"camera model", "GPS location"} <= set(preview.removed)
    assert ("PNG:tEXt:Software", "removed") in {(f.field, f.action) for f in preview.fields}


def test_heic_becomes_a_jpeg_with_its_captions_cut_down(school: Workspace, tmp_path: Path) -> None:
    import pillow_heif

    source = tmp_path / "phone" / "IMG_0042.HEIC"
    source.parent.mkdir()
    heif = pillow_heif.from_pillow(picture())
    heif.info["exif"] = phone_exif("Ana Lee on the slide")
    heif.info["xmp"] = tool_xmp()
    heif.save(str(source), quality=90)
    with make_safe_copy(school, source) as preview:
        assert preview.name == "IMG_0042-safe.jpg"
        assert any("saved as JPEG" in n for n in preview.notes)
        fields = embedded(read_caption_fields(preview.path))
        exif = piexif.load(str(preview.path))
        with Image.open(preview.path) as im:
            assert im.format == "JPEG"
    assert fields["EXIF:ImageDescription"] == ["Ana L. on the slide"]
    assert fields["XMP:dc:description"] == ["Liam O. at the science fair"]
    assert exif["GPS"] == {} and piexif.ImageIFD.Make not in exif["0th"]


def test_refuses_the_originals_folder_and_existing_files(school: Workspace, tmp_path: Path) -> None:
    source = phone_jpeg(tmp_path / "event", name="volcano.jpg")
    before = sha(source)
    with pytest.raises(UserError, match="never written into the folder it is copied from"):
        make_safe_copy(school, source, out_dir=tmp_path / "event")
    out = tmp_path / "safe"
    out.mkdir()
    (out / "volcano-safe.jpg").write_bytes(b"someone else's file")
    with pytest.raises(UserError, match="already exists"):
        make_safe_copy(school, source, out_dir=out)
    with make_safe_copy(school, source) as preview:
        with pytest.raises(UserError, match="never written into the folder"):
            save_safe_copy(school, preview, source.parent, "Ms. Rivera")
        with pytest.raises(UserError, match="already exists"):
            save_safe_copy(school, preview, out, "Ms. Rivera")
    assert (out / "volcano-safe.jpg").read_bytes() == b"someone else's file"
    assert sorted(p.name for p in (tmp_path / "event").iterdir()) == ["volcano.jpg"]
    assert sha(source) == before
    with school.db.snapshot() as tx:
        last = audit.last_record(tx, school.school)
    assert last is None or last.action != "safecopy"


def test_preview_can_be_discarded_without_a_trace(school: Workspace, tmp_path: Path) -> None:
    source = phone_jpeg(tmp_path / "event")
    preview = make_safe_copy(school, source)
    assert preview.path.is_file()
    preview.discard()
    assert not preview.path.parent.exists()
    with pytest.raises(UserError, match="make it again"):
        save_safe_copy(school, preview, tmp_path / "safe", "Ms. Rivera")


def test_animated_images_and_unknown_styles_are_refused(school: Workspace, tmp_path: Path) -> None:
    gif = tmp_path / "wave.gif"
    frames = [picture(), picture().transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(UserError, match="animated images"):
        make_safe_copy(school, gif)
    with pytest.raises(UserError, match="cover style"):
        make_safe_copy(school, phone_jpeg(tmp_path / "event"), "smudge")


def test_no_roster_no_copy(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no roster"):
        make_safe_copy(ws, phone_jpeg(tmp_path / "event"))
