"""Placeholders, the sanitized Markdown guide, suggestion ranking and input cleaning."""

from __future__ import annotations

import pytest

from agency.community import placeholders, suggest
from agency.community.inputs import clean_lines, clean_text, valid_id
from agency.community.markup import render_markdown
from agency.errors import ValidationError


def test_placeholders_are_filled_and_missing_values_marked():
    text, missing = placeholders.fill(
        "Hallo {author_first_name}, {persona} vom Team {workspace} hier ({today}). {signature}",
        {"author_first_name": "Anna", "persona": "Lena", "workspace": "Bäckerei", "today": "3. Dezember 2026",
         "signature": "^Lena"})
    assert text == "Hallo Anna, Lena vom Team Bäckerei hier (3. Dezember 2026). ^Lena"
    assert missing == []
    text, missing = placeholders.fill("Hallo {author_first_name}! {persona} {persona}", {"author_first_name": None,
                                                                                        "persona": "  "})
    assert text == "Hallo [[author_first_name]]! [[persona]] [[persona]]"
    assert missing == ["author_first_name", "persona"]
    assert placeholders.markers_in(text) == ["author_first_name", "persona"]


def test_unknown_placeholders_and_braces_stay_as_they_are():
    text, missing = placeholders.fill("{autor} {} {{x}} {author_first_name", {"author_first_name": "Anna"})
    assert text == "{autor} {} {{x}} {author_first_name" and missing == []
    assert placeholders.unknown_placeholders("Hallo {autor} und {author_first_name} {FOO}") == ["FOO", "autor"]


@pytest.mark.parametrize(("name", "first"), [
    ("Anna Müller", "Anna"), ("Zoë O'Brien", "Zoë"), ("Jean-Luc Picard", "Jean-Luc"), ("anna_92", None),
    ("Facebook user", None), ("—", None), ("", None), (None, None), ("MAX POWER", None), ("Li", "Li"),
    ("baeckerei.fan", None), ("Ayşe Yılmaz", "Ayşe"),
])
def test_first_names(name, first):
    assert placeholders.first_name(name) == first


def test_markdown_guide_is_rendered_and_sanitized():
    html = str(render_markdown("# Ton\n\n**Freundlich**, [Guide](https://example.com) und `Code`.\n\n"
                               "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>"
                               "\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
    assert "<h1>Ton</h1>" in html and "<strong>Freundlich</strong>" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html
    # Raw HTML and a javascript: link stay visible text (escaped), never markup.
    assert "<script" not in html and 'href="javascript' not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert "<table>" in html and "style=" not in html
    assert str(render_markdown("")) == "" and str(render_markdown(None)) == ""


def test_suggestions_rank_similar_text_and_tags_first():
    candidates = [
        suggest.Candidate(1, "Öffnungszeiten", "Wir haben Mo–Sa von 7 bis 18 Uhr geöffnet.", ["öffnungszeiten"], "de"),
        suggest.Candidate(2, "Lieferzeit", "Die Lieferung dauert zwei bis drei Werktage.", ["versand"], "de", 40),
        suggest.Candidate(3, "Allergene", "Alle Allergene stehen auf der Verpackung.", ["allergene"], "de"),
        suggest.Candidate(4, "Opening hours", "We are open Monday to Saturday.", ["öffnungszeiten"], "en"),
        suggest.Candidate(5, "Statement", "Wir prüfen die Vorwürfe.", [], "de", is_holding=True),
    ]
    ranked = suggest.rank(candidates, text="Wann habt ihr am Samstag geöffnet?", tags=["öffnungszeiten"],
                          language="de")
    assert [c.id for _score, c in ranked][:2] == [1, 4]
    ranked = suggest.rank(candidates, text="Wie lange dauert die Lieferung nach Österreich?", language="de")
    assert ranked[0][1].id == 2
    assert [c.id for _s, c in suggest.rank(candidates, text="", query="allerg")] == [3]
    assert suggest.rank(candidates, text="Skandal!", crisis=True)[0][1].id == 5


@pytest.mark.parametrize("value", ["a\x00b", "a\u202eb", "x" * 101])
def test_clean_text_refuses_hostile_values(value):
    with pytest.raises(ValidationError):
        clean_text(value, "f", max_length=100)


def test_clean_text_lines_and_ids():
    assert clean_text("  Hallo\r\nWelt  ", "f", max_length=20) == "Hallo\nWelt"
    with pytest.raises(ValidationError):
        clean_text("   ", "f", max_length=10)
    with pytest.raises(ValidationError):
        clean_text("a\nb", "f", max_length=10, multiline=False)
    assert clean_lines("eins\n\n  zwei  drei \n", "f", max_items=3, max_length=20) == ["eins", "zwei drei"]
    with pytest.raises(ValidationError):
        clean_lines("1\n2\n3", "f", max_items=2, max_length=5)
    assert valid_id("42") == 42 and valid_id("9" * 30) is None and valid_id("-1") is None and valid_id("x") is None
