"""What the checker reports: findings, and the evidence for a sentence's address form."""

from __future__ import annotations

from dataclasses import dataclass

CODES = ("address_form", "banned_word", "signature", "length", "emoji", "language")
EMOJI_POLICIES = ("none", "sparingly", "free")
FORMAL, INFORMAL = "formal", "informal"
FORMS = {"sie": FORMAL, "du": INFORMAL, FORMAL: FORMAL, INFORMAL: INFORMAL}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the checker noticed: ``text[start:end]``, why, and a replacement when obvious."""

    code: str
    start: int
    end: int
    message: str
    suggestion: str | None = None
    blocking: bool = False  # only a hard platform limit stops sending

    def as_dict(self) -> dict:
        return {"code": self.code, "start": self.start, "end": self.end, "message": self.message,
                "suggestion": self.suggestion, "blocking": self.blocking}


@dataclass(frozen=True, slots=True)
class Evidence:
    """A word (or words) that mark a sentence as formal or informal; ``fix_*`` is what a fix replaces."""

    start: int
    end: int
    word: str
    form: str  # "formal" | "informal"
    reason: str  # pronoun, possessive, plural, imperative, salutation, register
    fix_start: int
    fix_end: int
    suggestion: str | None


@dataclass(frozen=True, slots=True)
class SentenceVerdict:
    """One sentence: ``formal``, ``informal``, ``mixed`` (both), ``ambiguous`` or ``neutral``."""

    start: int
    end: int
    verdict: str
    evidence: tuple[Evidence, ...]
    ambiguous: tuple[tuple[int, int, str], ...] = ()
