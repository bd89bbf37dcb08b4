"""``url_pattern`` (a route's URL built once and filled per row) gives exactly what ``url_for`` gives."""

from flask import url_for

from agency.web import UrlPattern, url_pattern


def test_filled_patterns_equal_url_for(app):
    with app.test_request_context("/"):
        fixed = {"status": "open", "q": "Grüße & mehr?", "after": "2026-11-01T10:00:00|77"}
        pattern = url_pattern("inbox.thread", "workspace", "interaction_id", **fixed)
        assert pattern.parts is not None
        for slug, item in [("alpha", 1), ("beta-client-2", 9_223_372_036_854_775_807), ("a.b_c~d", 42)]:
            assert pattern(slug, item) == url_for("inbox.thread", workspace=slug, interaction_id=item, **fixed)


def test_values_the_router_would_escape_go_through_the_router(app):
    with app.test_request_context("/"):
        pattern = url_pattern("inbox.avatar", "workspace", "interaction_id")
        for slug in ["kunde ö", "a/b", "x?y", ""]:
            if slug:
                assert pattern(slug, 5) == url_for("inbox.avatar", workspace=slug, interaction_id=5)


def test_a_fixed_value_holding_the_marker_falls_back_to_url_for(app):
    with app.test_request_context("/"):
        fixed = {"q": str(UrlPattern._MARK)}
        pattern = url_pattern("inbox.thread", "workspace", "interaction_id", **fixed)
        assert pattern.parts is None
        assert pattern("alpha", 3) == url_for("inbox.thread", workspace="alpha", interaction_id=3, **fixed)
