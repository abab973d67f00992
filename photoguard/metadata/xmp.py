"""XMP packets: the captions, titles, keywords and face-region names inside them.

Parsed with defusedxml: a packet that declares a DTD or entities (the "billion
laughs" bomb) is refused and reported, never expanded.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

from photoguard.metadata.fields import Collector

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_LI = f"{{{RDF}}}li"

DC = "http://purl.org/dc/elements/1.1/"
PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
MWG_RS = "http://www.metadataworkinggroup.com/schemas/regions/"
MP = "http://ns.microsoft.com/photo/1.2/"
MP_REG = "http://ns.microsoft.com/photo/1.2/t/Region#"
MICROSOFT_PHOTO = "http://ns.microsoft.com/photo/1.0/"
LIGHTROOM = "http://ns.adobe.com/lightroom/1.0/"
DIGIKAM = "http://www.digikam.org/ns/1.0/"
TIFF = "http://ns.adobe.com/tiff/1.0/"
EXIF = "http://ns.adobe.com/exif/1.0/"

#: (namespace, property) -> the field name reported.
PROPERTIES = {
    (DC, "description"): "XMP:dc:description",
    (DC, "title"): "XMP:dc:title",
    (DC, "subject"): "XMP:dc:subject",
    (PHOTOSHOP, "Headline"): "XMP:photoshop:Headline",
    (IPTC_EXT, "PersonInImage"): "XMP:Iptc4xmpExt:PersonInImage",
    # Face regions: digiKam, Picasa and Lightroom write MWG regions, Windows Photo Gallery MP.
    (MWG_RS, "Name"): "XMP:mwg-rs:Name",
    (MP, "PersonDisplayName"): "XMP:MP:PersonDisplayName",
    (MP_REG, "PersonDisplayName"): "XMP:MP:PersonDisplayName",
    # People tags kept as keywords.
    (LIGHTROOM, "hierarchicalSubject"): "XMP:lr:hierarchicalSubject",
    (DIGIKAM, "TagsList"): "XMP:digiKam:TagsList",
    (MICROSOFT_PHOTO, "LastKeywordXMP"): "XMP:MicrosoftPhoto:LastKeywordXMP",
    # EXIF captions mirrored into XMP.
    (TIFF, "ImageDescription"): "XMP:tiff:ImageDescription",
    (EXIF, "UserComment"): "XMP:exif:UserComment",
}

#: Largest packet parsed (bytes). Real packets are a few KB; a JPEG's is at most 64 KB
#: plus extended XMP.
MAX_PACKET = 8 << 20


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _values(element: Element) -> list[str]:
    """A property's text: each item of an rdf:Alt/Bag/Seq, or the element's own text."""
    items = list(element.iter(RDF_LI))
    if items:
        return ["".join(li.itertext()) for li in items]
    return ["".join(element.itertext())]


def properties(root: Element) -> Iterable[tuple[str, str]]:
    """(field name, text) for every wanted property, as elements or as attributes."""
    for element in root.iter():
        field = PROPERTIES.get(_split(element.tag))
        if field:
            for text in _values(element):
                yield field, text
        for attr, value in element.attrib.items():
            field = PROPERTIES.get(_split(attr))
            if field:
                yield field, value


def read_xmp(data: bytes, out: Collector, field: str | None = None) -> None:
    """Every caption in an XMP packet. ``field`` names them all (a sidecar file's name);
    otherwise each is named for its property, e.g. "XMP:dc:description"."""
    where = field or "XMP"
    if len(data) > MAX_PACKET:
        out.error(where, f"XMP packet of {len(data)} bytes is too large to check")
        return
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.strip(b"\x00 \t\r\n")
    if not data:
        return
    try:
        root = DefusedET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        out.error(where, "refused: the XMP packet declares a DTD or entities")
        return
    except ParseError as exc:
        out.error(where, f"not well-formed XML ({exc})")
        return
    except (ValueError, LookupError, RecursionError, MemoryError) as exc:
        out.error(where, f"could not be read ({type(exc).__name__})")
        return
    for name, text in properties(root):
        out.text(field or name, text)
