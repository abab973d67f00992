"""A student's age band, from the roster's birth date, grade or year of graduation.

dlib's face model tells young children apart far worse than adults (issue 18: at
distance 0.60, 37.7 % of pairs of different children aged 5-8 match), so each
opted-out student's faces are judged with the distances of their age band
(workspace/settings.py, ``BAND_DISTANCES``). This module reads the band's evidence
from the roster columns; it never guesses a student older than the file says.

**What is stored: the class, not the birthday.** Each student's age is kept as one
number, ``age_class_of``: the year of graduation (June of the year a class finishes
grade 12) of the youngest class the student's age allows, or None when the file gives
no usable age. A grade says it directly (the school year of the import plus
12 - grade), so does a YOG column, and a birth date is reduced to it with a
1 September cut-off (old enough for kindergarten on 1 September: in that year's
kindergarten class), then dropped: no birth date, month or day is ever stored, only
the school year a child would start kindergarten in. At check time the band is
computed from the class and the school year of the check (:func:`band_of`):

* it moves on once a year, on 1 September, as the children do, so a roster imported
  in September still gives the right band in May, and next year's;
* within a school year a grade holds children of two ages (grade n: n+5 to n+6), and
  the band is that of the younger age, so a grade that straddles two bands takes the
  younger one, and a computed band is never older than the child: July and August
  count as the school year just ended at check time (nobody moves up before
  September), and as the coming one at import (a summer export may already show
  next year's grades; read as last year's, every student would come out a year
  older).

A student who skipped a grade is younger than their grade says: only a birth-date
column shows that. Where the file has two age columns that disagree, the younger
reading is kept (fail closed) and the column it came from is named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from photoguard.vocab import YOUNGEST_BAND, AgeBand, AgeSource

#: Grade numbers: pre-kindergarten is -1, kindergarten 0.
PRE_K = -1
KINDERGARTEN = 0
#: The age of the youngest child in kindergarten (issue 18: K = ages 5-6, grade n =
#: ages n+5 to n+6).
KINDERGARTEN_AGE = 5
#: The school year starts on 1 September (and a birthday on or before it counts for
#: that year's kindergarten class): the common cut-off in the districts photoguard
#: serves. A district with a later cut-off has children up to a few months older in
#: each class than this assumes: their band can only come out younger, never older.
SCHOOL_YEAR_STARTS = (9, 1)

#: The oldest youngest-age of each band, youngest band first. A child's band is the
#: first whose upper age is at least the youngest age their class allows.
BAND_UPPER_AGE: tuple[tuple[AgeBand, int], ...] = (
    (AgeBand.AGES_5_8, 8),
    (AgeBand.AGES_9_12, 12),
    (AgeBand.AGES_13_15, 15),
    (AgeBand.AGES_16_18, 18),
)

#: A birth date that makes a student older than this at the import is taken for a
#: placeholder (1900-01-01) or a typing error, not an age: special-education
#: students stay to 22, and no school roster has students of 26 and over.
MAX_STUDENT_AGE = 25
#: A year of graduation further from the import's school year than this is a typing
#: error: pre-kindergarten graduates 13 years on, and students may stay 4 years after
#: grade 12 (to 22).
YOG_YEARS_AHEAD = 13
YOG_YEARS_BEHIND = 4


@dataclass(frozen=True)
class Age:
    """What the roster says about one student's age."""

    #: Year of graduation of the youngest class the age allows; None: no usable age.
    class_of: int | None = None
    source: AgeSource = AgeSource.UNKNOWN
    #: Age cells that could not be read, as "header: value", for the import's note.
    unreadable: tuple[str, ...] = ()


def school_year_at_check(day: date) -> int:
    """The school year (named by the June it ends in) a check on ``day`` is in; July and
    August belong to the year just ended (nobody has moved up a grade yet)."""
    return day.year + 1 if (day.month, day.day) >= SCHOOL_YEAR_STARTS else day.year


def school_year_at_import(day: date) -> int:
    """The school year a roster exported on ``day`` gives grades for; July and August
    belong to the coming year (a summer export may already show next year's grades)."""
    return day.year + 1 if day.month >= 7 else day.year


def youngest_age(class_of: int, day: date) -> int:
    """The age of the youngest child of that class on ``day`` (in whole years)."""
    grade = 12 - (class_of - school_year_at_check(day))
    return grade + KINDERGARTEN_AGE


def band_of(class_of: int | None, day: date) -> AgeBand:
    """The age band of a student of that class on ``day``: that of the youngest age the
    class allows (a grade straddling two bands takes the younger); no age: the youngest."""
    if class_of is None:
        return YOUNGEST_BAND
    age = youngest_age(class_of, day)
    for band, upper in BAND_UPPER_AGE:
        if age <= upper:
            return band
    return AgeBand.ADULT


# ------------------------------------------------------------------------ grades

_PRE_K = frozenset(
    {
        "pk",
        "pk3",
        "pk4",
        "prek",
        "prekindergarten",
        "preschool",
        "ps",
        "tk",
        "transitionalk",
        "transitionalkindergarten",
    }
)
_KINDERGARTEN = frozenset({"k", "kg", "0k", "kdg", "kf", "kh", "kindergarten", "0", "00"})
_GRADE_WORDS = re.compile(r"^(grade|grd|gr)|(grade|grd|gr)$")
_ORDINAL = re.compile(r"^0*(\d{1,2})(st|nd|rd|th)?$")


def read_grade(text: str) -> int | None:
    """A grade cell as a grade number (PK -1, K 0, 1-12); None when blank. Raises
    ValueError for anything else ("UG", "13", "Adult"): such a student has no age."""
    norm = re.sub(r"[^a-z0-9]", "", text.casefold())
    if not norm:
        return None
    if re.fullmatch(r"\d{1,2}\.0+", text.strip()):  # 3.0 from a spreadsheet cell
        norm = text.strip().split(".")[0]
    elif re.search(r"\d[.,]\d", text):  # 0.5, 2,5: no grade
        raise ValueError(text)
    bare = _GRADE_WORDS.sub("", norm) or norm
    if bare in _PRE_K:
        return PRE_K
    if bare in _KINDERGARTEN:
        return KINDERGARTEN
    found = _ORDINAL.fullmatch(bare)
    if found and 1 <= int(found.group(1)) <= 12:
        return int(found.group(1))
    raise ValueError(text)


def class_of_grade(grade: int, imported_on: date) -> int:
    return school_year_at_import(imported_on) + 12 - grade


# ------------------------------------------------------------ years of graduation


def read_yog(text: str, imported_on: date) -> int | None:
    """A year-of-graduation cell ("2031", "Class of 2031", "2031.0", "31") as a year;
    None when blank. Raises ValueError for anything else or an implausible year."""
    norm = text.strip().casefold()
    if not norm:
        return None
    found = re.fullmatch(r"(?:class\s*of\s*)?'?(\d{4}|\d{2})(?:\.0+)?", norm)
    if not found:
        raise ValueError(text)
    year = int(found.group(1))
    if year < 100:
        year += 2000
    now = school_year_at_import(imported_on)
    if not now - YOG_YEARS_BEHIND <= year <= now + YOG_YEARS_AHEAD:
        raise ValueError(text)
    return year


# -------------------------------------------------------------------- birth dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


def _year(text: str, imported_on: date) -> int:
    year = int(text)
    if len(text) == 2:
        # "18" is 2018 unless that is still to come; a 19xx birth year would make a
        # student 26 or older (MAX_STUDENT_AGE): no age rather than an adult's.
        year += 2000
        if year > imported_on.year:
            raise ValueError(text)
    return year


def _dates(text: str, imported_on: date) -> list[date]:
    """Every date the cell can be read as (two for 03/04/2018: March 4 or 3 April)."""
    norm = text.strip().casefold()
    iso = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t].*)?", norm)
    if iso:
        return [date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))]
    compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", norm)
    if compact:
        return [date(*(int(g) for g in compact.groups()))]
    numeric = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?:[ t].*)?", norm)
    if numeric:
        a, b = int(numeric.group(1)), int(numeric.group(2))
        year = _year(numeric.group(3), imported_on)
        out = []
        for month, day in ((a, b), (b, a)):  # US month/day first, then day/month
            try:
                out.append(date(year, month, day))
            except ValueError:
                continue
        return out
    words = re.sub(r"[,.]", " ", norm).replace("-", " ").split()
    if len(words) == 3:
        named = [w for w in words if w in _MONTHS]
        digits = [w for w in words if w.isdigit()]
        if len(named) == 1 and len(digits) == 2:
            day_text, year_text = (
                (digits[0], digits[1]) if len(digits[1]) >= len(digits[0]) else digits[::-1]
            )
            return [date(_year(year_text, imported_on), _MONTHS[named[0]], int(day_text))]
    raise ValueError(text)


def read_birth_date(text: str, imported_on: date) -> int | None:
    """A birth-date cell as the class it puts the student in (see the module docstring);
    None when blank. Raises ValueError for a cell that is no date, a date still to come
    or one that makes the student older than MAX_STUDENT_AGE.

    A date that reads both ways (03/04/2018) is taken as the later of the two: the
    younger child."""
    if not text.strip():
        return None
    try:
        found = _dates(text, imported_on)
    except (ValueError, OverflowError) as exc:
        raise ValueError(text) from exc
    if not found:
        raise ValueError(text)
    born = max(found)
    if born > imported_on or imported_on.year - born.year - 1 > MAX_STUDENT_AGE:
        raise ValueError(text)
    kindergarten = born.year + KINDERGARTEN_AGE
    if (born.month, born.day) > SCHOOL_YEAR_STARTS:
        kindergarten += 1  # not yet five on 1 September: kindergarten a year later
    # Kindergarten in the school year starting that September, which ends the next
    # June; grade 12 twelve years after that.
    return kindergarten + 1 + 12


# ---------------------------------------------------------------- one student


def student_age(cells: dict[AgeSource, tuple[str, str]], imported_on: date) -> Age:
    """A student's age from their age cells: source -> (header, value).

    Sources are read in the order of preference birth date, grade, year of graduation;
    when two give different classes the younger (the later class) is kept, so that a
    stale or mistyped column never makes a student older."""
    readers = {
        AgeSource.BIRTH_DATE: read_birth_date,
        AgeSource.GRADE: lambda text, day: (
            None if (g := read_grade(text)) is None else class_of_grade(g, day)
        ),
        AgeSource.YOG: read_yog,
    }
    best: tuple[int, AgeSource] | None = None
    unreadable: list[str] = []
    for source in (AgeSource.BIRTH_DATE, AgeSource.GRADE, AgeSource.YOG):
        if source not in cells:
            continue
        header, value = cells[source]
        try:
            class_of = readers[source](value, imported_on)
        except ValueError:
            unreadable.append(f"{header}: {value}")
            continue
        if class_of is not None and (best is None or class_of > best[0]):
            best = (class_of, source)
    if best is None:
        return Age(unreadable=tuple(unreadable))
    return Age(best[0], best[1], tuple(unreadable))
