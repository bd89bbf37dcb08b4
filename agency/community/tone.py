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

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

CODES = ("address_form", "banned_word", "signature", "length", "emoji", "language")
EMOJI_POLICIES = ("none", "sparingly", "free")
FORMAL, INFORMAL = "formal", "informal"
_FORMS = {"sie": FORMAL, "du": INFORMAL, FORMAL: FORMAL, INFORMAL: INFORMAL}


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


# --- tokens, sentences, quotes -------------------------------------------------------------

# Words are letters joined by hyphens or apostrophes: "Du-darfst-Joghurt" and "geht's" are one word.
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_EMOJI_CORE = ("\u203c\u2049\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf\u23e9-\u23f3\u23f8-\u23fa"
               "\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c"
               "\u2b50\u2b55\u3030\u303d\u3297\u3299\U0001F000-\U0001FAFF")
_EMOJI = re.compile(
    "[\U0001F1E6-\U0001F1FF]{2}"  # flags
    f"|[{_EMOJI_CORE}][\ufe0f\U0001F3FB-\U0001F3FF]*(?:\u200d[{_EMOJI_CORE}][\ufe0f\U0001F3FB-\U0001F3FF]*)*")
# Sentence ends: . ! ? … (runs), a colon, a line break, an emoji. Abbreviations are handled below.
_BOUNDARY = re.compile(rf"[.!?…]+(?=[\s\"'”“»«)\]]|$)|:(?=\s)|\n|[{_EMOJI_CORE}]")
_ABBREVIATIONS = frozenset({
    "z", "b", "d", "h", "u", "a", "ca", "nr", "dr", "prof", "bzw", "ggf", "evtl", "inkl", "zzgl", "etc", "usw",
    "tel", "str", "mo", "di", "mi", "do", "fr", "sa", "so", "std", "min", "max", "mind", "vgl", "bspw", "mr", "mrs",
    "ms", "st", "vs", "e", "i", "g", "jan", "feb", "okt", "nov", "dez", "sept", "ff", "abs", "hr", "fa",
})
_QUOTES = {"„": "“”\"", "“": "”\"", "»": "«", "«": "»", "‚": "‘’", "\"": "\""}
_BRAND_MARKS = ("®", "™")


_OPENERS = re.compile("[" + re.escape("".join(_QUOTES)) + "]")
_CLOSERS = {opener: re.compile("[" + re.escape(closers) + "\n]") for opener, closers in _QUOTES.items()}
_QUOTE_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of quoted text (customer words we repeat) and of e-mail style "> " quote lines."""
    spans: list[tuple[int, int]] = []
    position = 0
    while True:
        opening = _OPENERS.search(text, position)
        if opening is None:
            break
        start = opening.start()
        closing = _CLOSERS[text[start]].search(text, start + 1)
        if closing is not None and text[closing.start()] != "\n":
            spans.append((start, closing.end()))
            position = closing.end()
        else:
            position = start + 1
    spans.extend((m.start(), m.end()) for m in _QUOTE_LINE.finditer(text))
    return spans


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _brand_spans(text: str, brands: Iterable[str]) -> list[tuple[int, int]]:
    spans = []
    for brand in brands:
        brand = brand.strip()
        if not brand:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(brand)}(?!\w)", text):
            spans.append((match.start(), match.end()))
    return spans


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    text: str
    lower: str
    initial: bool  # first word of its sentence
    sentence: int
    index: int


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split at sentence ends, colons, line breaks and emoji."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group() == ".":
            before = _LAST_WORD.search(text, max(start, match.start() - 12), match.start())
            if before and before.group(1).lower() in _ABBREVIATIONS:
                continue
        bounds.append((start, match.end()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return [b for b in bounds if text[b[0]:b[1]].strip()]


_LAST_WORD = re.compile(r"(\w+)$")


class _Words:
    """The words of a text; a word becomes a ``_Token`` (with its sentence) only when a rule looks at it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sentences = _sentences(text)
        self._starts = [start for start, _end in self.sentences]
        self.spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        self._cache: dict[int, _Token] = {}

    def __len__(self) -> int:
        return len(self.spans)

    def sentence_of(self, position: int) -> int:
        return max(0, bisect_right(self._starts, position) - 1)

    def lower(self, i: int) -> str:
        start, end = self.spans[i]
        return self.text[start:end].lower()

    def token(self, i: int) -> _Token:
        found = self._cache.get(i)
        if found is None:
            start, end = self.spans[i]
            sentence = self.sentence_of(start)
            initial = i == 0 or self.sentence_of(self.spans[i - 1][0]) != sentence
            word = self.text[start:end]
            found = self._cache[i] = _Token(start, end, word, word.lower(), initial, sentence, i)
        return found

    def relevant(self, vocabulary: frozenset[str]) -> list[int]:
        """Indexes of the words a rule may fire on (all other words are only ever neighbours)."""
        text = self.text
        return [i for i, (start, end) in enumerate(self.spans) if text[start:end].lower() in vocabulary]


# --- German address forms ------------------------------------------------------------------

_DU_PRONOUNS = {"du": None, "dich": "Sie", "dir": "Ihnen"}
_INFORMAL_POSSESSIVES = {
    "dein": "Ihr", "deine": "Ihre", "deinen": "Ihren", "deinem": "Ihrem", "deiner": "Ihrer", "deines": "Ihres",
    "euer": "Ihr", "eure": "Ihre", "euren": "Ihren", "eurem": "Ihrem", "eurer": "Ihrer", "eures": "Ihres",
    "eueren": "Ihren", "euerem": "Ihrem", "euerer": "Ihrer",
}
_FORMAL_POSSESSIVES = {"Ihre": "deine", "Ihren": "deinen", "Ihrem": "deinem", "Ihrer": "deiner", "Ihres": "deines"}
_DATIVE_PREPOSITIONS = {"mit", "bei", "von", "zu", "aus", "nach", "seit", "gegenüber", "vom", "zum"}
_ACCUSATIVE_PREPOSITIONS = {"für", "um", "durch", "gegen", "ohne"}
_SUBJECT_PRONOUNS = {"ich", "er", "es", "man", "wir", "sie", "ihr", "du"}

# Second person plural ("ihr habt", "habt ihr") — the verbs that make "ihr" you-all, not "her".
_PLURAL_VERBS = frozenset({
    "habt", "seid", "könnt", "wollt", "müsst", "dürft", "sollt", "wisst", "werdet", "möchtet", "mögt", "hättet",
    "wärt", "wäret", "würdet", "könntet", "solltet", "müsstet", "hattet", "wart", "kommt", "geht", "macht",
    "findet", "bekommt", "erhaltet", "seht", "sagt", "gebt", "nehmt", "lest", "schreibt", "schickt", "meldet",
    "bestellt", "braucht", "sucht", "kauft", "wartet", "probiert", "versucht", "kennt", "liebt", "denkt",
    "glaubt", "meint", "fragt", "ruft", "besucht", "holt", "zahlt", "bezahlt", "nutzt", "benutzt", "teilt",
    "folgt", "schaut", "klickt", "prüft", "lasst", "bleibt", "fahrt", "lauft", "esst", "trinkt", "helft",
    "wünscht", "plant", "feiert", "spielt", "arbeitet", "wohnt", "lebt", "bringt", "erreicht", "verwendet",
    "interessiert", "freut", "entscheidet", "bestätigt", "gewinnt", "verpasst", "tragt", "tauscht", "storniert",
})

# Informal singular imperatives that are no nouns: at the start of a sentence they address "du".
_IMPERATIVES = {
    "schreib": "Schreiben", "schreibe": "Schreiben", "prüf": "Prüfen", "prüfe": "Prüfen", "klick": "Klicken",
    "klicke": "Klicken", "ruf": "Rufen", "rufe": "Rufen", "gib": "Geben", "sag": "Sagen", "sage": "Sagen",
    "lass": "Lassen", "lies": "Lesen", "nimm": "Nehmen", "hilf": "Helfen", "sieh": "Sehen", "komm": "Kommen",
    "komme": "Kommen", "geh": "Gehen", "gehe": "Gehen", "versuch": "Versuchen", "versuche": "Versuchen",
    "probier": "Probieren", "probiere": "Probieren", "meld": "Melden", "melde": "Melden",
    "kontaktiere": "Kontaktieren", "antworte": "Antworten", "warte": "Warten", "bleib": "Bleiben",
    "bleibe": "Bleiben", "schick": "Schicken", "schicke": "Schicken", "öffne": "Öffnen", "mach": "Machen",
    "mache": "Machen", "denk": "Denken", "denke": "Denken", "nutze": "Nutzen", "nutz": "Nutzen",
    "wähle": "Wählen", "tippe": "Tippen", "vergiss": "Vergessen", "entdecke": "Entdecken", "hol": "Holen",
    "hole": "Holen", "gönn": "Gönnen", "gönne": "Gönnen", "wende": "Wenden", "schreibe's": "Schreiben",
    "bestell": "Bestellen", "bestelle": "Bestellen", "sichere": "Sichern", "sicher's": "Sichern",
    "überprüfe": "Überprüfen", "aktualisiere": "Aktualisieren", "installiere": "Installieren",
    "logge": "Loggen", "lade": "Laden", "speichere": "Speichern", "füll": "Füllen", "fülle": "Füllen",
    "trag": "Tragen", "schau": "Schauen", "frag": "Fragen", "besuche": "Besuchen", "folge": "Folgen",
    "teile": "Teilen", "frage": "Fragen", "suche": "Suchen", "sei": "Seien", "hab": "Haben", "habe": "Haben",
    "sprich": "Sprechen", "erzähl": "Erzählen", "erzähle": "Erzählen", "verrat": "Verraten",
    "verrate": "Verraten", "vertrau": "Vertrauen", "vertraue": "Vertrauen", "gedulde": "Gedulden",
    "freu": "Freuen", "freue": "Freuen", "check": "Checken", "checke": "Checken", "starte": "Starten",
}
# These are nouns as well (die Suche, die Frage, die Folge, die Teile, die Schau, der Check …):
# only an imperative when an object or particle follows ("Frage gern nach", "Folge uns").
_NOUN_LIKE_IMPERATIVES = frozenset({"suche", "frage", "folge", "teile", "schau", "check", "lade", "hole",
                                    "sicher's", "melde", "starte", "trag", "besuche", "warte", "wende",
                                    "sichere", "habe", "sage"})
_IMPERATIVE_CUES = frozenset({"uns", "mir", "mal", "doch", "gern", "gerne", "einfach", "bitte", "ruhig", "kurz",
                              "jetzt", "es", "dich", "dir", "hier", "gleich", "direkt", "unbedingt", "schnell"})
# Mid-sentence imperatives only after these words ("Bitte schreib uns", "… und schreib uns").
_IMPERATIVE_LEADS_ANY = frozenset({"bitte", "einfach", "gern", "gerne", "ruhig", "doch"})
_IMPERATIVE_LEADS_BARE = frozenset({"und", "oder", "dann", "also", "jetzt"})
# "Hallo ihr Lieben", "Ihr zwei": you-all in a greeting, not "her" nor the formal "your".
_PLURAL_GREETINGS = frozenset({"lieben", "süßen", "beiden", "zwei", "drei", "alle", "lieblinge", "guten",
                               "hübschen", "fleißigen", "treuen"})
_PLURAL_IMPERATIVES = frozenset({
    "schreibt", "meldet", "schaut", "ruft", "gebt", "sagt", "lasst", "nehmt", "helft", "seht", "kommt",
    "probiert", "versucht", "klickt", "prüft", "schickt", "holt", "macht", "folgt", "besucht", "teilt",
    "fragt", "wendet", "kontaktiert", "bestellt", "wartet", "bleibt", "gönnt", "entdeckt", "vergesst",
})
_DATIVE_REFLEXIVE = frozenset({"holen", "gönnen", "sichern", "merken", "ansehen", "anschauen", "überlegen",
                               "wünschen", "kaufen", "nehmen", "schreiben", "notieren"})
_REFLEXIVE_ACC = frozenset({"melden", "wenden", "freuen", "gedulden", "informieren", "registrieren", "loggen",
                            "entscheiden", "beeilen", "erkundigen", "bedienen", "umsehen", "trauen"})

# du-verb → Sie-verb for verbs whose forms rules cannot guess.
_DU_TO_SIE = {
    "hast": "haben", "bist": "sind", "kannst": "können", "willst": "wollen", "musst": "müssen", "darfst": "dürfen",
    "sollst": "sollen", "weißt": "wissen", "magst": "mögen", "möchtest": "möchten", "wirst": "werden",
    "hättest": "hätten", "wärst": "wären", "wärest": "wären", "würdest": "würden", "könntest": "könnten",
    "solltest": "sollten", "müsstest": "müssten", "dürftest": "dürften", "gibst": "geben", "nimmst": "nehmen",
    "siehst": "sehen", "liest": "lesen", "hilfst": "helfen", "läufst": "laufen", "fährst": "fahren",
    "hältst": "halten", "trägst": "tragen", "vergisst": "vergessen", "isst": "essen", "triffst": "treffen",
    "sprichst": "sprechen", "empfiehlst": "empfehlen", "erhältst": "erhalten", "warst": "waren",
    "heißt": "heißen", "weißt's": "wissen", "schläfst": "schlafen", "lässt": "lassen", "stößt": "stoßen",
    "wirfst": "werfen", "brichst": "brechen", "vergibst": "vergeben", "bekommst": "bekommen",
}
_MODALS = frozenset({"können", "müssen", "dürfen", "wollen", "sollen", "möchten", "mögen", "haben", "sind", "sein",
                     "werden", "würden", "könnten", "sollten", "müssten", "dürften", "hätten", "wären", "wissen"})
# Verbs common in replies; conjugation rules are applied only to these (never to "unseren", "selbst" …).
_KNOWN_VERBS = _MODALS | frozenset({
    "bekommen", "erhalten", "finden", "brauchen", "schreiben", "senden", "schicken", "melden", "wenden",
    "kontaktieren", "bestellen", "kaufen", "zahlen", "bezahlen", "nutzen", "benutzen", "warten", "sehen", "lesen",
    "denken", "glauben", "meinen", "fragen", "suchen", "probieren", "versuchen", "testen", "prüfen", "überprüfen",
    "erreichen", "anrufen", "rufen", "besuchen", "kommen", "gehen", "fahren", "teilen", "folgen", "abonnieren",
    "klicken", "öffnen", "laden", "speichern", "registrieren", "anmelden", "einloggen", "eingeben", "ausfüllen",
    "zurücksenden", "umtauschen", "tauschen", "stornieren", "reklamieren", "freuen", "verstehen", "helfen",
    "gewinnen", "entdecken", "genießen", "lieben", "geben", "nehmen", "holen", "gönnen", "sichern", "merken",
    "wählen", "tippen", "vergessen", "antworten", "bleiben", "machen", "sagen", "lassen", "gedulden", "informieren",
    "interessieren", "wünschen", "planen", "vorbeikommen", "vorbeischauen", "schauen", "anschauen", "ansehen",
    "aktualisieren", "installieren", "loggen", "starten", "erzählen", "verraten", "vertrauen", "checken",
    "sprechen", "empfehlen", "essen", "treffen", "halten", "tragen", "laufen", "heißen", "feiern", "spielen",
    "arbeiten", "wohnen", "leben", "bringen", "verwenden", "entscheiden", "bestätigen", "verpassen", "ändern",
    "abholen", "liefern", "erwarten", "beachten", "achten", "kennen", "wissen", "zurückgeben", "bewerten",
    "kommentieren", "posten", "verlinken", "markieren", "einlösen", "nachschauen", "nachsehen", "mitteilen",
    "ausprobieren", "bedienen", "erkundigen", "umsehen", "beeilen", "notieren", "überlegen",
    "zurückmelden", "weiterhelfen", "danken",
})
_SIE_TO_DU = {v: k for k, v in _DU_TO_SIE.items() if k not in ("wärest", "weißt's")}
_SIE_TO_DU.update({"sind": "bist", "haben": "hast", "wissen": "weißt", "waren": "warst"})
_NOT_VERBS = frozenset({"selbst", "erst", "meist", "sonst", "fast", "zuerst", "zunächst", "längst", "just", "best",
                        "nächst", "höchst", "bereits", "jetzt", "nicht", "gern", "gerne", "auch", "noch", "schon",
                        "bitte", "dann", "doch", "mal", "einfach", "gleich", "hier", "da", "so", "nur", "ja"})
_IMPERATIVE_IRREGULAR = {"geben": "Gib", "nehmen": "Nimm", "sehen": "Sieh", "lesen": "Lies", "helfen": "Hilf",
                         "sprechen": "Sprich", "vergessen": "Vergiss", "sein": "Sei", "haben": "Hab",
                         "werden": "Werde", "essen": "Iss", "treffen": "Triff", "empfehlen": "Empfiehl"}


def _sie_verb(du_verb: str) -> str | None:
    """The formal form of a 2nd-person-singular verb ("brauchst" → "brauchen"), or None."""
    word = du_verb.lower()
    if word in _DU_TO_SIE:
        return _DU_TO_SIE[word]
    if word in _NOT_VERBS or len(word) < 4 or not word.endswith("st") or word.endswith(("sst", "ßt")):
        return None
    for infinitive in (word[:-3] + "en", word[:-2] + "en", word[:-2] + "n"):
        if infinitive in _KNOWN_VERBS:
            return infinitive
    return None


def _du_verb(sie_verb: str) -> str | None:
    """The informal form of a formal verb ("brauchen" → "brauchst"), or None."""
    word = sie_verb.lower()
    if word in _SIE_TO_DU:
        return _SIE_TO_DU[word]
    if word not in _KNOWN_VERBS:
        return None
    if word.endswith(("eln", "ern")):
        return word[:-1] + "st"
    if not word.endswith("en"):
        return None
    stem = word[:-2]
    if stem.endswith(("t", "d")) or re.search(r"[^aeiouäöülrh][mn]$", stem):
        return stem + "est"
    if stem.endswith(("s", "ß", "z", "x")):
        return stem + "t"
    return stem + "st"


def _informal_imperative(infinitive: str) -> str:
    word = infinitive.lower()
    if word in _IMPERATIVE_IRREGULAR:
        return _IMPERATIVE_IRREGULAR[word]
    stem = word[:-1] if word.endswith(("eln", "ern")) else word[:-2]
    if stem.endswith(("d", "t", "ig", "ier", "er", "el")) or re.search(r"[^aeiouäöülrh][mn]$", stem):
        stem += "e"
    return stem[:1].upper() + stem[1:]


def _cap(word: str, like: str) -> str:
    """``word`` with a capital first letter when ``like`` has one (sentence starts stay capitalised)."""
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _like(word: str, like: str) -> str:
    """``word`` with the case of ``like``'s first letter."""
    return word[:1].upper() + word[1:] if like[:1].isupper() else word[:1].lower() + word[1:]


# Every word a German rule can fire on (the rules read the neighbours of these, nothing else).
_GERMAN_TRIGGERS = frozenset({"du", "dich", "dir", "euch", "ihr", "sie", "ihnen", "geehrte", "geehrter",
                              *_INFORMAL_POSSESSIVES, *(w.lower() for w in _FORMAL_POSSESSIVES),
                              *_IMPERATIVES, *_PLURAL_IMPERATIVES})


def _german_evidence(words: _Words, skip, questions: set[int]
                     ) -> tuple[list[Evidence], list[tuple[int, int, str, int]]]:
    evidence: list[Evidence] = []
    ambiguous: list[tuple[int, int, str, int]] = []
    consumed: set[int] = set()  # word indexes already covered by a combined fix
    n = len(words)
    token = words.token

    def neighbour(i: int, step: int) -> _Token | None:
        j = i + step
        if 0 <= j < n and token(j).sentence == token(i).sentence:
            return token(j)
        return None

    def add(i_first: int, i_last: int, form: str, reason: str, suggestion: str | None, word_index: int) -> None:
        first, last, word = token(i_first), token(i_last), token(word_index)
        evidence.append(Evidence(word.start, word.end, word.text, form, reason, first.start, last.end, suggestion))
        consumed.update(range(i_first, i_last + 1))

    for i in words.relevant(_GERMAN_TRIGGERS):
        tok = token(i)
        if i in consumed or skip(tok):
            continue
        low, word = tok.lower, tok.text
        prev, nxt = neighbour(i, -1), neighbour(i, 1)
        # -- informal ------------------------------------------------------------------------
        if low == "du":
            if nxt is not None and not skip(nxt) and (verb := _sie_verb(nxt.text)) and nxt.lower not in _DU_PRONOUNS:
                add(i, i + 1, INFORMAL, "pronoun", "Sie " + verb, i)
            elif prev is not None and not skip(prev) and (verb := _sie_verb(prev.text)):
                add(i - 1, i, INFORMAL, "pronoun", _cap(verb, prev.text) + " Sie", i)
            else:
                add(i, i, INFORMAL, "pronoun", None, i)
            continue
        if low in ("dich", "dir"):
            add(i, i, INFORMAL, "pronoun", _DU_PRONOUNS[low], i)
            continue
        if low in _INFORMAL_POSSESSIVES:
            add(i, i, INFORMAL, "possessive", _INFORMAL_POSSESSIVES[low], i)
            continue
        if low == "euch":
            before = prev.lower if prev is not None else ""
            suggestion = "Ihnen" if before in _DATIVE_PREPOSITIONS else "Sie" if before in _ACCUSATIVE_PREPOSITIONS \
                else None
            add(i, i, INFORMAL, "plural", suggestion, i)
            continue
        if low == "ihr":
            verb_after = nxt is not None and nxt.lower in _PLURAL_VERBS and not nxt.text[:1].isupper()
            verb_before = prev is not None and prev.lower in _PLURAL_VERBS
            greeting = nxt is not None and nxt.lower in _PLURAL_GREETINGS
            if verb_after or verb_before or greeting:
                add(i, i, INFORMAL, "plural", None, i)
            elif word == "Ihr" and not tok.initial:
                add(i, i, FORMAL, "possessive", "dein", i)
            elif word == "Ihr":
                ambiguous.append((tok.start, tok.end, word, tok.sentence))
            continue
        if tok.initial and low in _PLURAL_IMPERATIVES and word[:1].isupper() and (
                nxt is None or nxt.lower not in _SUBJECT_PRONOUNS):
            add(i, i, INFORMAL, "imperative", None, i)
            continue
        if low in _IMPERATIVES and (tok.initial or (
                word.islower() and prev is not None and (
                    prev.lower in _IMPERATIVE_LEADS_ANY
                    or (prev.lower in _IMPERATIVE_LEADS_BARE and not low.endswith("e"))))):
            # "Prüfe ich …" is a first person; "Prüfe es" still an imperative.
            if nxt is not None and ((nxt.lower in _SUBJECT_PRONOUNS and nxt.lower != "es") or nxt.text == "Sie"):
                continue
            if low in _NOUN_LIKE_IMPERATIVES and (nxt is None or nxt.lower not in _IMPERATIVE_CUES):
                continue
            infinitive = _IMPERATIVES[low]
            if nxt is not None and nxt.lower in ("dich", "dir"):
                reflexive = "sich"
                add(i, i + 1, INFORMAL, "imperative", f"{_like(infinitive, word)} Sie {reflexive}", i)
            else:
                add(i, i, INFORMAL, "imperative", f"{_like(infinitive, word)} Sie", i)
            continue
        # -- formal ------------------------------------------------------------------------
        if word == "Sie" or word == "Ihnen":
            if tok.initial:
                ambiguous.append((tok.start, tok.end, word, tok.sentence))
                continue
            if word == "Ihnen":
                add(i, i, FORMAL, "pronoun", "dir", i)
                continue
            following = neighbour(i, 1)
            verb_first = prev is not None and not skip(prev) and (
                prev.initial or ((before := neighbour(i - 1, -1)) is not None
                                 and before.lower in _IMPERATIVE_LEADS_ANY))
            if verb_first and prev.lower in _KNOWN_VERBS:
                if tok.sentence not in questions and prev.lower not in _MODALS:
                    # "Schreiben Sie uns" / "Bitte wenden Sie sich …": a formal imperative.
                    imperative = _like(_informal_imperative(prev.lower), prev.text)
                    if following is not None and following.lower == "sich":
                        pronoun = "dir" if prev.lower in _DATIVE_REFLEXIVE else "dich"
                        add(i - 1, i + 1, FORMAL, "imperative", f"{imperative} {pronoun}", i)
                    else:
                        add(i - 1, i, FORMAL, "imperative", imperative, i)
                    continue
                if (verb := _du_verb(prev.text)) is not None:
                    add(i - 1, i, FORMAL, "pronoun", f"{_cap(verb, prev.text)} du", i)
                    continue
            if following is not None and not skip(following) and following.text.islower() \
                    and (verb := _du_verb(following.text)) is not None:
                add(i, i + 1, FORMAL, "pronoun", f"du {verb}", i)
            elif prev is not None and prev.text.islower() and (verb := _du_verb(prev.text)) is not None:
                add(i - 1, i, FORMAL, "pronoun", f"{verb} du", i)
            elif prev is not None and prev.lower in _ACCUSATIVE_PREPOSITIONS:
                add(i, i, FORMAL, "pronoun", "dich", i)
            else:
                add(i, i, FORMAL, "pronoun", None, i)
            continue
        if word in _FORMAL_POSSESSIVES:
            if tok.initial:
                ambiguous.append((tok.start, tok.end, word, tok.sentence))
            else:
                add(i, i, FORMAL, "possessive", _FORMAL_POSSESSIVES[word], i)
            continue
        if low == "geehrte" or low == "geehrter":
            if prev is not None and prev.lower == "sehr":
                add(i - 1, i, FORMAL, "salutation", None, i)
            continue
    return evidence, ambiguous


# --- English register ---------------------------------------------------------------------

_EN_INFORMAL = {
    "hey": "Hello", "hiya": "Hello", "yo": None, "guys": "everyone", "gonna": "going to", "wanna": "want to",
    "gotta": "have to", "yeah": "yes", "yep": "yes", "yup": "yes", "nope": "no", "lol": None, "omg": None,
    "btw": "by the way", "thx": "thank you", "pls": "please", "plz": "please", "u": "you", "ur": "your",
    "cuz": "because", "coz": "because", "ya": "you", "dude": None, "mate": None, "awesome": "great",
    "ain't": None, "kinda": "rather", "sorta": "somewhat", "lemme": "let me", "gimme": "give me",
}
_EN_INFORMAL_PHRASES = {"no worries": None, "no prob": None, "cheers": "Best regards"}
_EN_FORMAL_PHRASES = {
    "dear sir or madam": "Hi", "dear sir": "Hi", "dear madam": "Hi", "to whom it may concern": "Hi",
    "kind regards": "Best", "yours sincerely": "Best", "yours faithfully": "Best",
    "please do not hesitate to": "feel free to", "do not hesitate to": "feel free to",
    "we regret to inform you": None, "at your earliest convenience": "when you can", "kindly": "please",
    "hereby": None, "herewith": None, "aforementioned": None, "pursuant to": None,
    "we sincerely apologise": "we're really sorry", "we sincerely apologize": "we're really sorry",
}
_EN_FORMAL_RE = re.compile(r"(?<!\w)(" + "|".join(sorted(map(re.escape, _EN_FORMAL_PHRASES), key=len, reverse=True))
                           + r")(?!\w)", re.IGNORECASE)
_EN_INFORMAL_PHRASE_RE = re.compile(
    r"(?<!\w)(" + "|".join(sorted(map(re.escape, _EN_INFORMAL_PHRASES), key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE)


_EN_TRIGGERS = frozenset(_EN_INFORMAL)


def _english_evidence(text: str, words: _Words, skip) -> list[Evidence]:
    evidence = []
    for i in words.relevant(_EN_TRIGGERS):
        tok = words.token(i)
        if skip(tok):
            continue
        if tok.lower in _EN_INFORMAL:
            if tok.lower == "u" and tok.text == "U":
                continue  # a letter ("U-Bahn", a U-turn) rather than "you"
            suggestion = _EN_INFORMAL[tok.lower]
            evidence.append(Evidence(tok.start, tok.end, tok.text, INFORMAL, "register", tok.start, tok.end,
                                     _cap(suggestion, tok.text) if suggestion else None))
    for regex, table, form in ((_EN_INFORMAL_PHRASE_RE, _EN_INFORMAL_PHRASES, INFORMAL),
                               (_EN_FORMAL_RE, _EN_FORMAL_PHRASES, FORMAL)):
        for match in regex.finditer(text):
            first = bisect_right(words.spans, (match.start(), -1))
            if first < len(words) and skip(words.token(first)):
                continue
            suggestion = table[match.group(1).lower()]
            evidence.append(Evidence(match.start(), match.end(), match.group(), form, "register", match.start(),
                                     match.end(), _cap(suggestion, match.group()) if suggestion else None))
    return evidence


# --- analysis per sentence ------------------------------------------------------------------

def _skipper(text: str, quoted: list[tuple[int, int]], brands: Iterable[str]):
    """Whether a word is someone else's (quoted) or a name (a brand, a trademark): never evidence."""
    hidden = quoted + _brand_spans(text, brands)
    marks = [m.start() for m in re.finditer("[®™]", text)]
    if not hidden and not marks:
        return lambda tok: False

    def skip(tok: _Token) -> bool:
        if _inside(tok.start, hidden):
            return True
        # "Du darfst®": the (at most two) words right before a trademark sign belong to a brand.
        return any(0 <= mark - tok.end <= 40 and "\n" not in text[tok.end:mark]
                   and text[tok.end:mark].count(" ") <= 1 for mark in marks)

    return skip


def analyse_address(text: str, language: str = "de", brands: Iterable[str] = (),
                    quoted: list[tuple[int, int]] | None = None) -> list[SentenceVerdict]:
    """Per sentence: formal, informal, mixed, ambiguous or neutral, with the words that say so."""
    words = _Words(text)
    sentences = words.sentences
    skip = _skipper(text, _quoted_spans(text) if quoted is None else quoted, brands)
    if language == "en":
        found = _english_evidence(text, words, skip)
        ambiguous: list[tuple[int, int, str, int]] = []
    else:
        questions = {number for number, (start, end) in enumerate(sentences)
                     if text[start:end].rstrip().endswith("?")}
        found, ambiguous = _german_evidence(words, skip, questions)
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


def _address_findings(text: str, address_form: str, language: str, brands: Iterable[str],
                      quoted: list[tuple[int, int]]) -> list[Finding]:
    wanted = _FORMS[address_form]
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


def _banned_findings(text: str, banned: Mapping[str, str | None], quoted: list[tuple[int, int]]) -> list[Finding]:
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
            if _inside(match.start(), quoted):
                continue
            alternative = (alternative or "").strip() or None
            suggestion = _cap(alternative, match.group()) if alternative else None
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
_TRAILING_DECORATION = re.compile(rf"(?:\s|[{_EMOJI_CORE}\ufe0f\U0001F3FB-\U0001F3FF!.])+$")


def _norm(value: str) -> str:
    return " ".join(value.split())


def _signature_findings(text: str, signature: str) -> list[Finding]:
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
    return [(m.start(), m.end()) for m in _EMOJI.finditer(text)]


def _emoji_findings(text: str, policy: str) -> list[Finding]:
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
    words = _WORD.findall(text[:1500].lower())  # a hundred words or so decide it
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


def _language_findings(text: str, expected: str, quoted: list[tuple[int, int]]) -> list[Finding]:
    if expected not in _LANGUAGE_NAMES:
        return []
    own = "".join(ch if not _inside(i, quoted) else " " for i, ch in enumerate(text)) if quoted else text
    found = guess_language(own)
    if found is None or found == expected:
        return []
    names = {"de": _("German"), "en": _("English")}
    return [Finding("language", 0, len(text),
                    _("The reply reads as %(found)s, but the customer wrote in %(expected)s.",
                      found=names[found], expected=names[expected]))]


# --- length --------------------------------------------------------------------------------

def _length_findings(text: str, max_length: int, count_bytes: bool) -> list[Finding]:
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


# --- the checker ---------------------------------------------------------------------------

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
    if address_form not in _FORMS:
        raise ValueError(f"address_form must be one of {sorted(_FORMS)}")
    if emoji_policy not in EMOJI_POLICIES:
        raise ValueError(f"emoji_policy must be one of {EMOJI_POLICIES}")
    text = text or ""
    findings: list[Finding] = []
    if text.strip():
        quoted = _quoted_spans(text)
        findings += _address_findings(text, address_form, "en" if language == "en" else "de", brands, quoted)
        if banned:
            findings += _banned_findings(text, banned, quoted)
        if signature:
            findings += _signature_findings(text, signature)
        findings += _emoji_findings(text, emoji_policy)
        if expected_language:
            findings += _language_findings(text, expected_language, quoted)
    if max_length is not None:
        findings += _length_findings(text, max_length, count_bytes)
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
