"""Motion photos as phones write them, built from the fixtures: a still JPEG, then an MP4.

The clip is cut from the fixture video (Lin-Manuel Miranda, opted out, is on screen
from about 3.3 s to 6.7 s) with OpenCV's VideoWriter; the still is a fixture photo
of someone else. Layouts (see photoguard/media/motion.py):

* :func:`google_motion_photo`: ``PXL_...MP.jpg``, XMP Camera:MotionPhoto and a
  Container:Directory giving the video's length, as a Pixel writes it;
* :func:`google_micro_video`: ``MVIMG_...jpg``, XMP GCamera:MicroVideoOffset;
* :func:`samsung_motion_photo`: the MP4 after a ``MotionPhoto_Data`` marker, then
  Samsung's SEF trailer (``SEFH`` directory, its size, ``SEFT``);
* :func:`appended`: an MP4 after the picture and nothing in the XMP.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from conftest import VIDEO
from PIL import Image

_XMP_HEAD = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 5.1.0-jc003">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
)
_XMP_TAIL = "</rdf:RDF></x:xmpmeta>"


def clip_mp4(path: Path, start_s: float = 3.6, end_s: float = 5.6) -> bytes:
    """Frames ``start_s``-``end_s`` of the fixture video as an MP4 (mp4v); its bytes."""
    import cv2

    cap = cv2.VideoCapture(str(VIDEO))
    fps = cap.get(cv2.CAP_PROP_FPS)
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    index = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if start_s <= index / fps < end_s:
            writer.write(np.ascontiguousarray(frame))
        index += 1
    cap.release()
    writer.release()
    return path.read_bytes()


def still_jpeg(source: Path, xmp: str | None = None) -> bytes:
    """``source`` as a JPEG, with ``xmp`` (an x:xmpmeta document) in its APP1 segment."""
    with Image.open(source) as im:
        out = io.BytesIO()
        options = {"xmp": xmp.encode("utf-8")} if xmp is not None else {}
        im.convert("RGB").save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def google_motion_xmp(video_length: int) -> str:
    return (
        _XMP_HEAD + '<rdf:Description rdf:about=""'
        ' xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"'
        ' xmlns:Container="http://ns.google.com/photos/1.0/container/"'
        ' xmlns:Item="http://ns.google.com/photos/1.0/container/item/"'
        ' GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1"'
        ' GCamera:MotionPhotoPresentationTimestampUs="968644">'
        "<Container:Directory><rdf:Seq>"
        '<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg"'
        ' Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>'
        '<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4"'
        f' Item:Semantic="MotionPhoto" Item:Length="{video_length}" Item:Padding="0"/>'
        "</rdf:li></rdf:Seq></Container:Directory></rdf:Description>" + _XMP_TAIL
    )


def google_motion_photo(still: Path, mp4: bytes) -> bytes:
    return still_jpeg(still, google_motion_xmp(len(mp4))) + mp4


def google_micro_video(still: Path, mp4: bytes) -> bytes:
    xmp = (
        _XMP_HEAD + '<rdf:Description rdf:about=""'
        ' xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"'
        ' GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1"'
        f' GCamera:MicroVideoOffset="{len(mp4)}"'
        ' GCamera:MicroVideoPresentationTimestampUs="1200000"/>' + _XMP_TAIL
    )
    return still_jpeg(still, xmp) + mp4


def samsung_motion_photo(still: Path, mp4: bytes) -> bytes:
    """The still, a SEF data block (type 0x0A30, its name, the MP4) and the SEF trailer
    that lists it: SEFH, version, count, one entry (type, offset back from SEFH, length),
    then the directory's size and SEFT."""
    name = b"MotionPhoto_Data"
    block = b"\x00\x00" + struct.pack("<H", 0x0A30) + struct.pack("<I", len(name)) + name + mp4
    directory = b"SEFH" + struct.pack("<II", 106, 1)
    directory += (
        b"\x00\x00" + struct.pack("<H", 0x0A30) + struct.pack("<II", len(block), len(block))
    )
    return still_jpeg(still) + block + directory + struct.pack("<I", len(directory)) + b"SEFT"


def appended(still: Path, mp4: bytes) -> bytes:
    return still_jpeg(still) + mp4
