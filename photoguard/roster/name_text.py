"""One text being searched for names: its words, and what lies between them.

A caption, a metadata field or a file name is folded once
(:mod:`photoguard.roster.name_keys`) into words, each with its place in the
original text. :class:`NameText` answers the questions the name search asks about
the gaps between words: may a name start or end here (not inside "McDonald" or
"Hall-Smith"), is this a gap between a first and a last name (spaces, one line
break, or in file names, links and slugs `_ - . + ,`), does a phrase start or end
here, does a title ("Mr.") come before. Which names are looked for is
:mod:`photoguard.roster.names`.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

from photoguard.roster.name_keys import (
    PARTICLES,
    percent_decoded,
    pieces,
    to_base,
    word_set,
)

_APOSTROPHES = frozenset("'’‘`´")
_HYPHENS = frozenset("-‐‑‒–—―")
#: What may stand between the words of one name: "O'Brien", "Delgado-Ruiz", "St. Pierre".
_INSIDE_NAME = re.compile(r"[ \t_.'’‘`´\-‐‑‒–—―]{0,3}")
#: Between a first and a last name in running text: spaces and tabs, any number of
#: them (captions laid out in columns), and at most one line break ("Liam" at the end
#: of a line, "O'Brien" indented on the next); a blank line ends a name. "_" as in
#: #liam_obrien.
_BETWEEN_NAMES = re.compile(r"[ \t_]*(?:(?:\r\n|[\n\r\x0b\x0c\x85\u2028\u2029])[ \t_]*)?")
#: In file and folder names (and links, see _LOOSE_TOKEN) the separators are
#: `_ - . + ,`, spaces ("%20" once decoded) and "~".
_BETWEEN_NAMES_FILE = re.compile(r"[ \t_.+,~\-‐‑‒–—―]{0,5}")
#: After a middle initial: "Emily J. Johnson".
_AFTER_INITIAL = re.compile(r"\.?" + _BETWEEN_NAMES.pattern)
_AFTER_INITIAL_FILE = re.compile(r"\.?[ \t_.+,~\-‐‑‒–—―]{0,5}")
_COMMA = re.compile(r"[ \t]{0,2},[ \t]{0,2}")
_AFTER_TITLE = re.compile(r"\.?[ \t]{1,3}")
_SPACES = re.compile(r"[ \t]+")
#: Punctuation that glues words into one ("kit.jpg", "kit_2", "kit-harington", a/b).
_GLUE = frozenset("._-/\\@+~‐‑‒–—―")

#: A title before a surname says it is an adult's name ("Mr. Smith will ..."): last
#: name first is not read after one.
_TITLES = word_set("mr mrs ms miss mx dr prof coach sir madam mme mlle herr frau sr sra srta")

#: Longest run of words tried as one first name ("Mary Kate", "Jean-Luc").
_MAX_FIRST_WORDS = 4

_TOKEN = re.compile(r"\S+")
#: A word of running text that is really a link, a user name, a hashtag or a file
#: name: there, names are written as in file names ("/news/liam-obrien-wins",
#: "@liam.obrien", "OBrien_Liam.jpg").
_LOOSE_TOKEN = re.compile(r"[/\\@_+]|^\W*#|\.[A-Za-z][A-Za-z0-9]{1,4}\W*$")
#: ... or a lower-case slug: "liam-obrien", "liam.obrien".
_SLUG_JOIN = re.compile(r"[^\W\d_][.\-‐‑][^\W\d_]")
#: Whether a text may hold such a word at all (one search, for most texts the last).
_LOOSE_HINT = re.compile(r"[/\\@_+#]|[^\W\d_][.\-‐‑][^\W\d_]")


class NameText:
    """One text being searched: the folded words and where they are."""

    __slots__ = (
        "base",
        "ends",
        "file_name",
        "keys",
        "loose_tokens",
        "n",
        "offsets",
        "pct_ends",
        "pct_starts",
        "starts",
        "text",
    )

    def __init__(self, text: str, file_name: bool) -> None:
        self.text = text
        decoded, self.pct_starts, self.pct_ends = percent_decoded(text)
        self.base, self.offsets = to_base(decoded)
        self.keys, self.starts, self.ends = pieces(self.base)
        self.n = len(self.keys)
        self.file_name = file_name
        #: (start, end) in ``base`` of each word that is a link, slug or file name;
        #: found the first time a name is being decided (most texts never need it).
        self.loose_tokens: list[tuple[int, int]] | None = None

    def _gap_is(self, pattern: re.Pattern[str], left: int) -> bool:
        """Whether what lies between word ``left`` and the next is all ``pattern``."""
        return pattern.fullmatch(self.base, self.ends[left], self.starts[left + 1]) is not None

    def _loose_at(self, a: int, b: int) -> bool:
        """Whether base[a:b] lies inside one link, slug or file-name word of the text."""
        if self.loose_tokens is None:
            self.loose_tokens = (
                [
                    m.span()
                    for m in _TOKEN.finditer(self.base)
                    if _LOOSE_TOKEN.search(m.group())
                    or (m.group().islower() and _SLUG_JOIN.search(m.group()))
                ]
                if _LOOSE_HINT.search(self.base)
                else []
            )
        tokens = self.loose_tokens
        k = bisect.bisect_right(tokens, (a, len(self.base) + 1)) - 1
        return k >= 0 and tokens[k][0] <= a and b <= tokens[k][1]

    def file_like(self, first: int, last: int) -> bool:
        """Whether words first..last are read as in a file name: the text is one, or
        they lie in one link, slug or file-name word of it."""
        return self.file_name or self._loose_at(self.starts[first], self.ends[last])

    def joined_inside_name(self, left: int) -> bool:
        return self._gap_is(_INSIDE_NAME, left)

    def between_names(self, left: int) -> bool:
        a = self.ends[left]
        if self.starts[left + 1] - a == 1 and self.base[a] == " ":
            return True  # most gaps: one space
        if self._gap_is(_BETWEEN_NAMES, left):
            return True
        return self.file_like(left, left + 1) and self._gap_is(_BETWEEN_NAMES_FILE, left)

    def after_middle(self, middle: int) -> bool:
        if len(self.keys[middle]) != 1:
            return self.between_names(middle)
        if self._gap_is(_AFTER_INITIAL, middle):
            return True
        return self.file_like(middle, middle + 1) and self._gap_is(_AFTER_INITIAL_FILE, middle)

    def comma(self, left: int) -> bool:
        return self._gap_is(_COMMA, left)

    def can_start(self, k: int, upto: int) -> bool:
        """A name may begin at word ``k`` (not inside "McDonald", "Mary-Grace", "D'Angelo").

        After a hyphen it may, where the name up to word ``upto`` lies in one link, slug
        or file name ("/news/obrien-liam"), but not in "grace hall-smith"."""
        if k == 0:
            return True
        st = self.starts[k]
        if self.ends[k - 1] == st:
            return self.keys[k - 1] not in PARTICLES
        if st >= 2 and self.base[st - 2].isalnum():
            c = self.base[st - 1]
            if c in _APOSTROPHES or (c in _HYPHENS and not self.file_like(k - 1, upto)):
                return False
        return True

    def can_end(self, k: int, frm: int) -> bool:
        """A name may end after word ``k`` (possessive "'s" is fine; "Hall-Smith" is not Hall).

        Before a hyphen it may, where the name from word ``frm`` on lies in one link,
        slug or file name ("/news/liam-obrien-wins")."""
        e = self.ends[k]
        if k + 1 < self.n and self.starts[k + 1] == e:
            return self.keys[k] not in PARTICLES
        base = self.base
        if e + 1 < len(base) and base[e + 1].isalnum():
            c = base[e]
            if c in _APOSTROPHES:
                return base[e + 1] in "sS" and (e + 2 >= len(base) or not base[e + 2].isalnum())
            if c in _HYPHENS and not (k + 1 < self.n and self.file_like(frm, k + 1)):
                return False
        return True

    def ends_phrase(self, k: int) -> bool:
        """Whether a phrase ends after word ``k``: the text, a line, or punctuation (a
        possessive, a number) follows. "HALL, GRACE." and "SMITH WILL" ending a list
        line, not "SMITH WILL HELP", nor "kit.jpg" (punctuation glued to a word)."""
        base, pos = self.base, self.ends[k]
        while pos < len(base) and base[pos] in " \t":
            pos += 1
        if pos >= len(base) or base[pos] in _APOSTROPHES:
            return True
        if base[pos].isalpha():
            return False
        glued = pos == self.ends[k] and pos + 1 < len(base) and base[pos + 1].isalpha()
        return not (glued and base[pos] in _GLUE)

    def starts_phrase(self, k: int) -> bool:
        """Whether a phrase starts at word ``k``: the text, a line, or punctuation comes
        before it. "OBRIEN LIAM" starting a list line or after "Class list:", not
        "FIELD DAY FATIMA"."""
        base, pos = self.base, self.starts[k]
        while pos > 0 and base[pos - 1] in " \t":
            pos -= 1
        if pos == 0:
            return True
        if base[pos - 1].isalpha() or base[pos - 1] in _APOSTROPHES:
            return False
        glued = pos == self.starts[k] and pos >= 2 and base[pos - 2].isalpha()
        return not (glued and base[pos - 1] in _GLUE)

    def spaced(self, left: int) -> bool:
        """Whether only spaces or tabs (at least one) lie between word ``left`` and the next."""
        return _SPACES.fullmatch(self.base, self.ends[left], self.starts[left + 1]) is not None

    def after_title(self, k: int) -> bool:
        """Whether word ``k`` follows a title: "Mr. Smith", "MRS SMITH", "Coach Hall"."""
        return (
            k > 0
            and self.keys[k - 1] in _TITLES
            and _AFTER_TITLE.fullmatch(self.base, self.ends[k - 1], self.starts[k]) is not None
        )

    def backward_runs(self, last: int, max_len: int) -> list[tuple[int, str]]:
        """Words ending at ``last`` read as one name, shortest first: [(first word, key)]."""
        out: list[tuple[int, str]] = []
        k = last
        s = self.keys[k]
        while True:
            out.append((k, s))
            if k == 0 or len(out) >= _MAX_FIRST_WORDS or not self.joined_inside_name(k - 1):
                return out
            k -= 1
            s = self.keys[k] + s
            if len(s) > max_len:
                return out

    def forward_runs(self, first: int, max_len: int) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        k = first
        s = self.keys[k]
        while True:
            out.append((k, s))
            if k + 1 >= self.n or len(out) >= _MAX_FIRST_WORDS or not self.joined_inside_name(k):
                return out
            k += 1
            s += self.keys[k]
            if len(s) > max_len:
                return out

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Original-text span of words first..last."""
        return self.chars(self.starts[first], self.ends[last])

    def chars(self, a: int, b: int) -> tuple[int, int]:
        """Original-text span of ``base[a:b]``."""
        if self.offsets is not None:
            a, b = self.offsets[a], self.offsets[b - 1] + 1
        if self.pct_starts is not None and self.pct_ends is not None:
            a, b = self.pct_starts[a], self.pct_ends[b - 1]
        text = self.text
        while b < len(text) and unicodedata.category(text[b]) in ("Mn", "Me"):
            b += 1  # accents written as separate marks (NFD) belong to the name
        return a, b

    def words(self, first: int, last: int) -> str:
        return self.base[self.starts[first] : self.ends[last]]
