"""German and English: every visible string is translatable, and the German catalogue is complete."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [("agency/**.py", "python"), ("templates/**.html", "jinja2")]


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(kind: str):
    path = ROOT / "translations" / "de" / "LC_MESSAGES" / f"messages.{kind}"
    with path.open("rb") as fh:
        return read_po(fh, locale="de") if kind == "po" else read_mo(fh)


def _pending() -> set[str]:
    """Messages translated in translations/pending/*.po: new strings of a branch, merged into the catalogue later."""
    found = set()
    for path in sorted((ROOT / "translations" / "pending").glob("*.po")):
        with path.open("rb") as fh:
            found |= {m.id for m in read_po(fh, locale="de") if m.id and m.string and not m.fuzzy}
    return found


def test_every_source_string_has_a_german_translation():
    po = _catalog("po")
    pending = _pending()
    missing = sorted(m for m in _source_messages() if not (po.get(m) and po.get(m).string) and m not in pending)
    assert not missing, f"{len(missing)} strings lack German: {missing[:20]}"
    fuzzy = sorted(m.id for m in po if m.id and m.fuzzy)
    assert not fuzzy, f"fuzzy translations: {fuzzy[:10]}"


def test_compiled_catalogue_is_current():
    po, mo = _catalog("po"), _catalog("mo")
    for message in po:
        if message.id and message.string:
            assert mo.get(message.id) is not None and mo.get(message.id).string == message.string, message.id


def test_pages_follow_browser_language_and_user_preference(client, world):
    german = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Anmelden" in german and 'lang="de"' in german
    assert "Log in" in english and 'lang="en"' in english
    from agency import db
    from agency.accounts.models import User
    from tests.conftest import login

    # Requests end the session, so objects loaded before them are detached: load afresh.
    db.session.get(User, world.owner_a.id).locale = "de"
    login(client, world.owner_a)
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Arbeitsbereiche" in page  # the user's preference wins over the browser
