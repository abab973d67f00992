"""The metadata of a safe copy: built field by field, never copied over as blocks.

What the copy keeps (every value checked for students' full names first):

* captions a person wrote, where the copy's format has a place for them: EXIF
  ImageDescription, Artist, UserComment and the Windows XP* tags; IPTC caption,
  headline, object name, keywords and by-line; XMP dc:description, dc:title,
  dc:subject and photoshop:Headline; a JPEG comment; PNG Title, Description,
  Comment, Author and Copyright text. A full name in any of them is cut down to
  the first name and last initial ("Liam O.") or to the first name, as the
  ``caption_names`` setting says (see :func:`photoguard.roster.first_names.first_name_only`);
* when the picture was taken (the EXIF date and time tags) and the copyright notice.

What it never gets: GPS, camera and lens make, model and serial numbers,
software, the camera owner's name, maker notes, the embedded thumbnail (a small
copy of the picture with nobody covered), face regions with their names
(mwg-rs, Microsoft Photo), PersonInImage, people keywords (Lightroom, digiKam),
any other XMP property, any other PNG text, and sidecar files. The orientation
tag is dropped too: the pixels are stored upright.

:func:`plan_metadata` runs in the parent and decides every value;
:func:`save_jpeg` / :func:`save_png` run where the pixels are and only write it.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

from photoguard.formats import register_heif
from photoguard.metadata import CaptionFields
from photoguard.metadata.fields import PATH_FIELDS
from photoguard.roster.first_names import Style, first_name_only
from photoguard.roster.names import NameIndex

OutFormat = Literal["JPEG", "PNG"]
Action = Literal["rewritten", "removed", "not copied"]

# EXIF tags the copy may carry (IFD0 and the Exif IFD).
IFD0_TAGS = {
    "EXIF:ImageDescription": 0x010E,
    "EXIF:Artist": 0x013B,
    "EXIF:Copyright": 0x8298,
    "EXIF:XPTitle": 0x9C9B,
    "EXIF:XPComment": 0x9C9C,
    "EXIF:XPAuthor": 0x9C9D,
    "EXIF:XPKeywords": 0x9C9E,
    "EXIF:XPSubject": 0x9C9F,
}
XP_FIELDS = frozenset(f for f, tag in IFD0_TAGS.items() if tag >= 0x9C9B)
USER_COMMENT = ("EXIF:UserComment", 0x9286)
#: When the picture was taken, kept as it is: IFD0 DateTime; the Exif IFD's dates,
#: time-zone offsets and subseconds.
DATE_TAGS_IFD0 = (0x0132,)
DATE_TAGS_EXIF = (0x9003, 0x9004, 0x9010, 0x9011, 0x9012, 0x9290, 0x9291, 0x9292)
EXIF_IFD = 0x8769

IPTC_DATASETS = {
    "IPTC:ObjectName": 5,
    "IPTC:Keywords": 25,
    "IPTC:By-line": 80,
    "IPTC:Headline": 105,
    "IPTC:Caption-Abstract": 120,
}
XMP_FIELDS = ("XMP:dc:description", "XMP:dc:title", "XMP:dc:subject", "XMP:photoshop:Headline")
PNG_KEYWORDS = frozenset({"Title", "Description", "Comment", "Author", "Copyright"})

#: Where a caption goes when the copy's format has no place of the same name.
_IPTC_IN_XMP = {
    "IPTC:Caption-Abstract": "XMP:dc:description",
    "IPTC:Headline": "XMP:photoshop:Headline",
    "IPTC:Keywords": "XMP:dc:subject",
    "IPTC:ObjectName": "XMP:dc:title",
    "IPTC:By-line": "EXIF:Artist",
}
_PNG_IN_JPEG = {
    "Title": "XMP:dc:title",
    "Description": "XMP:dc:description",
    "Comment": "XMP:dc:description",
    "Author": "EXIF:Artist",
    "Copyright": "EXIF:Copyright",
}

#: EXIF tags whose presence in the original is reported as removed, by what they are.
_REMOVED_EXIF = {
    0x010F: "camera make",
    0x0110: "camera model",
    0x0131: "software",
    0x013C: "host computer",
    0xA430: "camera owner's name",
    0xA431: "camera serial number",
    0xA433: "lens make",
    0xA434: "lens model",
    0xA435: "lens serial number",
    0xA420: "image unique ID",
    0x927C: "maker notes",
}
GPS_IFD = 0x8825


@dataclass(frozen=True)
class FieldChange:
    """What happened to one field of the original in the copy, and why."""

    field: str
    action: Action
    student_ids: tuple[str, ...] = ()
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "action": self.action}
        if self.student_ids:
            out["student_ids"] = list(self.student_ids)
        return out


@dataclass(frozen=True)
class MetadataPlan:
    """Everything the copy's metadata will hold."""

    out_format: OutFormat
    #: (field in the copy, text), in reading order.
    captions: tuple[tuple[str, str], ...] = ()
    #: ("0th" or "Exif", tag, value) of the date tags kept as they were.
    dates: tuple[tuple[str, int, bytes], ...] = ()
    #: Fields of the original that were rewritten, removed or not copied.
    changes: tuple[FieldChange, ...] = ()
    #: Plain words for what the original had and the copy does not ("GPS location", ...).
    removed: tuple[str, ...] = ()


# ------------------------------------------------------------------------ planning


def rewrite(
    text: str, names: NameIndex, style: Style, file_name: bool = False
) -> tuple[str, list[str]]:
    """``text`` with full names cut down, and the students named (empty if none)."""
    matches = names.find(text, file_name=file_name)
    if not matches:
        return text, []
    ids = sorted({m.student_id for m in matches})
    return first_name_only(text, matches, style), ids


def target_field(field: str, out_format: OutFormat) -> str | None:
    """Where a caption of the original goes in the copy, or None if it is not carried."""
    if field in IFD0_TAGS or field == USER_COMMENT[0] or field in XMP_FIELDS:
        return field
    if field in IPTC_DATASETS:
        return field if out_format == "JPEG" else _IPTC_IN_XMP[field]
    if field == "JPEG:Comment":
        return field if out_format == "JPEG" else "PNG:iTXt:Comment"
    if field.startswith("PNG:"):
        keyword = field.split(":", 2)[2] if field.count(":") >= 2 else ""
        if keyword not in PNG_KEYWORDS:
            return None
        return f"PNG:iTXt:{keyword}" if out_format == "PNG" else _PNG_IN_JPEG[keyword]
    return None


def plan_metadata(
    source: Path,
    captions: CaptionFields,
    names: NameIndex,
    style: Style,
    out_format: OutFormat,
) -> MetadataPlan:
    """Decide the copy's metadata from the original's captions (as the scan read them)
    and its EXIF date and copyright tags."""
    kept: list[tuple[str, str]] = []
    changes: dict[tuple[str, str], FieldChange] = {}

    def note(change: FieldChange) -> None:
        key = (change.field, change.action)
        old = changes.get(key)
        if old is not None:
            ids = tuple(sorted(set(old.student_ids) | set(change.student_ids)))
            change = FieldChange(change.field, change.action, ids, change.reason)
        changes[key] = change

    copyright_text, dates, removed = _read_exif(source)
    fields = [(c.field, c.text) for c in captions.fields]
    if copyright_text:
        fields.append(("EXIF:Copyright", copyright_text))
    for field, text in fields:
        if field in PATH_FIELDS:
            continue
        if field.startswith("sidecar:"):
            note(FieldChange(field, "not copied", reason="sidecar files are never copied"))
            continue
        target = target_field(field, out_format)
        new_text, ids = rewrite(text, names, style)
        if target is None:
            note(FieldChange(field, "removed", tuple(ids), "not carried into a safe copy"))
            continue
        if ids:
            if names.find(new_text) or not new_text.strip():
                note(FieldChange(field, "removed", tuple(ids), "a full name could not be cut down"))
                continue
            note(FieldChange(field, "rewritten", tuple(ids), f"full name cut down ({style})"))
        if (target, new_text) not in kept:
            kept.append((target, new_text))
    for problem in captions.errors:
        if problem.field not in PATH_FIELDS and not problem.field.startswith("sidecar:"):
            note(FieldChange(problem.field, "removed", (), f"unreadable: {problem.detail}"))
    return MetadataPlan(
        out_format=out_format,
        captions=tuple(kept),
        dates=tuple(dates),
        changes=tuple(changes.values()),
        removed=tuple(removed),
    )


def _read_exif(source: Path) -> tuple[str, list[tuple[str, int, bytes]], list[str]]:
    """(copyright, date tags to keep, what is removed) from the original's EXIF via
    Pillow, which reads the tags without decoding the picture. An unreadable EXIF
    block keeps nothing."""
    from PIL import ExifTags, Image

    register_heif()
    try:
        with Image.open(source) as im:
            exif = im.getexif()
            ifd0 = dict(exif)
            sub = dict(exif.get_ifd(EXIF_IFD)) if EXIF_IFD in ifd0 else {}
            has_thumbnail = bool(exif.get_ifd(ExifTags.IFD.IFD1))
            xmp_present = bool(im.info.get("xmp") or im.info.get("XML:com.adobe.xmp"))
    except Exception:
        return "", [], ["EXIF (unreadable, not copied)"]
    removed: list[str] = []
    if GPS_IFD in ifd0:
        removed.append("GPS location")
    for tag, what in _REMOVED_EXIF.items():
        if tag in ifd0 or tag in sub:
            removed.append(what)
    if has_thumbnail:
        removed.append("embedded thumbnail")
    if 0x0112 in ifd0:
        removed.append("orientation tag (the pixels are stored upright)")
    if xmp_present:
        removed.append("other XMP properties")
    dates: list[tuple[str, int, bytes]] = []
    for ifd_name, values, tags in (("0th", ifd0, DATE_TAGS_IFD0), ("Exif", sub, DATE_TAGS_EXIF)):
        for tag in tags:
            value = values.get(tag)
            if isinstance(value, str) and value.strip() and len(value) < 64:
                dates.append((ifd_name, tag, value.strip().encode("ascii", "replace")))
    copyright_value = ifd0.get(0x8298)
    copyright_text = copyright_value.strip("\x00 ") if isinstance(copyright_value, str) else ""
    return copyright_text, dates, removed


def copy_file_name(name: str, names: NameIndex, style: Style, suffix: str) -> tuple[str, list[str]]:
    """The copy's file name: full names cut down the same way, "-safe" and the copy's
    extension added. ("LiamOBrien_field_day.heic" -> "Liam_O_field_day-safe.jpg")."""
    stem = Path(name).stem
    new, ids = rewrite(stem, names, style, file_name=True)
    if ids:
        new = re.sub(r"(?<=\b[A-Z])\.", "", new)  # "Liam O." -> "Liam O"
        if " " not in stem:
            new = new.replace(" ", "_")
    new = new.strip(" .") or "photo"
    return f"{new}-safe{suffix}", ids


# ------------------------------------------------------------------------- writing


def _values(plan: MetadataPlan, field: str) -> list[str]:
    return [text for f, text in plan.captions if f == field]


def exif_bytes(plan: MetadataPlan) -> bytes | None:
    """APP1/eXIf payload ("Exif\\0\\0" + TIFF) with the kept tags only, or None."""
    import piexif

    zeroth: dict[int, Any] = {}
    exif: dict[int, Any] = {}
    for field, tag in IFD0_TAGS.items():
        values = _values(plan, field)
        if not values:
            continue
        text = "; ".join(values)
        if field in XP_FIELDS:
            zeroth[tag] = text.encode("utf-16-le") + b"\x00\x00"
        else:
            zeroth[tag] = text.replace("\x00", " ").encode("utf-8")
    comments = _values(plan, USER_COMMENT[0])
    if comments:
        text = "; ".join(comments)
        if text.isascii():
            exif[USER_COMMENT[1]] = b"ASCII\x00\x00\x00" + text.encode("ascii")
        else:
            exif[USER_COMMENT[1]] = b"UNICODE\x00" + text.encode("utf-16-be")
    for ifd_name, tag, value in plan.dates:
        (zeroth if ifd_name == "0th" else exif)[tag] = value
    if not zeroth and not exif:
        return None
    data: bytes = piexif.dump({"0th": zeroth, "Exif": exif, "GPS": {}, "1st": {}})
    return data


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XMP_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
}


def _xml(text: str) -> str:
    return escape(_XML_BAD.sub(" ", text))


def xmp_bytes(plan: MetadataPlan) -> bytes | None:
    """A fresh XMP packet with only the captions the copy keeps, or None."""
    parts: list[str] = []
    for field, container in (("XMP:dc:description", "Alt"), ("XMP:dc:title", "Alt")):
        values = _values(plan, field)
        if values:
            items = "".join(
                f'<rdf:li xml:lang="{"x-default" if i == 0 else "und"}">{_xml(v)}</rdf:li>'
                for i, v in enumerate(values)
            )
            prop = field.removeprefix("XMP:")
            parts.append(f"<{prop}><rdf:{container}>{items}</rdf:{container}></{prop}>")
    subjects = _values(plan, "XMP:dc:subject")
    if subjects:
        items = "".join(f"<rdf:li>{_xml(v)}</rdf:li>" for v in subjects)
        parts.append(f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>")
    headline = _values(plan, "XMP:photoshop:Headline")
    if headline:
        parts.append(f"<photoshop:Headline>{_xml('; '.join(headline))}</photoshop:Headline>")
    if not parts:
        return None
    ns = " ".join(f'xmlns:{k}="{v}"' for k, v in XMP_NS.items())
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {ns}>{"".join(parts)}</rdf:Description>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def iptc_segment(plan: MetadataPlan) -> bytes | None:
    """A JPEG APP13 segment (Photoshop IRB 0x0404) with the kept IPTC captions, UTF-8."""
    datasets = b""
    for field, number in IPTC_DATASETS.items():
        for text in _values(plan, field):
            datasets += _dataset(2, number, text.encode("utf-8"))
    if not datasets:
        return None
    iim = _dataset(1, 90, b"\x1b%G") + datasets
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim))
    resource += iim + (b"\x00" if len(iim) % 2 else b"")
    payload = b"Photoshop 3.0\x00" + resource
    if len(payload) + 2 > 0xFFFF:
        return None  # too long for one segment: the captions are still in EXIF/XMP if there
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def _dataset(record: int, number: int, value: bytes) -> bytes:
    if len(value) < 0x8000:
        return struct.pack(">BBBH", 0x1C, record, number, len(value)) + value
    return struct.pack(">BBBHI", 0x1C, record, number, 0x8004, len(value)) + value


def insert_after_app_segments(jpeg: bytes, segment: bytes) -> bytes:
    """``segment`` placed after SOI and the APPn segments at the start of a JPEG."""
    pos = 2
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF and 0xE0 <= jpeg[pos + 1] <= 0xEF:
        (length,) = struct.unpack(">H", jpeg[pos + 2 : pos + 4])
        pos += 2 + length
    return jpeg[:pos] + segment + jpeg[pos:]


def save_jpeg(image: Any, target: Path, plan: MetadataPlan, icc: bytes | None) -> None:
    """Write a Pillow RGB image as JPEG with exactly the planned metadata."""
    options: dict[str, Any] = {"quality": 92, "optimize": True}
    exif = exif_bytes(plan)
    if exif:
        options["exif"] = exif
    xmp = xmp_bytes(plan)
    if xmp:
        options["xmp"] = xmp
    if icc:
        options["icc_profile"] = icc
    comments = _values(plan, "JPEG:Comment")
    if comments:
        options["comment"] = "\n".join(comments).encode("utf-8")
    buf = io.BytesIO()
    image.save(buf, "JPEG", **options)
    data = buf.getvalue()
    app13 = iptc_segment(plan)
    if app13:
        data = insert_after_app_segments(data, app13)
    with target.open("xb") as f:
        f.write(data)


def save_png(image: Any, target: Path, plan: MetadataPlan, icc: bytes | None) -> None:
    """Write a Pillow image as PNG with exactly the planned metadata."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for field, text in plan.captions:
        if field.startswith("PNG:iTXt:"):
            info.add_itxt(field.split(":", 2)[2], text)
    xmp = xmp_bytes(plan)
    if xmp:
        info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
    options: dict[str, Any] = {"pnginfo": info}
    exif = exif_bytes(plan)
    if exif:
        options["exif"] = exif
    if icc:
        options["icc_profile"] = icc
    buf = io.BytesIO()
    image.save(buf, "PNG", **options)
    with target.open("xb") as f:
        f.write(buf.getvalue())
