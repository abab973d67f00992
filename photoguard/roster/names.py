"""Students' full names in free text: captions, metadata fields, file and folder names.

Policy 3.d.3 and 3.f.3: staff use only first names, and never identify a student
by their full name in a photograph. This module finds a roster student's first
(or preferred) name next to their last name, in any of the forms people write:

- "Liam O'Brien", "Liam James O'Brien" (any one middle word), "Liam O'Brien's project"
- "O'Brien, Liam", "obrien, liam", "O'BRIEN Liam", "HARINGTON KIT" (last name first)
- joined, as in hashtags, user names and file names: "#liamobrien", "LIAMOBRIEN.jpg",
  "LiamOBrien_field_day.jpg"
- in file names, links and slugs: "liam-obrien-2.jpg", "OBrien_Liam.jpg",
  "Liam%20OBrien.jpg", "Liam+OBrien.jpg", "Liam,OBrien.jpg", "/news/liam-obrien-wins"
- with a line break and indentation, or any number of spaces, between the names

Comparison ignores case and accents (Zoë Martínez = zoe martinez), and treats
apostrophes, hyphens and spaces inside a name alike (O'Brien = O’Brien = OBrien
= O Brien; Delgado-Ruiz = Delgado Ruiz; St. Pierre = St Pierre = Saint Pierre).
Invisible characters (soft hyphens, zero-width spaces and joiners, direction
marks) are ignored wherever they are, and ``%XX`` escapes are read as the
characters they stand for (:mod:`photoguard.roster.name_keys`). Names are
compared as whole words ("Anastasia" does not contain "Ana"); inside a word, a
change from lower to upper case counts as a word break (camelCase, as in file
names and hashtags). A joined name must be the whole word: "liamobrien" is Liam
O'Brien, "williamobriend" and "teamliamobrien" are not. Where words may start and
end, and what may stand between them, is :class:`~photoguard.roster.name_text.NameText`.

Not findings: a first name alone, a first name with an initial ("Emily J."), a
last name alone, anyone not on the roster. A student whose names are also
ordinary words ("May Day", "Grace Hall") is found only when both appear next to
each other as above. Last name first needs a sign that it is a name (see
:meth:`NameIndex._reversed_form`), so "Mr. Smith will help" is not Will Smith.

Speed: a caption is split into words once; only words that begin a roster last
name (a set lookup), or begin a first name in a word long enough to be a joined
name, are looked at further, so the cost does not grow with the size of the
roster. ``make bench`` measures it (benchmarks/name_search.py).

Cutting the names found down to first names is :mod:`photoguard.roster.first_names`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from photoguard.roster.model import Student
from photoguard.roster.name_keys import last_variants, name_key, word_set, words_key
from photoguard.roster.name_text import NameText

#: The forms a finding can take (its ``form``: why it counts as a full name).
FORM_FIRST_LAST = "first last"
FORM_FIRST_MIDDLE_LAST = "first middle last"
FORM_LAST_COMMA_FIRST = "last, first"
FORM_CAPS_LAST_FIRST = "LAST first"
FORM_LAST_FIRST_ONE_CASE = "last first (one case)"
FORM_LAST_FIRST_FILE = "last first (file name)"
FORM_JOINED = "firstlast (joined)"

#: Words that cannot be the middle of "First Middle Last" ("Emma and Johnson").
_NOT_MIDDLE = word_set(
    "and or with the of for to at in on by from y e et und vs nor but plus n a an is was s"
)

#: First names that are also everyday words, and so often follow a surname and a
#: comma in a sentence ("smith, will you help?", "hall, may I ..."). In text written
#: in one case, "last, first" with one of these counts only where the name ends the
#: phrase ("hall, grace." in a list). Chosen by hand: verbs and modal verbs, months,
#: seasons and virtues; other first names are not in it.
_EVERYDAY_FIRST_NAMES = word_set(
    "will may can drew rose sue rob chase mark bill pat hope grace joy faith art jack "
    "ray don dawn june april august summer winter autumn frank rich sunny penny"
)

#: A joined name ("liamobrien") is looked for only in words of at least this many
#: letters, made of a first name of at least 2 and a last name of at least 2: a
#: shorter word ("boli", "kimdo") is more likely an ordinary word than two names.
_MIN_JOINED = 6
_MIN_JOINED_PART = 2


@dataclass(frozen=True)
class NameMatch:
    """A student's full name found in a text. Spans index the ORIGINAL text."""

    student_id: str
    start: int
    end: int
    matched: str
    #: Why this counts as a full name: one of the FORM_* constants.
    form: str = FORM_FIRST_LAST
    #: Where the first (or preferred) name and the last name are, inside [start, end).
    first_span: tuple[int, int] = (0, 0)
    last_span: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class _Person:
    student_id: str
    firsts: frozenset[str]
    middle: str


class NameIndex:
    """Every roster student's name, indexed by last name, ready to search texts.

    Build it from every student of the roster in force, opted out or not: the
    policy forbids any student's full name.
    """

    def __init__(self, students: Iterable[Student]) -> None:
        #: last-name key -> first-name key -> students
        self._by_last: dict[str, dict[str, list[_Person]]] = {}
        #: last-name key -> students with a middle name ("Emily Mary Ann Johnson")
        self._middles: dict[str, list[_Person]] = {}
        self._prefixes: set[str] = set()
        #: Every first-name key, and every start of one, for joined names ("liamobrien").
        self._firsts: set[str] = set()
        self._first_prefixes: set[str] = set()
        #: The first letters of every first name long enough to start a joined name.
        self._joined_starts: set[str] = set()
        #: Every first and last name key: a word that is one ("jackson") is a name of
        #: its own, never read as two joined ones ("Jack Son").
        self._name_words: set[str] = set()
        self._max_first = 0
        self.size = 0
        for s in students:
            firsts: set[str] = set()
            for name in (s.first_name, s.preferred_name):
                key = name_key(name)
                if key:
                    firsts.add(key)
                    words = words_key(name)
                    if len(words) > 1:  # "Mary Kate" is also found as "Mary"
                        firsts.add(words[0])
            lasts = last_variants(s.last_name)
            if not firsts or not lasts:
                continue
            person = _Person(s.student_id, frozenset(firsts), name_key(s.middle_name))
            self.size += 1
            self._max_first = max(self._max_first, *(len(f) for f in firsts))
            self._name_words.update(firsts)
            self._name_words.update(lasts)
            for first in firsts:
                if first not in self._firsts:
                    self._firsts.add(first)
                    self._first_prefixes.update(first[:i] for i in range(1, len(first) + 1))
                    if len(first) >= _MIN_JOINED_PART:
                        self._joined_starts.add(first[:_MIN_JOINED_PART])
            for last in lasts:
                by_first = self._by_last.setdefault(last, {})
                for first in firsts:
                    by_first.setdefault(first, []).append(person)
                if person.middle:
                    self._middles.setdefault(last, []).append(person)
                self._prefixes.update(last[:i] for i in range(1, len(last) + 1))

    def first_names_by_last(self) -> dict[str, dict[str, list[str]]]:
        """last-name key -> first-name key -> student IDs (for near_names.py)."""
        return {
            last: {first: [p.student_id for p in people] for first, people in firsts.items()}
            for last, firsts in self._by_last.items()
        }

    def find(self, text: str, *, file_name: bool = False) -> list[NameMatch]:
        """Every full name of a roster student in ``text``, in order of position.

        ``file_name=True`` for file and folder names: `_ - . + ,` separate words and
        "Last_First" counts in any case (school photo files are often named so).
        """
        t = NameText(text, file_name)
        found: dict[tuple[str, int, int], NameMatch] = {}
        prefixes, by_last = self._prefixes, self._by_last
        keys, n = t.keys, t.n
        for i in range(n):
            s = keys[i]
            j = i
            while s in prefixes:
                if s in by_last:
                    for m in self._around(t, i, j, s):
                        key = (m.student_id, m.start, m.end)
                        old = found.get(key)
                        # "nguyen nguyen" read both ways is one name, in order.
                        if old is None or (
                            old.first_span > old.last_span and m.first_span < m.last_span
                        ):
                            found[key] = m
                j += 1
                if j >= n or not t.joined_inside_name(j - 1):
                    break
                s += keys[j]
        joined_starts = self._joined_starts
        for i, s in enumerate(keys):
            if len(s) >= _MIN_JOINED and s[:_MIN_JOINED_PART] in joined_starts:
                for m in self._joined(t, i):
                    found.setdefault((m.student_id, m.start, m.end), m)
        if not found:
            return []
        # In "Ana Lee, Bo Lee" the words "Lee, Bo" are a list, not a reversed name:
        # words already read as a name in order are not read again backwards.
        forward = [m for m in found.values() if m.first_span < m.last_span]
        used = {m.last_span for m in forward} | {m.first_span for m in forward}
        kept = forward + [
            m
            for m in found.values()
            if m.first_span > m.last_span and not {m.first_span, m.last_span} & used
        ]
        # "Sofia Delgado Ruiz" also holds "Sofia Delgado" (one half of a double
        # surname): a student's match inside a longer one of theirs is the same name.
        kept = [
            m
            for m in kept
            if not any(
                o.student_id == m.student_id
                and o.start <= m.start
                and m.end <= o.end
                and (o.start, o.end) != (m.start, m.end)
                for o in kept
            )
        ]
        return sorted(kept, key=lambda m: (m.start, -m.end, m.student_id))

    def _joined(self, t: NameText, i: int) -> Iterable[NameMatch]:
        """A first and a last name written as one word from word ``i`` on: "liamobrien",
        "LIAMOBRIEN", "liamo'brien". The word must be exactly the two names; in running
        text it must be written in one case or sit in a link, tag or file name (a
        capitalised "Jackson" is a surname, not Jack Son)."""
        s = t.keys[i]
        a, b = t.starts[i], t.ends[i]
        allowed: bool | None = None  # decided at the first candidate: most words have none
        for p in range(_MIN_JOINED_PART, min(len(s) - _MIN_JOINED_PART, self._max_first) + 1):
            first = s[:p]
            if first not in self._first_prefixes:
                return
            if first not in self._firsts or s[p : p + 1] not in self._prefixes:
                continue
            if allowed is None:
                word = t.base[a:b]
                allowed = (
                    len(word) == len(s)  # else folding changed the length: the split won't map
                    and t.can_start(i, i)
                    and (t.file_name or word.islower() or word.isupper() or t.file_like(i, i))
                )
            if not allowed:
                return
            last, j = s[p:], i
            while last in self._prefixes:
                people = self._by_last.get(last, {}).get(first)
                if people and t.can_end(j, i) and first + last not in self._name_words:
                    for person in people:
                        yield self._match_chars(
                            t, person, FORM_JOINED, (a, a + p), (a + p, t.ends[j])
                        )
                j += 1
                if j >= t.n or not t.joined_inside_name(j - 1):
                    break
                last += t.keys[j]

    def _firsts_before(
        self, t: NameText, last: int, by_first: dict[str, list[_Person]]
    ) -> Iterable[tuple[int, _Person]]:
        """(first word, student) for first names ending at word ``last``, longest first."""
        seen: set[str] = set()
        for k, key in reversed(t.backward_runs(last, self._max_first)):
            people = by_first.get(key)
            if people and t.can_start(k, last + 1):
                for p in people:
                    if p.student_id not in seen:
                        seen.add(p.student_id)
                        yield k, p

    def _around(self, t: NameText, i: int, j: int, last_key: str) -> Iterable[NameMatch]:
        """Matches whose last name is words i..j."""
        by_first = self._by_last[last_key]
        if i > 0 and t.can_end(j, i - 1):
            if t.between_names(i - 1):  # First Last
                for k, p in self._firsts_before(t, i - 1, by_first):
                    yield self._match(t, p, FORM_FIRST_LAST, (k, i - 1), (i, j))
            if i > 1 and t.after_middle(i - 1):  # First Middle Last
                yield from self._with_middle(t, i, j, last_key, by_first)
        if j + 1 < t.n and t.can_start(i, j + 1):
            yield from self._reversed(t, i, j, by_first)

    def _with_middle(
        self, t: NameText, i: int, j: int, last_key: str, by_first: dict[str, list[_Person]]
    ) -> Iterable[NameMatch]:
        """Any one middle word, or the student's own middle name, between first and last."""
        mid = i - 1
        key = t.keys[mid]
        if key not in _NOT_MIDDLE and not key.isdigit() and t.between_names(mid - 1):
            for k, p in self._firsts_before(t, mid - 1, by_first):
                yield self._match(t, p, FORM_FIRST_MIDDLE_LAST, (k, mid - 1), (i, j))
        people = self._middles.get(last_key)
        if not people:
            return
        for m0, middle in t.backward_runs(mid, 10 * self._max_first):
            if m0 == 0 or not t.between_names(m0 - 1):
                continue
            for p in people:
                if p.middle != middle:
                    continue
                for k, key in reversed(t.backward_runs(m0 - 1, self._max_first)):
                    if key in p.firsts and t.can_start(k, m0):
                        yield self._match(t, p, FORM_FIRST_MIDDLE_LAST, (k, m0 - 1), (i, j))
                        break

    def _reversed(
        self, t: NameText, i: int, j: int, by_first: dict[str, list[_Person]]
    ) -> Iterable[NameMatch]:
        """ "O'Brien, Liam", "O'BRIEN Liam", "HARINGTON KIT", and in file names "OBrien_Liam"."""
        comma = t.comma(j)
        if not (comma or t.between_names(j)):
            return
        seen: set[str] = set()
        for k, key in reversed(t.forward_runs(j + 1, self._max_first)):
            people = by_first.get(key)
            if not people or not t.can_end(k, j):
                continue
            form = self._reversed_form(t, comma, i, j, k)
            for p in people:
                if form and p.student_id not in seen:
                    yield self._match(t, p, form, (j + 1, k), (i, j))
                seen.add(p.student_id)

    @staticmethod
    def _reversed_form(t: NameText, comma: bool, i: int, j: int, k: int) -> str:
        """Which reversed form words i..j (last name) then j+1..k (first) are, or "" when
        it is not one that names a person.

        In file names any order counts. In running text (links and slugs included) a
        reversed name needs a sign that it is one, or "Mr. Smith will ..." would be Will
        Smith:

        - a comma with a capitalised first name ("O'Brien, Liam");
        - the last name in capitals and the first not ("O'BRIEN Liam");
        - in text written in one case, where capitals cannot be a sign, the way lists
          are written: a comma after a last name that starts the line or follows
          punctuation ("obrien, liam", "Class list: hall, grace."; not "have a great
          day, fatima!", and not "smith, will you help?", since "will" is an everyday
          word that goes on the sentence, see _EVERYDAY_FIRST_NAMES); or, without a
          comma, two words apart that are a phrase of their own ("HARINGTON KIT" on its
          own line or between commas; not "FIELD DAY FATIMA", nor "obrien_liam.jpg").

        Never after a title ("Mr. Smith, Will ..."). Last name first in Title Case
        without a comma ("OBrien Liam") is not read as a name.
        """
        if t.file_name:
            return FORM_LAST_COMMA_FIRST if comma else FORM_LAST_FIRST_FILE
        if t.after_title(i):
            return ""
        first_text, last_text = t.words(j + 1, k), t.words(i, j)
        if comma and not first_text.islower():
            return FORM_LAST_COMMA_FIRST
        if not comma and last_text.isupper() and not first_text.isupper():
            return FORM_CAPS_LAST_FIRST
        if not t.starts_phrase(i):
            return ""
        if comma:
            plain = t.keys[j + 1] not in _EVERYDAY_FIRST_NAMES or t.ends_phrase(k)
            return FORM_LAST_COMMA_FIRST if plain else ""
        one_case = (last_text.isupper() and first_text.isupper()) or (
            last_text.islower() and first_text.islower()
        )
        return FORM_LAST_FIRST_ONE_CASE if one_case and t.spaced(j) and t.ends_phrase(k) else ""

    @staticmethod
    def _match(
        t: NameText, p: _Person, form: str, first: tuple[int, int], last: tuple[int, int]
    ) -> NameMatch:
        return NameIndex._match_chars(
            t,
            p,
            form,
            (t.starts[first[0]], t.ends[first[1]]),
            (t.starts[last[0]], t.ends[last[1]]),
        )

    @staticmethod
    def _match_chars(
        t: NameText, p: _Person, form: str, first: tuple[int, int], last: tuple[int, int]
    ) -> NameMatch:
        """A match whose first and last names are ``base[first]`` and ``base[last]``."""
        fs = t.chars(*first)
        ls = t.chars(*last)
        start, end = min(fs[0], ls[0]), max(fs[1], ls[1])
        return NameMatch(
            student_id=p.student_id,
            start=start,
            end=end,
            matched=t.text[start:end],
            form=form,
            first_span=fs,
            last_span=ls,
        )
