"""photoguard.media.preview: the pictures the app shows, in the coordinates of the report's boxes.

Core code (no Qt); tested here because the app is what needs it.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoguard.media.preview import PreviewError, thumbnail, upright_image, video_frame


def sideways_jpeg(path: Path) -> Path:
    """A 400x200 photo stored sideways (EXIF orientation 6: shown 200 wide, 400 tall)."""
    pixels = np.zeros((200, 400, 3), dtype=np.uint8)
    pixels[:, :200] = (255, 0, 0)  # left half red as stored: the top once upright
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path, "JPEG", exif=exif.tobytes(), quality=95)
    return path


def test_a_sideways_phone_photo_is_shown_upright_in_box_coordinates(tmp_path: Path) -> None:
    picture = upright_image(sideways_jpeg(tmp_path / "portrait.jpg"))
    assert (picture.width, picture.height) == (200, 400)  # the space the boxes are in
    assert picture.image.size == (200, 400)
    top = picture.image.getpixel((100, 20))
    bottom = picture.image.getpixel((100, 380))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and bottom[0] < 50  # red at the top once turned upright


def test_large_pictures_are_shrunk_but_keep_the_original_size(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    Image.new("RGB", (3000, 1500), (10, 20, 30)).save(path)
    picture = upright_image(path, max_px=600)
    assert picture.image.size == (600, 300)
    assert (picture.width, picture.height) == (3000, 1500)
    assert picture.scale == pytest.approx(0.2)
    small = thumbnail(path, "photo")
    assert max(small.image.size) == 256


def test_sixteen_bit_and_transparent_images_become_rgb(tmp_path: Path) -> None:
    gray = tmp_path / "gray16.png"
    Image.fromarray(np.full((40, 60), 40000, dtype=np.uint16)).save(gray)
    assert upright_image(gray).image.mode == "RGB"
    rgba = tmp_path / "alpha.png"
    Image.new("RGBA", (30, 30), (255, 0, 0, 0)).save(rgba)
    assert upright_image(rgba).image.mode == "RGB"


def test_what_cannot_be_shown_says_why(tmp_path: Path) -> None:
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not a picture at all")
    with pytest.raises(PreviewError, match="cannot be shown"):
        upright_image(junk)
    with pytest.raises(PreviewError, match=r"not a readable video|would not decode"):
        video_frame(junk, 1.0)
    truncated = tmp_path / "cut.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (1, 2, 3)).save(buffer, "JPEG")
    truncated.write_bytes(buffer.getvalue()[:200])
    with pytest.raises(PreviewError):
        upright_image(truncated)


@pytest.mark.faces
def test_a_video_frame_at_a_time_and_its_size(fixtures_dir: Path) -> None:
    video = fixtures_dir / "video" / "short_hamilton_clip.mp4"
    frame = video_frame(video, 3.3, max_px=320)
    assert (frame.width, frame.height) == (640, 360)
    assert frame.image.size == (320, 180)
    assert frame.time_s == 3.3
    first = thumbnail(video, "video")
    assert first.image.size == (256, 144)
    assert not np.array_equal(np.asarray(first.image.resize((320, 180))), np.asarray(frame.image))
