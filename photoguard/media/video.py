"""Videos: sampled frames through OpenCV, at detection scale.

MP4, MOV, M4V, AVI, MKV, sampled at ``settings.frames_per_second`` plus the first
and the last frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from photoguard.faces import detection_scale
from photoguard.media.frames import MAX_PIXELS, Frame, MediaError, resize

#: A video whose frames stop this far short of what its header says is an error.
VIDEO_SHORTFALL_FRAMES = 3


@dataclass(frozen=True)
class VideoInfo:
    fps: float
    frame_count: int
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 else 0.0


def video_frames(
    path: Path,
    frames_per_second: float,
    min_face_px: int,
    info_out: list[VideoInfo] | None = None,
    keep: Callable[[int], bool] | None = None,
) -> Iterator[Frame]:
    """Sampled frames of a video: ``frames_per_second`` of them per second, plus the first
    and the last. Raises MediaError if the video cannot be opened or stops decoding early.

    ``keep(n)`` chooses which samples (numbered from 0 in time order) are converted and
    yielded; every frame is still decoded, so a video cut short is found by every caller.
    """
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise MediaError("not a readable video (OpenCV could not open it)")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not math.isfinite(fps) or fps <= 0 or fps > 1000:
            raise MediaError("the video does not say its frame rate, so it cannot be sampled")
        declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        if width <= 0 or height <= 0:
            raise MediaError("the video has no picture to check (its frames have no size)")
        if width * height > MAX_PIXELS:
            raise MediaError(
                f"too large to check safely: the video says its frames are {width} x {height} "
                f"pixels, more than the {MAX_PIXELS:,} photoguard decodes"
            )
        if declared <= 0:
            # Without a frame count, a video that stops decoding early looks complete.
            raise MediaError(
                "the video does not say how many frames it has, so it cannot be shown "
                "that every part of it was checked"
            )
        if info_out is not None:
            info_out.append(VideoInfo(fps, declared, width, height))
        step = max(1, round(fps / frames_per_second))
        index = -1
        last: tuple[int, np.ndarray] | None = None
        last_regular = -1
        scale = 0.0
        while True:
            if not cap.grab():
                break
            index += 1
            near_end = declared > 0 and index >= declared - VIDEO_SHORTFALL_FRAMES - 1
            if index % step and not near_end:
                continue
            if index % step == 0:
                last_regular = index
                if keep is not None and not keep(index // step) and not near_end:
                    continue  # another worker searches this sample
            ok, bgr = cap.retrieve()
            if not ok or bgr is None:
                raise MediaError(f"frame {index} ({index / fps:.1f} s) would not decode")
            rgb = np.ascontiguousarray(bgr[:, :, ::-1])
            h, w = rgb.shape[:2]
            scale = detection_scale(w, h, min_face_px)
            if index % step == 0:
                if keep is None or keep(index // step):
                    yield _video_frame(rgb, scale, index / fps)
            else:
                last = (index, rgb)
        if index < 0:
            raise MediaError("the video has no frames that decode")
        if declared > 0 and index + 1 < declared - VIDEO_SHORTFALL_FRAMES:
            raise MediaError(
                f"the video stopped decoding at {(index + 1) / fps:.1f} s of {declared / fps:.1f} s"
            )
        if last is not None and last[0] > last_regular:
            number = last_regular // step + 1  # the sample after the last regular one
            if keep is None or keep(number):
                yield _video_frame(last[1], scale, last[0] / fps)
    finally:
        cap.release()


def _video_frame(rgb: np.ndarray, scale: float, time_s: float) -> Frame:
    h, w = rgb.shape[:2]
    target = (max(1, round(w * scale)), max(1, round(h * scale)))
    return Frame(image=resize(rgb, *target), scale=scale, width=w, height=h, time_s=time_s)
