"""OAuth stand-ins: Meta's login dialog and token exchange, Google's consent screen and token endpoint.

The consent pages are one "Allow" button that redirects back with ``code`` and ``state``, as
the real dialogs do after a person agrees.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, jsonify, redirect, render_template_string, request

from agency.sandbox.common import state

bp = Blueprint("sandbox_oauth", __name__)

CONSENT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ provider }} sandbox login</title>
<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:4rem auto;text-align:center}
button{font-size:1.1rem;padding:.6rem 2rem}</style></head><body>
<h1>{{ provider }} (sandbox)</h1>
<p>The app <strong>{{ client_id }}</strong> asks for: {{ scope or "basic access" }}.</p>
<form method="post"><input type="hidden" name="redirect_uri" value="{{ redirect_uri }}">
<input type="hidden" name="state" value="{{ state_value }}">
<input type="hidden" name="client_id" value="{{ client_id }}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Cancel</button></form></body></html>"""


def _valid_redirect(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _consent(provider: str) -> Response | str:
    values = request.values
    redirect_uri = values.get("redirect_uri", "")
    if not _valid_redirect(redirect_uri) or not values.get("client_id"):
        return Response("redirect_uri and client_id are required", status=400, mimetype="text/plain")
    if request.method == "GET":
        return render_template_string(CONSENT, provider=provider, client_id=values["client_id"],
                                      scope=values.get("scope"), redirect_uri=redirect_uri,
                                      state_value=values.get("state", ""))
    sep = "&" if "?" in redirect_uri else "?"
    if values.get("decision") != "allow":
        query = {"error": "access_denied", "state": values.get("state", "")}
        return redirect(redirect_uri + sep + urlencode(query))  # type: ignore[return-value]
    code = secrets.token_urlsafe(16)
    state().codes[code] = {"provider": provider, "redirect_uri": redirect_uri, "client_id": values["client_id"]}
    return redirect(redirect_uri + sep + urlencode({"code": code, "state": values.get("state", "")}))  # type: ignore[return-value]


@bp.route("/facebook/v26.0/dialog/oauth", methods=["GET", "POST"])
def meta_dialog() -> Response | str:
    """Meta's login dialog."""
    return _consent("meta")


@bp.route("/google/o/oauth2/v2/auth", methods=["GET", "POST"])
def google_dialog() -> Response | str:
    """Google's consent screen."""
    return _consent("google")


#: ``expires_in`` of the tokens handed out; the APIs refuse a token once it has passed.
META_TOKEN_LIFETIME = 5183944
GOOGLE_TOKEN_LIFETIME = 3599


def _issue(provider: str) -> str:
    return state().issue_user_token(provider, META_TOKEN_LIFETIME if provider == "meta" else GOOGLE_TOKEN_LIFETIME)


@bp.get("/graph/v26.0/oauth/access_token")
def meta_token() -> Response:
    """Exchange a dialog code for a user access token."""
    entry = state().codes.pop(request.args.get("code", ""), None)
    if not entry or entry["provider"] != "meta" or entry["redirect_uri"] != request.args.get("redirect_uri"):
        response = jsonify({"error": {"message": "Invalid verification code format.", "type": "OAuthException",
                                      "code": 100, "error_subcode": 36007, "fbtrace_id": "sandbox"}})
        response.status_code = 400
        return response
    return jsonify({"access_token": _issue("meta"), "token_type": "bearer", "expires_in": META_TOKEN_LIFETIME})


@bp.post("/google/token")
def google_token() -> Response:
    """Google's token endpoint: authorization_code and refresh_token grants."""
    st = state()
    grant = request.form.get("grant_type")
    if grant == "authorization_code":
        entry = st.codes.pop(request.form.get("code", ""), None)
        if not entry or entry["provider"] != "google" or entry["redirect_uri"] != request.form.get("redirect_uri"):
            return _google_grant_error()
        refresh = f"rt-{secrets.token_urlsafe(16)}"
        st.codes[refresh] = {"provider": "google-refresh"}
        return jsonify({"access_token": _issue("google"), "expires_in": GOOGLE_TOKEN_LIFETIME, "refresh_token": refresh,
                        "scope": "https://www.googleapis.com/auth/business.manage", "token_type": "Bearer"})
    if grant == "refresh_token":
        entry = st.codes.get(request.form.get("refresh_token", ""))
        if not entry or entry["provider"] != "google-refresh":
            return _google_grant_error()
        return jsonify({"access_token": _issue("google"), "expires_in": GOOGLE_TOKEN_LIFETIME,
                        "token_type": "Bearer"})
    return _google_grant_error("unsupported_grant_type")


def _google_grant_error(error: str = "invalid_grant") -> Response:
    response = jsonify({"error": error, "error_description": "Bad Request"})
    response.status_code = 400
    return response
