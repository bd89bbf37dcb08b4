"""Classification of incoming interactions on ingest: language, sentiment, question, spam.

Pure Python plus lingua (offline; its models ship in the wheel), no downloads at run time.
The ingest pipeline calls :func:`classify` once per interaction. Everything is rule- and
lexicon-based so that results are explainable to community managers and tunable by editing
the lexicon files next to this module (``lexicon_de.txt``, ``lexicon_en.txt``,
``lexicon_other.txt``).

Sentiment labels: ``score <= -0.1`` negative, ``score >= 0.1`` positive, neutral in between
(:data:`NEUTRAL_BAND`). A star rating (reviews) weighs 60 % of the final score: 1-2 stars
are negative, 4-5 positive, and the text decides within that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import language as _language
from . import questions as _questions
from . import sentiment as _sentiment
from . import spam as _spam
from ._text import clean
from .sentiment import NEUTRAL_BAND

__all__ = [
    "NEUTRAL_BAND",
    "Classification",
    "classify",
    "classify_many",
    "detect_language",
    "is_question",
    "score_sentiment",
    "sentiment_label",
    "spam_check",
]


@dataclass(frozen=True, slots=True)
class Classification:
    """The result of :func:`classify` for one interaction."""

    language: str  # "de", "en" or "other"
    sentiment_score: float  # -1..1
    sentiment_label: str  # "negative" | "neutral" | "positive"
    is_question: bool
    is_spam: bool
    spam_reasons: tuple[str, ...]


def _lang(language: str) -> str:
    return language if language in ("de", "en") else "other"


def detect_language(text: str, default: str = "de") -> str:
    """Return "de", "en" or "other" for ``text``.

    Texts without letters (emoji only, numbers, links) and very short ambiguous ones ("ok",
    "Top") return ``default`` - pass the workspace's main language.
    """
    return _language.detect(text, default if default in ("de", "en") else "other")


def score_sentiment(text: str, language: str) -> float:
    """Sentiment of ``text`` in -1 (very negative) .. 1 (very positive), from the text alone.

    ``language`` selects the lexicon ("de", "en"; anything else uses the small multi-language
    lexicon plus emojis).
    """
    cleaned = clean(text)
    lang = _lang(language)
    return _sentiment.text_score(cleaned, lang, question=_questions.is_question_cleaned(cleaned))


def sentiment_label(score: float) -> str:
    """Map a score to "negative", "neutral" or "positive" (``|score| < NEUTRAL_BAND`` is neutral)."""
    return _sentiment.label(score)


def is_question(text: str, language: str) -> bool:
    """True when ``text`` asks something - with or without "?" - and not only rhetorically.

    The patterns cover German and English together (code-switching is common), so
    ``language`` is accepted for API symmetry and future per-language rules.
    """
    del language  # patterns are bilingual; see docstring
    return _questions.is_question_cleaned(clean(text))


def spam_check(text: str, recent_texts_by_author: Sequence[str] = ()) -> tuple[bool, tuple[str, ...]]:
    """Return ``(is_spam, reasons)``; reasons are short codes such as "url_shortener",
    "follow_bait", "money_bait", "duplicate_of_recent", sorted alphabetically.

    ``recent_texts_by_author`` are the same author's previous texts (newest first); a
    substantive text identical to one of them counts as copy-paste spam.
    """
    return _spam.check_cleaned(clean(text), recent_texts_by_author)


def classify_many(
    texts: Sequence[str],
    *,
    ratings: Sequence[int | None] | None = None,
    default_language: str = "de",
    recent_texts: Sequence[Sequence[str]] | None = None,
) -> list[Classification]:
    """Classify a batch (a sync page): the same results as ``classify`` for each, faster.

    ``recent_texts`` holds, per text, its author's previous texts (newest first) for the
    copy-paste check. Language detection of the whole batch runs on every core at once
    (lingua's parallel API).
    """
    cleaned = [clean(t) for t in texts]
    languages = _language.detect_many_cleaned(cleaned, _lang(default_language))
    ratings = ratings if ratings is not None else [None] * len(texts)
    recent_texts = recent_texts if recent_texts is not None else [()] * len(texts)
    return [_classify_cleaned(text, language, rating, recent)
            for text, language, rating, recent in zip(cleaned, languages, ratings, recent_texts, strict=True)]


def classify(
    text: str,
    *,
    rating: int | None = None,
    default_language: str = "de",
    recent_texts_by_author: Sequence[str] = (),
) -> Classification:
    """Classify one interaction. Never raises for any string input.

    ``rating`` is a review's star rating (1-5) and shifts the sentiment strongly;
    ``default_language`` is used when the text gives no clue (emoji only, "ok").
    """
    cleaned = clean(text)
    language = _language.detect_cleaned(cleaned, _lang(default_language))
    return _classify_cleaned(cleaned, language, rating, recent_texts_by_author)


def _classify_cleaned(cleaned: str, language: str, rating: int | None,
                      recent_texts_by_author: Sequence[str]) -> Classification:
    question = _questions.is_question_cleaned(cleaned)
    score = _sentiment.text_score(cleaned, _lang(language), question=question)
    score = round(_sentiment.combine_with_rating(score, rating), 4)
    spam, reasons = _spam.check_cleaned(cleaned, recent_texts_by_author)
    return Classification(
        language=language,
        sentiment_score=score,
        sentiment_label=_sentiment.label(score),
        is_question=question,
        is_spam=spam,
        spam_reasons=reasons,
    )
