"""Lexicon- and rule-based sentiment for German and English social-media text.

The approach follows VADER (Hutto & Gilbert, 2014): every known word, phrase, emoji or
emoticon has a valence; rules then adjust it for its context (negation, intensifiers,
contrast, emphasis); the sum is squashed to -1..1. It is transparent (a community manager
can be told *why* a comment was flagged negative), needs no model download, and runs at
tens of thousands of texts per second.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from ._text import EMOJI, Token, clean, de_elongate, emoticon_value, is_elongated, tokenize

# Label thresholds on the final score: |score| < NEUTRAL_BAND is neutral. A single mild word
# ("ok", "okay", "durchschnittlich") stays inside the band; one clear word ("gut", "bad",
# "👍") leaves it.
NEUTRAL_BAND = 0.1

# Squashing constant of score = s / sqrt(s² + ALPHA): one strong word (≈2.5) gives ≈0.6,
# three give ≈0.9.
ALPHA = 8.0

# Stars → score. The rating is the author's own verdict, so it dominates the text
# (RATING_WEIGHT); the text still decides the direction within 3 stars and moves the
# score within a rating.
RATING_SCORE = {1: -0.9, 2: -0.6, 3: 0.0, 4: 0.6, 5: 0.9}
RATING_WEIGHT = 0.6

NEGATION_FACTOR = -0.75  # "nicht gut" is bad, but less bad than "schlecht"
NEGATION_WINDOW = 3  # a negator reaches this many words ahead, within its clause
CONTRAST_BEFORE = 0.5  # "gut, aber teuer": what comes before "aber" counts half ...
CONTRAST_AFTER = 1.5  # ... and what follows it one and a half
QUESTION_POSITIVE = 0.1  # "Welche Größe würdet ihr empfehlen?" is a request, not praise
POLITENESS_IN_QUESTION = 0.2  # "Danke" after a question is a formula
CAPS_FACTOR = 1.3
ELONGATION_FACTOR = 1.15
EXCLAMATION_STEP = 0.25  # added to |sum| per "!", up to four
PAST_FACTOR = -0.5  # "früher wart ihr gut" / "used to be great" praises the past, not now
SHOUTING_BASE = -0.8  # an all-caps message without any positive word reads as anger
EXASPERATION_BASE = -1.0  # "???" or "?!" without any positive word: a complaint, not a query

# German social media mixes in English ("voll nice", "next level", "fail"); unknown German
# tokens fall back to the English lexicon - except German words that merely look English.
_DE_FALSE_FRIENDS = frozenset(
    [
        "fast",
        "also",
        "will",
        "kind",
        "rock",
        "bald",
        "hell",
        "gift",
        "bad",
        "arm",
        "rat",
        "mist",
        "fern",
        "hut",
        "note",
        "sale",
        "home",
        "wand",
        "rate",
        "bitte",
        "die",
        "war",
        "was",
        "hat",
        "man",
        "see",
        "tag",
        "ton",
        "pest",
    ]
)

_NEGATORS = {
    "de": frozenset(
        [
            "nicht",
            "nichts",
            "nix",
            "kein",
            "keine",
            "keinen",
            "keinem",
            "keiner",
            "keines",
            "nie",
            "niemals",
            "ohne",
            "kaum",
            "niemand",
            "weder",
            "nee",
            "net",
        ]
    ),
    "en": frozenset(
        [
            "not",
            "no",
            "never",
            "none",
            "nothing",
            "nobody",
            "neither",
            "nor",
            "without",
            "hardly",
            "barely",
            "cannot",
            "cant",
            "dont",
            "doesnt",
            "didnt",
            "isnt",
            "wasnt",
            "arent",
            "werent",
            "wont",
            "wouldnt",
            "couldnt",
            "shouldnt",
            "havent",
            "hasnt",
            "aint",
            "nope",
        ]
    ),
    "other": frozenset(["ne", "pas", "non", "no", "niet", "geen", "nie", "değil", "jamais", "nunca", "mai"]),
}
# Words after a negator that cancel it: "nicht nur lecker" praises, "not only" as well.
_NEGATION_BREAKERS = frozenset({"nur", "only", "just", "bloß", "mal"})

_BOOSTERS = {
    "de": {
        "sehr": 1.3,
        "extrem": 1.5,
        "mega": 1.5,
        "super": 1.4,
        "total": 1.4,
        "voll": 1.3,
        "echt": 1.2,
        "richtig": 1.3,
        "absolut": 1.4,
        "wirklich": 1.25,
        "so": 1.2,
        "ganz": 1.1,
        "äußerst": 1.5,
        "außerordentlich": 1.5,
        "besonders": 1.25,
        "einfach": 1.1,
        "sowas": 1.2,
        "dermaßen": 1.5,
        "unglaublich": 1.4,
        "unheimlich": 1.4,
        "wahnsinnig": 1.4,
        "krass": 1.3,
        "brutal": 1.4,
        "tierisch": 1.3,
        "maßlos": 1.5,
        "zutiefst": 1.5,
        "höchst": 1.4,
        "viel": 1.2,
        "zu": 1.1,
        "ultra": 1.5,
        "sau": 1.4,
        "komplett": 1.3,
        "völlig": 1.4,
        "vollkommen": 1.3,
        "hammer": 1.3,
        "derbe": 1.4,
        "etwas": 0.6,
        "bisschen": 0.6,
        "bissl": 0.6,
        "bissel": 0.6,
        "leicht": 0.7,
        "halbwegs": 0.5,
        "eher": 0.7,
        "ziemlich": 1.1,
        "recht": 1.1,
        "relativ": 0.8,
        "einigermaßen": 0.6,
        "teilweise": 0.7,
        "fast": 0.8,
        "weniger": 0.6,
    },
    "en": {
        "very": 1.3,
        "really": 1.25,
        "so": 1.25,
        "sooo": 1.3,
        "extremely": 1.5,
        "super": 1.4,
        "totally": 1.4,
        "absolutely": 1.4,
        "completely": 1.3,
        "incredibly": 1.5,
        "truly": 1.3,
        "highly": 1.3,
        "seriously": 1.2,
        "utterly": 1.5,
        "such": 1.2,
        "too": 1.1,
        "way": 1.2,
        "insanely": 1.5,
        "hella": 1.4,
        "mega": 1.4,
        "most": 1.2,
        "especially": 1.2,
        "kinda": 0.6,
        "somewhat": 0.7,
        "slightly": 0.6,
        "bit": 0.6,
        "little": 0.7,
        "fairly": 0.9,
        "quite": 1.1,
        "pretty": 1.1,
        "rather": 0.9,
        "barely": 0.5,
        "almost": 0.8,
        "sorta": 0.6,
        "marginally": 0.6,
        "just": 1.0,
    },
    "other": {
        "très": 1.3,
        "muy": 1.3,
        "molto": 1.3,
        "heel": 1.3,
        "çok": 1.3,
        "bardzo": 1.3,
        "super": 1.4,
        "trop": 1.2,
        "tan": 1.2,
    },
}
_CONTRAST = frozenset({"aber", "jedoch", "allerdings", "but", "however", "mais", "pero", "ma", "maar"})
_PAST_MARKERS = frozenset({"früher", "damals", "einst", "ehemals"})
_PAST_PHRASES = (("used", "to"),)
_POLITENESS = frozenset({"danke", "dankeschön", "thanks", "thank", "thx", "ty", "cheers", "merci", "gracias", "grazie"})
# Positive interjections that open a sarcastic complaint: "Na toll, wieder kein Netz."
_SARCASM_OPENERS = frozenset(
    {
        "super",
        "toll",
        "klasse",
        "prima",
        "perfekt",
        "wunderbar",
        "großartig",
        "spitze",
        "bravo",
        "great",
        "wonderful",
        "perfect",
        "fantastic",
        "lovely",
        "brilliant",
        "awesome",
        "nice",
        "amazing",
        "excellent",
        "splendid",
    }
)
_SARCASM_LEADS = frozenset({"na", "oh", "ach", "ja", "och", "wow", "yeah", "ah"})


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One language's lexicon, split by lookup kind."""

    words: dict[str, float]
    stems: tuple[tuple[str, float], ...]  # longest first
    phrases: dict[str, tuple[tuple[tuple[str, ...], float], ...]]  # first word -> longest first
    modifiers: tuple[tuple[str, float], ...]  # compound modifiers ("lieblings-"), longest first


def _parse(name: str) -> Lexicon:
    words: dict[str, float] = {}
    stems: dict[str, float] = {}
    phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    modifiers: dict[str, float] = {}
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        term, _, weight = line.rpartition(" ")
        value = float(weight)
        term = term.strip().lower()
        if " " in term:
            parts = tuple(term.split())
            phrases.setdefault(parts[0], []).append((parts, value))
        elif term.endswith("*"):
            stems[term[:-1]] = value
        elif term.endswith("-") and len(term) > 2:
            modifiers[term[:-1]] = value
        else:
            words[term] = value
    return Lexicon(
        words=words,
        stems=tuple(sorted(stems.items(), key=lambda kv: -len(kv[0]))),
        phrases={k: tuple(sorted(v, key=lambda pv: -len(pv[0]))) for k, v in phrases.items()},
        modifiers=tuple(sorted(modifiers.items(), key=lambda kv: -len(kv[0]))),
    )


@cache
def lexicon(language: str) -> Lexicon:
    """The lexicon for "de", "en" or "other" (parsed once from the package data files)."""
    return _parse({"de": "lexicon_de.txt", "en": "lexicon_en.txt"}.get(language, "lexicon_other.txt"))


# A stem covers inflections and derivations ("enttäusch" + "ungen", "disappoint" + "ment"),
# not compounds with a head of their own: "Kündigungsbestätigung" is not a complaint and
# "Problemlösung" is not a problem.
_MAX_STEM_REST = 6


def _direct(lex: Lexicon, word: str) -> float | None:
    value = lex.words.get(word)
    if value is not None:
        return value
    for stem, value in lex.stems:
        if word.startswith(stem) and len(word) - len(stem) <= _MAX_STEM_REST:
            return value
    return None


_MIN_HEAD = 4  # shorter heads ("gut", "top") give false hits: "Laptop", "Sendungsgut"
_MIN_LEFT = 3  # "un" + "freundlich" must not be read as a compound of "freundlich"


@lru_cache(maxsize=65_536)
def word_value(language: str, word: str) -> float | None:
    """Valence of one lower-cased word, or None when the lexicon does not know it.

    Tries, in order: the word itself, its de-elongated forms ("suuuper"), the parts of a
    hyphenated word, and - for German - compound heads ("Servicewüste" → "wüste") and
    evaluative compound modifiers ("Lieblingsbäckerei" → "lieblings-").
    """
    lex = lexicon(language)
    for form in (word, *de_elongate(word)):
        value = _direct(lex, form)
        if value is not None:
            return value
    if "-" in word:
        parts = [p for p in word.split("-") if p]
        # The head (last part) of "Top-Service" or "E-Bike-Katastrophe" carries the meaning;
        # an evaluative first part ("Top-Qualität") counts when the head is neutral.
        for part in (parts[-1], *parts[:-1]) if parts else ():
            value = word_value(language, part)
            if value is not None:
                return value
        return None
    if language != "de":
        return None
    if len(word) >= 4 and word not in _DE_FALSE_FRIENDS:
        value = _direct(lexicon("en"), word)
        if value is not None:
            return value
    if len(word) < _MIN_HEAD + _MIN_LEFT:
        return None
    for i in range(_MIN_LEFT, len(word) - _MIN_HEAD + 1):
        head = word[i:]
        value = _direct(lex, head)
        if value is not None and (head in lex.words or len(head) >= _MIN_HEAD):
            return value
    for mod, value in lex.modifiers:
        if word.startswith(mod) and len(word) > len(mod) + 2:
            return value
    return None


def _is_compound_intensifier(word: str) -> bool:
    # "Riesenenttäuschung", "Megaauswahl", "Superservice": the prefix only strengthens.
    return word.startswith(("riesen", "mega", "super", "mords", "hammer", "sau", "ober"))


@dataclass(slots=True)
class _Item:
    value: float
    sentence: int
    position: int  # index in the word sequence of the sentence, for contrast rules
    politeness: bool = False
    opener: bool = False  # candidate for the sarcasm rule


def _sentences(tokens: list[Token]) -> list[list[Token]]:
    out: list[list[Token]] = [[]]
    for tok in tokens:
        out[-1].append(tok)
        if tok.kind == "nl" or (tok.kind == "punct" and any(c in tok.raw for c in ".!?…")):
            out.append([])
    return [s for s in out if s]


def _ends_with_question(sentence: list[Token]) -> bool:
    for tok in reversed(sentence):
        if tok.kind == "punct":
            return "?" in tok.raw
        if tok.kind in ("word", "num", "url"):
            return False
    return False


def _score_items(text: str, language: str) -> tuple[list[_Item], int, bool]:
    """Valenced items of the text, the number of "!" and whether the text is shouted."""
    lang = language if language in ("de", "en") else "other"
    lex = lexicon(lang)
    negators = _NEGATORS[lang] | (_NEGATORS["en"] if lang == "de" else frozenset())
    boosters = _BOOSTERS[lang]
    tokens = tokenize(text)
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 10 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
    items: list[_Item] = []
    for s_idx, sentence in enumerate(_sentences(tokens)):
        question = _ends_with_question(sentence)
        # Clause-separated word list; None marks a clause boundary (comma, semicolon, ...).
        seq: list[Token | None] = []
        for tok in sentence:
            if tok.kind == "word":
                seq.append(tok)
            elif tok.kind in ("punct", "nl"):
                seq.append(None)
            elif tok.kind == "emo":
                items.append(_Item(emoticon_value(tok.raw), s_idx, len(seq)))
            elif tok.kind == "sym" and tok.raw in EMOJI:
                items.append(_Item(EMOJI[tok.raw], s_idx, len(seq)))
            elif tok.kind == "score":
                num, _, den = tok.raw.partition("/")
                ratio = int(num) / int(den)
                items.append(_Item((ratio - 0.5) * 5.0, s_idx, len(seq)))
        lows = [t.low if t is not None else "" for t in seq]
        past_from = _past_marker_position(lows)
        first_word = next((i for i, t in enumerate(seq) if t is not None and t.low not in _SARCASM_LEADS), -1)
        i = 0
        while i < len(seq):
            tok = seq[i]
            if tok is None:
                i += 1
                continue
            value, length = _phrase_at(lex, lows, i)
            negatable = length == 0
            if length == 0:
                word = tok.low
                if word in negators or (word in boosters and not _has_value(lang, lows, i)):
                    i += 1
                    continue
                if word in boosters and _next_has_value(lang, lows, i):
                    i += 1  # acts on the next word instead of carrying its own weight
                    continue
                value = word_value(lang, word)
                if value is None:
                    i += 1
                    continue
                length = 1
                if lang == "de" and _is_compound_intensifier(word) and word not in lex.words:
                    value *= 1.3
                if is_elongated(tok.raw):
                    value *= ELONGATION_FACTOR
                if not shouting and tok.raw.isupper() and len(tok.raw) >= 3:
                    value *= CAPS_FACTOR
            value *= _booster_factor(boosters, lows, i)
            if negatable and _negated(negators, lows, i, lang, length):
                value *= NEGATION_FACTOR
            if past_from is not None and i > past_from and value > 0:
                value *= PAST_FACTOR
            if question and value > 0:
                value *= QUESTION_POSITIVE
            items.append(
                _Item(
                    value,
                    s_idx,
                    i,
                    politeness=length == 1 and tok.low in _POLITENESS,
                    opener=(
                        i == first_word
                        and tok.low in _SARCASM_OPENERS
                        and length == 1
                        and i + 1 < len(seq)
                        and seq[i + 1] is None
                    ),
                )
            )
            i += length
        _apply_contrast(items, s_idx, lows)
    exclamations = min(text.count("!"), 4)
    return items, exclamations, shouting


def _phrase_at(lex: Lexicon, lows: list[str], i: int) -> tuple[float, int]:
    for parts, value in lex.phrases.get(lows[i], ()):
        n = len(parts)
        if tuple(lows[i : i + n]) == parts:
            return value, n
    return 0.0, 0


def _has_value(lang: str, lows: list[str], i: int) -> bool:
    return bool(lows[i]) and word_value(lang, lows[i]) is not None


def _next_has_value(lang: str, lows: list[str], i: int) -> bool:
    # Look past a second booster ("echt sehr gut") but not across a clause boundary.
    boosters = _BOOSTERS[lang]
    for j in range(i + 1, min(i + 3, len(lows))):
        if not lows[j]:
            return False
        if word_value(lang, lows[j]) is not None or _phrase_at(lexicon(lang), lows, j)[1]:
            return True
        if lows[j] not in boosters and lows[j] not in _ARTICLES:
            return False
    return False


_ARTICLES = frozenset({"a", "an", "the", "ein", "eine", "einen", "der", "die", "das"})


def _booster_factor(boosters: dict[str, float], lows: list[str], i: int) -> float:
    factor = 1.0
    for j in range(i - 1, max(i - 3, -1), -1):
        word = lows[j]
        if not word:
            break
        if word in boosters:
            factor *= boosters[word]
        elif word not in _ARTICLES:
            break
    return factor


def _negated(negators: frozenset[str], lows: list[str], i: int, lang: str, length: int) -> bool:
    for j in range(i - 1, max(i - 1 - NEGATION_WINDOW, -1), -1):
        word = lows[j]
        if not word:
            break
        if word in negators or word.endswith("n't"):
            return lows[j + 1] not in _NEGATION_BREAKERS
    if lang == "de":
        # German puts "nicht" after the verb: "Das gefällt mir nicht." Only a clause-final
        # "nicht" (optionally + "mehr") is read that way, so "gut, nicht teuer" stays intact.
        for j in range(i + length, min(i + length + 4, len(lows))):
            word = lows[j]
            if not word:
                break
            if word in ("nicht", "nie"):
                nxt = lows[j + 1] if j + 1 < len(lows) else ""
                return nxt in ("", "mehr", "so")
    return False


def _past_marker_position(lows: list[str]) -> int | None:
    for j, word in enumerate(lows):
        if word in _PAST_MARKERS:
            return j
        if j + 1 < len(lows) and (word, lows[j + 1]) in _PAST_PHRASES:
            return j + 1
    return None


def _apply_contrast(items: list[_Item], s_idx: int, lows: list[str]) -> None:
    pivots = [j for j, w in enumerate(lows) if w in _CONTRAST]
    if not pivots:
        return
    pivot = pivots[-1]
    for item in items:
        if item.sentence == s_idx:
            item.value *= CONTRAST_AFTER if item.position > pivot else CONTRAST_BEFORE
        elif item.sentence == s_idx - 1 and pivot == 0:
            # "Gut. Aber teuer." - the contrast reaches back into the previous sentence.
            item.value *= CONTRAST_BEFORE


def raw_sum(text: str, language: str, *, question: bool = False) -> float:
    """Unsquashed valence sum (exposed for the benchmark and for debugging)."""
    items, exclamations, shouting = _score_items(text, language)
    if question:
        for item in items:
            if item.politeness and item.value > 0:
                item.value *= POLITENESS_IN_QUESTION
    openers = [it for it in items if it.opener and it.value > 0]
    if openers:
        rest = sum(it.value for it in items if not it.opener)
        if rest < 0:
            for it in openers:
                it.value = -it.value
    total = sum(it.value for it in items)
    if shouting:
        total = total * CAPS_FACTOR if total > 0 else total * CAPS_FACTOR + SHOUTING_BASE
    if total <= 0 and _EXASPERATED_RE.search(text):
        total += EXASPERATION_BASE
    if total:
        total += math.copysign(EXCLAMATION_STEP * exclamations, total)
    return total


_EXASPERATED_RE = re.compile(r"\?{2,}|\?!|!\?")


def squash(total: float) -> float:
    """Map an unbounded valence sum to -1..1."""
    return total / math.sqrt(total * total + ALPHA)


def text_score(text: str, language: str, *, question: bool = False) -> float:
    """Sentiment of cleaned ``text`` in -1..1, without any rating."""
    return squash(raw_sum(text, language, question=question))


def combine_with_rating(score: float, rating: int | None) -> float:
    """Shift a text score by a star rating (1-5); ratings outside 1..5 are ignored."""
    if rating is None or rating not in RATING_SCORE:
        return score
    return max(-1.0, min(1.0, RATING_WEIGHT * RATING_SCORE[rating] + (1 - RATING_WEIGHT) * score))


def label(score: float) -> str:
    """ "negative", "neutral" or "positive" for a score (see NEUTRAL_BAND)."""
    if score <= -NEUTRAL_BAND:
        return "negative"
    if score >= NEUTRAL_BAND:
        return "positive"
    return "neutral"


__all__ = ["NEUTRAL_BAND", "clean", "combine_with_rating", "label", "lexicon", "text_score", "word_value"]
