"""Spam detection for comments and messages.

Each signal adds weight; a text is spam at SPAM_THRESHOLD. Strong signals (bait phrases,
copy-paste floods, follow-for-follow) reach it alone; weak ones (one link, a phone number,
a few hashtags) need company, because customers post links and numbers too ("Bitte ruft mich
zurück, 0171 ..."). The reasons are returned so the inbox can show *why* something was hidden.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ._text import URL_RE, clean

SPAM_THRESHOLD = 1.0

_SHORTENERS = re.compile(
    r"\b(?:bit\.ly|tinyurl\.com|t\.co|goo\.gl|ow\.ly|is\.gd|buff\.ly|rebrand\.ly|cutt\.ly|"
    r"shorturl\.at|tiny\.cc|rb\.gy|s\.id|t\.ly|lnkd\.in|linktr\.ee|wa\.me|t\.me)/",
    re.IGNORECASE,
)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "@": "a", "$": "s", "5": "s", "7": "t"})
# Starts with a letter, so "10k" and "5000€" are left alone; "f0ll0w" and "fr33" are not.
_LEET_WORD = re.compile(r"\b[a-z](?=[a-z0-9@$]*[0-9@$])[a-z0-9@$]{2,}")

# (reason, weight, pattern). Patterns run on lower-cased, leet-normalised text.
_PATTERNS: tuple[tuple[str, float, re.Pattern[str]], ...] = tuple(
    (reason, weight, re.compile(pattern))
    for reason, weight, pattern in (
        (
            "profile_bait",
            1.0,
            r"\b(?:check|visit|see|look at) (?:out )?my (?:profile|page|bio|account|insta|channel|story)"
            r"|\b(?:schau|guck|schaut|guckt) (?:doch |mal |gerne )*(?:auf|in|bei) mein(?:em|en|er)? "
            r"(?:profil|seite|kanal|account|bio|story)"
            r"|\bauf meinem profil vorbei|\bhot pics|\bsexy (?:pics|photos|girls)|\bsingles in",
        ),
        (
            "contact_bait",
            1.0,
            r"\b(?:dm|pm|inbox|message|text|contact) me\b|\bfolge mir\b|\bfollow me\b"
            r"|\bschreib(?:t)? mir\b(?! bitte eine rechnung)",
        ),
        (
            "contact_bait",
            0.5,
            r"\b(?:infos?|details|mehr) (?:per|via|in der|im) (?:dm|pn|privatnachricht)"
            r"|\bmelde dich per (?:pn|dm)|\bfrag mich wie\b|\bask me how\b",
        ),
        (
            "follow_bait",
            1.2,
            r"\bfollow ?(?:4|for) ?follow|\bf4f\b|\bl4l\b|\blike ?(?:4|for) ?like|\bfollow ?back\b"
            r"|\bsub ?(?:4|for) ?sub\b|\bfollowforfollow|\blikeforlike",
        ),
        (
            "follower_selling",
            1.2,
            r"\b(?:buy|get|kaufe?n?|günstige|cheap|free|kostenlose?) (?:\w+ ){0,2}(?:followers?|likes|views|abonnenten)"
            r"|\b(?:followers?|likes|abonnenten) (?:\w+ ){0,3}(?:kaufen|fast|schnell)\b|\bgrow \d+k followers",
        ),
        (
            "money_bait",
            1.0,
            r"\b(?:ich verdiene|i made|i earn|i make|verdiene|earn(?:ed)?|habe ich|verdient)\b[^.!?\n]{0,40}"
            r"(?:\d[\d.,]*\s?(?:€|\$|euro|eur|usd|dollars?)|[€$]\s?\d)"
            r"|(?:\d[\d.,]*\s?(?:€|\$|euro)|[€$]\s?\d[\d.,]*)\s?(?:am|pro|im|a|per|in a|every) ?"
            r"(?:tag|woche|monat|day|week|month)"
            r"|\b(?:von zu ?hause|from home)\b|\bpassive[sn]? (?:einkommen|income)\b|\bnebenjob\b"
            r"|\bno experience needed|\bohne vorkenntnisse|\bside hustle\b"
            r"|\${3,}|\b(?:earn|make|verdiene?n?) (?:\w+ )?(?:money|cash|geld)\b|\b(?:quick|easy|fast) (?:money|cash)\b"
            r"|\bschnelles geld\b|\bearn \S+ fast\b",
        ),
        (
            "crypto_bait",
            1.0,
            r"\b(?:bitcoin|btc|crypto|krypto|forex|nft|binary options?|trading|trader(?:in)?|\$[a-z]{3,})"
            r"(?=[^\n]{0,120}\b(?:invest|investment|investiere|profit|gewinn|verdien|verdopple|double|"
            r"earn|100x|guarant|garantiert|strategie|strategy|mentor|changed my life|leben verändert|"
            r"before it's too late))"
            r"|\b(?:invest|investiere|investment)\w*(?=[^\n]{0,120}\b(?:bitcoin|btc|crypto|krypto|"
            r"forex|platform|plattform|mentor|now|jetzt))"
            r"|\b(?:mr|mrs|ms|herr|frau)\.? \w+(?:'s)? (?:investment|trading|forex)",
        ),
        (
            "prize_bait",
            1.0,
            r"\b(?:you have been selected|you(?:'ve| have) won|claim your (?:prize|reward|gift)|"
            r"du wurdest (?:als gewinner )?ausgewählt|du hast gewonnen|preis abzuholen|"
            r"gewinner ausgewählt|congratulations[^.\n]{0,40}(?:selected|winner|won))",
        ),
        (
            "giveaway_bait",
            0.6,
            r"\b(?:gewinnspiel|giveaway|zu verschenken|gratis|free iphone|kostenlose? iphone|"
            r"klicke? hier|click here|link in (?:bio|profile|my bio))\b",
        ),
        ("messenger_number", 1.0, r"\b(?:whats ?app|telegram|signal|wa)\b[^\n]{0,30}(?:\+|\d{3}|@)"),
    )
)
_PHONE_RE = re.compile(r"(?:\+|\b0)\d[\d ()/.-]{7,}\d")
_HASHTAG_RE = re.compile(r"(?<!\w)#\w+")
_MENTION_RE = re.compile(r"(?<![\w.])@\w+")
_WORD_RE = re.compile(r"\w+")
_CHAR_RUN_RE = re.compile(r"(\S)\1{9,}")


def _normalise(text: str) -> str:
    low = text.lower()
    # f0ll0w, 1nvest, fr€€: only words that mix letters with digits/symbols are rewritten,
    # so prices and phone numbers stay intact.
    return _LEET_WORD.sub(lambda m: m.group().translate(_LEET), low)


def _fingerprint(text: str) -> str:
    return " ".join(_WORD_RE.findall(text.lower()))


@lru_cache(maxsize=4096)
def _cached_fingerprint(text: str) -> str:
    return _fingerprint(clean(text))


def _recent_fingerprint(text: str) -> str:
    """Fingerprint of an earlier text. An author's recent texts are compared with each of their new
    items, page after page, so short ones (nearly all) are fingerprinted once and remembered."""
    return _cached_fingerprint(text) if len(text) <= 1000 else _fingerprint(clean(text))


def _repeated_ngram(words: list[str]) -> bool:
    """True when a 2-3 word sequence repeats three times back to back, or one word four times.

    "love love love" is an enthusiastic fan; "buy cheap followers" three times is a bot.
    """
    for n in (1, 2, 3):
        if len(words) < 3 * n:
            continue
        run = 1
        for i in range(n, len(words) - n + 1, n):
            if words[i : i + n] == words[i - n : i]:
                run += 1
                if run >= (3 if n > 1 else 4) and len(words[i]) > 1:
                    return True
            else:
                run = 1
    return False


def check_cleaned(text: str, recent_texts_by_author: Sequence[str] = ()) -> tuple[bool, tuple[str, ...]]:
    """spam_check for text already passed through ``clean``."""
    if not text:
        return False, ()
    reasons: dict[str, float] = {}

    def add(reason: str, weight: float) -> None:
        reasons[reason] = max(reasons.get(reason, 0.0), weight)

    low = _normalise(text)
    urls = URL_RE.findall(text)
    if urls:
        add("link", 0.3)
        if _SHORTENERS.search(text):
            add("url_shortener", 0.8)
        if len(urls) >= 3:
            add("many_links", 1.0)
        elif len(urls) == 2:
            add("many_links", 0.5)
    for reason, weight, pattern in _PATTERNS:
        if pattern.search(low):
            add(reason, weight)
    if _PHONE_RE.search(text):
        add("phone_number", 0.2)
    hashtags = len(_HASHTAG_RE.findall(text))
    if hashtags >= 6:
        add("many_hashtags", 1.0)
    elif hashtags >= 4:
        add("many_hashtags", 0.5)
    mentions = len(_MENTION_RE.findall(text))
    if mentions >= 5:
        add("many_mentions", 1.0)
    elif mentions >= 3:
        add("many_mentions", 0.4)
    words = _WORD_RE.findall(low[:5_000])
    if _repeated_ngram(words):
        add("repeated_words", 1.0)
    if _CHAR_RUN_RE.search(text):
        add("repeated_chars", 0.3)
    if recent_texts_by_author:
        own = _fingerprint(text)
        # Only substantive texts count as copy-paste: "Danke!" twice is a happy customer.
        if len(own) >= 12 and any(_recent_fingerprint(t) == own for t in recent_texts_by_author[:50]):
            add("duplicate_of_recent", 1.2)
    total = sum(reasons.values())
    return total >= SPAM_THRESHOLD, tuple(sorted(reasons))
