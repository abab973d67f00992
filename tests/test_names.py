"""Finding students' full names in captions and file names (policy 3.f.3: first names only)."""

from __future__ import annotations

import unicodedata

import pytest

from benchmarks.name_search import synthetic_captions, synthetic_roster
from photoguard.roster.first_names import first_name_only
from photoguard.roster.model import Student
from photoguard.roster.name_keys import name_key
from photoguard.roster.names import (
    FORM_CAPS_LAST_FIRST,
    FORM_FIRST_LAST,
    FORM_FIRST_MIDDLE_LAST,
    FORM_LAST_COMMA_FIRST,
    FORM_LAST_FIRST_FILE,
    NameIndex,
    NameMatch,
)

ROSTER = [
    Student("1001", "O'Brien", "Liam", opted_out=True),
    Student("1002", "Delgado-Ruiz", "Sofía"),
    Student("1003", "Van der Berg", "Anna"),
    Student("1004", "St. Pierre", "Marie"),
    Student("1005", "Martínez", "Zoë"),
    Student("1006", "Johnson", "Emily", middle_name="Mary Ann"),
    Student("1007", "Day", "May"),
    Student("1008", "Hall", "Grace"),
    Student("1009", "Smith", "William", preferred_name="Will"),
    Student("1010", "Lee", "Ana"),
    Student("1011", "Nguyen", "Mary Kate"),
    Student("1012", "Trump", "Donald"),
]


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex(ROSTER)


def found(index: NameIndex, text: str, file_name: bool = False) -> list[tuple[str, str]]:
    return [(m.student_id, m.matched) for m in index.find(text, file_name=file_name)]


@pytest.mark.parametrize(
    ("text", "student", "matched"),
    [
        ("Liam O'Brien at field day", "1001", "Liam O'Brien"),
        ("liam o'brien", "1001", "liam o'brien"),
        ("LIAM O'BRIEN", "1001", "LIAM O'BRIEN"),
        ("Liam O’Brien", "1001", "Liam O’Brien"),
        ("Liam OBrien", "1001", "Liam OBrien"),
        ("Liam O Brien", "1001", "Liam O Brien"),
        ("Liam O`Brien", "1001", "Liam O`Brien"),
        ("Liam Oʼbrien", "1001", "Liam Oʼbrien"),
        ("Sofia Delgado Ruiz", "1002", "Sofia Delgado Ruiz"),
        ("Sofía Delgado-Ruiz", "1002", "Sofía Delgado-Ruiz"),
        ("Sofia Delgado–Ruiz", "1002", "Sofia Delgado–Ruiz"),
        ("Sofia Delgado at the fair", "1002", "Sofia Delgado"),  # one half of her surname
        ("Sofía Ruiz", "1002", "Sofía Ruiz"),
        ("Anna Van der Berg", "1003", "Anna Van der Berg"),
        ("anna vanderberg", "1003", "anna vanderberg"),
        ("Anna van der Berg", "1003", "Anna van der Berg"),
        ("Marie St. Pierre", "1004", "Marie St. Pierre"),
        ("Marie St Pierre", "1004", "Marie St Pierre"),
        ("Marie Saint-Pierre", "1004", "Marie Saint-Pierre"),
        ("Zoe Martinez", "1005", "Zoe Martinez"),
        ("ZOË MARTÍNEZ", "1005", "ZOË MARTÍNEZ"),
        ("Will Smith", "1009", "Will Smith"),
        ("William Smith", "1009", "William Smith"),
        ("#LiamOBrien", "1001", "LiamOBrien"),
        ("Liam\nO'Brien", "1001", "Liam\nO'Brien"),
        ("Mary Kate Nguyen", "1011", "Mary Kate Nguyen"),
        ("Mary-Kate Nguyen", "1011", "Mary-Kate Nguyen"),
        ("Mary Nguyen", "1011", "Mary Nguyen"),
    ],
)
def test_first_last_in_its_spellings(
    index: NameIndex, text: str, student: str, matched: str
) -> None:
    assert found(index, text) == [(student, matched)]


def test_possessive_full_name_is_found_without_the_s(index: NameIndex) -> None:
    (m,) = index.find("Liam O'Brien's project won")
    assert (m.student_id, m.matched, m.form) == ("1001", "Liam O'Brien", FORM_FIRST_LAST)
    assert found(index, "Liam O’Brien’s project") == [("1001", "Liam O’Brien")]


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Emily Rose Johnson", "Emily Rose Johnson"),
        ("Emily J. Johnson", "Emily J. Johnson"),
        ("Emily J Johnson", "Emily J Johnson"),
        ("Emily Mary Ann Johnson", "Emily Mary Ann Johnson"),
    ],
)
def test_first_middle_last(index: NameIndex, text: str, matched: str) -> None:
    (m,) = index.find(text)
    assert (m.student_id, m.matched, m.form) == ("1006", matched, FORM_FIRST_MIDDLE_LAST)


@pytest.mark.parametrize(
    ("text", "matched", "form"),
    [
        ("O'Brien, Liam", "O'Brien, Liam", FORM_LAST_COMMA_FIRST),
        ("Class list: OBrien , Liam; Lee, Ana", "OBrien , Liam", FORM_LAST_COMMA_FIRST),
        ("O'BRIEN Liam", "O'BRIEN Liam", FORM_CAPS_LAST_FIRST),
        ("Smith, Will", "Smith, Will", FORM_LAST_COMMA_FIRST),
    ],
)
def test_last_name_first(index: NameIndex, text: str, matched: str, form: str) -> None:
    m = index.find(text)[0]
    assert (m.matched, m.form) == (matched, form)


def test_other_comma_listed_name_is_found_too(index: NameIndex) -> None:
    assert found(index, "Class list: OBrien , Liam; Lee, Ana") == [
        ("1001", "OBrien , Liam"),
        ("1010", "Lee, Ana"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Liam did great today",  # first name alone
        "Great work, Liam!",
        "O'Brien family picnic",  # last name alone
        "Emily J. won the spelling bee",  # first name plus initial
        "Emily J.",
        "Liam O.",
        "Anastasia Lee",  # "Anastasia" does not contain "Ana"
        "Liam Obriens",  # a different name
        "Grace Hallway",  # word boundary after the last name
        "Grace Hall-Smith",  # someone else's double surname
        "Anna Berg",  # "Van der Berg" is one surname, not two
        "Marie Pierre",  # nor is "St. Pierre"
        "Mary-Grace Hall",  # someone else's double first name
        "Liam and O'Brien",  # two people, not one name
        "Emily and Johnson",
        "Mr. Smith will help",  # reversed without any sign of a name
        "SMITH WILL HELP",
        "smith, will you help?",
        "McDonald Trump",  # "Donald" inside McDonald
        "Liam, O'Brien",  # a list, not a name
        "Liam. O'Brien",
        "John Smith",  # not on the roster
        "Zoe Saldana",
        "",
    ],
)
def test_not_a_full_name(index: NameIndex, text: str) -> None:
    assert index.find(text) == []


def test_names_that_are_ordinary_words_need_both_adjacent(index: NameIndex) -> None:
    assert index.find("Happy May Day everyone") != []  # acceptable: it is her full name
    assert index.find("May the day be sunny") == []
    assert index.find("Grace in the hall") == []
    assert found(index, "Grace Hall") == [("1008", "Grace Hall")]


def test_every_roster_student_counts_opted_out_or_not(index: NameIndex) -> None:
    assert not ROSTER[1].opted_out
    assert found(index, "Sofia Delgado-Ruiz and Liam O'Brien") == [
        ("1002", "Sofia Delgado-Ruiz"),
        ("1001", "Liam O'Brien"),
    ]


@pytest.mark.parametrize(
    ("name", "matched"),
    [
        ("LiamOBrien_field_day.jpg", "LiamOBrien"),
        ("liam-obrien-2.jpg", "liam-obrien"),
        ("Liam_O'Brien.jpg", "Liam_O'Brien"),
        ("liam.obrien.jpg", "liam.obrien"),
        ("IMG_2041 Liam O'Brien.JPG", "Liam O'Brien"),
        ("OBrien_Liam.jpg", "OBrien_Liam"),
        ("obrien-liam-3.png", "obrien-liam"),
        ("OBRIEN_LIAM", "OBRIEN_LIAM"),
        ("fieldDayLiamOBrien.jpg", "LiamOBrien"),
    ],
)
def test_file_names(index: NameIndex, name: str, matched: str) -> None:
    assert found(index, name, file_name=True) == [("1001", matched)]


def test_file_name_words_that_are_not_names(index: NameIndex) -> None:
    assert index.find("liam_field_day.jpg", file_name=True) == []
    assert index.find("IMG_1234.JPG", file_name=True) == []
    assert index.find("obrien_family.jpg", file_name=True) == []


def test_reversed_names_count_in_any_case_only_in_file_names(index: NameIndex) -> None:
    assert index.find("OBrien Liam") == []
    m = index.find("OBrien Liam.jpg", file_name=True)[0]
    assert m.form == FORM_LAST_FIRST_FILE


@pytest.mark.parametrize(
    "text",
    [
        "Well done Zoë Martínez!",
        unicodedata.normalize("NFD", "Well done Zoë Martínez!"),
        "🎉🎉 Well done Zoë Martínez!",
        "ﬁeld day: Zoë Martínez",
        "Straße: Zoë Martínez ß",
    ],
)
def test_spans_index_the_original_text(index: NameIndex, text: str) -> None:
    (m,) = index.find(text)
    assert text[m.start : m.end] == m.matched
    assert unicodedata.normalize("NFC", m.matched) == "Zoë Martínez"
    assert unicodedata.normalize("NFC", text[m.first_span[0] : m.first_span[1]]) == "Zoë"


def test_span_of_a_camel_case_name(index: NameIndex) -> None:
    (m,) = index.find("#LiamOBrien rocks")
    assert (m.start, m.end, m.first_span, m.last_span) == (1, 11, (1, 5), (5, 11))


def test_twins_with_the_same_name_are_both_named() -> None:
    idx = NameIndex([Student("1", "Lee", "Ana"), Student("2", "Lee", "Ana")])
    assert [m.student_id for m in idx.find("Ana Lee")] == ["1", "2"]


def test_students_without_a_first_or_last_name_are_not_indexed() -> None:
    idx = NameIndex([Student("1", "", "Ana"), Student("2", "Lee", ""), Student("3", "Lee", "Bo")])
    assert idx.size == 1
    assert [m.student_id for m in idx.find("Ana Lee, Bo Lee")] == ["3"]


def test_name_key_folds_case_accents_and_punctuation() -> None:
    assert name_key("O'Brien") == name_key("OBRIEN") == name_key("o’brien") == "obrien"
    assert name_key("Zoë") == name_key(unicodedata.normalize("NFD", "Zoë")) == "zoe"
    assert name_key("Østergaard") == "ostergaard"


@pytest.mark.parametrize(
    ("text", "initial", "remove"),
    [
        ("Liam O'Brien's project", "Liam O.'s project", "Liam's project"),
        ("Great job, Liam O'Brien.", "Great job, Liam O.", "Great job, Liam."),
        ("O'Brien, Liam", "Liam O.", "Liam"),
        ("Emily Rose Johnson and Ana Lee", "Emily J. and Ana L.", "Emily and Ana"),
        ("zoë martínez!", "zoë M.!", "zoë!"),
        ("No names here", "No names here", "No names here"),
    ],
)
def test_first_name_only_rewrite(index: NameIndex, text: str, initial: str, remove: str) -> None:
    matches = index.find(text)
    assert first_name_only(text, matches) == initial
    assert first_name_only(text, matches, style="remove") == remove
    assert index.find(first_name_only(text, matches)) == []


def test_rewrite_of_overlapping_matches_rewrites_once() -> None:
    idx = NameIndex([Student("1", "Lee", "Ana"), Student("2", "Lee", "Ana")])
    text = "Ana Lee won"
    assert first_name_only(text, idx.find(text)) == "Ana L. won"


def test_rewrite_refuses_an_unknown_style() -> None:
    with pytest.raises(ValueError):
        first_name_only("x", [], style="shout")


def test_rewrite_ignores_matches_outside_the_text() -> None:
    bogus = NameMatch("1", 5, 50, "x", first_span=(5, 6), last_span=(7, 50))
    assert first_name_only("short", [bogus]) == "short"


def test_synthetic_roster_finds_the_full_names_planted_in_captions() -> None:
    roster = synthetic_roster(200)
    idx = NameIndex(roster)
    first, last = roster[0].first_name, roster[0].last_name
    assert [m.student_id for m in idx.find(f"Great job {first} {last}!")][:1] != []
    assert all(isinstance(t, str) and t for t in synthetic_captions(10))


def test_a_list_of_full_names_is_not_read_backwards_as_well() -> None:
    idx = NameIndex([Student("1", "Lee", "Ana"), Student("2", "Lee", "Bo")])
    assert [(m.student_id, m.matched) for m in idx.find("Ana Lee, Bo Lee")] == [
        ("1", "Ana Lee"),
        ("2", "Bo Lee"),
    ]
