"""Saved-reply suggestions for an open interaction: similar text and shared tags rank first.

Bag-of-words cosine on crudely stemmed words (German and English endings), plus tag overlap,
the interaction's language, and a little for replies people use often. Cheap enough to rank a
workspace's few hundred saved replies on every keystroke of the picker.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset({
    "und", "der", "die", "das", "ist", "nicht", "wir", "ich", "ein", "eine", "mit", "für", "auf", "den", "dem",
    "bei", "uns", "ihr", "sie", "euch", "dich", "dir", "gerne", "gern", "bitte", "hallo", "auch", "noch", "schon",
    "habt", "haben", "kann", "können", "wie", "was", "wenn", "dass", "oder", "aber", "sehr", "mal", "doch", "the",
    "and", "you", "your", "are", "for", "with", "this", "that", "have", "has", "our", "can", "will", "please",
    "thanks", "thank", "hello", "hey", "danke", "vielen", "liebe", "lieber", "grüße", "viele",
})
_SUFFIXES = ("ungen", "ung", "heit", "keit", "ern", "en", "er", "es", "e", "n", "s", "ing", "ed")


def stem(word: str) -> str:
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text or "") if w.lower() not in _STOP}


@dataclass(frozen=True)
class Candidate:
    """What ranking needs of a saved reply."""

    id: int
    title: str
    text: str
    tags: Sequence[str]
    language: str
    usage_count: int = 0
    is_holding: bool = False


def matches(candidate: Candidate, query: str) -> bool:
    """Every word of the picker's query appears in the title, text or tags."""
    haystack = " ".join([candidate.title, candidate.text, " ".join(candidate.tags)]).lower()
    return all(part in haystack for part in query.lower().split())


def rank(candidates: Iterable[Candidate], *, text: str, tags: Sequence[str] = (), language: str | None = None,
         query: str = "", crisis: bool = False) -> list[tuple[float, Candidate]]:
    """Candidates matching ``query``, best first for an interaction with ``text`` and ``tags``."""
    wanted = terms(text)
    wanted_tags = {t.lower() for t in tags}
    pool = [c for c in candidates if not query.strip() or matches(c, query)]
    top_usage = max((c.usage_count for c in pool), default=0)
    scored = []
    for c in pool:
        own = terms(" ".join([c.title, c.text, " ".join(c.tags), " ".join(c.tags)]))
        overlap = len(wanted & own)
        similarity = overlap / math.sqrt(len(wanted) * len(own)) if wanted and own else 0.0
        tag_score = len(wanted_tags & {t.lower() for t in c.tags}) / len(c.tags) if c.tags and wanted_tags else 0.0
        score = 0.6 * similarity + 0.3 * tag_score
        if language and c.language == language:
            score += 0.1
        if top_usage:
            score += 0.05 * math.log1p(c.usage_count) / math.log1p(top_usage)
        if crisis and c.is_holding:
            score += 1.0  # during an incident the approved statements come first
        scored.append((score, c))
    scored.sort(key=lambda pair: (-pair[0], pair[1].title.lower()))
    return scored
