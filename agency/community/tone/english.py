"""English register: English has no du/Sie, so a formal voice avoids slang and an informal one stiff formulas."""

from __future__ import annotations

import re
from bisect import bisect_right

from agency.community.tone.findings import FORMAL, INFORMAL, Evidence
from agency.community.tone.text import Words, cap

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


def english_evidence(text: str, words: Words, skip) -> list[Evidence]:
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
                                     cap(suggestion, tok.text) if suggestion else None))
    for regex, table, form in ((_EN_INFORMAL_PHRASE_RE, _EN_INFORMAL_PHRASES, INFORMAL),
                               (_EN_FORMAL_RE, _EN_FORMAL_PHRASES, FORMAL)):
        for match in regex.finditer(text):
            first = bisect_right(words.spans, (match.start(), -1))
            if first < len(words) and skip(words.token(first)):
                continue
            suggestion = table[match.group(1).lower()]
            evidence.append(Evidence(match.start(), match.end(), match.group(), form, "register", match.start(),
                                     match.end(), cap(suggestion, match.group()) if suggestion else None))
    return evidence
