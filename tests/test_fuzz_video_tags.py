"""Arbitrary and damaged bytes never crash the Matroska and AVI readers, the MP4 reader's
new boxes, or the Takeout sidecar matcher; the name matcher's spans stay true on text
with escapes and invisible characters.

As in test_fuzz_metadata.py: random bytes behind the right signature, and real
samples with bytes flipped, cut or inserted. Bounded so the file runs in seconds.
"""

from __future__ import annotations

import io
import struct

from container_writers import (
    attachments,
    avi_append,
    chapters,
    chunk,
    clusters,
    el,
    info,
    info_list,
    matroska,
    riff_list,
    simple_tag,
    tags,
    tracks,
)
from fuzzing import FUZZ, assert_one_line
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_metadata import check, mutated
from test_metadata_samples import box, data_box, full_box, itunes_udta, mp4_file

from photoguard.metadata import read_embedded, sidecars
from photoguard.metadata.fields import Collector
from photoguard.roster.first_names import first_name_only
from photoguard.roster.model import Student
from photoguard.roster.names import NameIndex


def run_container(data: bytes) -> Collector:
    out = Collector()
    read_embedded(io.BytesIO(data), len(data), out)
    check(out)
    # read_embedded turns a reader's unexpected exception into an error: none may happen.
    assert not [e for e in out.errors if e.detail.startswith("metadata could not be read")]
    for e in out.errors:
        assert_one_line(e.detail)
    return out


MKV = matroska(
    info("Kit Harington"),
    tracks("John Smith"),
    clusters(),
    tags(simple_tag("TITLE", "t", simple_tag("SORT_WITH", "s"))),
    chapters("a", "b"),
    attachments("n.txt", "d"),
)
LIVE = matroska(
    info("live"),
    tracks(),
    clusters(unknown_size=True),
    tags(simple_tag("T", "x")),
    unknown_size=True,
)


def _avi() -> bytes:
    hdrl = riff_list(
        b"hdrl", chunk(b"avih", b"\x00" * 56), riff_list(b"strl", chunk(b"strn", b"cam\x00"))
    )
    movi = riff_list(b"movi", chunk(b"00dc", b"\xff\xd8\xff\xd9"))
    body = (
        b"AVI "
        + hdrl
        + info_list([(b"INAM", "Kit Harington")])
        + movi
        + chunk(b"idx1", b"\x00" * 16)
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


AVI = avi_append(_avi(), chunk(b"_PMX", b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>"))
MP4 = mp4_file(
    itunes_udta(
        box(b"\xa9ART", data_box("a")),
        box(
            b"----", full_box(b"mean", b"com.apple.iTunes"), full_box(b"name", b"N"), data_box("v")
        ),
    ),
    box(b"udta", box(b"kywd", b"\x00" * 6 + b"\x01\x01k"), box(b"auth", b"\x00" * 6 + b"x")),
    box(b"trak", box(b"udta", box(b"name", b"track"))),
)


def test_the_samples_are_read_whole() -> None:
    for sample in (MKV, LIVE, AVI, MP4):
        out = run_container(sample)
        assert out.errors == [] and out.fields


@FUZZ
@given(st.binary(max_size=2048))
def test_matroska_reader_survives_random_bytes(data: bytes) -> None:
    run_container(b"\x1a\x45\xdf\xa3" + data)


@FUZZ
@given(st.one_of(mutated(MKV), mutated(LIVE)))
def test_matroska_reader_survives_damaged_files(data: bytes) -> None:
    run_container(data)


#: Element IDs (EBML, Segment, Cluster, Tags, Tag, SimpleTag, Void, TagName, TagString) and
#: sizes (unknown, 0, 1) to build element soup from.
ELEMENT_BYTES = [
    b"\x1a\x45\xdf\xa3", b"\x18\x53\x80\x67", b"\x1f\x43\xb6\x75", b"\x12\x54\xc3\x67",
    b"\x73\x73", b"\x67\xc8", b"\xec", b"\x45\xa3", b"\x44\x87",
    b"\x01\xff\xff\xff\xff\xff\xff\xff", b"\x80", b"\x81",
]  # fmt: skip


@FUZZ
@given(st.lists(st.sampled_from(ELEMENT_BYTES), max_size=60).map(b"".join))
def test_matroska_reader_survives_element_soup(data: bytes) -> None:
    run_container(b"\x1a\x45\xdf\xa3\x80" + data)


@FUZZ
@given(st.binary(max_size=2048))
def test_avi_reader_survives_random_bytes(data: bytes) -> None:
    run_container(b"RIFF" + struct.pack("<I", len(data) + 4) + b"AVI " + data)


@FUZZ
@given(mutated(AVI))
def test_avi_reader_survives_damaged_files(data: bytes) -> None:
    run_container(data)


@FUZZ
@given(mutated(MP4))
def test_mp4_reader_survives_damaged_new_boxes(data: bytes) -> None:
    run_container(data)


def test_elements_nested_deep_are_refused_not_recursed() -> None:
    inner = el(0x67C8, b"")
    for _ in range(2000):
        inner = el(0x67C8, inner)
    out = run_container(matroska(el(0x1254C367, el(0x7373, inner))))
    assert [e.field for e in out.errors] == ["Matroska"]


# --- Takeout names --------------------------------------------------------------------

NAMEPART = st.sampled_from(
    ["IMG_1", ".jpg", ".JPG", "(1)", "(2)", ".supplemental-metadata", ".suppl", "-edited",
     ".json", "x" * 40, " ", "."]
)  # fmt: skip
NAME = st.lists(NAMEPART, max_size=6).map("".join)


@FUZZ
@given(NAME, st.lists(NAME, max_size=8))
def test_takeout_matcher_takes_any_names(photo: str, others: list[str]) -> None:
    index: dict[tuple[str, str], list[str]] = {}
    for name in others:
        if name.lower().endswith(".json"):
            for head, number in sidecars._json_forms(name):
                index.setdefault((head.casefold(), number), []).append(name)
    found = sidecars.takeout_names(photo, index)
    assert len(set(found)) == len(found)
    assert all(name in others for name in found)


# --- the matcher on text with escapes and invisible characters --------------------------

INDEX = NameIndex(
    [
        Student("1", "O'Brien", "Liam"),
        Student("2", "Harington", "Christopher", preferred_name="Kit"),
        Student("3", "Son", "Jack"),
        Student("4", "Lee", "Ana"),
        Student("5", "Martínez", "Zoë"),
    ]
)
PIECES = st.sampled_from(
    ["Liam", "liam", "LIAM", "O'Brien", "obrien", "OBRIEN", "Kit", "kit", "HARINGTON", "harington",
     "jack", "son", "Ana", "lee", "Zo", "%C3%AB", "%20", "%2", "%", "%E2%80", " ", "      ", "\n",
     "\n\n", "\t", ",", ", ", "-", "_", "+", "#", "@", "/", ".", "\u00ad", "\u200b", "\u200f",
     "\u2067", "\ufeff", "\u0301", "é", "Mr.", "will", "http://x.org/"]
)  # fmt: skip


@FUZZ
@given(st.lists(PIECES, max_size=30).map("".join))
def test_matcher_spans_index_the_original_text_with_escapes(text: str) -> None:
    for file_name in (False, True):
        matches = INDEX.find(text, file_name=file_name)
        for m in matches:
            assert 0 <= m.start < m.end <= len(text)
            assert text[m.start : m.end] == m.matched
            assert m.start <= m.first_span[0] < m.first_span[1] <= m.end
            assert m.start <= m.last_span[0] < m.last_span[1] <= m.end
        for style in ("initial", "remove"):
            assert isinstance(first_name_only(text, matches, style), str)


SAFE = st.text(alphabet=st.sampled_from(" .,!?;:()0123456789\n"), max_size=20)
HIDDEN = ["obrien, liam", "#liamobrien", "liam-obrien", "Li\u00adam O'Brien", "Liam      O'Brien"]


@FUZZ
@given(SAFE, SAFE, st.sampled_from(HIDDEN))
def test_a_hidden_full_name_between_punctuation_is_always_found(
    before: str, after: str, name: str
) -> None:
    text = f"{before} {name} {after}"
    assert [m.student_id for m in INDEX.find(text)] == ["1"]
