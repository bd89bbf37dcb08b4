"""Words, sentences, quotes and names in a reply: what the rules look at, and what they must skip."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

# Words are letters joined by hyphens or apostrophes: "Du-darfst-Joghurt" and "geht's" are one word.
WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
EMOJI_CORE = ("\u203c\u2049\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf\u23e9-\u23f3\u23f8-\u23fa"
              "\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c"
              "\u2b50\u2b55\u3030\u303d\u3297\u3299\U0001F000-\U0001FAFF")
EMOJI = re.compile(
    "[\U0001F1E6-\U0001F1FF]{2}"  # flags
    f"|[{EMOJI_CORE}][\ufe0f\U0001F3FB-\U0001F3FF]*(?:\u200d[{EMOJI_CORE}][\ufe0f\U0001F3FB-\U0001F3FF]*)*")
# Sentence ends: . ! ? … (runs), a colon, a line break, an emoji. Abbreviations are handled below.
_BOUNDARY = re.compile(rf"[.!?…]+(?=[\s\"'”“»«)\]]|$)|:(?=\s)|\n|[{EMOJI_CORE}]")
_ABBREVIATIONS = frozenset({
    "z", "b", "d", "h", "u", "a", "ca", "nr", "dr", "prof", "bzw", "ggf", "evtl", "inkl", "zzgl", "etc", "usw",
    "tel", "str", "mo", "di", "mi", "do", "fr", "sa", "so", "std", "min", "max", "mind", "vgl", "bspw", "mr", "mrs",
    "ms", "st", "vs", "e", "i", "g", "jan", "feb", "okt", "nov", "dez", "sept", "ff", "abs", "hr", "fa",
})
_QUOTES = {"„": "“”\"", "“": "”\"", "»": "«", "«": "»", "‚": "‘’", "\"": "\""}
_OPENERS = re.compile("[" + re.escape("".join(_QUOTES)) + "]")
_CLOSERS = {opener: re.compile("[" + re.escape(closers) + "\n]") for opener, closers in _QUOTES.items()}
_QUOTE_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of quoted text (customer words we repeat) and of e-mail style "> " quote lines."""
    spans: list[tuple[int, int]] = []
    position = 0
    while True:
        opening = _OPENERS.search(text, position)
        if opening is None:
            break
        start = opening.start()
        closing = _CLOSERS[text[start]].search(text, start + 1)
        if closing is not None and text[closing.start()] != "\n":
            spans.append((start, closing.end()))
            position = closing.end()
        else:
            position = start + 1
    spans.extend((m.start(), m.end()) for m in _QUOTE_LINE.finditer(text))
    return spans


def inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _brand_spans(text: str, brands: Iterable[str]) -> list[tuple[int, int]]:
    spans = []
    for brand in brands:
        brand = brand.strip()
        if not brand:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(brand)}(?!\w)", text):
            spans.append((match.start(), match.end()))
    return spans


@dataclass(slots=True)
class Token:
    start: int
    end: int
    text: str
    lower: str
    initial: bool  # first word of its sentence
    sentence: int
    index: int


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split at sentence ends, colons, line breaks and emoji."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group() == ".":
            before = _LAST_WORD.search(text, max(start, match.start() - 12), match.start())
            if before and before.group(1).lower() in _ABBREVIATIONS:
                continue
        bounds.append((start, match.end()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return [b for b in bounds if text[b[0]:b[1]].strip()]


_LAST_WORD = re.compile(r"(\w+)$")


class Words:
    """The words of a text; a word becomes a ``Token`` (with its sentence) only when a rule looks at it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sentences = _sentences(text)
        self._starts = [start for start, _end in self.sentences]
        self.spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
        self._cache: dict[int, Token] = {}

    def __len__(self) -> int:
        return len(self.spans)

    def sentence_of(self, position: int) -> int:
        return max(0, bisect_right(self._starts, position) - 1)

    def lower(self, i: int) -> str:
        start, end = self.spans[i]
        return self.text[start:end].lower()

    def token(self, i: int) -> Token:
        found = self._cache.get(i)
        if found is None:
            start, end = self.spans[i]
            sentence = self.sentence_of(start)
            initial = i == 0 or self.sentence_of(self.spans[i - 1][0]) != sentence
            word = self.text[start:end]
            found = self._cache[i] = Token(start, end, word, word.lower(), initial, sentence, i)
        return found

    def relevant(self, vocabulary: frozenset[str]) -> list[int]:
        """Indexes of the words a rule may fire on (all other words are only ever neighbours)."""
        text = self.text
        return [i for i, (start, end) in enumerate(self.spans) if text[start:end].lower() in vocabulary]


def skipper(text: str, quoted: list[tuple[int, int]], brands: Iterable[str]):
    """Whether a word is someone else's (quoted) or a name (a brand, a trademark): never evidence."""
    hidden = quoted + _brand_spans(text, brands)
    marks = [m.start() for m in re.finditer("[®™]", text)]
    if not hidden and not marks:
        return lambda tok: False

    def skip(tok: Token) -> bool:
        if inside(tok.start, hidden):
            return True
        # "Du darfst®": the (at most two) words right before a trademark sign belong to a brand.
        return any(0 <= mark - tok.end <= 40 and "\n" not in text[tok.end:mark]
                   and text[tok.end:mark].count(" ") <= 1 for mark in marks)

    return skip


def cap(word: str, like: str) -> str:
    """``word`` with a capital first letter when ``like`` has one (sentence starts stay capitalised)."""
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def like_case(word: str, like: str) -> str:
    """``word`` with the case of ``like``'s first letter."""
    return word[:1].upper() + word[1:] if like[:1].isupper() else word[:1].lower() + word[1:]
