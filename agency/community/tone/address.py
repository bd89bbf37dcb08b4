"""The address form of a reply, sentence by sentence, and the findings where it differs from the workspace's."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from flask_babel import gettext as _

from agency.community.tone.english import english_evidence
from agency.community.tone.findings import FORMAL, FORMS, INFORMAL, Evidence, Finding, SentenceVerdict
from agency.community.tone.german import german_evidence
from agency.community.tone.text import Words, quoted_spans, skipper


def analyse_address(text: str, language: str = "de", brands: Iterable[str] = (),
                    quoted: list[tuple[int, int]] | None = None) -> list[SentenceVerdict]:
    """Per sentence: formal, informal, mixed, ambiguous or neutral, with the words that say so."""
    words = Words(text)
    sentences = words.sentences
    skip = skipper(text, quoted_spans(text) if quoted is None else quoted, brands)
    if language == "en":
        found = english_evidence(text, words, skip)
        ambiguous: list[tuple[int, int, str, int]] = []
    else:
        questions = {number for number, (start, end) in enumerate(sentences)
                     if text[start:end].rstrip().endswith("?")}
        found, ambiguous = german_evidence(words, skip, questions)
    starts = [start for start, _end in sentences]
    per_sentence: list[list[Evidence]] = [[] for _ in sentences]
    for ev in found:
        per_sentence[max(0, bisect_right(starts, ev.start) - 1)].append(ev)
    unclear_per_sentence: list[list[tuple[int, int, str]]] = [[] for _ in sentences]
    for a, b, word, number in ambiguous:
        unclear_per_sentence[number].append((a, b, word))
    verdicts = []
    for number, (start, end) in enumerate(sentences):
        own = tuple(sorted(per_sentence[number], key=lambda e: e.start))
        unclear = tuple(unclear_per_sentence[number])
        forms = {e.form for e in own}
        if forms == {FORMAL, INFORMAL}:
            verdict = "mixed"
        elif forms:
            verdict = forms.pop()
        elif unclear:
            verdict = "ambiguous"
        else:
            verdict = "neutral"
        verdicts.append(SentenceVerdict(start, end, verdict, own, unclear))
    return verdicts


def address_findings(text: str, address_form: str, language: str, brands: Iterable[str],
                      quoted: list[tuple[int, int]]) -> list[Finding]:
    wanted = FORMS[address_form]
    findings = []
    messages: dict[tuple[str, str, str], str] = {}  # a reply repeats its words; translate each message once
    for sentence in analyse_address(text, language, brands, quoted):
        if sentence.verdict not in ("formal", "informal", "mixed"):
            continue
        for ev in sentence.evidence:
            if ev.form == wanted:
                continue
            key = (ev.word, ev.form, ev.reason)
            if key not in messages:
                messages[key] = _address_message(ev, wanted, language)
            findings.append(Finding("address_form", ev.fix_start, ev.fix_end, messages[key], ev.suggestion))
    return findings


def _address_message(ev: Evidence, wanted: str, language: str) -> str:
    if language == "en":
        if ev.form == INFORMAL:
            return _("“%(word)s” sounds too casual for this workspace’s formal voice.", word=ev.word)
        return _("“%(word)s” sounds stiff for this workspace’s informal voice.", word=ev.word)
    if ev.form == INFORMAL:
        if ev.reason == "imperative":
            return _("“%(word)s” is an informal imperative; this workspace addresses people with “Sie”.",
                     word=ev.word)
        return _("“%(word)s” is informal; this workspace addresses people with “Sie”.", word=ev.word)
    if ev.reason == "salutation":
        return _("“Sehr geehrte” is very formal for a workspace that says “du”.")
    return _("“%(word)s” is formal; this workspace addresses people with “du”.", word=ev.word)
