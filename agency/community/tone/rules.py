"""The other rules: words to avoid, the signature, emoji, the reply's language and the platform's length."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import gettext as _

from agency.community.tone.findings import Finding
from agency.community.tone.text import EMOJI, EMOJI_CORE, WORD, cap, inside

# --- banned words ----------------------------------------------------------------------------

def _banned_pattern(phrase: str) -> re.Pattern[str] | None:
    phrase = " ".join(phrase.split())
    if not phrase:
        return None
    wildcard = phrase.endswith("*")
    core = phrase.rstrip("*").strip()
    if not core:
        return None
    body = r"\s+".join(re.escape(part) for part in core.split(" "))
    tail = r"\w*" if wildcard else ""
    return re.compile(rf"(?<!\w){body}{tail}(?!\w)", re.IGNORECASE)


_PATTERN_CACHE: dict[str, re.Pattern[str] | None] = {}


def banned_findings(text: str, banned: Mapping[str, str | None], quoted: list[tuple[int, int]]) -> list[Finding]:
    findings = []
    messages: dict[str, str] = {}
    for phrase, alternative in banned.items():
        pattern = _PATTERN_CACHE.get(phrase)
        if pattern is None and phrase not in _PATTERN_CACHE:
            pattern = _PATTERN_CACHE[phrase] = _banned_pattern(phrase)
            if len(_PATTERN_CACHE) > 5000:
                _PATTERN_CACHE.clear()
        if pattern is None:
            continue
        for match in pattern.finditer(text):
            if inside(match.start(), quoted):
                continue
            alternative = (alternative or "").strip() or None
            suggestion = cap(alternative, match.group()) if alternative else None
            word = match.group()
            if word not in messages:
                if alternative:
                    messages[word] = _("“%(word)s” is on this workspace’s list of words to avoid; say "
                                       "“%(alternative)s”.", word=word, alternative=alternative)
                else:
                    messages[word] = _("“%(word)s” is on this workspace’s list of words to avoid.", word=word)
            findings.append(Finding("banned_word", match.start(), match.end(), messages[word], suggestion))
    return findings


# --- signature -----------------------------------------------------------------------------

_SIGNATURE_LINE = re.compile(
    r"^\s*(?:\^\s*\S+|[-–—~]\s*[^\W\d_][\w .'-]{0,40}|(?:(?:viele|liebe|beste|herzliche|sonnige|freundliche|"
    r"schöne|sportliche|süße|frische)\s+grüße|grüße|gruß|lg|vg|mfg|mit\s+freundlichen\s+grüßen|"
    r"best(?:\s+regards|\s+wishes)?|kind\s+regards|regards|cheers|many\s+thanks|thanks|thank\s+you|"
    r"dein(?:e)?\s+\S+|euer\s+\S+|eure\s+\S+)\b.*)$",
    re.IGNORECASE)
_TRAILING_CARET = re.compile(r"\s\^\s*[^\W\d_][\w.-]*\s*$")
_TRAILING_DECORATION = re.compile(rf"(?:\s|[{EMOJI_CORE}\ufe0f\U0001F3FB-\U0001F3FF!.])+$")


def _norm(value: str) -> str:
    return " ".join(value.split())


def signature_findings(text: str, signature: str) -> list[Finding]:
    signature = signature.strip()
    if not signature:
        return []
    body = text.rstrip()
    offset = max(0, len(body) - 400)  # a signature lives at the end; never scan a long reply for it
    tail = body[offset:]
    plain = _TRAILING_DECORATION.sub("", tail)
    if _norm(tail).endswith(_norm(signature)) or _norm(plain).endswith(_norm(signature).rstrip("!.")):
        return []
    lines = body.split("\n")
    last_start = len(body) - len(lines[-1])
    last = lines[-1]
    if len(lines) > 1 and len(last.strip()) <= 60 and _SIGNATURE_LINE.match(last):
        start = last_start + (len(last) - len(last.lstrip()))
        return [Finding("signature", start, len(body),
                        _("This is not the persona’s signature; sign with “%(signature)s”.", signature=signature),
                        signature)]
    caret = _TRAILING_CARET.search(tail)
    if caret:
        start = offset + caret.start() + 1
        return [Finding("signature", start, len(body),
                        _("This is not the persona’s signature; sign with “%(signature)s”.", signature=signature),
                        signature)]
    separator = " " if signature.startswith(("^", "-", "–", "~")) else "\n"
    return [Finding("signature", len(body), len(body),
                    _("The signature is missing; end with “%(signature)s”.", signature=signature),
                    separator + signature)]


# --- emoji ---------------------------------------------------------------------------------

def emoji_spans(text: str) -> list[tuple[int, int]]:
    """Where the emoji are (a skin tone, a flag, a ZWJ family each count once)."""
    return [(m.start(), m.end()) for m in EMOJI.finditer(text)]


def emoji_findings(text: str, policy: str) -> list[Finding]:
    if policy == "free":
        return []
    spans = emoji_spans(text)
    if not spans:
        return []

    def removal(start: int, end: int) -> tuple[int, int]:
        # Take one space along, so that removing the emoji leaves no double space.
        if start > 0 and text[start - 1] == " ":
            return start - 1, end
        return start, end

    findings = []
    if policy == "none":
        for start, end in spans:
            a, b = removal(start, end)
            findings.append(Finding("emoji", a, b, _("This workspace’s voice uses no emoji."), ""))
        return findings
    allowed = min(3, max(1, len(text) // 250))
    kept = 0
    previous_end = -1
    for start, end in spans:
        in_run = previous_end >= 0 and not text[previous_end:start].strip()
        previous_end = end
        if in_run:
            a, b = removal(start, end)
            findings.append(Finding("emoji", a, b, _("Use emoji sparingly: one at a time."), ""))
            continue
        kept += 1
        if kept > allowed:
            a, b = removal(start, end)
            findings.append(Finding("emoji", a, b, _("Use emoji sparingly: at most %(n)d in a reply this long.",
                                                     n=allowed), ""))
    return findings


# --- language ------------------------------------------------------------------------------

_DE_WORDS = frozenset({
    "und", "der", "die", "das", "ist", "nicht", "wir", "ich", "es", "ein", "eine", "einen", "mit", "für", "auf",
    "zu", "den", "dem", "bei", "uns", "du", "ihr", "gerne", "gern", "danke", "vielen", "bitte", "hallo", "grüße",
    "leider", "schon", "noch", "auch", "hast", "haben", "sind", "kann", "können", "wie", "was", "wenn", "dass",
    "oder", "aber", "sehr", "mal", "doch", "euch", "dich", "dir", "deine", "ihre", "ihnen", "sie", "ja", "nein",
    "wird", "werden", "gibt", "im", "vom", "zum", "zur", "über", "unsere", "unser", "eure", "liebe", "lieber",
})
_EN_WORDS = frozenset({
    "the", "and", "is", "are", "not", "we", "you", "your", "it", "a", "an", "with", "for", "on", "to", "of",
    "in", "at", "us", "thanks", "thank", "please", "hello", "hi", "sorry", "can", "could", "will", "would",
    "have", "has", "our", "this", "that", "what", "how", "if", "but", "very", "just", "be", "do", "get", "let",
    "know", "here", "there", "they", "was", "were", "glad", "happy", "help", "yes", "no", "any", "all",
})


def guess_language(text: str) -> str | None:
    """"de" or "en" when the function words leave no doubt, else None (fast: no models)."""
    words = WORD.findall(text[:1500].lower())  # a hundred words or so decide it
    de = sum(1 for word in words if word in _DE_WORDS)
    en = sum(1 for word in words if word in _EN_WORDS)
    if de + en < 3:
        return None
    if de >= 3 and de >= 2 * en:
        return "de"
    if en >= 3 and en >= 2 * de:
        return "en"
    return None


_LANGUAGE_NAMES = {"de": "German", "en": "English"}


def language_findings(text: str, expected: str, quoted: list[tuple[int, int]]) -> list[Finding]:
    if expected not in _LANGUAGE_NAMES:
        return []
    own = "".join(ch if not inside(i, quoted) else " " for i, ch in enumerate(text)) if quoted else text
    found = guess_language(own)
    if found is None or found == expected:
        return []
    names = {"de": _("German"), "en": _("English")}
    return [Finding("language", 0, len(text),
                    _("The reply reads as %(found)s, but the customer wrote in %(expected)s.",
                      found=names[found], expected=names[expected]))]


# --- length --------------------------------------------------------------------------------

def length_findings(text: str, max_length: int, count_bytes: bool) -> list[Finding]:
    size = len(text.encode("utf-8")) if count_bytes else len(text)
    if size <= max_length:
        return []
    if count_bytes:
        used, cut = 0, len(text)
        for index, ch in enumerate(text):
            used += len(ch.encode("utf-8"))
            if used > max_length:
                cut = index
                break
    else:
        cut = max_length
    return [Finding("length", cut, len(text),
                    _("The platform accepts at most %(limit)d characters here; this reply has %(size)d.",
                      limit=max_length, size=size), None, blocking=True)]
