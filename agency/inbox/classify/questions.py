"""Question detection: does this interaction ask the brand something?

A "?" is the strongest signal, but social-media users often drop it ("wann habt ihr offen",
"how do I reset my password"), and complaints use rhetorical ones ("Ernsthaft?!", "How is
this acceptable?"). Rules, per sentence:

1. A sentence ending in "?" is a question unless it is a known rhetorical formula.
2. An indirect question ("weiß jemand ob", "I was wondering if", "könnt ihr mir sagen")
   is a question wherever it stands.
3. A sentence without final "." or "!" that starts like a question - a W-word / wh-word,
   or a German verb-first pattern ("habt ihr", "gibt es", "kann man"), or an English
   auxiliary ("do you", "can I") - is a question, unless it is an exclamation
   ("Was für ein toller Service", "How cool is that").
"""

from __future__ import annotations

import re

from ._text import URL_RE

_SENTENCE_RE = re.compile(r"[^.!?…\n]+[.!?…]*|[.!?…]+")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

_W_WORDS = frozenset(
    [
        "wann",
        "wo",
        "woher",
        "wohin",
        "wie",
        "was",
        "warum",
        "wieso",
        "weshalb",
        "weswegen",
        "welche",
        "welcher",
        "welches",
        "welchen",
        "welchem",
        "wer",
        "wen",
        "wem",
        "wessen",
        "womit",
        "wofür",
        "wozu",
        "worauf",
        "woran",
        "wovon",
        "wieviel",
        "wieviele",
        "what",
        "when",
        "where",
        "why",
        "how",
        "who",
        "whom",
        "whose",
        "which",
        "whats",
        "what's",
        "where's",
        "how's",
        "who's",
        "when's",
        "wheres",
        "hows",
        "whos",
    ]
)
_DE_VERBS = frozenset(
    [
        "ist",
        "sind",
        "seid",
        "bist",
        "bin",
        "hat",
        "habt",
        "hast",
        "haben",
        "hab",
        "kann",
        "kannst",
        "könnt",
        "können",
        "könnte",
        "könntet",
        "könnten",
        "gibt",
        "gibt's",
        "gäbe",
        "macht",
        "machst",
        "machen",
        "bietet",
        "bietest",
        "bieten",
        "funktioniert",
        "geht",
        "gehts",
        "geht's",
        "weiß",
        "wisst",
        "wissen",
        "muss",
        "musst",
        "müsst",
        "müssen",
        "darf",
        "darfst",
        "dürft",
        "dürfen",
        "soll",
        "sollte",
        "sollen",
        "wird",
        "werdet",
        "werden",
        "würde",
        "würdet",
        "würden",
        "kommt",
        "kommen",
        "liefert",
        "liefern",
        "verschickt",
        "versendet",
        "versenden",
        "habt's",
        "hättet",
        "hätte",
        "hättest",
        "habe",
        "war",
        "waren",
        "wart",
        "lohnt",
        "nehmt",
        "nimmt",
        "akzeptiert",
        "akzeptiert's",
        "reicht",
        "passt",
        "brauche",
        "braucht",
        "brauchen",
    ]
)
_DE_SUBJECTS = frozenset(
    [
        "ihr",
        "du",
        "sie",
        "man",
        "es",
        "ich",
        "das",
        "der",
        "die",
        "den",
        "dem",
        "mein",
        "meine",
        "meinen",
        "euer",
        "eure",
        "jemand",
        "er",
        "wir",
        "dieser",
        "diese",
        "dieses",
        "da",
        "des's's",
    ]
)
_EN_AUX = frozenset(
    [
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "can",
        "could",
        "would",
        "will",
        "should",
        "shall",
        "have",
        "has",
        "may",
        "am",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "aren't",
        "can't",
        "won't",
        "wouldn't",
        "couldn't",
        "shouldn't",
        "any",
        "anyone",
        "anybody",
    ]
)
_EN_SUBJECTS = frozenset(
    [
        "you",
        "i",
        "we",
        "they",
        "he",
        "she",
        "it",
        "there",
        "this",
        "that",
        "these",
        "those",
        "the",
        "a",
        "an",
        "my",
        "your",
        "our",
        "his",
        "her",
        "their",
        "anyone",
        "anybody",
        "someone",
        "somebody",
        "u",
        "ya",
        "y'all",
        "ur",
    ]
)
_PREPOSITIONS = frozenset(
    [
        "bis",
        "ab",
        "seit",
        "für",
        "mit",
        "an",
        "um",
        "in",
        "zu",
        "von",
        "nach",
        "from",
        "until",
        "till",
        "since",
        "by",
        "for",
        "at",
        "to",
        "in",
    ]
)
_INDIRECT = re.compile(
    r"\b(?:weiß jemand|weiss jemand|wisst ihr|wissen sie|könnt ihr mir sagen|können sie mir sagen|"
    r"kannst du mir sagen|ich wollte fragen|wollte mal fragen|wollte fragen|ich hätte gerne gewusst|"
    r"hätte gern gewusst|würde gerne wissen|möchte gerne wissen|möchte wissen|frage mich|"
    r"habe eine frage|hätte eine frage|eine frage zu|kurze frage|"
    r"does anyone know|anyone know|i was wondering|wondering if|wondering whether|"
    r"could you tell me|can you tell me|can someone tell me|i'd like to know|i would like to know|"
    r"any update on|any news on|any plans|is it possible|quick question|i have a question)\b",
    re.IGNORECASE,
)
# Rhetorical "?" formulas of complaints; the sentence around them is not asking anything.
_RHETORICAL = re.compile(
    r"^\W*(?:ernsthaft|echt jetzt|echt|wirklich|hallo|geht's noch|gehts noch|wtf|seriously|"
    r"really|are you kidding(?: me)?|are you serious|is this a joke|soll das ein witz sein|"
    r"how is this (?:acceptable|ok|okay|possible|legal|fair)|wie kann das sein|"
    r"was soll das|what the hell|what the heck|who does that|wer macht sowas)\W*$",
    re.IGNORECASE,
)
# Exclamations that start like questions: a W-word followed by "für ein" or an evaluative word.
_EXCLAMATION = re.compile(
    r"^\W*(?:was für|what an?\b|how (?:cool|nice|great|lovely|beautiful|amazing|awesome|sweet|cute)|"
    r"wie (?:schön|geil|toll|cool|lecker|süß|super|genial|krass|nett))",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip()]


def is_question_cleaned(text: str) -> bool:
    """is_question for text already passed through ``clean``."""
    text = URL_RE.sub(" ", text[:5_000])
    if not text:
        return False
    if _INDIRECT.search(text):
        return True
    for sentence in _sentences(text):
        body = sentence.rstrip(".!?… ")
        if sentence.rstrip().endswith(("?", "?!", "!?")) or "?" in sentence[-3:]:
            if body and not _RHETORICAL.match(body):
                return True
            continue
        if sentence.rstrip()[-1:] in ".!…":
            continue  # a finished statement or exclamation
        if _EXCLAMATION.match(body):
            continue
        words = [w.lower().replace("’", "'") for w in _WORD_RE.findall(body)]
        # Skip greetings and addressees: "Hallo zusammen, habt ihr ...", "Hi, where ..."
        while words and words[0] in _GREETINGS:
            words = words[1:]
        if len(words) < 2:
            continue
        if words[0] in _PREPOSITIONS and words[1] in _W_WORDS:
            return True  # "Bis wann ...", "Ab wann ...", "For how long ..."
        first, second = words[0], words[1]
        if first in _W_WORDS:
            return True
        if first in _DE_VERBS and (second in _DE_SUBJECTS or first in ("gibt", "gibt's")):
            return True
        if first in _EN_AUX and (second in _EN_SUBJECTS or first.startswith("any")):
            return True
    return False


_GREETINGS = frozenset(
    [
        "hallo",
        "hi",
        "hey",
        "hello",
        "moin",
        "servus",
        "huhu",
        "liebes",
        "liebe",
        "lieber",
        "team",
        "zusammen",
        "leute",
        "there",
        "guys",
        "folks",
        "all",
        "dear",
        "everyone",
        "nochmal",
        "noch",
        "mal",
        "kurz",
        "also",
    ]
)
