"""Titles and tags of videos: Matroska/WebM, AVI and the MP4/MOV fields beyond the title.

Real files: OpenCV's FFmpeg muxers write the MKV, AVI and MP4, and the tags are put
in as tag editors do it; the Matroska files OpenCV cannot write (titles, chapters,
live recordings) are built by tests/container_writers.py. Each file is checked to
still decode to its last frame, so the tags sit in files a school's videos could be.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from container_writers import (
    UNKNOWN,
    attachments,
    avi_append,
    avi_replace_info,
    chapters,
    check_decodes,
    chunk,
    clusters,
    ebml_header,
    el,
    info,
    info_list,
    matroska,
    mp4_append_to_moov,
    opencv_video,
    riff_list,
    simple_tag,
    tags,
    tracks,
    utf8,
    vint_size,
)
from container_writers import (
    fill_void as mkv_fill_void,
)
from test_metadata_mp4 import CountingFile
from test_metadata_samples import (
    alt,
    box,
    data_box,
    embedded,
    full_box,
    hdlr,
    itunes_udta,
    mp4_file,
    read_file,
    xmp_packet,
)

from photoguard.metadata import container_kind, read_caption_fields, read_embedded
from photoguard.metadata import matroska as mkv_reader
from photoguard.metadata.fields import Collector
from photoguard.roster.model import Student
from photoguard.roster.names import NameIndex

INDEX = NameIndex(
    [
        Student("1003", "Harington", "Christopher", preferred_name="Kit"),
        Student("1006", "Miranda", "Lin-Manuel"),
        Student("1008", "Smith", "John"),
        Student("1007", "Nobody", "Nemo"),
    ]
)


def names_in(path: Path) -> list[tuple[str, str, str]]:
    """(field, student, the text marked) for every full name the scan would find."""
    result = read_caption_fields(path, path.parent)
    return [
        (f.field, m.student_id, f.text[m.start : m.end])
        for f in result.fields
        for m in INDEX.find(f.text, file_name=f.is_path_name)
    ]


# --- Matroska / WebM ------------------------------------------------------------------


def test_tags_put_in_an_ffmpeg_mkv_are_read(tmp_path: Path) -> None:
    raw = opencv_video(tmp_path / "raw.mkv")
    tagged = mkv_fill_void(
        raw, tags(simple_tag("TITLE", "Kit Harington"), simple_tag("ARTIST", "miranda, lin"))
    )
    path = tmp_path / "concert.mkv"
    path.write_bytes(tagged)
    check_decodes(path)
    result = read_caption_fields(path, tmp_path)
    assert result.errors == ()
    fields = embedded(result)
    assert fields["Matroska:Tag:TITLE"] == ["Kit Harington"]
    # FFmpeg's own tags sit at the end, after the frames and the cues: read too.
    assert fields["Matroska:Tag:ENCODER"][0].startswith("Lavf")
    assert names_in(path) == [("Matroska:Tag:TITLE", "1003", "Kit Harington")]


def test_segment_title_track_names_chapters_and_attachments(tmp_path: Path) -> None:
    path = tmp_path / "play.mkv"
    path.write_bytes(
        matroska(
            info("HARINGTON KIT - spring play"),
            tracks("camera of John Smith"),
            clusters(),
            tags(
                simple_tag("COMMENT", "first act", simple_tag("SUBJECT", "nobody, nemo")),
                simple_tag("KEYWORDS", "play; #linmanuelmiranda"),
            ),
            chapters("Opening", "Kit Harington's solo"),
            attachments("notes_Nemo_Nobody.txt", "cast list"),
        )
    )
    check_decodes(path)
    assert names_in(path) == [
        ("Matroska:Title", "1003", "HARINGTON KIT"),
        ("Matroska:TrackName", "1008", "John Smith"),
        ("Matroska:Tag:SUBJECT", "1007", "nobody, nemo"),
        ("Matroska:Tag:KEYWORDS", "1006", "linmanuelmiranda"),
        ("Matroska:Chapter", "1003", "Kit Harington"),
        ("Matroska:AttachmentName", "1007", "Nemo_Nobody"),
    ]
    assert read_caption_fields(path).errors == ()


def test_webm_and_a_live_recording_with_unknown_sizes(tmp_path: Path) -> None:
    """OBS and browsers' MediaRecorder write WebM whose segment and clusters have no
    size: the tags after the frames are found all the same."""
    path = tmp_path / "stream.webm"
    path.write_bytes(
        matroska(
            info("class stream"),
            tracks(),
            clusters(unknown_size=True),
            tags(simple_tag("DESCRIPTION", "Lin-Manuel Miranda on stage")),
            doctype="webm",
            unknown_size=True,
        )
    )
    check_decodes(path)
    assert container_kind(path.read_bytes()[:16]) == "Matroska"
    assert names_in(path) == [("Matroska:Tag:DESCRIPTION", "1006", "Lin-Manuel Miranda")]


def test_two_segments_one_after_the_other_are_both_read(tmp_path: Path) -> None:
    one = matroska(info("part one"), tracks(), clusters())
    two = matroska(info("part two: John Smith"), tracks(), clusters())
    result = read_file(tmp_path, "joined.mkv", one + two)
    assert embedded(result)["Matroska:Title"] == ["part one", "part two: John Smith"]
    assert result.errors == ()


def test_a_first_name_only_title_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "kit.mkv"
    path.write_bytes(matroska(info("Kit's solo"), tracks(), clusters()))
    check_decodes(path)
    assert names_in(path) == [] and read_caption_fields(path).errors == ()


def _mkv_errors(tmp_path: Path, data: bytes) -> list[tuple[str, str]]:
    result = read_file(tmp_path, "bad.mkv", data)
    return [(e.field, e.detail) for e in result.errors]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        # cut short inside the tags at the end: what follows cannot be known
        (
            matroska(info(), tracks(), clusters(), tags(simple_tag("TITLE", "x" * 40)))[:-20],
            "runs past",
        ),
        # a child element larger than its parent
        (matroska(el(0x1549A966, b"\x7b\xa9\x90abc")), "runs past"),
        # an element whose ID is not valid
        (matroska(info()) + b"\x00\x01\x02\x03", "bad element ID"),
        # an element of unknown size where only a cluster may have one
        (matroska(el(0x1254C367, b"", size=UNKNOWN)), "no size"),
        # bytes after the segment that are not Matroska
        (matroska(info()) + b"garbage after the video", "could not be read"),
        (matroska(info()) + el(0x4286, b"\x01"), "unexpected element"),
        # an EBML header and nothing else
        (el(0x1A45DFA3, b""), "no Segment"),
    ],
)
def test_damaged_matroska_is_an_error(tmp_path: Path, data: bytes, why: str) -> None:
    errors = _mkv_errors(tmp_path, data)
    assert [f for f, _ in errors] == ["Matroska"]
    assert why in errors[0][1]


def test_tags_nested_without_end_are_refused(tmp_path: Path) -> None:
    inner = simple_tag("TITLE", "deep")
    for _ in range(mkv_reader.MAX_DEPTH + 2):
        inner = simple_tag("TITLE", "deeper", inner)
    errors = _mkv_errors(tmp_path, matroska(info(), tags(inner)))
    assert errors == [("Matroska", "could not be read: tags nested too deep")]


def test_a_value_too_large_to_check_is_an_error_for_that_field(tmp_path: Path) -> None:
    big = utf8(0x7BA9, "x" * (mkv_reader.MAX_VALUE + 1))
    result = read_file(
        tmp_path, "big.mkv", matroska(el(0x1549A966, big), tags(simple_tag("TITLE", "John Smith")))
    )
    assert [e.field for e in result.errors] == ["Matroska:Title"]
    assert embedded(result) == {"Matroska:Tag:TITLE": ["John Smith"]}


def test_a_huge_mkv_is_read_by_seeking(tmp_path: Path) -> None:
    """A 6 GB recording (sparse): what lies before the tags is skipped, not read."""
    path = tmp_path / "huge.mkv"
    skipped = 6 << 30
    before = info("huge") + tracks() + b"\xec" + vint_size(skipped, 8)
    after = tags(simple_tag("TITLE", "Kit Harington"))
    segment = b"\x18\x53\x80\x67" + vint_size(len(before) + skipped + len(after), 8)
    with path.open("wb") as f:
        f.write(ebml_header() + segment + before)
        try:
            f.seek(skipped, 1)
        except OSError:
            pytest.skip("this file system has no sparse files")
        f.write(after)
    out = Collector()
    with CountingFile(path, "r") as f:
        read_embedded(f, path.stat().st_size, out)
        assert f.bytes_read < 4096
    assert [(x.field, x.text) for x in out.fields] == [
        ("Matroska:Title", "huge"),
        ("Matroska:Tag:TITLE", "Kit Harington"),
    ]
    assert out.errors == []


# --- AVI ------------------------------------------------------------------------------


def test_avi_info_chunks_are_read(tmp_path: Path) -> None:
    raw = opencv_video(tmp_path / "raw.avi")
    path = tmp_path / "recital.avi"
    path.write_bytes(
        avi_replace_info(
            raw,
            info_list(
                [
                    (b"ISFT", "Lavf"),
                    (b"INAM", "Recital: Lin-Manuel Miranda"),
                    (b"ICMT", "smith, john"),
                    (b"IART", "KIT HARINGTON"),
                    (b"IKEY", "recital; nemonobody"),
                    (b"ISBJ", "first names only: Kit, John"),
                ]
            ),
        )
    )
    check_decodes(path)
    assert names_in(path) == [
        ("AVI:INAM", "1006", "Lin-Manuel Miranda"),
        ("AVI:ICMT", "1008", "smith, john"),
        ("AVI:IART", "1003", "KIT HARINGTON"),
        ("AVI:IKEY", "1007", "nemonobody"),
    ]
    assert read_caption_fields(path).errors == ()


def test_avi_info_after_the_frames_stream_names_and_xmp(tmp_path: Path) -> None:
    raw = opencv_video(tmp_path / "raw.avi")
    packet = xmp_packet("<dc:title>" + alt("Nemo Nobody") + "</dc:title>")
    path = tmp_path / "late.avi"
    path.write_bytes(
        avi_append(
            raw,
            info_list([(b"INAM", "John Smith")]),
            riff_list(b"hdrl", riff_list(b"strl", chunk(b"strn", b"Kit Harington cam\x00"))),
            chunk(b"_PMX", packet),
        )
    )
    check_decodes(path)
    assert names_in(path) == [
        ("AVI:INAM", "1008", "John Smith"),
        ("AVI:strn", "1003", "Kit Harington"),
        ("XMP:dc:title", "1007", "Nemo Nobody"),
    ]


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d[:-30],  # cut short inside the index
        lambda d: d + b"hidden text after the file",  # bytes after the RIFF
        lambda d: d[:4] + struct.pack("<I", len(d) + 100) + d[8:],  # RIFF larger than file
        lambda d: d[:4] + struct.pack("<I", 200) + d[8:],  # a RIFF that ends inside a list
    ],
)
def test_damaged_avi_is_an_error(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    raw = opencv_video(tmp_path / "raw.avi")
    result = read_file(tmp_path, "bad.avi", damage(raw))
    assert [e.field for e in result.errors] == ["AVI"]
    assert result.errors[0].detail.startswith("could not be read: ")


# --- MP4 / MOV ------------------------------------------------------------------------


def test_artist_album_keywords_and_descriptions_of_an_ffmpeg_mp4(tmp_path: Path) -> None:
    raw = opencv_video(tmp_path / "raw.mp4", "mp4v")
    path = tmp_path / "assembly.mp4"
    path.write_bytes(
        mp4_append_to_moov(
            raw,
            itunes_udta(
                box(b"\xa9nam", data_box("Spring assembly")),
                box(b"\xa9ART", data_box("John Smith")),
                box(b"aART", data_box("Room 4")),
                box(b"\xa9alb", data_box("Lin-Manuel Miranda and friends")),
                box(b"keyw", data_box("assembly, #kitharington")),
                box(b"desc", data_box("HARINGTON KIT")),
                box(b"ldes", data_box("A long description")),
                box(b"\xa9cmt", data_box("nobody, nemo")),
                box(b"\xa9day", data_box("2026")),
            ),
        )
    )
    check_decodes(path)
    assert names_in(path) == [
        ("MP4:artist", "1008", "John Smith"),
        ("MP4:album", "1006", "Lin-Manuel Miranda"),
        ("MP4:keywords", "1003", "kitharington"),
        ("MP4:description", "1003", "HARINGTON KIT"),
        ("MP4:comment", "1007", "nobody, nemo"),
    ]
    assert read_caption_fields(path).errors == ()


def test_more_mp4_places_for_names(tmp_path: Path) -> None:
    def key(name: str) -> bytes:
        raw = name.encode()
        return struct.pack(">I", 8 + len(raw)) + b"mdta" + raw

    def qt_text(text: str) -> bytes:
        raw = text.encode("utf-8")
        return struct.pack(">HH", len(raw), 0x15C7) + raw

    def three_gpp(text: str) -> bytes:
        return b"\x00" * 4 + b"\x15\xc7" + text.encode() + b"\x00"

    keys = full_box(
        b"keys",
        struct.pack(">I", 3),
        key("com.apple.quicktime.artist"),
        key("keywords"),
        key("com.apple.quicktime.make"),
    )
    apple = box(
        b"meta",
        hdlr(b"mdta"),
        keys,
        box(
            b"ilst",
            box(struct.pack(">I", 1), data_box("John Smith")),
            box(struct.pack(">I", 2), data_box("nemonobody")),
            box(struct.pack(">I", 3), data_box("Apple")),
        ),
    )
    free_form = box(
        b"----",
        full_box(b"mean", b"com.apple.iTunes"),
        full_box(b"name", b"PERFORMER"),
        data_box("Lin-Manuel Miranda"),
    )
    kywd = (
        b"\x00" * 4
        + b"\x15\xc7"
        + bytes([2])
        + bytes([5])
        + b"music"
        + bytes([12])
        + b"kitharington"
    )
    track = box(
        b"trak",
        box(b"tkhd", b"\x00" * 84),
        box(b"udta", box(b"name", b"Nemo Nobody camera"), box(b"\xa9nam", qt_text("John Smith"))),
    )
    packet = xmp_packet(
        "<dc:creator><rdf:Seq><rdf:li>x</rdf:li></rdf:Seq></dc:creator><dc:title>"
        + alt("Kit Harington")
        + "</dc:title>"
    )
    data = mp4_file(
        apple,
        itunes_udta(free_form),
        box(
            b"udta",
            box(b"\xa9ART", qt_text("KIT HARINGTON")),
            box(b"auth", three_gpp("smith, john")),
            box(b"kywd", kywd),
        ),
        track,
        box(b"uuid", bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC"), packet),
    )
    path = tmp_path / "IMG_0001.MOV"
    path.write_bytes(data)
    assert names_in(path) == [
        ("QuickTime:com.apple.quicktime.artist", "1008", "John Smith"),
        ("QuickTime:keywords", "1007", "nemonobody"),
        ("MP4:----:PERFORMER", "1006", "Lin-Manuel Miranda"),
        ("QuickTime:artist", "1003", "KIT HARINGTON"),
        ("3GPP:author", "1008", "smith, john"),
        ("3GPP:keywords", "1003", "kitharington"),
        ("QuickTime:name", "1007", "Nemo Nobody"),
        ("QuickTime:title", "1008", "John Smith"),
        ("XMP:dc:title", "1003", "Kit Harington"),
    ]
    assert read_caption_fields(path).errors == ()


def test_a_damaged_3gpp_keywords_box_is_an_error(tmp_path: Path) -> None:
    kywd = b"\x00" * 4 + b"\x15\xc7" + bytes([3]) + bytes([5]) + b"music"
    result = read_file(tmp_path, "a.3gp", mp4_file(box(b"udta", box(b"kywd", kywd))))
    assert [e.field for e in result.errors] == ["MP4:kywd"]


# --- the scan cache -------------------------------------------------------------------


def test_captions_cached_by_older_readers_are_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan cache keeps the captions read inside a file for 30 days: a file cached
    before these readers existed (an MKV whose title was never read) must not be
    served from it."""
    from photoguard import metadata
    from photoguard.scan import cache
    from photoguard.scan.analysis import AnalysisOptions

    options = AnalysisOptions(48, 4.0, True)
    now = cache.cache_key("ab" * 32, "video", options)
    monkeypatch.setattr(metadata, "READERS_VERSION", metadata.READERS_VERSION - 1)
    monkeypatch.setattr(cache, "READERS_VERSION", metadata.READERS_VERSION)
    assert cache.cache_key("ab" * 32, "video", options) != now


def test_zero_padding_after_the_video_is_not_damage(tmp_path: Path) -> None:
    mkv = matroska(info("John Smith"), tracks(), clusters())
    avi = opencv_video(tmp_path / "raw.avi")
    for name, data in (("pad.mkv", mkv), ("pad.avi", avi)):
        result = read_file(tmp_path, name, data + b"\x00" * 4000)
        assert result.errors == (), name
