"""Text that is *almost* a student's full name: what OCR reads when one letter of a
name tag is blurred, folded or half hidden ("Liam 0'Brien", "Zoe Martlnez").

Used only for text read in pictures (photoguard/ocr), never for captions: a caption's
letters are what was typed, and a name one letter off there is another name. A reading
is near a full name when two neighbouring words are a roster student's first and last
name (either order) with at most one letter wrong, added or missing in each, at least
one letter wrong in all (exact names are names.py's), and names of fewer than
:data:`MIN_FUZZY_LETTERS` letters exact (one letter from "Al" is half the name).
Such a reading goes to a person (review), never to clear.
"""

from __future__ import annotations

from dataclasses import dataclass

from photoguard.roster.name_keys import pieces, to_base
from photoguard.roster.names import NameIndex

#: A name shorter than this must be read exactly to count.
MIN_FUZZY_LETTERS = 4
#: Digits OCR reads for the letters they look like ("0'Brien", "Wi1son"): read as those
#: letters here (the same length, so positions hold).
_LOOKALIKES = str.maketrans("01|5", "olls")


@dataclass(frozen=True)
class NearName:
    student_id: str
    #: Where the two words are in the original text.
    start: int
    end: int


def _within_one(a: str, b: str) -> bool:
    """At most one letter substituted, inserted or deleted."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _close(read: str, name: str) -> bool:
    if len(name) < MIN_FUZZY_LETTERS:
        return read == name
    return _within_one(read, name)


def near_full_names(index: NameIndex, text: str) -> list[NearName]:
    """Every run of neighbouring words in ``text`` that is near (not exactly) a roster
    student's full name, in order of position. A name may span several of the words
    the text splits into ("O'Brien" is "o" and "brien"; "OBrien" too): first names of
    one or two, last names of one to three."""
    base, offsets = to_base(text.translate(_LOOKALIKES))
    keys, starts, ends = pieces(base)

    def original(i: int) -> int:
        return offsets[i] if offsets is not None and i < len(offsets) else i

    table = index.first_names_by_last()
    found: dict[tuple[str, int], NearName] = {}
    n = len(keys)
    for i in range(n):
        for first_len in (1, 2):
            for last_len in (1, 2, 3):
                if i + first_len + last_len > n:
                    continue
                a = "".join(keys[i : i + first_len])
                b = "".join(keys[i + first_len : i + first_len + last_len])
                c = "".join(keys[i : i + last_len])
                d = "".join(keys[i + last_len : i + last_len + first_len])
                for first_word, last_word in ((a, b), (d, c)):
                    for student in _near(table, first_word, last_word):
                        start = original(starts[i])
                        end = original(ends[i + first_len + last_len - 1] - 1) + 1
                        found.setdefault((student, start), NearName(student, start, end))
    return sorted(found.values(), key=lambda n: (n.start, n.student_id))


def _near(table: dict[str, dict[str, list[str]]], first_word: str, last_word: str) -> list[str]:
    out: list[str] = []
    for last, firsts in table.items():
        if abs(len(last) - len(last_word)) > 1 or not _close(last_word, last):
            continue
        for first, students in firsts.items():
            if (first_word, last_word) != (first, last) and _close(first_word, first):
                out.extend(students)
    return out
