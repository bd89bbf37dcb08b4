"""The reply checker: one voice per workspace, checked while typing and before sending.

:func:`check_reply` is a pure function (no database, no request) so that the composer can call
it on every pause in typing and tests can call it thousands of times. It finds:

* the wrong **address form**. German: per sentence it decides formal (*Sie*), informal (*du*),
  ambiguous, mixed or neutral from the evidence — du, dich, dir, dein-, euch, euer-, "ihr habt",
  informal imperatives without a pronoun ("Schreib uns", "Prüfe …") against a capitalised Sie,
  Ihnen or Ihr-/Ihre- in the middle of a sentence. It is capitalisation-aware: a lowercase "sie"
  is she/they, a sentence-initial "Sie"/"Ihr" alone proves nothing (ambiguous), quoted customer
  text and brand names are skipped, nouns such as "Suche" or "Folge" are not imperatives.
  English has no T–V distinction; there the checker looks at register (slang in a formal voice,
  stiff formulas in an informal one);
* **banned words** and phrases, with the guide's suggested alternative;
* a missing or wrong **signature** (the persona's, e.g. ``^Lena``);
* **length** over the platform's hard limit — the only finding that blocks sending;
* the **emoji** policy (none, sparingly, free);
* a reply **language** other than the interaction's.

Findings are warnings; where the fix is obvious a finding carries a ``suggestion``, the text that
replaces ``text[start:end]`` (the composer offers it as a one-click fix; nothing is rewritten
silently). Offsets are Python string indices (code points).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from agency.community.tone.address import address_findings, analyse_address
from agency.community.tone.findings import CODES, EMOJI_POLICIES, FORMS, Evidence, Finding, SentenceVerdict
from agency.community.tone.rules import (
    banned_findings,
    emoji_findings,
    emoji_spans,
    guess_language,
    language_findings,
    length_findings,
    signature_findings,
)
from agency.community.tone.text import quoted_spans

__all__ = ["CODES", "EMOJI_POLICIES", "Evidence", "Finding", "SentenceVerdict", "analyse_address", "apply_fix",
           "check_reply", "emoji_spans", "guess_language", "utf16_offset"]


def check_reply(text: str, *, address_form: str, language: str = "de", banned: Mapping[str, str | None] | None = None,
                signature: str | None = None, max_length: int | None = None, emoji_policy: str = "free",
                expected_language: str | None = None, brands: Iterable[str] = (),
                count_bytes: bool = False) -> list[Finding]:
    """Every finding for a reply ``text`` in a workspace's voice, ordered by position.

    ``address_form``: "sie"/"du" (or "formal"/"informal", which is what English uses); ``language``
    chooses the address rules ("de" or "en"); ``banned`` maps a word or phrase (a trailing ``*``
    matches word endings) to its suggested alternative; ``signature`` is the persona's rendered
    signature; ``max_length`` the platform's hard limit (in UTF-8 bytes with ``count_bytes``);
    ``expected_language`` the interaction's language; ``brands`` names never read as address forms.
    """
    if address_form not in FORMS:
        raise ValueError(f"address_form must be one of {sorted(FORMS)}")
    if emoji_policy not in EMOJI_POLICIES:
        raise ValueError(f"emoji_policy must be one of {EMOJI_POLICIES}")
    text = text or ""
    findings: list[Finding] = []
    if text.strip():
        quoted = quoted_spans(text)
        findings += address_findings(text, address_form, "en" if language == "en" else "de", brands, quoted)
        if banned:
            findings += banned_findings(text, banned, quoted)
        if signature:
            findings += signature_findings(text, signature)
        findings += emoji_findings(text, emoji_policy)
        if expected_language:
            findings += language_findings(text, expected_language, quoted)
    if max_length is not None:
        findings += length_findings(text, max_length, count_bytes)
    findings.sort(key=lambda f: (f.start, f.end, CODES.index(f.code)))
    return findings


def apply_fix(text: str, finding: Finding) -> str:
    """The text with one finding's suggestion applied (what the composer's fix button does)."""
    if finding.suggestion is None:
        return text
    return text[:finding.start] + finding.suggestion + text[finding.end:]


def utf16_offset(text: str, index: int) -> int:
    """A code-point index as a UTF-16 offset (what JavaScript strings count)."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)
