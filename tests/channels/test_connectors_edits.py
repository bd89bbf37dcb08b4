"""Editing our own reply through each connector, against the sandbox over real HTTP: the platform changes the
text (the next read shows it), refuses a fan's comment as the platform does, and checks the text first. Also
Instagram's private reply to a comment (Instagram Messaging), offered like Facebook's."""

from __future__ import annotations

import pytest
import requests

from agency.channels.connectors import PlatformError, ReplyTarget, get_connector
from agency.channels.connectors.base import MODERATION_ACTIONS, AlreadyDone, ModerationTarget
from agency.channels.connectors.facebook_page import FacebookPageConnector
from agency.channels.connectors.google_business_profile import GoogleBusinessProfileConnector
from agency.channels.connectors.instagram_business import InstagramBusinessConnector
from agency.channels.connectors.youtube_channel import YouTubeChannelConnector


def _moderation_log(sandbox, account_id: str) -> list[dict]:
    return sandbox.admin("GET", "moderation", account_id=account_id)["moderation"]


def _counting(session: requests.Session) -> list[str]:
    """Record every request the connector sends (to prove a refusal happens before any HTTP call)."""
    sent: list[str] = []
    original = session.request

    def request(method, url, **kwargs):
        sent.append(f"{method} {url}")
        return original(method, url, **kwargs)

    session.request = request  # type: ignore[method-assign]
    return sent


def test_edit_is_offered_for_our_own_replies_only_where_the_platform_allows():
    assert "edit" in MODERATION_ACTIONS
    for connector in (FacebookPageConnector, YouTubeChannelConnector):
        assert "edit" in connector.moderation_actions("reply", True)
        assert "edit" not in connector.moderation_actions("comment", False)
    assert GoogleBusinessProfileConnector.moderation_actions("reply", True) == ("edit", "delete")
    assert GoogleBusinessProfileConnector.moderation_actions("review", False) == ()
    # Instagram's API cannot change a comment's text.
    assert "edit" not in InstagramBusinessConnector.moderation_actions("reply", True)
    assert "edit" not in FacebookPageConnector.moderation_actions("direct_message", True)


def test_facebook_edits_our_comment_and_the_page_cannot_edit_a_fans(sandbox, clock):
    sandbox.add_account("facebook_page", "5101", "Café Edit", token="fb-edit", history_days=1, per_day=2)
    connector = get_connector("facebook_page", sandbox.graph_base, "5101", "fb-edit", clock=clock, timeout=(2, 2))
    fan = sandbox.fan("5101", "comment", "Wann öffnet ihr?", author_id="955000001")
    sent = connector.reply(ReplyTarget("comment", fan["id"]), "Ab 8 Uhr!")
    ours = ModerationTarget(kind="reply", external_id=sent.external_id, parent_external_id=fan["id"], is_own=True)
    assert connector.moderate("edit", ours, "Ab 7 Uhr, Sonntag ab 9!") is None
    assert connector.fetch_item(sent.external_id).text == "Ab 7 Uhr, Sonntag ab 9!"
    # Editing is setting a text: the same call again changes nothing more.
    connector.moderate("edit", ours, "Ab 7 Uhr, Sonntag ab 9!")
    assert connector.fetch_item(sent.external_id).text == "Ab 7 Uhr, Sonntag ab 9!"
    assert [e["action"] for e in _moderation_log(sandbox, "5101")] == ["edit", "edit"]
    # A fan's comment: the platform refuses (Graph permissions error), the text stays.
    with pytest.raises(PlatformError, match="Permissions"):
        connector.moderate("edit", ModerationTarget(kind="reply", external_id=fan["id"], is_own=True), "gekapert")
    assert connector.fetch_item(fan["id"]).text == "Wann öffnet ihr?"
    # Not offered on a fan's comment at all: refused before any request.
    sent_requests = _counting(connector.session)
    with pytest.raises(PlatformError):
        connector.moderate("edit", ModerationTarget(kind="comment", external_id=fan["id"]), "x")
    with pytest.raises(PlatformError, match="empty"):
        connector.moderate("edit", ours, "   ")
    with pytest.raises(PlatformError, match="8000"):
        connector.moderate("edit", ours, "x" * 8001)
    assert sent_requests == []


def test_facebook_sandbox_answers_edits_with_graph_errors(sandbox):
    page = sandbox.add_account("facebook_page", "5102", "Café Raw", token="fb-raw", history_days=1, per_day=2)
    fan = sandbox.fan("5102", "comment", "Hallo")
    headers = {"Authorization": f"Bearer {page['token']}"}
    base = sandbox.graph_base
    reply = sandbox.http.post(f"{base}/{fan['id']}/comments", data={"message": "Hallo zurück"}, headers=headers).json()
    ok = sandbox.http.post(f"{base}/{reply['id']}", data={"message": "{Hallo} zurück!"}, headers=headers)
    assert ok.json() == {"success": True}
    assert sandbox.http.get(f"{base}/{reply['id']}", headers=headers).json()["message"] == "{Hallo} zurück!"
    for data, code in (({"message": "  "}, 100), ({"message": "x" * 8001}, 100)):
        error = sandbox.http.post(f"{base}/{reply['id']}", data=data, headers=headers).json()["error"]
        assert error["code"] == code and error["fbtrace_id"]
    refused = sandbox.http.post(f"{base}/{fan['id']}", data={"message": "fremd"}, headers=headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == 200
    assert sandbox.http.post(f"{base}/{reply['id']}", data={"message": "x"}).json()["error"]["code"] == 190
    ig = sandbox.add_account("instagram_business", "5103", "IG Raw", token="ig-raw", history_days=1, per_day=2)
    ig_fan = sandbox.fan("5103", "comment", "schön")
    unsupported = sandbox.http.post(f"{base}/{ig_fan['id']}", data={"message": "anders"},
                                    headers={"Authorization": f"Bearer {ig['token']}"}).json()
    assert unsupported["error"]["code"] == 100  # Instagram comments cannot be edited


def test_youtube_edits_our_reply_with_comments_update(sandbox, clock):
    channel = "UCedit0000000000000000001"
    created = sandbox.add_account("youtube_channel", channel, "Edit TV", token="yt-edit", history_days=1, per_day=2)
    connector = get_connector("youtube_channel", sandbox.youtube_base, channel, "yt-edit", clock=clock,
                              timeout=(2, 2))
    fan = sandbox.fan(channel, "comment", "Cooles Video")
    sent = connector.reply(ReplyTarget("comment", fan["id"]), "Danke!")
    ours = ModerationTarget(kind="reply", external_id=sent.external_id, parent_external_id=fan["id"], is_own=True)
    connector.moderate("edit", ours, "Danke dir!")
    assert connector.fetch_item(sent.external_id).text == "Danke dir!"
    assert [e["action"] for e in _moderation_log(sandbox, channel)] == ["edit"]
    with pytest.raises(PlatformError, match="insufficient permissions"):
        connector.moderate("edit", ModerationTarget(kind="reply", external_id=fan["id"], is_own=True), "fremd")
    assert connector.fetch_item(fan["id"]).text == "Cooles Video"
    with pytest.raises(PlatformError, match="10000"):
        connector.moderate("edit", ours, "x" * 10_001)
    headers = {"Authorization": f"Bearer {created['token']}"}
    url = f"{sandbox.youtube_base}/comments"
    empty = sandbox.http.put(url, params={"part": "snippet"}, headers=headers,
                             json={"id": sent.external_id, "snippet": {"textOriginal": " "}})
    assert empty.status_code == 400 and empty.json()["error"]["errors"][0]["reason"] == "invalidCommentMetadata"
    long = sandbox.http.put(url, params={"part": "snippet"}, headers=headers,
                            json={"id": sent.external_id, "snippet": {"textOriginal": "x" * 10_001}})
    assert long.json()["error"]["errors"][0]["reason"] == "commentTextTooLong"
    missing = sandbox.http.put(url, params={"part": "snippet"}, headers=headers,
                               json={"id": "nope", "snippet": {"textOriginal": "x"}})
    assert missing.status_code == 404 and missing.json()["error"]["errors"][0]["reason"] == "commentNotFound"
    answer = sandbox.http.put(url, params={"part": "snippet"}, headers=headers,
                              json={"id": sent.external_id, "snippet": {"textOriginal": "Merci!"}}).json()
    assert answer["kind"] == "youtube#comment" and answer["snippet"]["textOriginal"] == "Merci!"


def test_google_replaces_our_answer_and_never_brings_a_deleted_one_back(sandbox, clock, collect):
    from datetime import timedelta

    location = "accounts/51/locations/9"
    sandbox.add_account("google_business_profile", location, "Shop Edit", token="gbp-edit", history_days=3,
                        per_day=4)
    connector = get_connector("google_business_profile", sandbox.google_base, location, "gbp-edit", clock=clock,
                              timeout=(2, 2))
    _, items = collect(connector.iter_pages(None, clock() - timedelta(days=4)))
    review = next(i for i in items if i.kind == "review")
    sent = connector.reply(ReplyTarget("review", review.external_id, review.external_id), "Danke!")
    ours = ModerationTarget(kind="reply", external_id=sent.external_id, parent_external_id=review.external_id,
                            is_own=True)
    clock.advance(minutes=5)
    connector.moderate("edit", ours, "Herzlichen Dank für Ihren Besuch!")
    answer = connector.fetch_item(sent.external_id)
    assert answer.text == "Herzlichen Dank für Ihren Besuch!" and answer.created_at == clock()
    _, again = collect(connector.iter_pages(None, clock() - timedelta(days=4)))
    assert [i.text for i in again if i.is_own] == ["Herzlichen Dank für Ihren Besuch!"]  # still one answer
    assert [e["action"] for e in _moderation_log(sandbox, location)] == ["edit"]
    with pytest.raises(PlatformError, match="4096"):
        connector.moderate("edit", ours, "ü" * 2049)  # 4098 bytes
    connector.moderate("delete", ours)
    with pytest.raises(PlatformError, match="any more"):
        connector.moderate("edit", ours, "Wieder da?")
    assert connector.fetch_item(sent.external_id) is None


def test_instagram_answers_a_comment_privately_once(sandbox, clock):
    ig = sandbox.add_account("instagram_business", "5201", "IG Privat", token="ig-private", history_days=1, per_day=2)
    connector = get_connector("instagram_business", sandbox.graph_base, "5201", "ig-private", clock=clock,
                              timeout=(2, 2))
    assert "private_reply" in connector.moderation_actions("comment", False)
    assert "private_reply" not in connector.moderation_actions("reply", True)
    fan = sandbox.fan("5201", "comment", "Preis?", author_id="966000001")
    target = ModerationTarget(kind="comment", external_id=fan["id"], author_external_id="966000001")
    sent_requests = _counting(connector.session)
    with pytest.raises(PlatformError, match="1000 bytes"):
        connector.moderate("private_reply", target, "ü" * 501)  # 1002 bytes: refused before any request
    assert sent_requests == []
    message_id = connector.moderate("private_reply", target, "Wir schreiben Ihnen gleich.")
    assert message_id
    with pytest.raises(AlreadyDone):  # one private reply per comment
        connector.moderate("private_reply", target, "Noch etwas")
    log = _moderation_log(sandbox, "5201")
    assert [(e["action"], e["target"], e["message_id"]) for e in log] == [("private_reply", fan["id"], message_id)]
    raw = sandbox.http.post(f"{sandbox.graph_base}/5201/messages", headers={"Authorization": f"Bearer {ig['token']}"},
                            json={"recipient": {"comment_id": fan["id"]}, "message": {"text": "x" * 1001}}).json()
    assert raw["error"]["code"] == 100
