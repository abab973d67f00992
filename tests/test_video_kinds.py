"""Which files are videos: camcorder, DVD, Windows, Flash and web formats are recognised
by their contents (whatever they are called) and by their names; sound-only files and
text are not videos; a list that points at other files is never followed."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from photoguard.media import SNIFF_BYTES, MediaError, kind_of, sniff_kind, video_frames

#: Real files from FFmpeg's own muxers: name -> (container, codec, options).
CONTAINERS = {
    "clip.mts": ("mpegts", "libx264", {}),
    "clip.m2ts": ("mpegts", "mpeg2video", {"mpegts_m2ts_mode": "1"}),
    "clip.mpg": ("mpeg", "mpeg1video", {}),
    "clip.vob": ("vob", "mpeg2video", {}),
    "clip.wmv": ("asf", "wmv2", {}),
    "clip.flv": ("flv", "flv", {}),
    "clip.ogv": ("ogg", "libvpx", {}),
    "clip.mxf": ("mxf", "mpeg2video", {}),
    "clip.rm": ("rm", "rv20", {}),
    "clip.dv": ("dv", "dvvideo", {}),
}


def _clip(path: Path, container: str, codec: str, options: dict[str, str]) -> Path:
    import av

    size = (720, 576) if codec == "dvvideo" else (176, 144)
    out = av.open(str(path), "w", format=container, options=options)
    try:
        stream = out.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.codec_context.time_base = Fraction(1, 25)
        rng = np.random.default_rng(1)
        for i in range(5):
            rgb = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 25)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    finally:
        out.close()
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("containers")
    return {name: _clip(d / name, *spec) for name, spec in CONTAINERS.items()}


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(SNIFF_BYTES)


@pytest.mark.parametrize("name", sorted(CONTAINERS))
def test_each_container_is_a_video_by_content_and_by_name(
    clips: dict[str, Path], name: str
) -> None:
    head = _head(clips[name])
    assert sniff_kind(head) == "video"
    assert kind_of(Path("from_the_card.bin"), head) == "video"  # renamed: content decides
    assert kind_of(Path(name.upper()), b"") == "video"  # unreadable: the name decides
    info: list = []
    frames = list(video_frames(clips[name], 4.0, 48, info))
    assert frames and info[0].frames == 5


def _ogg_page(packet: bytes, *, first: bool, serial: int = 1) -> bytes:
    header = b"OggS" + bytes([0, 0x02 if first else 0]) + bytes(8)
    header += struct.pack("<III", serial, 0, 0) + bytes([1, len(packet)])
    return header + packet


def test_ogg_is_a_video_when_a_stream_is_theora_and_sound_when_all_are_audio() -> None:
    theora = b"\x80theora" + bytes(34)
    vorbis = b"\x01vorbis" + bytes(23)
    comment = b"\x03vorbis" + bytes(20)
    # Vorbis first, then Theora: still a video (every stream's first page comes first).
    video = _ogg_page(vorbis, first=True) + _ogg_page(theora, first=True, serial=2)
    assert sniff_kind(video) == "video"
    assert kind_of(Path("school_play.ogg"), video) == "video"
    sound = _ogg_page(vorbis, first=True) + _ogg_page(comment, first=False)
    assert sniff_kind(sound) is None
    assert kind_of(Path("song.ogg"), sound) is None
    assert kind_of(Path("song.ogv"), sound) is None  # named as video, holds only sound


def test_sound_only_containers_are_not_videos() -> None:
    m4a = struct.pack(">I", 24) + b"ftypM4A " + bytes(4) + b"M4A isom"
    assert kind_of(Path("voice_memo.m4a"), m4a) is None
    asf_header = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + bytes(100)
    assert kind_of(Path("song.wma"), asf_header) is None
    # An ASF file whose first bytes list no stream may still hold video: FFmpeg decides.
    assert kind_of(Path("lecture.asf"), asf_header) == "video"


def test_typescript_source_is_not_a_transport_stream(tmp_path: Path) -> None:
    code = b"export function add(a: number, b: number): number {\n  return a + b;\n}\n"
    assert kind_of(Path("add.ts"), code) is None
    # Binary data named .ts that does not look like a transport stream is still tried.
    assert kind_of(Path("damaged.ts"), bytes(range(256)) * 4) == "video"


def test_a_list_that_points_at_other_files_is_not_followed(
    tmp_path: Path, clips: dict[str, Path]
) -> None:
    import shutil

    shutil.copyfile(clips["clip.mts"], tmp_path / "other.mts")
    playlist = tmp_path / "clip.mts"
    playlist.write_text("ffconcat version 1.0\nfile 'other.mts'\n")
    with pytest.raises(MediaError, match="points at other files"):
        list(video_frames(playlist, 4.0, 48))
    playlist.write_text(f"ffconcat version 1.0\nfile '{tmp_path / 'other.mts'}'\n")
    with pytest.raises(MediaError):
        list(video_frames(playlist, 4.0, 48))
