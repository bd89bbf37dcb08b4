"""Text clean-up and tokenisation shared by the classifiers.

Everything here is deliberately regex/str based: the ingest pipeline runs it for every
incoming interaction, so it must be fast and must never raise on odd input.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

# A social-media comment is rarely longer than a few thousand characters. Longer input
# (pasted documents, abuse) is cut so a single interaction can never stall the ingest.
MAX_CHARS = 20_000

_HTML_TAG_RE = re.compile(r"</?[A-Za-z][^<>]{0,300}>")
# Control characters (except newline/tab), bidi overrides, zero-width characters, the BOM,
# emoji variation selectors, skin-tone modifiers and lone surrogates (invalid UTF-16 that
# arrives via broken JSON and makes lingua raise): none of them carry meaning for us, and
# zero-width characters are a classic trick to dodge spam filters ("f\u200bollow").
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\ufeff\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\ud800-\udfff]"
)
_SPACES_RE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean(text: str | None) -> str:
    """Return ``text`` cut to MAX_CHARS, without HTML tags, entities or invisible characters.

    NFKC folds "fancy" Unicode letters (𝐟𝐨𝐥𝐥𝐨𝐰, full-width) to plain ones, which both the
    lexicon and the spam patterns rely on.
    """
    if not text:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = text[:MAX_CHARS]
    if "<" in text:
        text = _HTML_TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE_RE.sub("", text)
    return _SPACES_RE.sub(" ", text).strip()


URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b[a-z0-9][a-z0-9-]{0,62}\.(?:ly|gl|co|io|me|gg|to|cc|biz|xyz|info|link|click|top|shop|site|"
    r"online|live|ru|tk|com|net|org|de)/[^\s<>\"']*",
    re.IGNORECASE,
)

# Emoticons: eyes, optional nose, mouth. Guarded by look-arounds so "8)" in "(Größe 38)" and
# times like "10:30" are not read as faces.
_EMOTICON = r"(?<![\w/])(?:[:;=][-'^o]?[)(\]\[dDpP/\\|*3]{1,3}|<3+|[xX][dD]+)(?![\w/])"
_TOKEN_RE = re.compile(
    rf"(?P<url>{URL_RE.pattern})"
    rf"|(?P<emo>{_EMOTICON})"
    r"|(?P<score>(?<![\d/])(?:10|[0-9])/10(?![\d/])|(?<![\d/])[0-5]/5(?![\d/]))"
    r"|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+)*)"
    r"|(?P<num>\d+(?:[.,:]\d+)*)"
    r"|(?P<nl>\n)"
    r"|(?P<punct>[.!?;:,…]+)"
    r"|(?P<sym>[^\s\w])",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Token:
    """One token: ``kind`` is url, emo, score, word, num, nl, punct or sym."""

    kind: str
    raw: str
    low: str


def tokenize(text: str) -> list[Token]:
    """Split cleaned text into tokens (words keep inner apostrophes and hyphens)."""
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "sym"
        raw = m.group()
        low = raw.lower().replace("’", "'") if kind == "word" else raw
        out.append(Token(kind, raw, low))
    return out


_ELONGATION_RE = re.compile(r"([^\W\d_])\1{2,}")
_ELONGATION2_RE = re.compile(r"([^\W\d_])\1+")


def de_elongate(word: str) -> tuple[str, ...]:
    """Spelling variants of an elongated word, most likely first.

    "suuuper" -> ("suuper", "super"), "coool" -> ("cool", "col"). Returns () when the word has
    no run of three or more identical letters.
    """
    if not _ELONGATION_RE.search(word):
        return ()
    two = _ELONGATION_RE.sub(r"\1\1", word)
    one = _ELONGATION2_RE.sub(r"\1", word)
    return (two, one) if two != one else (two,)


def is_elongated(word: str) -> bool:
    """True when a word stretches a letter ("geeeil", "sooo") - a sign of emphasis."""
    return bool(_ELONGATION_RE.search(word))


# Emoji and emoticon valences, same scale as the lexicons (about -3..3). Neutral-looking but
# frequent ones (🤔 👀 🤷) are listed with 0 so they are recognised as "emoji" by the language
# fallback without moving the score.
EMOJI: dict[str, float] = {
    "😍": 2.6,
    "🥰": 2.6,
    "😻": 2.4,
    "❤": 2.2,
    "♥": 2.0,
    "💕": 2.2,
    "💖": 2.2,
    "💗": 2.2,
    "💓": 2.0,
    "💞": 2.0,
    "💘": 2.0,
    "🧡": 2.0,
    "💛": 2.0,
    "💚": 2.0,
    "💙": 2.0,
    "💜": 2.0,
    "🖤": 1.2,
    "🤍": 1.6,
    "😘": 1.8,
    "😗": 1.0,
    "😙": 1.2,
    "😚": 1.4,
    "☺": 1.8,
    "😊": 1.8,
    "🙂": 1.0,
    "😀": 1.8,
    "😃": 1.8,
    "😄": 1.8,
    "😁": 1.8,
    "😆": 1.6,
    "😂": 1.2,
    "🤣": 1.2,
    "😅": 0.4,
    "😉": 1.0,
    "😋": 2.2,
    "😎": 1.4,
    "🤩": 2.6,
    "🥳": 2.2,
    "😇": 1.6,
    "🤗": 1.8,
    "👍": 1.8,
    "👌": 1.6,
    "👏": 1.8,
    "🙌": 2.0,
    "🙏": 1.2,
    "💪": 1.4,
    "🤘": 1.6,
    "✌": 1.0,
    "🤙": 1.2,
    "🔥": 1.6,
    "💯": 1.8,
    "⭐": 1.2,
    "🌟": 1.6,
    "✨": 1.2,
    "🎉": 1.8,
    "🎊": 1.6,
    "🥇": 1.8,
    "🏆": 1.6,
    "💐": 1.4,
    "🌹": 1.2,
    "✅": 0.8,
    "🆒": 1.0,
    "😌": 0.8,
    "🤤": 1.6,
    "👎": -2.2,
    "😡": -2.8,
    "🤬": -3.0,
    "😠": -2.6,
    "👿": -2.4,
    "💩": -2.2,
    "🤮": -2.8,
    "🤢": -2.4,
    "😤": -2.0,
    "😒": -1.6,
    "🙄": -1.6,
    "😕": -1.2,
    "🙁": -1.4,
    "☹": -1.6,
    "😞": -1.8,
    "😟": -1.4,
    "😔": -1.4,
    "😢": -1.8,
    "😭": -1.6,
    "😿": -1.6,
    "💔": -2.2,
    "😩": -1.8,
    "😫": -1.8,
    "😖": -1.8,
    "😣": -1.4,
    "😓": -1.0,
    "😰": -1.4,
    "😱": -1.2,
    "😨": -1.2,
    "😧": -1.2,
    "🤦": -1.6,
    "😑": -0.8,
    "😐": -0.4,
    "😬": -0.8,
    "🥴": -0.8,
    "🤡": -1.6,
    "🖕": -3.0,
    "❌": -1.0,
    "⛔": -1.2,
    "🚫": -1.2,
    "😪": -1.0,
    "🥱": -1.2,
    "🤔": 0.0,
    "👀": 0.0,
    "🤷": 0.0,
    "😳": -0.2,
    "😮": 0.0,
    "😯": 0.0,
    "🙈": 0.4,
}
EMOTICONS: dict[str, float] = {
    ":)": 1.6,
    ":-)": 1.6,
    "=)": 1.6,
    ":]": 1.4,
    ":D": 2.0,
    ":-D": 2.0,
    "xD": 1.6,
    "XD": 1.6,
    ";)": 1.0,
    ";-)": 1.0,
    ":P": 1.0,
    ":p": 1.0,
    ":-P": 1.0,
    ":*": 1.6,
    "<3": 2.2,
    ":(": -1.8,
    ":-(": -1.8,
    "=(": -1.8,
    ":[": -1.6,
    ":'(": -2.2,
    ":/": -1.0,
    ":-/": -1.0,
    ":\\": -1.0,
    ":|": -0.4,
    ":-|": -0.4,
    ">:(": -2.6,
}


def emoticon_value(raw: str) -> float:
    """Valence of an emoticon token ("<333" counts like "<3", "xDDD" like "xD")."""
    if raw.startswith("<3"):
        return EMOTICONS["<3"]
    if raw[:1] in "xX" and raw[1:2] in "dD":
        return EMOTICONS["xD"]
    if raw in EMOTICONS:
        return EMOTICONS[raw]
    # Multi-mouth variants ":)))" or ":(((": same polarity as their single form.
    return EMOTICONS.get(raw[:2], EMOTICONS.get(raw[:3], 0.0))


def is_emoji(ch: str) -> bool:
    """Rough but cheap test for pictographic symbols (emoji blocks, dingbats, misc symbols)."""
    o = ord(ch)
    return 0x1F000 <= o <= 0x1FAFF or 0x2600 <= o <= 0x27BF or 0x2B00 <= o <= 0x2BFF or ch in EMOJI
