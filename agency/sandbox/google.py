"""Google Business Profile stand-in: v4 reviews (list, get, reply) and v1 account/location lists.

Shapes follow developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews
and Google's error shape ``{"error": {"code", "message", "status"}}``.
"""

from __future__ import annotations

import bisect
import heapq
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from agency.sandbox.avatars import avatar_url
from agency.sandbox.common import (
    bearer_token,
    decode_cursor,
    encode_cursor,
    entry_id,
    gone,
    int_arg,
    materialise,
    rfc3339,
    state,
)
from agency.sandbox.state import Account, Item, SandboxState

bp = Blueprint("sandbox_google", __name__)
STARS = {1: "ONE", 2: "TWO", 3: "THREE", 4: "FOUR", 5: "FIVE"}
GBP = "google_business_profile"


def google_error(code: int, message: str, status: str, reason: str | None = None,
                 headers: dict[str, str] | None = None) -> Response:
    """A Google API error response (with ``errors[].reason`` for YouTube-style errors)."""
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if reason:
        error["errors"] = [{"message": message, "domain": "youtube.quota" if reason == "quotaExceeded"
                            else "global", "reason": reason}]
    response = jsonify({"error": error})
    response.status_code = code
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def google_fault(fault: dict[str, Any] | None, youtube: bool = False) -> Response | None:
    """Render an injected fault the way Google would, or sleep for "slow"."""
    if not fault:
        return None
    kind = fault["kind"]
    if kind == "rate_limit":
        retry = {"Retry-After": str(int(fault["seconds"]))}
        if youtube:
            reason = fault.get("reason", "rateLimitExceeded")
            message = ("The request cannot be completed because you have exceeded your quota."
                       if reason == "quotaExceeded" else "The request rate is too high.")
            return google_error(403, message, "PERMISSION_DENIED", reason, headers=retry)
        return google_error(429, "Quota exceeded for quota metric 'Requests' of service "
                                 "'mybusiness.googleapis.com'.", "RESOURCE_EXHAUSTED", headers=retry)
    if kind == "expired_token":
        return google_error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED",
                            "authError" if youtube else None)
    if kind == "server_error":
        return google_error(500, "Internal error encountered.", "INTERNAL", "backendError" if youtube else None)
    if kind == "bad_request":
        return google_error(400, "Request contains an invalid argument.", "INVALID_ARGUMENT",
                            "invalidParameter" if youtube else None)
    if kind == "slow":
        time.sleep(fault["seconds"])
    return None


def unauthenticated(platform: str) -> Response:
    """Google's answer to a token it does not accept (unknown, revoked or past its ``expires_in``)."""
    return google_error(401, "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                             "login cookie or other valid authentication credential.", "UNAUTHENTICATED",
                        "authError" if platform != GBP else None)


def permission_denied(platform: str) -> Response:
    """Google's answer to a valid token that does not grant the resource."""
    return google_error(403, "The caller does not have permission", "PERMISSION_DENIED",
                        "forbidden" if platform != GBP else None)


def authorise(platform: str, account_id: str | None) -> Account | Response:
    """The account a Google request acts on, checked against the bearer token.

    A person's token (OAuth) manages every account of the sandbox; an account's own token only
    that account: naming another one is answered 403 PERMISSION_DENIED, as Google does.
    """
    st = state()
    token = bearer_token()
    account = st.by_token(token)
    user = st.user_token(token) == "google"
    if account is None and not user:
        return unauthenticated(platform)
    if user and account_id is None:  # a person's token names no account: nothing of theirs matches
        return google_error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
    if account_id is not None:
        target = st.accounts.get(account_id)
        if user:
            if target is None or target.platform != platform:
                return google_error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
            return target
        if account is not None and account.account_id != account_id:
            return permission_denied(platform)
    if account is None or account.platform != platform:
        return unauthenticated(platform)
    return account


@bp.before_request
def _faults() -> Response | None:
    if request.path.endswith("/token"):
        return None
    token_account = state().by_token(bearer_token())
    path_account = _path_account()
    account_id = path_account or (token_account.account_id if token_account else None)
    g.fault = state().take_fault(account_id, request.method != "GET")
    return google_fault(g.fault)


@bp.after_request
def _after(response: Response) -> Response:
    fault = getattr(g, "fault", None)
    if fault and fault["kind"] == "timeout_after_write" and response.status_code < 400:
        time.sleep(fault["seconds"])
    return response


def _path_account() -> str | None:
    view_args = request.view_args or {}
    if "a" in view_args and "loc" in view_args:
        return f"accounts/{view_args['a']}/locations/{view_args['loc']}"
    return None


# ------------------------------------------------------------------ reviews


def _reply_records(st: SandboxState, account: Account, review_id: str, now: float) -> list[dict[str, Any]]:
    return [r for r in st.records(account) if r.get("parent_id") == review_id and r["ts"] <= now
            and not gone(st, account, r, now)]


def review_json(account: Account, item: Item, now: float) -> dict[str, Any]:
    """A Review resource."""
    st = state()
    row: dict[str, Any] = {
        "name": f"{account.account_id}/reviews/{item.id}", "reviewId": item.id,
        "reviewer": {"displayName": item.author_name, "isAnonymous": False,
                     "profilePhotoUrl": avatar_url(item.author_id)},
        "starRating": STARS.get(item.rating or 5, "FIVE"), "createTime": rfc3339(item.ts),
        "updateTime": rfc3339(item.updated_ts),
    }
    if item.text:
        row["comment"] = item.text
    replies = _reply_records(st, account, item.id, now)
    if replies:
        latest = st.dynamic_item(account, replies[-1], now)  # an edit (updateReply again) applied
        row["reviewReply"] = {"comment": latest.text, "updateTime": rfc3339(latest.updated_ts)}
    return row


_EDIT_INDEX: dict[tuple[int, str], dict[str, Any]] = {}


def _edited_reviews(st: SandboxState, account: Account, now: float) -> list[tuple[float, int]]:
    """(edit time, slot) of every generated review with an edit, scanned once and extended."""
    key = (id(st), account.account_id)
    index = _EDIT_INDEX.setdefault(key, {"upto": st.timeline(account).first_slot - 1, "edits": []})
    timeline = st.timeline(account)
    last = timeline.slot_at(now)
    if last > index["upto"]:
        for slot in range(index["upto"] + 1, last + 1):
            sk = timeline.skeleton(slot)
            if sk is not None and sk.kind == "review" and sk.edit_ts is not None:
                index["edits"].append((sk.edit_ts, slot))
        index["edits"].sort()
        index["upto"] = last
    return index["edits"]


def reviews_by_update(account: Account, after: tuple | None, now: float) -> Iterator[tuple[tuple, Any]]:
    """Reviews newest ``updateTime`` first, lazily; edited ones move up the list.

    Three sorted streams are merged: never-edited generated reviews (a plain scan back in time),
    generated reviews whose edit is visible (from a sorted index of edit times), and stored or
    overridden reviews.
    """
    st = state()
    overridden = st.overrides.get(account.account_id, {})
    stored: list[tuple[tuple, Any]] = []
    for record in st.records(account):
        if record["kind"] == "review" and record["ts"] <= now and not gone(st, account, record, now):
            stored.append(((st.dynamic_item(account, record, now).updated_ts, record["id"]), record))
    for item_id in overridden:
        item = st.lookup(account, item_id, now)
        if item is not None and item.kind == "review" and not item.deleted and item_id.isdigit():
            stored.append(((item.updated_ts, item_id), st.timeline(account).skeleton(int(item_id))))
    stored.sort(key=lambda e: e[0], reverse=True)
    start = after[0] if after else now

    def plain() -> Iterator[tuple[tuple, Any]]:
        for sk in st.timeline(account).descending(("review",), start, now):
            ident = entry_id(sk)
            edited = sk.edit_ts is not None and sk.edit_ts <= now
            if not edited and ident not in overridden and not gone(st, account, sk, now):
                yield (sk.ts, ident), sk

    def edited() -> Iterator[tuple[tuple, Any]]:
        edits = _edited_reviews(st, account, now)
        upto = bisect.bisect_right(edits, (min(start, now), float("inf")))
        timeline = st.timeline(account)
        for edit_ts, slot in reversed(edits[:upto]):
            ident = str(slot)
            sk = timeline.skeleton(slot)
            if sk is not None and ident not in overridden and not gone(st, account, sk, now):
                yield (edit_ts, ident), sk

    merged = heapq.merge(plain(), edited(), stored, key=lambda e: e[0], reverse=True)
    for key, entry in merged:
        if after is None or key < after:
            yield key, entry


def _stats(account: Account, now: float) -> tuple[float, int]:
    st = state()
    total = count = 0
    for sk in st.timeline(account).all_of(("review",), now):
        if not gone(st, account, sk, now):
            count += 1
            total += st.timeline(account).words(sk).rating or 0
    for record in st.records(account):
        if record["kind"] == "review" and record["ts"] <= now and not gone(st, account, record, now):
            count += 1
            total += record.get("rating") or 0
    return (round(total / count, 1) if count else 0.0), count


@bp.get("/v4/accounts/<a>/locations/<loc>/reviews")
def list_reviews(a: str, loc: str) -> Response:
    """accounts.locations.reviews.list (orderBy "updateTime desc"; pageSize up to 50)."""
    account = authorise(GBP, f"accounts/{a}/locations/{loc}")
    if isinstance(account, Response):
        return account
    st = state()
    now = st.now()
    size = int_arg("pageSize", 50, 50)
    after = decode_cursor(request.args.get("pageToken"))
    page: list[tuple[tuple, Any]] = []
    for entry in reviews_by_update(account, after, now):
        page.append(entry)
        if len(page) > size:
            break
    more = len(page) > size
    page = page[:size]
    average, count = _stats(account, now) if after is None else (None, None)
    body: dict[str, Any] = {"reviews": [review_json(account, materialise(st, account, e, now), now)
                                        for _k, e in page]}
    if average is not None:
        body.update(averageRating=average, totalReviewCount=count)
    if more and page:
        body["nextPageToken"] = encode_cursor(page[-1][0])
    return jsonify(body)


def _review(account: Account, review_id: str) -> Item | None:
    item = state().lookup(account, review_id)
    return item if item is not None and item.kind == "review" and not item.deleted else None


@bp.get("/v4/accounts/<a>/locations/<loc>/reviews/<review_id>")
def get_review(a: str, loc: str, review_id: str) -> Response:
    """accounts.locations.reviews.get."""
    account = authorise(GBP, f"accounts/{a}/locations/{loc}")
    if isinstance(account, Response):
        return account
    item = _review(account, review_id)
    if item is None:
        return google_error(404, "Requested entity was not found.", "NOT_FOUND")
    return jsonify(review_json(account, item, state().now()))


@bp.put("/v4/accounts/<a>/locations/<loc>/reviews/<review_id>/reply")
def update_reply(a: str, loc: str, review_id: str) -> Response:
    """accounts.locations.reviews.updateReply: create or replace the owner's answer."""
    account = authorise(GBP, f"accounts/{a}/locations/{loc}")
    if isinstance(account, Response):
        return account
    item = _review(account, review_id)
    if item is None:
        return google_error(404, "Requested entity was not found.", "NOT_FOUND")
    text = ((request.get_json(silent=True) or {}).get("comment") or "").strip()
    if not text or len(text.encode()) > 4096:
        return google_error(400, "Request contains an invalid argument.", "INVALID_ARGUMENT")
    st = state()
    existing = _reply_records(st, account, review_id, st.now())
    if existing:
        # Replacing the answer there is: its text changes, the update time moves (the answer stays one).
        st.set_override(account, existing[-1]["id"], text=text)
        st.log_reply(account, id=existing[-1]["id"], kind="reply", text=text, target=review_id)
        st.log_moderation(account, "edit", f"{review_id}/reply", text=text)
        return jsonify({"comment": text, "updateTime": rfc3339(st.dynamic_item(account, existing[-1]).updated_ts)})
    record = st.add_record(account, kind="reply", text=text, own=True, parent_id=review_id,
                           author_id=account.account_id, author_name=account.name)
    st.log_reply(account, id=record["id"], kind="reply", text=text, target=review_id)
    return jsonify({"comment": text, "updateTime": rfc3339(record["ts"])})


@bp.delete("/v4/accounts/<a>/locations/<loc>/reviews/<review_id>/reply")
def delete_reply(a: str, loc: str, review_id: str) -> Response:
    """accounts.locations.reviews.deleteReply."""
    account = authorise(GBP, f"accounts/{a}/locations/{loc}")
    if isinstance(account, Response):
        return account
    st = state()
    for record in _reply_records(st, account, review_id, st.now()):
        st.set_override(account, record["id"], deleted=True)
    st.log_moderation(account, "delete", f"{review_id}/reply")
    return jsonify({})


# ------------------------------------------------------------------ account management


def _gbp_accounts() -> list[Account]:
    return [a for a in state().accounts.values() if a.platform == GBP]


@bp.get("/v1/accounts")
def list_accounts() -> Response:
    """Account Management API accounts.list: the accounts the token's person may manage."""
    account = authorise(GBP, None) if state().user_token(bearer_token()) != "google" else None
    if isinstance(account, Response):
        return account
    visible = [account] if account else _gbp_accounts()
    names = sorted({a.account_id.split("/locations/")[0] for a in visible})
    return jsonify({"accounts": [{"name": n, "accountName": n, "type": "LOCATION_GROUP"} for n in names]})


@bp.get("/v1/accounts/<a>/locations")
def list_locations(a: str) -> Response:
    """Business Information API accounts.locations.list (name, title); 403 for another's account."""
    st = state()
    user = st.user_token(bearer_token()) == "google"
    token_account = st.by_token(bearer_token())
    if not user and (token_account is None or token_account.platform != GBP):
        return unauthenticated(GBP)
    if not user and not token_account.account_id.startswith(f"accounts/{a}/"):
        return permission_denied(GBP)
    rows = [{"name": "locations/" + x.account_id.split("/locations/")[1], "title": x.name}
            for x in _gbp_accounts() if x.account_id.startswith(f"accounts/{a}/")
            and (user or x is token_account)]
    return jsonify({"locations": rows})
