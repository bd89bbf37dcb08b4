"""Words for the sandbox's fans: German and English questions, complaints, praise, spam, DMs."""

from __future__ import annotations

import random

FIRST_NAMES = [
    "Anna", "Lukas", "Sophie", "Jonas", "Marie", "Leon", "Emma", "Finn", "Mia", "Paul", "Lena",
    "Felix", "Hannah", "Tim", "Laura", "Jan", "Sarah", "Max", "Julia", "Tom", "Emily", "Jack",
    "Olivia", "Noah", "Chloe", "Liam", "Grace", "Oliver", "Ayşe", "Mehmet", "Zoë", "Renée",
]
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
    "Schulz", "Koch", "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Yılmaz", "O'Brien",
]

TEXTS: dict[str, dict[str, list[str]]] = {
    "de": {
        "question": [
            "Habt ihr am Samstag geöffnet?",
            "Wann kommt das neue Modell wieder rein?",
            "Gibt es das auch in Größe M?",
            "Kann man bei euch auch mit PayPal zahlen?",
            "Wie lange dauert der Versand nach Österreich?",
            "Hallo, ist das Angebot noch gültig?",
            "Liefert ihr auch an eine Packstation?",
        ],
        "complaint": [
            "Meine Bestellung ist seit zwei Wochen nicht da. Niemand antwortet auf meine Mails!",
            "Der Kundenservice ist eine Katastrophe, dreimal angerufen und keiner geht ran.",
            "Das Produkt war beim Auspacken schon kaputt. Sehr enttäuschend.",
            "Viel zu teuer für die Qualität, nie wieder.",
            "Warum wurde mir zweimal abgebucht??",
        ],
        "praise": [
            "Super Service, vielen Dank!",
            "Bin total begeistert, klare Empfehlung 👍",
            "Schnelle Lieferung und tolle Beratung im Laden.",
            "Das beste Team der Stadt ❤️",
            "Danke für die schnelle Hilfe gestern!",
        ],
        "spam": [
            "Verdiene 5000€ im Monat von zu Hause!!! Infos unter http://bit.ly/reich-werden",
            "Schau mal auf meinem Profil vorbei 😘",
            "Gratis Follower hier: www.follower-gratis.example",
        ],
        "dm": [
            "Hallo, ich habe eine Frage zu meiner Rechnung.",
            "Hi! Könnt ihr mir die Bestellnummer nochmal schicken?",
            "Guten Tag, ich möchte meine Bestellung stornieren.",
            "Hey, ist der Gutschein auch online einlösbar?",
        ],
    },
    "en": {
        "question": [
            "Are you open on Sunday?",
            "When will this be back in stock?",
            "Do you ship to the UK?",
            "Is there a student discount?",
            "How do I reset my password on your app?",
            "Does this come in blue?",
        ],
        "complaint": [
            "Still waiting for my refund after 3 weeks. Unacceptable.",
            "Your app keeps crashing since the last update.",
            "Worst customer service ever, nobody replies.",
            "The package arrived damaged and support ignores me.",
        ],
        "praise": [
            "Love this! 😍",
            "Great job team, keep it up!",
            "Best purchase I made this year 🙌",
            "Thanks for the quick help!",
        ],
        "spam": [
            "Check my profile for free giveaways!!!",
            "Earn $$$ fast: http://totally-legit.example/offer",
            "DM me for collab 💰💰",
        ],
        "dm": [
            "Hi, I have a question about my order.",
            "Hello! Can I change my delivery address?",
            "Hey there, do you offer gift wrapping?",
        ],
    },
}

CAPTIONS = {
    "de": ["Unser neues Sortiment ist da!", "Frohes Wochenende 🌞", "Heute 20% auf alles", "Hinter den Kulissen"],
    "en": ["New collection just dropped!", "Happy Friday 🎉", "Meet the team", "Behind the scenes"],
}

REVIEW_CATEGORY = {1: "complaint", 2: "complaint", 3: "question", 4: "praise", 5: "praise"}
EMOJIS = ["😊", "🙏", "👍", "🔥", "😡", "🤔", "❤️", "😂"]


def typo(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters, as thumbs do."""
    if len(text) < 6:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def person(index: int) -> str:
    """A stable name for fan number ``index``."""
    return f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[(index // 7) % len(LAST_NAMES)]}"


def fan_text(rng: random.Random, category: str | None = None) -> tuple[str, str, str]:
    """(text, language, category) for a fan's comment."""
    lang = "de" if rng.random() < 0.6 else "en"
    if category is None:
        roll = rng.random()
        category = (
            "question" if roll < 0.35 else "complaint" if roll < 0.55 else "praise" if roll < 0.9 else "spam"
        )
    text = rng.choice(TEXTS[lang][category])
    if rng.random() < 0.15:
        text = typo(text, rng)
    if rng.random() < 0.25:
        text = f"{text} {rng.choice(EMOJIS)}"
    return text, lang, category


def caption(day: int) -> str:
    """A stable caption for the post of ``day``."""
    lang = "de" if day % 3 else "en"
    options = CAPTIONS[lang]
    return options[day % len(options)]


def edited(text: str) -> str:
    """How a fan's edited text reads."""
    return f"{text} (edit: sorry, hat sich erledigt)" if "e" in text[:3] else f"{text} — EDIT: solved, thanks"
