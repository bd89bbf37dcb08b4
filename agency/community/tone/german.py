"""German address forms: du or Sie, word by word, with the fix where it is obvious."""

from __future__ import annotations

import re

from agency.community.tone.findings import FORMAL, INFORMAL, Evidence
from agency.community.tone.text import Token, Words, cap, like_case

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


# Every word a German rule can fire on (the rules read the neighbours of these, nothing else).
_GERMAN_TRIGGERS = frozenset({"du", "dich", "dir", "euch", "ihr", "sie", "ihnen", "geehrte", "geehrter",
                              *_INFORMAL_POSSESSIVES, *(w.lower() for w in _FORMAL_POSSESSIVES),
                              *_IMPERATIVES, *_PLURAL_IMPERATIVES})


def german_evidence(words: Words, skip, questions: set[int]
                     ) -> tuple[list[Evidence], list[tuple[int, int, str, int]]]:
    evidence: list[Evidence] = []
    ambiguous: list[tuple[int, int, str, int]] = []
    consumed: set[int] = set()  # word indexes already covered by a combined fix
    n = len(words)
    token = words.token

    def neighbour(i: int, step: int) -> Token | None:
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
                add(i - 1, i, INFORMAL, "pronoun", cap(verb, prev.text) + " Sie", i)
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
                add(i, i + 1, INFORMAL, "imperative", f"{like_case(infinitive, word)} Sie {reflexive}", i)
            else:
                add(i, i, INFORMAL, "imperative", f"{like_case(infinitive, word)} Sie", i)
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
                    imperative = like_case(_informal_imperative(prev.lower), prev.text)
                    if following is not None and following.lower == "sich":
                        pronoun = "dir" if prev.lower in _DATIVE_REFLEXIVE else "dich"
                        add(i - 1, i + 1, FORMAL, "imperative", f"{imperative} {pronoun}", i)
                    else:
                        add(i - 1, i, FORMAL, "imperative", imperative, i)
                    continue
                if (verb := _du_verb(prev.text)) is not None:
                    add(i - 1, i, FORMAL, "pronoun", f"{cap(verb, prev.text)} du", i)
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
