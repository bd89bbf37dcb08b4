"""The sandbox plays the platforms' moderation endpoints with their published shapes and refusals."""

from __future__ import annotations

from tests.conftest import unique_account, unique_youtube_channel


def _graph(platform, account: dict, method: str, path: str, **kwargs):
    return platform.http.request(method, f"{platform.graph_base}/{path}", timeout=10,
                                 headers={"Authorization": f"Bearer {account['token']}"}, **kwargs)


def test_facebook_hide_delete_block_and_private_reply(platform):
    page = platform.add_account("facebook_page", unique_account(), name="Sandbox Page", history_days=1, per_day=2)
    fan = platform.fan(page["account_id"], "comment", "Schlechter Service!", author_id="955555555")
    assert _graph(platform, page, "POST", fan["id"], data={"is_hidden": "true"}).json() == {"success": True}
    assert _graph(platform, page, "GET", fan["id"]).json()["is_hidden"] is True
    assert _graph(platform, page, "POST", fan["id"], data={"is_hidden": "maybe"}).json()["error"]["code"] == 100
    like = _graph(platform, page, "POST", f"{fan['id']}/likes")
    assert like.json() == {"success": True}
    blocked = _graph(platform, page, "POST", f"{page['account_id']}/blocked", data={"user": "955555555"})
    assert blocked.json() == {"955555555": True}
    assert _graph(platform, page, "POST", f"{page['account_id']}/blocked", data={"user": "abc"}).status_code == 400
    first = _graph(platform, page, "POST", f"{page['account_id']}/messages",
                   json={"recipient": {"comment_id": fan["id"]}, "message": {"text": "Wir melden uns."}})
    assert first.json()["recipient_id"] == "955555555" and first.json()["message_id"]
    second = _graph(platform, page, "POST", f"{page['account_id']}/messages",
                    json={"recipient": {"comment_id": fan["id"]}, "message": {"text": "Noch einmal"}})
    assert second.json()["error"]["code"] == 10900
    assert _graph(platform, page, "DELETE", fan["id"]).json() == {"success": True}
    gone = _graph(platform, page, "DELETE", fan["id"]).json()["error"]
    assert (gone["code"], gone["error_subcode"]) == (100, 33)
    reply = _graph(platform, page, "POST", f"{platform.fan(page['account_id'], 'comment', 'Hallo')['id']}/comments",
                   data={"message": "Hallo zurück"}).json()
    own = _graph(platform, page, "POST", reply["id"], data={"is_hidden": "true"}).json()
    assert own["error"]["code"] == 100  # a Page cannot hide its own comment
    log = platform.admin("GET", "moderation", account_id=page["account_id"])["moderation"]
    assert [e["action"] for e in log] == ["hide", "like", "ban", "private_reply", "delete"]


def test_instagram_hide_and_youtube_moderation_status(platform):
    ig = platform.add_account("instagram_business", unique_account(), name="Sandbox IG", history_days=1, per_day=2)
    fan = platform.fan(ig["account_id"], "comment", "hässlich")
    assert _graph(platform, ig, "POST", fan["id"], data={"hide": "true"}).json() == {"success": True}
    assert _graph(platform, ig, "GET", fan["id"]).json()["hidden"] is True
    yt = platform.add_account("youtube_channel", unique_youtube_channel(), name="Sandbox YT", history_days=1,
                              per_day=2)
    comment = platform.fan(yt["account_id"], "comment", "Clickbait!")
    headers = {"Authorization": f"Bearer {yt['token']}"}
    url = f"{platform.youtube_base}/comments/setModerationStatus"
    bad = platform.http.post(url, params={"id": comment["id"], "moderationStatus": "gone"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["error"]["errors"][0]["reason"] == "invalidModerationStatus"
    held = platform.http.post(url, params={"id": comment["id"], "moderationStatus": "heldForReview"}, headers=headers)
    assert held.status_code == 204 and not held.content
    rejected = platform.http.post(url, params={"id": comment["id"], "moderationStatus": "rejected"}, headers=headers)
    assert rejected.status_code == 204
    listed = platform.http.get(f"{platform.youtube_base}/comments", params={"id": comment["id"], "part": "snippet"},
                               headers=headers).json()
    assert listed["items"] == []  # rejected comments are gone
