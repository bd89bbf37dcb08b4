"""Bearer authentication, scopes and rate limits of ``/api/v1``.

A request's user is the token's user: the same permissions and tenant scoping as the UI (the session is
scoped to the token's agency, so row-level security applies). Session cookies never authenticate the API
(it is exempt from CSRF, so a cookie must not be enough).
"""

from __future__ import annotations

import time

from flask import current_app, g, request, session

from agency import db, queue
from agency.api import tokens
from agency.api.framework import ApiError

#: Endpoints of the blueprint that need no token (the document and its reference page).
PUBLIC_ENDPOINTS = {"api.openapi_json", "api.reference"}
DEFAULT_LIMIT = 600  # requests per token per window
WINDOW_SECONDS = 60


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="agency"'})


def authenticate_request(endpoint: str | None, _values) -> None:
    """The blueprint's URL value preprocessor: runs before every view and before the app's 2FA check."""
    session.modified = False
    if endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorized("Send a personal access token: Authorization: Bearer <token>.")
    found = tokens.authenticate(secret.strip(), request.remote_addr or "")
    if found is None:
        raise _unauthorized("The token is unknown, revoked or expired.")
    token, user = found
    if user.agency.require_2fa and not user.has_2fa:
        raise ApiError(403, "two_factor_required", "Your agency requires two-factor authentication: set it up "
                       "in your profile before using the API.")
    g._login_user = user  # Flask-Login's current_user for this request; no session is touched
    g.api_token = token
    g.pop("visible_workspace_ids", None)
    db.set_tenant(db.session(), user.agency_id)
    g.agency = user.agency
    _count_request(token.id)


def _count_request(token_id: int) -> None:
    limit = int(current_app.config.get("API_RATE_LIMIT", DEFAULT_LIMIT))
    now = int(time.time())
    window = now - now % WINDOW_SECONDS
    key = f"agency-api:rate:{token_id}:{window}"
    pipe = queue.get_redis().pipeline()
    pipe.incr(key)
    pipe.expire(key, WINDOW_SECONDS + 5)
    used = int(pipe.execute()[0])
    reset = window + WINDOW_SECONDS - now
    g.api_rate = {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(max(0, limit - used)),
                  "RateLimit-Reset": str(reset), "RateLimit-Policy": f"{limit};w={WINDOW_SECONDS}"}
    if used > limit:
        raise ApiError(429, "rate_limited", f"At most {limit} requests per {WINDOW_SECONDS} seconds per token.",
                       headers={**g.api_rate, "Retry-After": str(reset)})


def require_scope(area: str, access: str) -> None:
    """Refuse (403) unless the request's token grants ``access`` to ``area``."""
    token = g.get("api_token")
    if token is None:
        raise _unauthorized("Send a personal access token: Authorization: Bearer <token>.")
    if not tokens.allows(token, area, access):
        raise ApiError(403, "insufficient_scope", f"The token lacks the scope {area}:{access}.")


def finish_response(response):
    """Rate-limit headers on every answer; ETags (and 304 for a matching If-None-Match) on reads."""
    response.headers.update(g.get("api_rate") or {})
    if request.method == "GET" and response.status_code == 200 and not response.direct_passthrough \
            and request.endpoint not in PUBLIC_ENDPOINTS:
        response.add_etag()
        response.headers["Cache-Control"] = "private, no-cache"
        response.make_conditional(request)
    return response
