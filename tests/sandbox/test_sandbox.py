"""The sandbox itself: deterministic traffic, admin API, HTML page, OAuth, bulk speed, webhooks."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from agency.channels.connectors import oauth
from agency.channels.connectors.meta_webhooks import parse_meta_webhook, verify_meta_signature
from agency.sandbox import create_sandbox_app
from agency.sandbox.testing import running_sandbox

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def feed_ids(client, token="sandbox-facebook-1001"):
    body = client.get("/graph/v26.0/1001/conversations?limit=50", headers={"Authorization": f"Bearer {token}"})
    return [row["id"] for row in body.get_json()["data"]]


def test_same_seed_same_traffic_other_seed_other_traffic():
    first = create_sandbox_app(seed=7, now=lambda: NOW).test_client()
    second = create_sandbox_app(seed=7, now=lambda: NOW).test_client()
    other = create_sandbox_app(seed=8, now=lambda: NOW).test_client()
    assert feed_ids(first) == feed_ids(second)
    assert feed_ids(first) != feed_ids(other)


def test_new_items_appear_as_time_passes():
    clock = Clock()
    client = create_sandbox_app(now=clock).test_client()
    before = feed_ids(client)
    clock.now += timedelta(hours=12)
    after = feed_ids(client)
    assert set(before[:10]) <= set(after)
    assert len(set(after) - set(before)) >= 1


def test_state_file_keeps_accounts_and_posts(tmp_path):
    path = str(tmp_path / "sandbox.json")
    client = create_sandbox_app(now=lambda: NOW, state_file=path).test_client()
    created = client.post("/_sandbox/accounts", json={"platform": "youtube_channel", "account_id": "UCx",
                                                       "name": "X", "token": "tok"})
    assert created.status_code == 201
    client.post("/_sandbox/fan", json={"account_id": "UCx", "kind": "comment", "text": "hello"})
    again = create_sandbox_app(now=lambda: NOW, state_file=path).test_client()
    accounts = {a["account_id"] for a in again.get("/_sandbox/accounts").get_json()["accounts"]}
    assert "UCx" in accounts
    threads = again.get("/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId=UCx",
                        headers={"Authorization": "Bearer tok"}).get_json()["items"]
    assert "hello" in [t["snippet"]["topLevelComment"]["snippet"]["textOriginal"] for t in threads]


def test_admin_validation_and_errors():
    client = create_sandbox_app(now=lambda: NOW).test_client()
    bad = client.post("/_sandbox/accounts", json={"platform": "myspace", "account_id": "1", "name": "x"})
    assert bad.status_code == 400 and "platform" in bad.get_json()["error"]["message"]
    assert client.post("/_sandbox/faults", json={"kind": "meteor"}).status_code == 400
    assert client.post("/_sandbox/fan", json={"account_id": "nope", "kind": "comment"}).status_code == 404
    wrong = client.post("/_sandbox/fan", json={"account_id": "1001", "kind": "review", "text": "x"})
    assert wrong.status_code == 400
    fault = client.post("/_sandbox/faults", json={"kind": "server_error", "account_id": "1001", "count": 2})
    assert fault.status_code == 201 and len(client.get("/_sandbox/faults").get_json()["faults"]) == 1
    client.delete("/_sandbox/faults")
    assert client.get("/_sandbox/faults").get_json()["faults"] == []


def test_graph_errors_have_the_real_shape():
    client = create_sandbox_app(now=lambda: NOW).test_client()
    body = client.get("/graph/v26.0/1001/feed", headers={"Authorization": "Bearer nope"}).get_json()
    assert body["error"]["code"] == 190 and {"message", "type", "fbtrace_id"} <= set(body["error"])
    missing = client.get("/graph/v26.0/999999999", headers={"Authorization": "Bearer sandbox-facebook-1001"})
    assert missing.get_json()["error"]["error_subcode"] == 33
    google = client.get("/google/v4/accounts/2001/locations/3001/reviews", headers={"Authorization": "Bearer x"})
    assert google.status_code == 401 and google.get_json()["error"]["status"] == "UNAUTHENTICATED"


def test_rate_limit_fault_sends_usage_headers():
    client = create_sandbox_app(now=lambda: NOW).test_client()
    client.post("/_sandbox/faults", json={"kind": "rate_limit", "account_id": "1001", "seconds": 300})
    response = client.get("/graph/v26.0/1001/feed", headers={"Authorization": "Bearer sandbox-facebook-1001"})
    assert response.get_json()["error"]["code"] == 32
    usage = json.loads(response.headers["X-Business-Use-Case-Usage"])["1001"][0]
    assert usage["call_count"] >= 90 and usage["estimated_time_to_regain_access"] == 5
    assert json.loads(response.headers["X-App-Usage"])["call_count"] >= 90


def test_fan_page_escapes_everything():
    client = create_sandbox_app(now=lambda: NOW).test_client()
    client.post("/_sandbox/accounts", json={"platform": "facebook_page", "account_id": "66",
                                            "name": "<script>alert(1)</script>"})
    html = client.get("/_sandbox/fan").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    posted = client.post("/_sandbox/fan", data={"account_id": "66", "kind": "comment", "text": "Hallo 👋",
                                                "author_name": "<b>Eve</b>"})
    assert posted.status_code == 302 and "posted=" in posted.headers["Location"]


def test_bulk_account_pages():
    client = create_sandbox_app(now=lambda: NOW, default_accounts=False).test_client()
    created = client.post("/_sandbox/bulk", json={"platform": "facebook_page", "account_id": "big",
                                                  "items": 100_000, "days": 30, "token": "big"})
    assert created.status_code == 201
    auth = {"Authorization": "Bearer big"}
    posts = client.get("/graph/v26.0/big/feed?limit=5", headers=auth).get_json()["data"]
    url = f"/graph/v26.0/{posts[2]['id']}/comments?filter=stream&limit=100"
    seen = 0
    for _ in range(5):
        body = client.get(url, headers=auth).get_json()
        seen += len(body["data"])
        url = "/graph/v26.0/" + posts[2]["id"] + "/comments?filter=stream&limit=100&after=" + \
            body["paging"]["cursors"]["after"]
    convs = client.get("/graph/v26.0/big/conversations?limit=100", headers=auth).get_json()["data"]
    assert seen == 500 and len(convs) == 100


def test_oauth_flows_end_to_end():
    with running_sandbox(now=lambda: NOW) as sb:
        url = oauth.meta_authorize_url("app-1", "http://localhost/cb", "xyz",
                                       dialog_base=f"{sb.url}/facebook/v26.0/dialog/oauth")
        page = requests.get(url, timeout=5)
        assert page.status_code == 200 and "Allow" in page.text
        allowed = requests.post(url, data={"decision": "allow", "client_id": "app-1",
                                           "redirect_uri": "http://localhost/cb", "state": "xyz"},
                                allow_redirects=False, timeout=5)
        location = allowed.headers["Location"]
        assert location.startswith("http://localhost/cb?code=") and "state=xyz" in location
        code = location.split("code=")[1].split("&")[0]
        token = oauth.meta_exchange_code(code, "app-1", "secret", "http://localhost/cb", graph_base=sb.graph_base)
        pages = oauth.meta_list_pages(token["access_token"], graph_base=sb.graph_base)
        assert [(p["id"], p["access_token"]) for p in pages] == [("1001", "sandbox-facebook-1001")]
        assert pages[0]["instagram_business_account"]["id"] == "17841400000001"
        with pytest.raises(oauth.PlatformError):
            oauth.meta_exchange_code(code, "app-1", "secret", "http://localhost/cb", graph_base=sb.graph_base)

        gurl = oauth.google_authorize_url("g-1", "http://localhost/gcb", "s2",
                                          authorize_base=f"{sb.google_base}/o/oauth2/v2/auth")
        allowed = requests.post(gurl, data={"decision": "allow"}, allow_redirects=False, timeout=5)
        code = allowed.headers["Location"].split("code=")[1].split("&")[0]
        tokens = oauth.google_exchange_code(code, "g-1", "s", "http://localhost/gcb",
                                            token_url=f"{sb.google_base}/token")
        assert tokens["refresh_token"]
        refreshed = oauth.google_refresh_token(tokens["refresh_token"], "g-1", "s", token_url=f"{sb.google_base}/token")
        locations = oauth.google_list_locations(refreshed["access_token"], accounts_base=sb.google_base,
                                                info_base=sb.google_base)
        assert locations == [{"account_id": "accounts/2001/locations/3001",
                              "name": "Bäckerei Sonnenschein Berlin-Mitte"}]
        channels = oauth.youtube_list_channels(tokens["access_token"], youtube_base=sb.youtube_base)
        assert channels == [{"account_id": "UCsandbox0000000000000001", "name": "Sonnenschein TV"}]


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((body, self.headers["X-Hub-Signature-256"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        return None


def test_fan_posts_send_signed_webhooks():
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        hook = f"http://127.0.0.1:{server.server_port}/webhooks/meta"
        with running_sandbox(now=lambda: NOW, webhook_url=hook, app_secret="s3") as sb:
            record = sb.fan("1001", "comment", "Wann öffnet ihr?", author_name="Jo")
            sb.fan("1001", "dm", "Hallo!")
        assert len(_Receiver.received) == 2
        body, signature = _Receiver.received[0]
        assert verify_meta_signature("s3", body, signature)
        [(account, item)] = parse_meta_webhook(json.loads(body))
        assert (account, item.external_id, item.text) == ("1001", record["id"], "Wann öffnet ihr?")
        [(_, dm)] = parse_meta_webhook(json.loads(_Receiver.received[1][0]))
        assert dm.kind == "direct_message" and dm.text == "Hallo!"
    finally:
        server.shutdown()
        server.server_close()


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_reach_only_their_own_accounts_with_the_platforms_errors():
    """A valid token of one account is refused for another, in the shape each platform uses."""
    client = create_sandbox_app(now=lambda: NOW).test_client()
    for spec in ({"platform": "facebook_page", "account_id": "2002", "name": "Other Page", "token": "page-2002"},
                 {"platform": "google_business_profile", "account_id": "accounts/2009/locations/3009",
                  "name": "Other Location", "token": "loc-3009"},
                 {"platform": "youtube_channel", "account_id": "UCother0000000000000009", "name": "Other TV",
                  "token": "yt-9"}):
        client.post("/_sandbox/accounts", json=spec)
    # Graph: another Page's objects "do not exist, cannot be loaded due to missing permissions".
    feed = client.get("/graph/v26.0/1001/feed", headers=_bearer("page-2002")).get_json()
    assert feed["error"]["code"] == 100 and feed["error"]["error_subcode"] == 33
    assert client.get("/graph/v26.0/me", headers=_bearer("page-2002")).get_json()["id"] == "2002"
    # Google: 403 PERMISSION_DENIED for another location's reviews and locations list.
    reviews = client.get("/google/v4/accounts/2001/locations/3001/reviews", headers=_bearer("loc-3009"))
    assert reviews.status_code == 403 and reviews.get_json()["error"]["status"] == "PERMISSION_DENIED"
    locations = client.get("/google/v1/accounts/2001/locations", headers=_bearer("loc-3009"))
    assert locations.status_code == 403
    accounts = client.get("/google/v1/accounts", headers=_bearer("loc-3009")).get_json()["accounts"]
    assert [a["name"] for a in accounts] == ["accounts/2009"]
    # YouTube: channels.list(mine=true) names only the token's channel; another channel's threads are refused.
    mine = client.get("/youtube/v3/channels?part=id&mine=true", headers=_bearer("yt-9")).get_json()["items"]
    assert [c["id"] for c in mine] == ["UCother0000000000000009"]
    threads = client.get("/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId="
                         "UCsandbox0000000000000001", headers=_bearer("yt-9"))
    assert threads.status_code == 403 and threads.get_json()["error"]["errors"][0]["reason"] == "forbidden"
    # A Page token reaches the Instagram account linked to its Page, and no other.
    linked = client.get("/graph/v26.0/17841400000001?fields=id,username", headers=_bearer("sandbox-facebook-1001"))
    assert linked.get_json()["id"] == "17841400000001"
    other = client.get("/graph/v26.0/17841400000001?fields=id,username", headers=_bearer("page-2002"))
    assert other.get_json()["error"]["error_subcode"] == 33


def test_oauth_tokens_stop_working_after_expires_in():
    clock = Clock()
    client = create_sandbox_app(now=clock).test_client()
    grant = client.post("/google/o/oauth2/v2/auth", data={"redirect_uri": "http://app.test/cb", "client_id": "c",
                                                         "state": "s", "decision": "allow"})
    code = grant.headers["Location"].split("code=")[1].split("&")[0]
    tokens = client.post("/google/token", data={"grant_type": "authorization_code", "code": code,
                                                "redirect_uri": "http://app.test/cb"}).get_json()
    path = "/google/v4/accounts/2001/locations/3001/reviews"
    assert client.get(path, headers=_bearer(tokens["access_token"])).status_code == 200
    clock.now += timedelta(seconds=tokens["expires_in"] + 1)
    expired = client.get(path, headers=_bearer(tokens["access_token"]))
    assert expired.status_code == 401 and expired.get_json()["error"]["status"] == "UNAUTHENTICATED"
    renewed = client.post("/google/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": tokens["refresh_token"]}).get_json()
    assert client.get(path, headers=_bearer(renewed["access_token"])).status_code == 200


def test_the_sandbox_serves_its_pictures_as_a_cdn_would():
    from agency.inbox.media import image_type
    from agency.sandbox.app import create_sandbox_app

    client = create_sandbox_app().test_client()
    for path in ("/_media/photos/media_20400.png", "/_media/avatars/fan-1.png"):
        response = client.get(path)
        assert response.status_code == 200 and image_type(response.data) == "image/png", path
        assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert client.get("/_media/photos/" + "x" * 121 + ".png").status_code == 404
