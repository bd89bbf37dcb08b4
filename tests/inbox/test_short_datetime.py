"""The list's short date-time formatter equals Babel's ``format_datetime(…, "short")`` in every language it
compiles for (and falls back to Babel's own formatting elsewhere)."""

from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_datetime
from flask_babel import force_locale

from agency.inbox.views import _compiled, _short_formatter

LOCALES = ["de", "en", "en_GB", "de_AT", "de_CH", "fr", "it", "es", "nl", "pl", "tr", "ja", "ar"]
MOMENTS = [datetime(2026, 1, 2, 0, 5, tzinfo=UTC) + timedelta(hours=h * 7, minutes=h * 13) for h in range(60)]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_fast_formatter_equals_babel(app, locale):
    with app.test_request_context("/"), force_locale(locale):
        short = _short_formatter()
        from flask_babel import get_timezone

        for moment in MOMENTS + [moment.replace(tzinfo=None) for moment in MOMENTS[:3]]:
            aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            assert short(moment) == format_datetime(aware, "short", tzinfo=get_timezone(), locale=locale), moment


def test_german_and_english_are_compiled_and_unknown_fields_are_not(app):
    from babel import Locale

    assert _compiled("dd.MM.yy", Locale.parse("de")) is not None
    assert _compiled("h:mm\u202fa", Locale.parse("en")) is not None
    assert _compiled("d MMM y", Locale.parse("en")) is None  # a month name: Babel formats it
    assert _compiled("dd.MM.yy", Locale.parse("de"))(datetime(2026, 3, 4)) == "04.03.26"
