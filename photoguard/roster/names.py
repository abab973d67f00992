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
characters they stand for. Names are compared as whole words ("Anastasia" does
not contain "Ana"); inside a word, a change from lower to upper case counts as a
word break (camelCase, as in file names and hashtags). A joined name must be the
whole word: "liamobrien" is Liam O'Brien, "williamobriend" and "teamliamobrien"
are not.

Not findings: a first name alone, a first name with an initial ("Emily J."), a
last name alone, anyone not on the roster. A student whose names are also
ordinary words ("May Day", "Grace Hall") is found only when both appear next to
each other as above. Last name first needs a sign that it is a name (see
:meth:`NameIndex._reversed_form`), so "Mr. Smith will help" is not Will Smith.

Speed: a caption is split into words once; only words that begin a roster last
name (a set lookup), or begin a first name in a word long enough to be a joined
name, are looked at further, so the cost does not grow with the size of the
roster. ``make bench`` measures it (benchmarks/name_search.py).
"""

from __future__ import annotations

import bisect
import codecs
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from photoguard.roster.model import Student

Style = Literal["initial", "remove"]


def _wordlist(words: str) -> tuple[str, ...]:
    return tuple(words.split())


#: The forms a finding can take (its ``form``: why it counts as a full name).
FORM_FIRST_LAST = "first last"
FORM_FIRST_MIDDLE_LAST = "first middle last"
FORM_LAST_COMMA_FIRST = "last, first"
FORM_CAPS_LAST_FIRST = "LAST first"
FORM_LAST_FIRST_ONE_CASE = "last first (one case)"
FORM_LAST_FIRST_FILE = "last first (file name)"
FORM_JOINED = "firstlast (joined)"

#: Letters that Unicode does not decompose into a base letter plus accents.
_SPECIAL = {
    "ß": "ss",
    "ẞ": "SS",
    "ø": "o",
    "Ø": "O",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "TH",
    "ı": "i",
    # Letter-like apostrophes (Unicode category Lm) must not glue words together.
    "ʼ": "'",
    "ʻ": "'",
    "ʽ": "'",
    "ˈ": "'",
    "′": "'",
}

#: Characters that show nothing and are dropped before names are compared: every
#: format character (Unicode Cf: soft hyphen, zero-width space and joiners, left-to-
#: right and right-to-left marks and embeddings, word joiner, byte-order mark), every
#: mark (Mn, Me: accents, variation selectors, the combining grapheme joiner), and
#: the Hangul fillers, which are letters that print as blanks.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")

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

#: A camelCase break right after one of these is part of a surname ("McDonald",
#: "DeShawn", "OBrien"): a name may not start or end there.
_PARTICLES = frozenset(
    _wordlist("mc mac o d l de da di du del della la le van von der den st ste san santa")
)

#: Words that cannot be the middle of "First Middle Last" ("Emma and Johnson").
_NOT_MIDDLE = frozenset(
    _wordlist(
        "and or with the of for to at in on by from y e et und vs nor but plus n a an is was s"
    )
)

#: First names that are also everyday words, and so often follow a surname and a
#: comma in a sentence ("smith, will you help?", "hall, may I ..."). In text written
#: in one case, "last, first" with one of these counts only where the name ends the
#: phrase ("hall, grace." in a list). Chosen by hand: verbs and modal verbs, months,
#: seasons and virtues; other first names are not in it.
_EVERYDAY_FIRST_NAMES = frozenset(
    _wordlist(
        "will may can drew rose sue rob chase mark bill pat hope grace joy faith art jack "
        "ray don dawn june april august summer winter autumn frank rich sunny penny"
    )
)

#: A title before a surname says it is an adult's name ("Mr. Smith will ..."): last
#: name first is not read after one.
_TITLES = frozenset(
    _wordlist("mr mrs ms miss mx dr prof coach sir madam mme mlle herr frau sr sra srta")
)

#: "St. Pierre" = "Saint Pierre" (compared as whole name keys, after folding).
_SAINT_VARIANTS = (("st", "saint"), ("ste", "sainte"))

#: Longest run of words tried as one first name ("Mary Kate", "Jean-Luc").
_MAX_FIRST_WORDS = 4

#: A joined name ("liamobrien") is looked for only in words of at least this many
#: letters, made of a first name of at least 2 and a last name of at least 2: a
#: shorter word ("boli", "kimdo") is more likely an ordinary word than two names.
_MIN_JOINED = 6
_MIN_JOINED_PART = 2

_PIECE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+|[^\W\d_A-Za-z]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_TOKEN = re.compile(r"\S+")
#: A word of running text that is really a link, a user name, a hashtag or a file
#: name: there, names are written as in file names ("/news/liam-obrien-wins",
#: "@liam.obrien", "OBrien_Liam.jpg").
_LOOSE_TOKEN = re.compile(r"[/\\@_+]|^\W*#|\.[A-Za-z][A-Za-z0-9]{1,4}\W*$")
#: ... or a lower-case slug: "liam-obrien", "liam.obrien".
_SLUG_JOIN = re.compile(r"[^\W\d_][.\-‐‑][^\W\d_]")
#: Whether a text may hold such a word at all (one search, for most texts the last).
_LOOSE_HINT = re.compile(r"[/\\@_+#]|[^\W\d_][.\-‐‑][^\W\d_]")

_char_cache: dict[str, str] = {}
_CHAR_CACHE_MAX = 50_000


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


def _base_char(c: str) -> str:
    out = _char_cache.get(c)
    if out is None:
        if c in _SPECIAL:
            out = _SPECIAL[c]
        elif c in _INVISIBLE_LETTERS:
            out = ""
        else:
            out = "".join(
                _SPECIAL.get(ch, ch)
                for ch in unicodedata.normalize("NFKD", c)
                if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
                and ch not in _INVISIBLE_LETTERS
            )
        if len(_char_cache) < _CHAR_CACHE_MAX:
            _char_cache[c] = out
    return out


def _to_base(text: str) -> tuple[str, list[int] | None]:
    """Accents and invisible characters dropped, compatibility forms unfolded; case
    kept (camelCase needs it).

    Returns the new text and, when it differs in length or layout from the
    original, the original index of every character of the new text.
    """
    if text.isascii():
        return text, None
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _NON_ASCII.finditer(text):
        a, b = m.span()
        if a > pos:
            parts.append(text[pos:a])
            offsets.extend(range(pos, a))
        for i in range(a, b):
            r = _base_char(text[i])
            parts.append(r)
            offsets.extend([i] * len(r))
        pos = b
    if pos < len(text):
        parts.append(text[pos:])
        offsets.extend(range(pos, len(text)))
    return "".join(parts), offsets


def _percent_decoded(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """``text`` with ``%XX`` escapes (UTF-8, as in links and downloaded file names)
    read as characters, and where each character came from: (text, starts, ends)."""
    if "%" not in text or not _PERCENT.search(text):
        return text, None, None
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _PERCENT.finditer(text):
        a, b = m.span()
        parts.append(text[pos:a])
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        first = a
        for k in range(a, b, 3):
            out = decoder.decode(bytes([int(text[k + 1 : k + 3], 16)]))
            for ch in out:
                parts.append(ch)
                starts.append(first)
                ends.append(k + 3)
            if out:
                first = k + 3
        for ch in decoder.decode(b"", final=True):
            parts.append(ch)
            starts.append(first)
            ends.append(b)
        pos = b
    parts.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    return "".join(parts), starts, ends


def _fold(piece: str) -> str:
    if piece.isascii():
        return piece.lower()
    folded = piece.casefold()
    if folded.isascii():
        return folded
    return "".join(_base_char(c) for c in folded).lower()


def _pieces(base: str) -> tuple[list[str], list[int], list[int]]:
    """The words of ``base`` (camelCase split), folded, with where each starts and ends."""
    spans = [m.span() for m in _PIECE.finditer(base)]
    if base.isascii():
        low = base.lower()
        keys = [low[a:b] for a, b in spans]
    else:
        keys = [_fold(base[a:b]) for a, b in spans]
    return keys, [a for a, _ in spans], [b for _, b in spans]


def name_key(name: str) -> str:
    """A name as compared: "O'Brien" -> "obrien", "Zoë" -> "zoe", "St. Pierre" -> "stpierre"."""
    return "".join(_pieces(_to_base(name)[0])[0])


def _words_key(name: str) -> list[str]:
    """The keys of the space-separated words of a name ("Mary Kate" -> ["mary", "kate"])."""
    return [k for k in (name_key(w) for w in name.split()) if k]


def _last_variants(last_name: str) -> set[str]:
    keys = _pieces(_to_base(last_name)[0])[0]
    out = {"".join(keys)}
    # A double surname ("Delgado-Ruiz", "García López") is two surnames, and either is
    # used alone: "Sofía Delgado" names her too. Only words of their own count (not
    # particles: "Anna Berg" is not "Anna Van der Berg", "Marie Pierre" not "St. Pierre").
    words = [name_key(w) for w in re.split(r"[\s\-‐‑‒–—―]+", last_name)]
    own = [w for w in words if len(w) >= 2 and w not in _PARTICLES]
    if len(own) >= 2:
        out.update(own)
    for short, long in _SAINT_VARIANTS:
        for i, k in enumerate(keys):
            for a, b in ((short, long), (long, short)):
                if k == a:
                    out.add("".join([*keys[:i], b, *keys[i + 1 :]]))
    out.discard("")
    return out


@dataclass(frozen=True)
class _Person:
    student_id: str
    firsts: frozenset[str]
    middle: str


class _Text:
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
        decoded, self.pct_starts, self.pct_ends = _percent_decoded(text)
        self.base, self.offsets = _to_base(decoded)
        self.keys, self.starts, self.ends = _pieces(self.base)
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
            return self.keys[k - 1] not in _PARTICLES
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
            return self.keys[k] not in _PARTICLES
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
                    words = _words_key(name)
                    if len(words) > 1:  # "Mary Kate" is also found as "Mary"
                        firsts.add(words[0])
            lasts = _last_variants(s.last_name)
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

    def find(self, text: str, *, file_name: bool = False) -> list[NameMatch]:
        """Every full name of a roster student in ``text``, in order of position.

        ``file_name=True`` for file and folder names: `_ - . + ,` separate words and
        "Last_First" counts in any case (school photo files are often named so).
        """
        t = _Text(text, file_name)
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

    def _joined(self, t: _Text, i: int) -> Iterable[NameMatch]:
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
        self, t: _Text, last: int, by_first: dict[str, list[_Person]]
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

    def _around(self, t: _Text, i: int, j: int, last_key: str) -> Iterable[NameMatch]:
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
        self, t: _Text, i: int, j: int, last_key: str, by_first: dict[str, list[_Person]]
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
        self, t: _Text, i: int, j: int, by_first: dict[str, list[_Person]]
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
    def _reversed_form(t: _Text, comma: bool, i: int, j: int, k: int) -> str:
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
        t: _Text, p: _Person, form: str, first: tuple[int, int], last: tuple[int, int]
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
        t: _Text, p: _Person, form: str, first: tuple[int, int], last: tuple[int, int]
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


def first_name_only(text: str, matches: list[NameMatch], style: Style = "initial") -> str:
    """The text with each full name cut down to the first name.

    "Liam O'Brien's project" -> "Liam O.'s project" (initial) or "Liam's project" (remove).
    Where two matches overlap, the one that starts first (then the longer) is rewritten.
    """
    if style not in ("initial", "remove"):
        raise ValueError(f"unknown rewrite style {style!r}")
    out: list[str] = []
    pos = 0
    for m in sorted(matches, key=lambda m: (m.start, -m.end)):
        if m.start < pos or not (0 <= m.start < m.end <= len(text)):
            continue
        out.append(text[pos : m.start])
        out.append(text[m.first_span[0] : m.first_span[1]])
        if style == "initial":
            initial = next((c for c in text[m.last_span[0] : m.last_span[1]] if c.isalnum()), "")
            if initial:
                dot = "" if text[m.end : m.end + 1] == "." else "."
                out.append(f" {initial.upper()}{dot}")
        pos = m.end
    out.append(text[pos:])
    return "".join(out)
