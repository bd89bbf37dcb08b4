"""The sandbox's own control surface under /_sandbox: accounts, faults, fan posts, inspection."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template_string, request, url_for

from agency.sandbox.common import day_of, state
from agency.sandbox.state import PLATFORMS, Account
from agency.sandbox.webhooks import deliver_webhook

bp = Blueprint("sandbox_admin", __name__)
FAULT_KINDS = ("rate_limit", "expired_token", "server_error", "slow", "timeout_after_write", "bad_request")
FAN_KINDS = {
    "facebook_page": ("comment", "reply", "dm", "rating"),
    "instagram_business": ("comment", "reply", "mention"),
    "google_business_profile": ("review",),
    "youtube_channel": ("comment", "reply"),
}


def bad(message: str, status: int = 400) -> Response:
    """A JSON error in the project's shape."""
    response = jsonify({"error": {"code": "invalid", "message": message}})
    response.status_code = status
    return response


def _body() -> dict[str, Any]:
    return request.get_json(silent=True) or request.form.to_dict()


def _account(account_id: str | None) -> Account | None:
    return state().accounts.get(account_id or "")


@bp.get("/accounts")
def list_accounts() -> Response:
    """Every sandbox account, tokens included (this is a local test double)."""
    return jsonify({"accounts": [a.public() for a in state().accounts.values()]})


@bp.post("/accounts")
def create_account() -> Response:
    """Create an account: {platform, account_id, name, token?, history_days?, per_day?}."""
    body = _body()
    try:
        account = state().add_account(
            body.get("platform", ""), str(body.get("account_id", "")), body.get("name", ""), body.get("token"),
            float(body.get("history_days", 30)), float(body.get("per_day", 20)), body.get("username", ""),
            body.get("page_id"),
        )
    except (ValueError, TypeError) as exc:
        return bad(str(exc))
    return jsonify(account.public()), 201  # type: ignore[return-value]


@bp.post("/bulk")
def bulk_account() -> Response:
    """An account with ``items`` generated items spread over ``days`` (for benchmarks)."""
    body = _body()
    try:
        items, days = int(body.get("items", 100_000)), float(body.get("days", 30))
        account = state().add_account(body.get("platform", "facebook_page"), str(body.get("account_id", "bulk")),
                                      body.get("name", "Bulk account"), body.get("token"), days, items / days)
    except (ValueError, TypeError, ZeroDivisionError) as exc:
        return bad(str(exc))
    return jsonify(account.public()), 201  # type: ignore[return-value]


@bp.get("/faults")
def list_faults() -> Response:
    """Faults still pending."""
    return jsonify({"faults": [f for f in state().faults if f["remaining"] > 0]})


@bp.post("/faults")
def add_fault() -> Response:
    """Inject a fault: {account_id|"*", kind, count, seconds, code?, soft?}."""
    body = _body()
    kind = body.get("kind")
    if kind not in FAULT_KINDS:
        return bad(f"kind must be one of {', '.join(FAULT_KINDS)}")
    options = {k: body[k] for k in ("code", "soft", "reason") if k in body}
    try:
        fault = state().add_fault(str(body.get("account_id", "*")), kind, int(body.get("count", 1)),
                                  float(body.get("seconds", 60)), **options)
    except (TypeError, ValueError) as exc:
        return bad(str(exc))
    return jsonify(fault), 201  # type: ignore[return-value]


@bp.delete("/faults")
def clear_faults() -> Response:
    """Remove every pending fault."""
    state().faults.clear()
    return jsonify({"faults": []})


@bp.get("/replies")
def list_replies() -> Response:
    """Replies received through the APIs, optionally for one account."""
    account_id = request.args.get("account_id")
    rows = [r for r in state().replies if not account_id or r["account_id"] == account_id]
    return jsonify({"replies": rows})


@bp.post("/items/edit")
def edit_item() -> Response:
    """Change an item's text from now on: {account_id, id, text}."""
    body = _body()
    account = _account(body.get("account_id"))
    if account is None or not body.get("text"):
        return bad("account_id, id and text are required")
    if state().lookup(account, str(body.get("id"))) is None:
        return bad("no such item", 404)
    state().set_override(account, str(body["id"]), text=body["text"])
    return jsonify({"id": body["id"], "edited": True})


@bp.post("/items/delete")
def delete_item() -> Response:
    """Delete an item from now on: {account_id, id}."""
    body = _body()
    account = _account(body.get("account_id"))
    if account is None or state().lookup(account, str(body.get("id"))) is None:
        return bad("no such item", 404)
    state().set_override(account, str(body["id"]), deleted=True)
    return jsonify({"id": body["id"], "deleted": True})


def post_as_fan(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Store what a fan posts; returns the record. Raises ValueError on bad input."""
    st = state()
    kind = body.get("kind", "comment")
    text = (body.get("text") or "").strip()
    if kind not in FAN_KINDS[account.platform]:
        raise ValueError(f"{account.platform} takes {', '.join(FAN_KINDS[account.platform])}")
    if not text and kind not in ("rating", "review"):
        raise ValueError("text is required")
    name = (body.get("author_name") or "Sandbox Fan").strip()[:80]
    st.counter += 1
    author_id = body.get("author_id") or (f"UCfan9{st.counter:05d}" if account.platform == "youtube_channel"
                                          else str(900_000_000 + st.counter))
    fields: dict[str, Any] = {"kind": kind, "text": text, "author_id": str(author_id), "author_name": name}
    if kind == "comment":
        container = body.get("container_day")
        fields["container"] = int(container) if container not in (None, "") else day_of(st.now())
    elif kind == "reply":
        parent = st.lookup(account, str(body.get("parent_id", "")))
        if parent is None or parent.container is None:
            raise ValueError("parent_id must name a visible comment")
        fields.update(container=parent.container, parent_id=parent.parent_id or parent.id)
    elif kind == "dm":
        fields["conversation_id"] = body.get("conversation_id") or st.new_conversation_id()
    elif kind in ("review", "rating"):
        try:
            stars = int(body.get("rating", 5))
        except (TypeError, ValueError) as exc:
            raise ValueError("rating must be 1..5") from exc
        if not 1 <= stars <= 5:
            raise ValueError("rating must be 1..5")
        if kind == "review":
            fields["rating"] = stars
        else:
            fields["extra"] = {"recommendation_type": "positive" if stars >= 3 else "negative"}
    record = st.add_record(account, **fields)
    url = current_app.config.get("SANDBOX_WEBHOOK_URL")
    secret = current_app.config.get("SANDBOX_APP_SECRET")
    if url and secret and account.platform in ("facebook_page", "instagram_business"):
        deliver_webhook(url, secret, account, st.dynamic_item(account, record))
    return record


@bp.post("/fan")
def fan_post() -> Response:
    """Post as a fan: {account_id, kind, text, author_name?, rating?, parent_id?, conversation_id?}."""
    body = _body()
    account = _account(body.get("account_id"))
    if account is None:
        return bad("unknown account_id", 404)
    try:
        record = post_as_fan(account, body)
    except ValueError as exc:
        if request.is_json:
            return bad(str(exc))
        return redirect(url_for(".fan_page", error=str(exc)))  # type: ignore[return-value]
    if request.is_json:
        return jsonify(record), 201  # type: ignore[return-value]
    return redirect(url_for(".fan_page", posted=record["id"]))  # type: ignore[return-value]


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}
label{display:block;margin:.5rem 0}textarea{width:100%;min-height:5rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
.ok{color:#060}.err{color:#a00}</style></head><body>
<h1>Platform sandbox</h1>
<p>A local stand-in for Facebook, Instagram, Google Business Profile and YouTube.</p>
{% if posted %}<p class="ok">Posted (id {{ posted }}).</p>{% endif %}
{% if error %}<p class="err">{{ error }}</p>{% endif %}
<h2>Accounts</h2>
<table><tr><th>platform</th><th>account id</th><th>name</th><th>items/day</th></tr>
{% for a in accounts %}<tr><td>{{ a.platform }}</td><td>{{ a.account_id }}</td><td>{{ a.name }}</td>
<td>{{ a.per_day }}</td></tr>{% endfor %}</table>
<h2>Post as a fan</h2>
<form method="post" action="{{ url_for('.fan_post') }}">
<label>Account <select name="account_id">{% for a in accounts %}
<option value="{{ a.account_id }}">{{ a.name }} ({{ a.platform }})</option>{% endfor %}</select></label>
<label>What <select name="kind"><option value="comment">comment</option><option value="reply">reply</option>
<option value="dm">direct message (Facebook)</option><option value="review">review (Google)</option>
<option value="rating">recommendation (Facebook)</option><option value="mention">mention (Instagram)</option>
</select></label>
<label>Your name <input name="author_name" value="Sandbox Fan" maxlength="80"></label>
<label>Text <textarea name="text"></textarea></label>
<label>Stars (reviews) <select name="rating">{% for s in [5,4,3,2,1] %}<option>{{ s }}</option>{% endfor %}
</select></label>
<label>Reply to comment id (replies) <input name="parent_id"></label>
<label>Conversation id (optional, DMs) <input name="conversation_id"></label>
<button type="submit">Post</button></form>
</body></html>"""


@bp.get("/")
@bp.get("/fan")
def fan_page() -> str:
    """The little HTML page where a person posts as a fan."""
    return render_template_string(PAGE, accounts=list(state().accounts.values()), platforms=PLATFORMS,
                                  posted=request.args.get("posted"), error=request.args.get("error"))
