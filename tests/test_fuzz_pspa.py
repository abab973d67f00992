"""A picture-day index (PSPA index.txt) reads exactly, or is refused with one sentence.

Whatever bytes the vendor's file holds, reading it gives rows or a UserError; never
another exception. A well-formed index (13-field layout, with or without a header,
in the encodings and line endings vendors use) reads back cell for cell, whatever
the names hold. Bounded so the whole module runs in a few seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from faceworld import PSPA_HEADER
from fuzzing import FUZZ, assert_one_line
from hypothesis import example, given
from hypothesis import strategies as st

from photoguard.errors import UserError
from photoguard.references.pspa import PspaIndex, read_index


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-pspa") / "index.txt"


def read(path: Path, data: bytes) -> PspaIndex | None:
    path.write_bytes(data)
    try:
        index = read_index(path)
    except UserError as exc:
        message = str(exc)
        assert_one_line(message)
        return None
    assert index.rows
    assert all(r.image_file for r in index.rows)
    lines = [r.line for r in index.rows]
    assert lines == sorted(set(lines))
    return index


@FUZZ
@given(data=st.binary(max_size=2048))
@example(b"")
@example(b"\r\n\r\n")
@example(PSPA_HEADER.encode() + b"\r\n")
@example(b"\xff\xfe")
@example(b"\xef\xbb\xbf\t\t\t")
def test_arbitrary_bytes(target: Path, data: bytes) -> None:
    read(target, data)


# A cell as a vendor might fill it: any printable text without the separators.
# Leading/trailing spaces and quotes are trimmed by the reader, so none here.
CELL_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\t"
    ),
    max_size=12,
).filter(lambda s: s == s.strip().strip('"'))
IMAGE = st.builds(
    lambda stem, ext: stem + ext,
    st.text(alphabet="ABCxyz0123456789_- ", min_size=1, max_size=10).map(str.strip).filter(bool),
    st.sampled_from([".jpg", ".JPG", ".jpeg", ".png", ".tif"]),
)
ROW = st.tuples(
    CELL_TEXT, IMAGE, CELL_TEXT, CELL_TEXT, CELL_TEXT
)  # folder, file, grade, last, first
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])
NEWLINES = st.sampled_from(["\r\n", "\n", "\r"])


def pspa_line(folder: str, image: str, grade: str, last: str, first: str) -> str:
    cells = ["PD", folder, image, grade, last, first, "101", "", "Ms. Tan", "", "", "", "640x800"]
    return "\t".join(cells)


@FUZZ
@given(
    rows=st.lists(ROW, min_size=1, max_size=8),
    header=st.booleans(),
    encoding=ENCODINGS,
    newline=NEWLINES,
    trailing=st.booleans(),
)
@example(
    rows=[("Images", "0001.jpg", "05", "O\u2028Brien", "Li\x85am")],
    header=True,
    encoding="utf-8",
    newline="\r\n",
    trailing=True,
)
@example(
    rows=[("Images", "0001.jpg", "05", "Nguyễn", "Ngọc\u00a0Anh")],
    header=False,
    encoding="utf-16",
    newline="\r",
    trailing=False,
)
def test_a_well_formed_index_reads_back_exactly(
    target: Path,
    rows: list[tuple[str, str, str, str, str]],
    header: bool,
    encoding: str,
    newline: str,
    trailing: bool,
) -> None:
    lines = ([PSPA_HEADER] if header else []) + [pspa_line(*r) for r in rows]
    text = newline.join(lines) + (newline if trailing else "")
    index = read(target, text.encode(encoding))
    assert index is not None, "a well-formed index was refused"
    assert index.has_header == header
    assert index.names_known
    got = [(r.image_folder, r.image_file, r.grade, r.last_name, r.first_name) for r in index.rows]
    assert got == rows
    first_line = 2 if header else 1
    assert [r.line for r in index.rows] == list(range(first_line, first_line + len(rows)))


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    rows = draw(st.lists(ROW, min_size=1, max_size=5))
    data = bytearray(
        ("\r\n".join([PSPA_HEADER] + [pspa_line(*r) for r in rows]) + "\r\n").encode("utf-8")
    )
    for _ in range(draw(st.integers(0, 6))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    if draw(st.booleans()) and data:
        cut = draw(st.integers(0, len(data)))
        data = data[:cut]
    return bytes(data)


@FUZZ
@given(data=damaged())
def test_a_damaged_index_reads_or_is_refused_plainly(target: Path, data: bytes) -> None:
    read(target, data)


def test_a_file_too_large_for_an_index_is_refused_without_reading_it(tmp_path: Path) -> None:
    from photoguard.references.pspa import MAX_INDEX_BYTES

    big = tmp_path / "index.txt"
    with big.open("wb") as f:
        f.truncate(MAX_INDEX_BYTES + 1)  # sparse: no time or disk spent
    with pytest.raises(UserError, match="too large for an index"):
        read_index(big)
