"""Videos: every video stream decoded by FFmpeg (through PyAV), sampled by presentation time.

Any container and codec FFmpeg decodes is read: MP4, MOV, MKV, WebM, AVI, camcorder
MPEG-TS (.MTS, .M2TS), MPEG program streams (.MPG, .VOB), ASF (.WMV), FLV, Ogg, DV,
MXF, 3GP ... with H.264, HEVC, AV1, VP8/9, MPEG-1/2/4, WMV, DV and the rest.

Sampling. At the instants 0, 1/r, 2/r ... seconds from the start of the video
(r = ``settings.frames_per_second``), the frame *on screen* at that instant is
searched: the last frame whose presentation time (PTS) is at or before it. The first
and the last frame of every stream are searched too. Frames are never picked by
frame number and average frame rate: in a variable-frame-rate file (a screen
recording, a phone video) frame numbers name the wrong frames, and a frame shown
for three seconds could be missed. A frame on screen at several instants is searched
once; every time reported is the frame's own presentation time. A face on screen for
less than 1/r seconds (between two instants) may be missed: the report says so for
each video (:func:`sampling_gap_s`).

Fail closed. The file is an error, never clear, when:

* any video stream cannot be decoded (an unknown codec, a damaged packet);
* FFmpeg reports a frame as damaged: decoders hide damage by filling in grey or
  copying the last good picture ("concealment"), which can hide a face, so a frame
  flagged corrupt (``Frame.is_corrupt``) stops the check. Measured on eight H.264
  clips with 20 flipped bits each: all eight have flagged frames (13-20 of 275), as
  have MPEG-4 Part 2 and MPEG-2 clips damaged the same way; the clean clips have none;
* a stream stops short of the frame count or the duration its container declares
  (:data:`VIDEO_SHORTFALL_FRAMES`, :data:`VIDEO_SHORTFALL_S`).

Every video stream is checked, not only the first (a second camera angle, a picture
in picture track, or cover art stored as a picture stream). FFmpeg's own messages
are never printed: PyAV leaves FFmpeg's log off unless asked, and what went wrong
comes back as one plain sentence in a :class:`MediaError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from photoguard.media.frames import MAX_PIXELS, Frame, MediaError, resize
from photoguard.media.scale import detection_scale

#: A stream whose frames stop this many frames short of the count its container
#: declares is an error (a frame or two of slack: containers count frames that
#: decoders drop, such as a lone frame before the first key frame).
VIDEO_SHORTFALL_FRAMES = 3
#: ... or this many seconds short of the duration its container declares for it.
#: Where only the whole file's duration is known (it also covers the audio, which
#: may run a little past the pictures) the slack is :data:`FILE_SHORTFALL_S`.
VIDEO_SHORTFALL_S = 0.5
FILE_SHORTFALL_S = 1.0

#: Containers that point at other files or at the network instead of holding the
#: pictures (playlists, concatenation lists, session descriptions): never followed.
_REFERENCE_FORMATS = frozenset(
    {"hls", "dash", "concat", "ffconcat", "sdp", "rtp", "rtsp", "tee", "lavfi"}
)
#: FFmpeg's readers of still pictures (and numbered sequences of them): not videos.
_STILL_FORMATS = frozenset({"image2", "image2pipe"})


@dataclass(frozen=True)
class VideoInfo:
    """What the decoder learnt about a whole video (every part decodes all of it)."""

    width: int
    height: int
    #: Seconds from the first frame to the end of the last one (the longest stream).
    duration_s: float
    #: Frames decoded, every video stream together.
    frames: int
    #: Video streams checked (cover art stored as a picture stream counts).
    streams: int = 1


def sampling_gap_s(frames_per_second: float) -> float:
    """How long a face can be on screen and still fall between two sampled instants."""
    return 1.0 / frames_per_second


@dataclass
class _Stream:
    """One video stream being decoded: the frame on screen now, until the next arrives."""

    stream: Any
    #: Cover art: one picture with no place in time.
    still: bool
    declared: int
    #: End (seconds on the container's clock) the container declares, and the slack.
    expected_end: float | None
    slack_s: float
    decoded: int = 0
    pending: Any = None
    pending_t: float = 0.0
    pending_selected: bool = False
    last_end: float = 0.0


def video_frames(
    path: Path,
    frames_per_second: float,
    min_face_px: int,
    info_out: list[VideoInfo] | None = None,
    keep: Callable[[int], bool] | None = None,
) -> Iterator[Frame]:
    """The sampled frames of every video stream (see the module's docstring). Raises
    MediaError if the video cannot be opened, is damaged, or stops short.

    Sampled frames are numbered from 0 in decoding order; ``keep(n)`` chooses which are
    converted and yielded. Every frame is still decoded, so every caller (every part
    of a video shared between workers) sees the same samples and finds a damaged or
    cut-short video. ``info_out`` receives a :class:`VideoInfo` once the whole video
    was decoded.
    """
    import av

    try:
        # Local files only: a playlist must not make FFmpeg reach the network.
        container = av.open(
            str(path), options={"protocol_whitelist": "file"}, metadata_errors="ignore"
        )
    except av.error.FFmpegError as exc:
        raise MediaError(f"not a readable video ({_plain(exc)})") from None
    try:
        yield from _sampled(container, frames_per_second, min_face_px, info_out, keep)
    except av.error.FFmpegError as exc:
        raise MediaError(f"the video is damaged and could not be decoded ({_plain(exc)})") from None
    finally:
        container.close()


def _sampled(
    container: Any,
    frames_per_second: float,
    min_face_px: int,
    info_out: list[VideoInfo] | None,
    keep: Callable[[int], bool] | None,
) -> Iterator[Frame]:
    _refuse_format(container.format.name)
    found = list(container.streams.video)
    if not found:
        raise MediaError("not a readable video (it has no picture track)")
    streams: dict[int, _Stream] = {}
    for stream in found:
        cc = stream.codec_context
        if cc is None:
            raise MediaError("the video uses a picture format photoguard cannot decode")
        width, height = int(cc.width or 0), int(cc.height or 0)
        if width * height > MAX_PIXELS:
            raise MediaError(
                f"too large to check safely: the video says its frames are {width} x {height} "
                f"pixels, more than the {MAX_PIXELS:,} photoguard decodes"
            )
        # One thread: one worker process per core already, and FFmpeg's H.264 decoder
        # flags concealed damage only when decoding on one thread (measured: 20 flipped
        # bits, 11-16 of 90 frames flagged on one thread, none with slice threads).
        cc.thread_count = 1
        streams[stream.index] = _describe(container, stream, len(found))
    origin = _origin(found)
    number = 0
    first_size: tuple[int, int] | None = None

    def emit(s: _Stream, frame: Any, t: float) -> Iterator[Frame]:
        nonlocal number, first_size
        n = number
        number += 1
        if keep is not None and not keep(n):
            return  # another part searches this sample
        rgb = _upright(frame)
        if first_size is None and not s.still:
            first_size = (rgb.shape[1], rgb.shape[0])
        yield _video_frame(rgb, min_face_px, None if s.still else max(0.0, t - origin))

    # Damage stops the search but not the decoding: a video cut short also shows damage
    # where its data ends, and "it stopped at 5.5 s of 9.2 s" says more than "damaged".
    damaged_at: float | None = None
    for packet, decoded in _decoded(container, found):
        s = streams[packet.stream.index] if packet is not None else None
        if s is None or decoded is None:  # a packet that would not decode, or unreadable data
            if damaged_at is None:
                damaged_at = max(0.0, (s.pending_t if s else _latest(streams)) - origin)
            continue
        for frame in decoded:
            t = s.pending_t if frame.time is None else float(frame.time)
            if frame.width * frame.height > MAX_PIXELS:
                raise MediaError(
                    f"too large to check safely: a frame is {frame.width} x {frame.height} "
                    f"pixels, more than the {MAX_PIXELS:,} photoguard decodes"
                )
            s.decoded += 1
            s.last_end = max(s.last_end, t + _frame_duration(frame, s.stream))
            if damaged_at is None and frame.is_corrupt:
                damaged_at = max(0.0, t - origin)
            if damaged_at is not None:
                continue
            if s.pending is None:  # the first frame: always searched
                yield from emit(s, frame, t)
                s.pending, s.pending_t, s.pending_selected = frame, t, True
                continue
            if not s.pending_selected and (
                s.still or _on_screen_at_an_instant(s.pending_t, t, origin, frames_per_second)
            ):
                yield from emit(s, s.pending, s.pending_t)
            s.pending, s.pending_t, s.pending_selected = frame, t, False
    for s in streams.values():
        _check_complete(s, origin, len(streams))
    if damaged_at is not None:
        raise MediaError(
            f"the video is damaged at {damaged_at:.1f} s: a picture there does not decode "
            "cleanly, and what is missing could hide a face"
        )
    for s in streams.values():
        if s.pending is not None and not s.pending_selected:
            yield from emit(s, s.pending, s.pending_t)  # the last frame: always searched
        s.pending = None
    if info_out is not None:
        moving = [s.stream for s in streams.values() if not s.still]
        w, h = first_size or _header_size((moving or found)[0])
        ends = [s.last_end for s in streams.values() if not s.still]
        duration = max(0.0, max(ends) - origin) if ends else 0.0
        total = sum(s.decoded for s in streams.values())
        info_out.append(VideoInfo(w, h, duration, total, len(streams)))


def _decoded(container: Any, found: list[Any]) -> Iterator[tuple[Any, list[Any] | None]]:
    """(packet, its frames) in file order; (packet, None) for a packet the decoder
    refused and (None, None) where the file could not be read further (then it stops)."""
    import av

    packets = container.demux(*found)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.error.FFmpegError:
            yield None, None
            return
        try:
            yield packet, list(packet.decode())
        except av.error.FFmpegError:
            yield packet, None


def _latest(streams: dict[int, _Stream]) -> float:
    return max((s.pending_t for s in streams.values()), default=0.0)


def _refuse_format(name: str) -> None:
    if name in _REFERENCE_FORMATS:
        raise MediaError(
            f"not a readable video: it is a list that points at other files ({name}); "
            "check those files instead"
        )
    if name in _STILL_FORMATS or name.endswith("_pipe"):
        raise MediaError("not a readable video (FFmpeg reads it as a still picture)")


def _on_screen_at_an_instant(start: float, end: float, origin: float, rate: float) -> bool:
    """Is a sampling instant k / rate (k = 0, 1, ...) in [start, end) on the video's clock?
    A frame whose successor does not come later (no usable times) is searched."""
    if not end > start:
        return True
    eps = 1e-6
    k = math.ceil((start - origin) * rate - eps)
    return k / rate < (end - origin) - eps


def _origin(streams: list[Any]) -> float:
    """The video's time zero: where its earliest picture stream starts."""
    starts = [
        float(s.start_time * s.time_base)
        for s in streams
        if s.start_time is not None and s.time_base is not None and not _is_still(s)
    ]
    return min(starts) if starts else 0.0


def _is_still(stream: Any) -> bool:
    import av

    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _describe(container: Any, stream: Any, n_streams: int) -> _Stream:
    still = _is_still(stream)
    declared = int(stream.frames or 0)
    expected_end: float | None = None
    slack = VIDEO_SHORTFALL_S
    start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
    if stream.duration and stream.time_base is not None:
        expected_end = start + float(stream.duration * stream.time_base)
    elif (tagged := _tag_duration(stream.metadata.get("DURATION"))) is not None:
        expected_end = start + tagged
    elif container.duration and n_streams == 1:
        c_start = (container.start_time or 0) / 1_000_000
        expected_end = c_start + container.duration / 1_000_000
        slack = FILE_SHORTFALL_S
    return _Stream(stream, still, declared, expected_end, slack)


def _tag_duration(value: object) -> float | None:
    """Matroska's per-track DURATION tag, "HH:MM:SS.nnnnnnnnn", in seconds."""
    if not isinstance(value, str):
        return None
    try:
        h, m, sec = value.strip().split(":")
        seconds = int(h) * 3600 + int(m) * 60 + float(sec)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _frame_duration(frame: Any, stream: Any) -> float:
    if frame.duration and frame.time_base is not None:
        return float(frame.duration * frame.time_base)
    rate = stream.average_rate or stream.guessed_rate
    return float(1 / rate) if rate else 0.0


def _check_complete(s: _Stream, origin: float, n_streams: int) -> None:
    which = "" if n_streams == 1 else f" (picture track {s.stream.index + 1})"
    if s.decoded == 0:
        raise MediaError(f"the video has no frames that decode{which}")
    if s.still:
        return
    if s.declared > 0 and s.decoded < s.declared - VIDEO_SHORTFALL_FRAMES:
        rate = s.stream.average_rate or s.stream.guessed_rate
        if s.expected_end is not None:
            expected = f"{max(0.0, s.expected_end - origin):.1f} s"
        elif rate:
            expected = f"{float(s.declared / rate):.1f} s"
        else:
            expected = f"the {s.declared} frames it declares"
        raise MediaError(
            f"the video stopped decoding at {max(0.0, s.last_end - origin):.1f} s "
            f"of {expected}{which}"
        )
    if s.expected_end is not None and s.last_end < s.expected_end - s.slack_s:
        raise MediaError(
            f"the video stopped decoding at {max(0.0, s.last_end - origin):.1f} s of "
            f"{max(0.0, s.expected_end - origin):.1f} s{which}"
        )


def _upright(frame: Any) -> np.ndarray:
    """RGB pixels as the video is shown: turned by the rotation the container declares
    (phones store portrait video sideways with a display matrix that says so)."""
    rgb = frame.to_ndarray(format="rgb24")
    turns = round(float(frame.rotation or 0) / 90) % 4
    if turns:
        rgb = np.rot90(rgb, turns)
    return np.ascontiguousarray(rgb)


def _header_size(stream: Any) -> tuple[int, int]:
    cc = stream.codec_context
    return int(cc.width or 0), int(cc.height or 0)


def _video_frame(rgb: np.ndarray, min_face_px: int, time_s: float | None) -> Frame:
    h, w = rgb.shape[:2]
    scale = detection_scale(w, h, min_face_px)
    target = (max(1, round(w * scale)), max(1, round(h * scale)))
    return Frame(image=resize(rgb, *target), scale=scale, width=w, height=h, time_s=time_s)


def _plain(exc: Exception) -> str:
    """FFmpeg's error without its errno and function names: "Invalid data found ..."."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip().rstrip(".").lower() or type(exc).__name__


def frame_at(path: Path, time_s: float) -> np.ndarray:
    """The upright RGB frame on screen ``time_s`` seconds into a video, on the clock the
    scan reports times on (for showing a finding; nothing is checked here). Raises
    MediaError when the video cannot be read up to there."""
    import av

    try:
        container = av.open(
            str(path), options={"protocol_whitelist": "file"}, metadata_errors="ignore"
        )
    except av.error.FFmpegError as exc:
        raise MediaError(f"not a readable video ({_plain(exc)})") from None
    try:
        _refuse_format(container.format.name)
        moving = [s for s in container.streams.video if not _is_still(s)]
        if not moving:
            raise MediaError("not a readable video (it has no picture track)")
        stream = moving[0]
        stream.codec_context.thread_count = 1
        target = _origin(moving) + max(0.0, time_s)
        if time_s > 0 and stream.time_base is not None:
            # To the key frame at or before the time, then decode forward to it.
            container.seek(int(target / stream.time_base), stream=stream, backward=True)
        shown = None
        for frame in container.decode(stream):
            if shown is not None and frame.time is not None and frame.time > target + 1e-6:
                break
            shown = frame
        if shown is None:
            raise MediaError(f"the frame at {time_s:.1f} s would not decode")
        return _upright(shown)
    except av.error.FFmpegError as exc:
        raise MediaError(f"the frame at {time_s:.1f} s would not decode ({_plain(exc)})") from None
    finally:
        container.close()
