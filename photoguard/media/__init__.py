"""Opening photos and videos and turning them into frames ready for face detection.

Photos: JPEG, PNG (8- and 16-bit, with alpha), HEIC/HEIF, WebP, TIFF, BMP, GIF.
The EXIF orientation is applied before detection: phones store portrait photos
sideways with a tag that says so, and a detector that ignores the tag (as
face_recognition's own loader does) misses those faces. Animated GIF/WebP and
multi-page TIFF: every frame is checked.

Videos: every container and codec FFmpeg decodes (MP4, MOV, MKV, WebM, AVI, camcorder
MTS/M2TS, MPG, VOB, WMV, FLV, Ogg, DV, MXF ...), through PyAV, every video stream,
sampled by presentation time at ``settings.frames_per_second`` plus the first and the
last frame of each stream (see media/video.py).

Everything here fails loudly: a file that cannot be decoded completely raises
:class:`MediaError`, which the scan turns into an ``error`` verdict.
"""

from photoguard.formats import (
    PHOTO_SUFFIXES,
    SNIFF_BYTES,
    VIDEO_SUFFIXES,
    Kind,
    kind_of,
    sniff_kind,
)
from photoguard.media.frames import MAX_PIXELS, Frame, MediaError
from photoguard.media.photo import MAX_IMAGE_FRAMES, photo_frames, to_rgb
from photoguard.media.video import (
    VIDEO_SHORTFALL_FRAMES,
    VideoInfo,
    sampling_gap_s,
    video_frames,
)

__all__ = [
    "MAX_IMAGE_FRAMES",
    "MAX_PIXELS",
    "PHOTO_SUFFIXES",
    "SNIFF_BYTES",
    "VIDEO_SHORTFALL_FRAMES",
    "VIDEO_SUFFIXES",
    "Frame",
    "Kind",
    "MediaError",
    "VideoInfo",
    "kind_of",
    "photo_frames",
    "sampling_gap_s",
    "sniff_kind",
    "to_rgb",
    "video_frames",
]
