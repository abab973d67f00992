"""How a name is compared: the key it is reduced to, however it was written.

Comparison ignores case and accents (Zoë Martínez = zoe martinez), and treats
apostrophes, hyphens and spaces inside a name alike (O'Brien = O’Brien = OBrien
= O Brien; Delgado-Ruiz = Delgado Ruiz; St. Pierre = St Pierre = Saint Pierre).
Invisible characters (soft hyphens, zero-width spaces and joiners, direction
marks) are dropped wherever they are, and ``%XX`` escapes are read as the
characters they stand for. Inside a word, a change from lower to upper case
counts as a word break (camelCase, as in file names and hashtags).

Every function that changes a text's length also says where each character came
from, so a finding can be shown in the original text. Searching texts for names
is :mod:`photoguard.roster.names`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

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


def word_set(words: str) -> frozenset[str]:
    """The words of a space-separated list (the word lists of the name search)."""
    return frozenset(words.split())


#: A camelCase break right after one of these is part of a surname ("McDonald",
#: "DeShawn", "OBrien"): a name may not start or end there.
PARTICLES = word_set("mc mac o d l de da di du del della la le van von der den st ste san santa")

#: "St. Pierre" = "Saint Pierre" (compared as whole name keys, after folding).
_SAINT_VARIANTS = (("st", "saint"), ("ste", "sainte"))

_PIECE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+|[^\W\d_A-Za-z]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")

_char_cache: dict[str, str] = {}
_CHAR_CACHE_MAX = 50_000


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


def to_base(text: str) -> tuple[str, list[int] | None]:
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


def percent_decoded(text: str) -> tuple[str, list[int] | None, list[int] | None]:
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


def pieces(base: str) -> tuple[list[str], list[int], list[int]]:
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
    return "".join(pieces(to_base(name)[0])[0])


def words_key(name: str) -> list[str]:
    """The keys of the space-separated words of a name ("Mary Kate" -> ["mary", "kate"])."""
    return [k for k in (name_key(w) for w in name.split()) if k]


def last_variants(last_name: str) -> set[str]:
    keys = pieces(to_base(last_name)[0])[0]
    out = {"".join(keys)}
    # A double surname ("Delgado-Ruiz", "García López") is two surnames, and either is
    # used alone: "Sofía Delgado" names her too. Only words of their own count (not
    # particles: "Anna Berg" is not "Anna Van der Berg", "Marie Pierre" not "St. Pierre").
    words = [name_key(w) for w in re.split(r"[\s\-‐‑‒–—―]+", last_name)]
    own = [w for w in words if len(w) >= 2 and w not in PARTICLES]
    if len(own) >= 2:
        out.update(own)
    for short, long in _SAINT_VARIANTS:
        for i, k in enumerate(keys):
            for a, b in ((short, long), (long, short)):
                if k == a:
                    out.add("".join([*keys[:i], b, *keys[i + 1 :]]))
    out.discard("")
    return out
