"""What kind of file this is: a photo, a video, or neither (by content first, then by name).

Videos are anything FFmpeg decodes (media/video.py), so the names and signatures here
cover the containers schools meet: phones and cameras (MP4, MOV, 3GP), camcorders
(AVCHD .MTS/.M2TS, MPEG-2 .MPG/.MOD/.TOD, DV), DVDs (.VOB), Windows (.WMV/.ASF),
Flash (.FLV/.F4V), the web (WebM, Ogg), broadcast and editing (.TS, MXF), and the rest.
Content wins over the name: a camcorder clip renamed ``.bin`` is still checked as a
video, and an audio-only Ogg, ASF or M4A file named as such is not a video.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Kind = Literal["photo", "video"]

#: How many leading bytes :func:`sniff_kind` needs to recognise every kind it knows
#: (MPEG-TS is recognised by its sync byte repeating every 188 or 192 bytes).
SNIFF_BYTES = 1024

PHOTO_SUFFIXES = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".heic",
        ".heif",
        ".hif",
        ".webp",
        ".tif",
        ".tiff",
        ".bmp",
        ".dib",
        ".gif",
        # JPEG 2000 (Pillow decodes it with OpenJPEG): JP2/JPX files and raw codestreams.
        ".jp2",
        ".j2k",
        ".j2c",
        ".jpc",
        ".jpf",
        ".jpx",
    }
)
#: A JPEG 2000 file (JP2, JPX) starts with this signature box; a raw codestream with SOC+SIZ.
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K_CODESTREAM = b"\xff\x4f\xff\x51"
VIDEO_SUFFIXES = frozenset(
    {
        # MP4 family: phones, cameras, screen recorders
        ".mp4",
        ".m4v",
        ".mov",
        ".qt",
        ".3gp",
        ".3gpp",
        ".3g2",
        ".3gp2",
        ".f4v",
        # Matroska, WebM
        ".mkv",
        ".mk3d",
        ".webm",
        # AVI and RIFF
        ".avi",
        ".divx",
        # MPEG transport streams: AVCHD camcorders, broadcast recordings
        ".mts",
        ".m2ts",
        ".m2t",
        ".ts",
        ".tp",
        ".trp",
        # MPEG program streams and elementary streams: DVD, older camcorders, VCD
        ".mpg",
        ".mpeg",
        ".mpe",
        ".m1v",
        ".m2v",
        ".mpv",
        ".m2p",
        ".vob",
        ".tod",
        ".vro",
        ".evo",
        # Windows Media, Flash, Ogg, RealMedia
        ".wmv",
        ".asf",
        ".flv",
        ".ogv",
        ".ogm",
        ".ogx",
        ".rm",
        ".rmvb",
        # camera and editing formats
        ".dv",
        ".dif",
        ".mxf",
        ".mjpeg",
        ".mjpg",
        # raw codec streams and test containers
        ".h264",
        ".264",
        ".h265",
        ".265",
        ".hevc",
        ".ivf",
        ".obu",
        ".y4m",
        ".nut",
        ".wtv",
        ".dvr-ms",
    }
)

#: A suffix that also names text (TypeScript source): such a file is a video unless it
#: is text. (JVC's .MOD camcorder clips and VCD .DAT files are MPEG and RIFF inside,
#: recognised by content: the names alone are too common for other things.)
_TEXT_TOO_SUFFIXES = frozenset({".ts"})

#: The one list of HEIF and AVIF brands (ISO base media ``ftyp`` major brands).
#: Files with one of these brands are checked as photos (Pillow with pillow-heif
#: decodes them)...
HEIF_PHOTO_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
)
#: ... and files with one of these are checked as video (image sequences, HEIF
#: structural brand 2): their metadata is still read as HEIF (metadata/heif.py).
#: Moving a brand between the two sets changes which decoder sees those files.
HEIF_OTHER_BRANDS = frozenset({b"hevm", b"hevs", b"mif2", b"avis"})
HEIF_BRANDS = HEIF_PHOTO_BRANDS | HEIF_OTHER_BRANDS
#: The AVIF ones (Pillow reads their metadata; pillow-heif the rest).
AVIF_BRANDS = frozenset({b"avif", b"avis"})
#: Brands of audio-only files (M4A, M4B).
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P "})
#: The first box of a QuickTime movie written without an ``ftyp`` box (older cameras).
_QUICKTIME_BOXES = frozenset({b"moov", b"mdat", b"wide", b"pnot"})

_ASF_HEADER = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_ASF_VIDEO_MEDIA = bytes.fromhex("c0ef19bc4d5bcf11a8fd00805f5c442b")
_MXF_PARTITION = bytes.fromhex("060e2b34020501010d010201")
#: Codec identification at the start of an Ogg stream's first packet.
_OGG_VIDEO = (b"\x80theora", b"OVP80", b"BBCD\x00", b"\x80daala")
_OGG_AUDIO = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ", b"fLaC")


_heif_registered = False


def register_heif() -> None:
    """Let Pillow open HEIC/HEIF/AVIF files (once per process; pillow-heif is imported
    only when a picture is about to be opened). Every reader of photos calls this."""
    global _heif_registered
    if not _heif_registered:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_registered = True


def sniff_kind(head: bytes) -> Kind | None:
    """What the first bytes of a file (at least :data:`SNIFF_BYTES` of them, where the
    file has that many) say it is."""
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")):
        return "photo"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "photo"
    if head.startswith((JP2_SIGNATURE, J2K_CODESTREAM)):
        return "photo"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "photo"
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX", b"CDXA"):
        return "video"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska, WebM
        return "video"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in HEIF_PHOTO_BRANDS:
            return "photo"
        if brand in _AUDIO_BRANDS:
            return None
        return "video"
    if head[4:8] in _QUICKTIME_BOXES:
        return "video"
    if _mpeg_ts(head):
        return "video"
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):  # MPEG-PS pack, MPEG video
        return "video"
    if head.startswith(_ASF_HEADER) and _ASF_VIDEO_MEDIA in head:  # WMV (WMA has no video)
        return "video"
    if head.startswith(b"FLV\x01"):
        return "video"
    if head.startswith(b"OggS") and _ogg_streams(head) == "video":
        return "video"
    if head.startswith(_MXF_PARTITION):
        return "video"
    if len(head) >= 4 and (int.from_bytes(head[:4], "big") & 0xFFFFFF7F) == 0x1F07003F:  # DV
        return "video"
    if head.startswith((b".RMF", b"DKIF", b"YUV4MPEG2 ", b"nut/multimedia container")):
        return "video"
    return None


def _mpeg_ts(head: bytes) -> bool:
    """The sync byte 0x47 at the start of every 188-byte packet (192 with the 4-byte
    timestamp of Blu-ray/AVCHD .M2TS files), at least three packets in a row."""
    for packet, first in ((188, 0), (192, 4)):
        starts = range(first, len(head), packet)
        if len(starts) >= 3 and all(head[i] == 0x47 for i in starts):
            return True
    return False


def _ogg_streams(head: bytes) -> Literal["video", "audio"] | None:
    """Ogg holds video (Theora, VP8, Dirac) or only sound (Vorbis, Opus, FLAC): each
    stream's first page (a "beginning of stream" page, all of them at the start of the
    file) names its codec. None when the head ends before those pages do."""
    at = 0
    while at + 27 <= len(head) and head.startswith(b"OggS", at):
        body = at + 27 + head[at + 26]
        if body > len(head):
            return None
        size = sum(head[at + 27 : body])
        if not head[at + 5] & 0x02:  # the first page that begins no stream
            return "audio" if at else None
        packet = head[body : body + size]
        if packet.startswith(_OGG_VIDEO):
            return "video"
        if not packet.startswith(_OGG_AUDIO):
            return None  # a codec not known here: let FFmpeg decide
        at = body + size
    return None


def kind_of(path: Path, head: bytes) -> Kind | None:
    """Photo, video, or neither: by content first, then by name."""
    sniffed = sniff_kind(head)
    if sniffed is not None:
        return sniffed
    if _audio_only(head, path.suffix.lower()):
        return None
    suffix = path.suffix.lower()
    if suffix in PHOTO_SUFFIXES:
        return "photo"
    if suffix in _TEXT_TOO_SUFFIXES:
        # Content that said video was recognised above; binary data that did not is
        # still tried (an error if FFmpeg cannot read it), text is not.
        return None if _looks_like_text(head) else "video"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if head.startswith((_ASF_HEADER, b"OggS")):
        return "video"  # could hold pictures the head did not reach: FFmpeg decides
    return None


def _audio_only(head: bytes, suffix: str) -> bool:
    """Content that is sound with no pictures: M4A, Ogg whose streams are all sound,
    or ASF named .wma whose first bytes list no video stream."""
    if head[4:8] == b"ftyp" and head[8:12] in _AUDIO_BRANDS:
        return True
    if head.startswith(b"OggS"):
        return _ogg_streams(head) == "audio"
    return head.startswith(_ASF_HEADER) and suffix == ".wma"


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return True
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character cut at the end of the head is still text.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return all(c.isprintable() or c in "\t\r\n\f" for c in text)
