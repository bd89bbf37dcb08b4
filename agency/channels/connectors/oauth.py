"""OAuth redirect flows for connecting channels: authorize URLs, code exchange, account lists.

Plain functions, every base URL a parameter (so the sandbox can stand in). References:
Meta — developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow and
/docs/graph-api/reference/user/accounts; Google — developers.google.com/identity/protocols/
oauth2/web-server, Business Profile account/location APIs, YouTube channels.list(mine=true).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import requests

from agency.channels.connectors.base import AuthExpired, PlatformError, TransientError, join_path, shared_session

META_DIALOG = "https://www.facebook.com/v26.0/dialog/oauth"
META_GRAPH = "https://graph.facebook.com/v26.0"
GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
GBP_ACCOUNTS_BASE = "https://mybusinessaccountmanagement.googleapis.com"
GBP_INFO_BASE = "https://mybusinessbusinessinformation.googleapis.com"
YOUTUBE_BASE = "https://www.googleapis.com/youtube/v3"
META_SCOPES = ("pages_show_list", "pages_read_engagement", "pages_manage_engagement", "pages_messaging",
               "pages_read_user_content", "instagram_basic", "instagram_manage_comments")
GOOGLE_SCOPES = ("https://www.googleapis.com/auth/business.manage",
                 "https://www.googleapis.com/auth/youtube.force-ssl")
TIMEOUT = (5, 30)
MAX_PAGES = 50


def meta_authorize_url(client_id: str, redirect_uri: str, state: str, *, dialog_base: str = META_DIALOG,
                       scopes: tuple[str, ...] = META_SCOPES) -> str:
    """Where to send the person to grant us access to their Pages."""
    query = {"client_id": client_id, "redirect_uri": redirect_uri, "state": state,
             "scope": ",".join(scopes), "response_type": "code"}
    return f"{dialog_base}?{urlencode(query)}"


def google_authorize_url(client_id: str, redirect_uri: str, state: str, *, authorize_base: str = GOOGLE_AUTHORIZE,
                         scopes: tuple[str, ...] = GOOGLE_SCOPES) -> str:
    """Google's consent screen, asking for offline access (a refresh token)."""
    query = {"client_id": client_id, "redirect_uri": redirect_uri, "state": state, "response_type": "code",
             "scope": " ".join(scopes), "access_type": "offline", "prompt": "consent",
             "include_granted_scopes": "true"}
    return f"{authorize_base}?{urlencode(query)}"


def _checked(response: requests.Response, label: str) -> dict[str, Any]:
    if response.status_code >= 500:
        raise TransientError(f"{label} had a temporary problem ({response.status_code}).")
    try:
        body = response.json()
    except ValueError as exc:
        raise PlatformError(f"{label} sent an unreadable answer.") from exc
    if response.status_code == 401:
        raise AuthExpired(f"{label} no longer accepts the access token.")
    if response.status_code >= 400 or (isinstance(body, dict) and "error" in body):
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        raise PlatformError(f"{label} refused the request: {message or response.status_code}")
    return body


def _request(method: str, url: str, label: str, session: requests.Session | None, **kwargs: Any) -> dict[str, Any]:
    try:
        response = (session or shared_session()).request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise TransientError(f"Could not reach {label}.") from exc
    return _checked(response, label)


def meta_exchange_code(code: str, client_id: str, client_secret: str, redirect_uri: str, *,
                       graph_base: str = META_GRAPH, session: requests.Session | None = None) -> dict[str, Any]:
    """Exchange the dialog's code for a user access token ({access_token, token_type, expires_in})."""
    return _request("GET", f"{graph_base}/oauth/access_token", "Facebook", session, params={
        "client_id": client_id, "client_secret": client_secret, "redirect_uri": redirect_uri, "code": code})


def meta_list_pages(user_token: str, *, graph_base: str = META_GRAPH,
                    session: requests.Session | None = None) -> list[dict[str, Any]]:
    """Pages the person manages: id, name, Page access_token and the linked Instagram account."""
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"fields": "id,name,access_token,instagram_business_account{id,username}",
                              "limit": 100}
    for _page in range(MAX_PAGES):
        # Paging by the ``after`` cursor, never by following ``paging.next``: the user token only
        # ever goes to the configured Graph base.
        body = _request("GET", f"{graph_base}/me/accounts", "Facebook", session, params=params,
                        headers={"Authorization": f"Bearer {user_token}"})
        for row in body.get("data") or []:
            pages.append({"id": str(row["id"]), "name": row.get("name", ""), "access_token": row.get("access_token"),
                          "instagram_business_account": row.get("instagram_business_account")})
        paging = body.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            break
        params = {**params, "after": after}
    return pages


def google_exchange_code(code: str, client_id: str, client_secret: str, redirect_uri: str, *,
                         token_url: str = GOOGLE_TOKEN, session: requests.Session | None = None) -> dict[str, Any]:
    """Exchange the consent code for {access_token, expires_in, refresh_token, scope, token_type}."""
    return _request("POST", token_url, "Google", session, data={
        "grant_type": "authorization_code", "code": code, "client_id": client_id,
        "client_secret": client_secret, "redirect_uri": redirect_uri})


def google_refresh_token(refresh_token: str, client_id: str, client_secret: str, *, token_url: str = GOOGLE_TOKEN,
                         session: requests.Session | None = None) -> dict[str, Any]:
    """A fresh access token from a refresh token."""
    return _request("POST", token_url, "Google", session, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id,
        "client_secret": client_secret})


def google_list_locations(access_token: str, *, accounts_base: str = GBP_ACCOUNTS_BASE,
                          info_base: str = GBP_INFO_BASE,
                          session: requests.Session | None = None) -> list[dict[str, Any]]:
    """Business Profile locations: [{account_id: "accounts/a/locations/l", name}]."""
    headers = {"Authorization": f"Bearer {access_token}"}
    found: list[dict[str, Any]] = []
    accounts = _request("GET", f"{accounts_base}/v1/accounts", "Google", session, headers=headers)
    for account in accounts.get("accounts") or []:
        account_number = _resource_number(account.get("name"), "accounts")
        if account_number is None:
            continue
        body = _request("GET", f"{info_base}/v1/{join_path('accounts', account_number, 'locations')}", "Google",
                        session, headers=headers, params={"readMask": "name,title", "pageSize": 100})
        for location in body.get("locations") or []:
            location_number = _resource_number(location.get("name"), "locations")
            if location_number is not None:
                found.append({"account_id": f"accounts/{account_number}/locations/{location_number}",
                              "name": location.get("title") or location_number})
    return found


def _resource_number(name: object, collection: str) -> str | None:
    """``N`` of a resource name ``{collection}/N``; None for anything else."""
    match = re.fullmatch(rf"{collection}/([0-9]{{1,32}})", str(name or ""))
    return match.group(1) if match else None


def youtube_list_channels(access_token: str, *, youtube_base: str = YOUTUBE_BASE,
                          session: requests.Session | None = None) -> list[dict[str, Any]]:
    """Channels the token manages: [{account_id, name}]."""
    body = _request("GET", f"{youtube_base}/channels", "YouTube", session,
                    params={"part": "snippet", "mine": "true"}, headers={"Authorization": f"Bearer {access_token}"})
    return [{"account_id": row["id"], "name": (row.get("snippet") or {}).get("title", row["id"])}
            for row in body.get("items") or []]
