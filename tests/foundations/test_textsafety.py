"""agency.textsafety: what PostgreSQL rejects is gone, bidi formatting cannot spill over, RTL text stays."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from agency.textsafety import balance_bidi, clean_json, clean_optional, clean_text

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
BIDI = LRE + RLE + PDF + LRO + RLO + LRI + RLI + FSI + PDI


def _balanced(text: str) -> bool:
    """Nothing open at the end: every embedding closed by a PDF (or by the PDI of an isolate around it,
    as in the Unicode bidi algorithm), every isolate by a PDI, and no closer without its opener."""
    stack = []
    for char in text:
        if char in (LRE, RLE):
            stack.append("e")
        elif char in (LRI, RLI, FSI):
            stack.append("i")
        elif char == PDF:
            if not stack or stack.pop() != "e":
                return False
        elif char == PDI:
            if "i" not in stack:
                return False
            while stack.pop() != "i":
                pass
    return not stack


def test_nul_and_controls_are_removed_tabs_and_newlines_stay():
    assert clean_text("Hal\x00lo\x07 Welt\x1b[31m") == "Hallo Welt[31m"
    assert clean_text("Zeile 1\nZeile 2\r\n\tEnde") == "Zeile 1\nZeile 2\r\n\tEnde"
    assert clean_text("\x85C1\x9f") == "C1"


def test_lone_surrogates_become_replacement_characters_and_split_pairs_are_joined():
    assert clean_text("kaputt \ud83d") == "kaputt \ufffd"
    assert clean_text("\udc00 vorne") == "\ufffd vorne"
    assert clean_text("heil \ud83d\ude00") == "heil 😀"
    clean_text("x\ud800y").encode("utf-8")  # encodable: PostgreSQL accepts it


def test_overrides_are_removed_with_their_pdf():
    spoof = f"Rechnung_{RLO}fdp.exe{PDF} öffnen"
    assert clean_text(spoof) == "Rechnung_fdp.exe öffnen"


def test_unpaired_closers_are_dropped_and_open_embeddings_closed():
    assert clean_text(f"a{PDF}b{PDI}c") == "abc"
    assert clean_text(f"{RLE}שלום") == f"{RLE}שלום{PDF}"
    assert clean_text(f"{RLI}مرحبا") == f"{RLI}مرحبا{PDI}"
    # A PDI closes the embeddings opened inside its isolate; a PDF cannot close an isolate.
    assert clean_text(f"{LRI}x{RLE}y{PDI}z") == f"{LRI}x{RLE}y{PDI}z"
    assert clean_text(f"{LRI}x{PDF}y") == f"{LRI}xy{PDI}"


def test_legitimate_right_to_left_text_is_unchanged():
    for text in ("مرحبا، كيف حالك؟", "שלום עולם! 123", "Danke – شكرا – תודה", "\u200fمرحبا\u200e ok"):
        assert clean_text(text) == text
    paired = f"Name: {RLI}محمد{PDI} schreibt"
    assert clean_text(paired) == paired


def test_max_length_is_kept_even_when_closers_are_needed():
    text = RLI + "a" * 10
    assert clean_text(text, 11) == "a" * 10  # no room for the PDI: the opener goes instead
    assert clean_text(text, 12) == text + PDI
    assert len(clean_text("x" * 50, 20)) == 20


def test_non_strings():
    assert clean_text(None) == "" and clean_text({"a": 1}) == "" and clean_text(["x"]) == ""
    assert clean_text(True) == "" and clean_text(42) == "42"
    assert clean_optional("\x00") is None and clean_optional("ok") == "ok"


def test_json_keys_and_values_are_cleaned():
    dirty = {"ver\x00b": ["a\x00", {"k\ud800": "v\u202e!"}, 1, 2.5, None, True], "deep": {"x": ("t\x00",)}}
    assert clean_json(dirty) == {"verb": ["a", {"k\ufffd": "v!"}, 1, 2.5, None, True], "deep": {"x": ["t"]}}
    nested: dict = {}
    node = nested
    for _ in range(100):
        node["n"] = {}
        node = node["n"]
    json.dumps(clean_json(nested))  # cut off, not a RecursionError


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from([*list(BIDI), "a", "ب", " ", "\x00", "�", "�", "😀"]),
               max_size=40),
       st.one_of(st.none(), st.integers(min_value=0, max_value=45)))
def test_any_text_comes_out_storable_and_balanced(text, max_length):
    cleaned = clean_text(text, max_length)
    cleaned.encode("utf-8")
    assert "\x00" not in cleaned and LRO not in cleaned and RLO not in cleaned
    assert _balanced(cleaned)
    if max_length is not None:
        assert len(cleaned) <= max_length
    assert clean_text(cleaned, max_length) == cleaned  # idempotent
    assert balance_bidi(cleaned) == cleaned
