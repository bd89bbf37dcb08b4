"""The reply checker (agency.community.tone): German du/Sie, English register, banned words, signature,
length, emoji and language — each tricky case of the issue as a case of its own.

A case lists exactly the findings expected: (code, the text they point at, the suggested replacement).
``ANY`` skips the suggestion. An empty list means: nothing to remark.
"""

from __future__ import annotations

import pytest

from agency.community.tone import (
    CODES,
    Finding,
    analyse_address,
    apply_fix,
    check_reply,
    emoji_spans,
    guess_language,
    utf16_offset,
)

ANY = object()


def case(text, form, expected, *, lang="de", **options):
    return pytest.param(text, form, lang, options, expected, id=f"{form}:{text[:48]}")


SIE = "sie"
DU = "du"

GERMAN_INFORMAL_IN_SIE = [
    case("Kannst du uns deine Bestellnummer schicken?", SIE,
         [("address_form", "Kannst du", "Können Sie"), ("address_form", "deine", "Ihre")]),
    case("Hast du schon in dein Postfach geschaut?", SIE,
         [("address_form", "Hast du", "Haben Sie"), ("address_form", "dein", "Ihr")]),
    case("Danke dir für die Nachricht!", SIE, [("address_form", "dir", "Ihnen")]),
    case("Wir melden uns bei dir.", SIE, [("address_form", "dir", "Ihnen")]),
    case("Das haben wir für dich reserviert.", SIE, [("address_form", "dich", "Sie")]),
    case("Schreib uns gern eine PN.", SIE, [("address_form", "Schreib", "Schreiben Sie")]),
    case("Prüfe bitte deinen Spamordner.", SIE,
         [("address_form", "Prüfe", "Prüfen Sie"), ("address_form", "deinen", "Ihren")]),
    case("Melde dich gern bei uns.", SIE, [("address_form", "Melde dich", "Melden Sie sich")]),
    case("Hol dir jetzt den Gutschein.", SIE, [("address_form", "Hol dir", "Holen Sie sich")]),
    case("Schau mal auf unserer Website vorbei.", SIE, [("address_form", "Schau", "Schauen Sie")]),
    case("Bitte schreib uns eine E-Mail.", SIE, [("address_form", "schreib", "schreiben Sie")]),
    case("Hallo ihr Lieben, danke für euer Feedback!", SIE,
         [("address_form", "ihr", None), ("address_form", "euer", "Ihr")]),
    case("Habt ihr schon bestellt?", SIE, [("address_form", "ihr", None)]),
    case("Wenn ihr Fragen habt, meldet euch.", SIE, [("address_form", "euch", None)]),
    case("Folge uns auf Instagram!", SIE, [("address_form", "Folge", "Folgen Sie")]),
    case("Du bekommst morgen eine Mail.", SIE, [("address_form", "Du bekommst", "Sie bekommen")]),
    case("Wie geht's dir?", SIE, [("address_form", "dir", "Ihnen")]),
    case("Vielen Dank für deine Geduld!", SIE, [("address_form", "deine", "Ihre")]),
    case("DU hast gewonnen!", SIE, [("address_form", "DU hast", "Sie haben")]),
    case("Gib uns kurz Bescheid.", SIE, [("address_form", "Gib", "Geben Sie")]),
    case("Lass uns wissen, ob es geklappt hat.", SIE, [("address_form", "Lass", "Lassen Sie")]),
    case("Wir schicken euch gern ein Muster.", SIE, [("address_form", "euch", None)]),
    case("Mit euch macht es Spaß.", SIE, [("address_form", "euch", "Ihnen")]),
    case("Für euch haben wir etwas Besonderes.", SIE, [("address_form", "euch", "Sie")]),
    case("Ihr habt Fragen? Schreibt uns!", SIE, [("address_form", "Ihr", None), ("address_form", "Schreibt", None)]),
    case("Habt Ihr Fragen?", SIE, [("address_form", "Ihr", None)]),
    case("Danke, Anna! Dein Paket ist unterwegs.", SIE, [("address_form", "Dein", "Ihr")]),
    case("Euer Team von Sonnenschein", SIE, [("address_form", "Euer", "Ihr")]),
    case("Deiner Meinung nach passt das?", SIE, [("address_form", "Deiner", "Ihrer")]),
    case("Schreibe uns eine Mail.", SIE, [("address_form", "Schreibe", "Schreiben Sie")]),
    case("Versuche es bitte noch einmal.", SIE, [("address_form", "Versuche", "Versuchen Sie")]),
    case("Besuche uns im Laden!", SIE, [("address_form", "Besuche", "Besuchen Sie")]),
    case("Antworte einfach auf diese Mail.", SIE, [("address_form", "Antworte", "Antworten Sie")]),
    case("Sag Bescheid, wenn es klemmt.", SIE, [("address_form", "Sag", "Sagen Sie")]),
    case("Wenn du magst, rufen wir an.", SIE, [("address_form", "du magst", "Sie mögen")]),
    case("Bist du morgen im Laden?", SIE, [("address_form", "Bist du", "Sind Sie")]),
    case("Brauchst du Hilfe beim Bestellen?", SIE, [("address_form", "Brauchst du", "Brauchen Sie")]),
    case("Ob du schon bestellt hast, sehen wir gleich.", SIE, [("address_form", "du", None)]),
    case("Dich haben wir nicht vergessen!", SIE, [("address_form", "Dich", "Sie")]),
    case("Wende dich an unser Team.", SIE, [("address_form", "Wende dich", "Wenden Sie sich")]),
]

GERMAN_FINE_IN_SIE = [
    case("Vielen Dank für Ihre Nachricht, wir melden uns.", SIE, []),
    case("Sie können uns jederzeit schreiben.", SIE, []),
    case("Wir haben sie gestern angerufen.", SIE, []),
    case("Suche nach Filialen in der Nähe", SIE, []),
    case("Frage: Wann öffnet die Filiale?", SIE, []),
    case("Folge 3 unseres Podcasts ist online.", SIE, []),
    case("Teile fehlen leider noch.", SIE, []),
    case("Die Suche hat leider nichts ergeben.", SIE, []),
    case("Probieren Sie unseren Joghurt Du darfst.", SIE, [], brands=["Du darfst"]),
    case("Unser Joghurt DU DARFST® ist zurück.", SIE, []),
    case("Sie schrieben: „Kannst du mir helfen?“ – gern helfen wir Ihnen.", SIE, []),
    case("> Hast du das schon?\nJa, das haben wir für Sie erledigt.", SIE, []),
    case("Ihre Bestellung ist unterwegs.", SIE, []),
    case("Ich prüfe das und melde mich.", SIE, []),
    case("Dann prüfe ich das gleich.", SIE, []),
    case("Habe ich das richtig verstanden?", SIE, []),
    case("Das Du-Wort bieten wir gern an.", SIE, []),
    case("Wir duzen uns hier alle.", SIE, []),
    case("Die Dirigentin hat abgesagt.", SIE, []),
    case("Dein-Bad.de ist unser Partner.", SIE, []),
    case("Sehr geehrte Frau Müller, vielen Dank.", SIE, []),
    case("Wir geben ihr gern Bescheid.", SIE, []),
    case("Sie hat ihr Paket bekommen.", SIE, []),
    case("Der Kunde und ihr Mann waren da.", SIE, []),
    case("Besuche sind montags möglich.", SIE, []),
    case("Melden Sie sich gern bei uns.", SIE, []),
    case("Haben Sie schon bestellt?", SIE, []),
    case("Thanks, you rock!", SIE, []),
    case("Das Angebot „Gönn dir was“ läuft bis Sonntag.", SIE, []),
    case("Wir haben euch‘ – nein.", SIE, [("address_form", "euch", None)]),
]

GERMAN_FORMAL_IN_DU = [
    case("Vielen Dank für Ihre Nachricht!", DU, [("address_form", "Ihre", "deine")]),
    case("Gerne helfen wir Ihnen weiter.", DU, [("address_form", "Ihnen", "dir")]),
    case("Haben Sie schon bestellt?", DU, [("address_form", "Haben Sie", "Hast du")]),
    case("Können Sie uns die Nummer schicken?", DU, [("address_form", "Können Sie", "Kannst du")]),
    case("Schreiben Sie uns eine Nachricht.", DU, [("address_form", "Schreiben Sie", "Schreib")]),
    case("Melden Sie sich gern bei uns.", DU, [("address_form", "Melden Sie sich", "Melde dich")]),
    case("Bitte wenden Sie sich an den Kundenservice.", DU, [("address_form", "wenden Sie sich", "wende dich")]),
    case("Wir haben Ihr Paket verschickt.", DU, [("address_form", "Ihr", "dein")]),
    case("Wenn Sie möchten, rufen wir zurück.", DU, [("address_form", "Sie möchten", "du möchtest")]),
    case("Das ist für Sie reserviert.", DU, [("address_form", "Sie", "dich")]),
    case("Sehr geehrte Frau Müller, danke!", DU, [("address_form", "Sehr geehrte", None)]),
    case("Holen Sie sich den Gutschein!", DU, [("address_form", "Holen Sie sich", "Hol dir")]),
    case("Dann können Sie direkt bestellen.", DU, [("address_form", "können Sie", "kannst du")]),
    case("Rufen Sie uns an.", DU, [("address_form", "Rufen Sie", "Ruf")]),
    case("Warten Sie bitte kurz.", DU, [("address_form", "Warten Sie", "Warte")]),
    case("Wie Sie sehen, ist alles da.", DU, [("address_form", "Sie sehen", "du siehst")]),
    case("Danke, dass Sie uns geschrieben haben.", DU, [("address_form", "Sie", None)]),
    case("Öffnen Sie bitte die App.", DU, [("address_form", "Öffnen Sie", "Öffne")]),
    case("Wir freuen uns auf Ihren Besuch.", DU, [("address_form", "Ihren", "deinen")]),
    case("Brauchen Sie Hilfe?", DU, [("address_form", "Brauchen Sie", "Brauchst du")]),
]

GERMAN_FINE_IN_DU = [
    case("Sie können uns jederzeit schreiben.", DU, []),
    case("Ihr Paket ist unterwegs.", DU, []),
    case("Sie hat sich sehr gefreut.", DU, []),
    case("Wir haben sie angerufen.", DU, []),
    case("Kannst du uns schreiben?", DU, []),
    case("Danke für euer Feedback, ihr seid toll!", DU, []),
    case("Ihre Idee finden wir super.", DU, []),
    case("Ihnen gefällt das bestimmt.", DU, []),
    case("Sie schrieb: „Können Sie mir helfen?“", DU, []),
    case("SIE haben gewonnen!", DU, []),
    case("Die Sie-Form nutzen wir nicht.", DU, []),
    case("Schreib uns gern! 😊", DU, []),
    case("Hallo zusammen, schön dass ihr da seid.", DU, []),
    case("Wir haben ihnen geantwortet.", DU, []),
]

MIXED = [
    case("Können Sie mir sagen, ob du schon bestellt hast?", SIE, [("address_form", "du", None)]),
    case("Können Sie mir sagen, ob du schon bestellt hast?", DU, [("address_form", "Können Sie", "Kannst du")]),
    case("Danke für Ihre Nachricht. Schreib uns gern wieder!", SIE, [("address_form", "Schreib", "Schreiben Sie")]),
    case("Danke für Ihre Nachricht. Schreib uns gern wieder!", DU, [("address_form", "Ihre", "deine")]),
]

BANNED = [
    case("Das Problem lösen wir.", SIE, [("banned_word", "Problem", "Anliegen")], banned={"Problem": "Anliegen"}),
    case("Die Probleme sind behoben.", SIE, [("banned_word", "Probleme", "Anliegen")],
         banned={"Problem*": "Anliegen"}),
    case("Das ist leider  nicht möglich.", SIE, [("banned_word", "leider  nicht möglich", "schauen wir, was geht")],
         banned={"leider nicht möglich": "schauen wir, was geht"}),
    case("Leider geht das nicht.", SIE, [("banned_word", "Leider", "Gern")], banned={"leider": "gern"}),
    case("Das war kein Shitstorm.", SIE, [("banned_word", "Shitstorm", None)], banned={"Shitstorm": ""}),
    case("Sie schrieben „Problem“ – wir kümmern uns.", SIE, [], banned={"Problem": "Anliegen"}),
    case("Unsere Problemlösung hilft.", SIE, [], banned={"Problem": "Anliegen"}),
    case("Unfortunately we are closed.", "formal", [("banned_word", "Unfortunately", "Happily")], lang="en",
         banned={"unfortunately": "happily"}),
    case("PROBLEM gelöst!", SIE, [("banned_word", "PROBLEM", "Anliegen")], banned={"problem": "Anliegen"}),
    case("Kein Problem, kein Problem!", SIE,
         [("banned_word", "Problem", "Anliegen"), ("banned_word", "Problem", "Anliegen")],
         banned={"Problem": "Anliegen"}),
]

SIGNATURES = [
    case("Danke! ^Lena", SIE, [], signature="^Lena"),
    case("Danke!", SIE, [("signature", "", " ^Lena")], signature="^Lena"),
    case("Danke! ^Max", SIE, [("signature", "^Max", "^Lena")], signature="^Lena"),
    case("Danke!\nViele Grüße, Max", SIE, [("signature", "Viele Grüße, Max", "Viele Grüße, Lena")],
         signature="Viele Grüße, Lena"),
    case("Danke!\nViele Grüße, Lena", SIE, [], signature="Viele Grüße, Lena"),
    case("Danke! ^Lena 😊", SIE, [], signature="^Lena"),
    case("Danke!\n\nViele Grüße\nLena", SIE, [], signature="Viele Grüße\nLena"),
    case("Thanks!\nBest, Tom", "formal", [("signature", "Best, Tom", "– Lena")], lang="en", signature="– Lena"),
    case("Danke!   \n", SIE, [("signature", "", "\nViele Grüße, Lena")], signature="Viele Grüße, Lena"),
]

LENGTHS = [
    case("x" * 12, SIE, [("length", "xx", None)], max_length=10),
    case("äääää", SIE, [("length", "ää", None)], max_length=6, count_bytes=True),
    case("x" * 10, SIE, [], max_length=10),
    case("ääää", SIE, [], max_length=4),
]

EMOJI = [
    case("Danke 😊", SIE, [("emoji", " 😊", "")], emoji_policy="none"),
    case("Danke 👍🏽", SIE, [("emoji", " 👍🏽", "")], emoji_policy="none"),
    case("Familie 👨‍👩‍👧 dabei", SIE, [("emoji", " 👨‍👩‍👧", "")], emoji_policy="none"),
    case("Super 😊😊😊", SIE, [("emoji", "😊", ""), ("emoji", "😊", "")], emoji_policy="sparingly"),
    case("Danke 😊 toll 🎉 super 👍", SIE, [("emoji", " 🎉", ""), ("emoji", " 👍", "")], emoji_policy="sparingly"),
    case("Danke 😊 toll 🎉 super 👍", SIE, [], emoji_policy="free"),
    case("Marke® ©2026 und Name™", SIE, [], emoji_policy="none"),
    case("Made in 🇩🇪", SIE, [("emoji", " 🇩🇪", "")], emoji_policy="none"),
    case("Danke 😊", SIE, [], emoji_policy="sparingly"),
]

LANGUAGE = [
    case("Thank you so much for your message, we will get back to you.", SIE,
         [("language", "Thank you so much for your message, we will get back to you.", None)],
         expected_language="de"),
    case("Vielen Dank für die Nachricht, wir melden uns bei Ihnen.", SIE,
         [("language", "Vielen Dank für die Nachricht, wir melden uns bei Ihnen.", None)], expected_language="en"),
    case("OK 👍", SIE, [], expected_language="en"),
    case("Sie schrieben „thank you for the help and the quick answer“ – sehr gern!", SIE, [],
         expected_language="de"),
    case("Thank you so much for your message, we will get back to you.", SIE, [], expected_language="other"),
    case("Danke für die Nachricht, wir sind für dich da.", DU, [], expected_language="de"),
]

ENGLISH = [
    case("Hey guys, gonna check that for u!", "formal",
         [("address_form", "Hey", "Hello"), ("address_form", "guys", "everyone"),
          ("address_form", "gonna", "going to"), ("address_form", "u", "you")], lang="en"),
    case("Thanks for your patience, we will look into it.", "formal", [], lang="en"),
    case("Dear Sir or Madam, kindly send us your order number.", "informal",
         [("address_form", "Dear Sir or Madam", "Hi"), ("address_form", "kindly", "please")], lang="en"),
    case("Thanks!\nKind regards", "informal", [("address_form", "Kind regards", "Best")], lang="en"),
    case("No worries, we'll sort it out.", "formal", [("address_form", "No worries", None)], lang="en"),
    case("Please take the U-turn at the station.", "formal", [], lang="en"),
    case("Hey! Thanks a lot 🙌", "informal", [], lang="en"),
    case("Yeah, we can do that.", SIE, [("address_form", "Yeah", "Yes")], lang="en"),
    case("Please do not hesitate to contact us.", "formal", [], lang="en"),
    case("Please do not hesitate to contact us.", "informal",
         [("address_form", "Please do not hesitate to", "Feel free to")], lang="en"),
    case("We sincerely apologize for the delay.", "informal",
         [("address_form", "We sincerely apologize", "We're really sorry")], lang="en"),
    case("He said “hey guys” in the video.", "formal", [], lang="en"),
    case("Cool, thx!", "formal", [("address_form", "thx", "thank you")], lang="en"),
    case("Thx for the quick reply!", "formal", [("address_form", "Thx", "Thank you")], lang="en"),
]

ALL_CASES = (GERMAN_INFORMAL_IN_SIE + GERMAN_FINE_IN_SIE + GERMAN_FORMAL_IN_DU + GERMAN_FINE_IN_DU + MIXED + BANNED
             + SIGNATURES + LENGTHS + EMOJI + LANGUAGE + ENGLISH)


def test_there_are_at_least_120_cases():
    assert len(ALL_CASES) >= 120


@pytest.mark.parametrize(("text", "form", "lang", "options", "expected"), ALL_CASES)
def test_checker_case(text, form, lang, options, expected):
    findings = check_reply(text, address_form=form, language=lang, **options)
    got = sorted((f.code, text[f.start:f.end], f.suggestion) for f in findings)
    want = sorted(expected, key=lambda e: (e[0], e[1]))
    assert len(got) == len(want), got
    for (g_code, g_text, g_suggestion), (w_code, w_text, w_suggestion) in zip(got, want, strict=True):
        assert (g_code, g_text) == (w_code, w_text), got
        if w_suggestion is not ANY:
            assert g_suggestion == w_suggestion, got
    for finding in findings:
        assert finding.code in CODES and finding.message


@pytest.mark.parametrize(("text", "verdicts"), [
    ("Sie können das. Kannst du das?", ["ambiguous", "informal"]),
    ("Hallo! Wir helfen gern.", ["neutral", "neutral"]),
    ("Können Sie mir sagen, ob du schon bestellt hast?", ["mixed"]),
    ("Vielen Dank für Ihre Nachricht.", ["formal"]),
    ("Ihr Paket ist da. Wir haben Ihr Paket gesehen.", ["ambiguous", "formal"]),
    ("Hallo Anna\nSie bekommen es morgen.", ["neutral", "ambiguous"]),
    ("Wichtig: Sie müssen nichts tun.", ["neutral", "ambiguous"]),
    ("Sie schrieb „du bist super“.", ["ambiguous"]),
])
def test_sentence_verdicts_with_evidence(text, verdicts):
    result = analyse_address(text)
    assert [s.verdict for s in result] == verdicts
    for sentence in result:
        if sentence.verdict in ("formal", "informal", "mixed"):
            assert sentence.evidence and all(text[e.start:e.end] == e.word for e in sentence.evidence)
        if sentence.verdict == "ambiguous":
            assert sentence.ambiguous and not sentence.evidence


def test_one_click_fixes_give_the_right_text():
    text = "Hallo Anna, kannst du uns deine Bestellnummer schicken?"
    for finding in reversed(check_reply(text, address_form="sie")):
        text = apply_fix(text, finding)
    assert text == "Hallo Anna, können Sie uns Ihre Bestellnummer schicken?"
    assert check_reply(text, address_form="sie") == []
    text = "Melden Sie sich gern, wir helfen Ihnen."
    for finding in reversed(check_reply(text, address_form="du")):
        text = apply_fix(text, finding)
    assert text == "Melde dich gern, wir helfen dir."
    signed = "Danke!"
    (missing,) = check_reply(signed, address_form="sie", signature="^Lena")
    assert apply_fix(signed, missing) == "Danke! ^Lena"


def test_findings_are_warnings_and_only_the_length_blocks():
    findings = check_reply("Kannst du das?" + "x" * 300, address_form="sie", max_length=100, emoji_policy="none",
                           banned={"das": "dies"}, signature="^Lena")
    assert {f.code for f in findings} == {"address_form", "banned_word", "signature", "length"}
    assert [f.code for f in findings if f.blocking] == ["length"]
    assert isinstance(findings[0], Finding) and findings == sorted(findings, key=lambda f: (f.start, f.end,
                                                                                              CODES.index(f.code)))


def test_bad_settings_and_empty_text():
    with pytest.raises(ValueError):
        check_reply("Hallo", address_form="ihr")
    with pytest.raises(ValueError):
        check_reply("Hallo", address_form="sie", emoji_policy="lots")
    assert check_reply("", address_form="sie", signature="^Lena", expected_language="de") == []
    assert check_reply("   ", address_form="du", emoji_policy="none") == []


def test_hostile_text_does_not_break_the_checker():
    nasty = "Du\x00 \u202ebist\u202c " + "„" * 500 + "😊" * 300 + "\n" * 200 + "Sie" * 1000
    findings = check_reply(nasty, address_form="sie", emoji_policy="sparingly", max_length=1000)
    assert any(f.code == "length" for f in findings)
    assert all(0 <= f.start <= f.end <= len(nasty) for f in findings)


def test_offsets_for_javascript_and_emoji_spans():
    text = "😊 Kannst du?"
    (finding,) = check_reply(text, address_form="sie")
    assert text[finding.start:finding.end] == "Kannst du"
    assert utf16_offset(text, finding.start) == finding.start + 1  # the emoji is two UTF-16 units
    assert emoji_spans("a 👨‍👩‍👧 b 🇩🇪") == [(2, 7), (10, 12)]


@pytest.mark.parametrize(("text", "language"), [
    ("Vielen Dank für die Nachricht, wir melden uns.", "de"),
    ("Thanks for the message, we will get back to you.", "en"),
    ("OK", None),
    ("Danke! Thanks!", None),
])
def test_language_guess(text, language):
    assert guess_language(text) == language
