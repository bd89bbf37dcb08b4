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


@bp.get("/moderation")
def list_moderation() -> Response:
    """Moderation calls received through the APIs and the resulting state, optionally for one account."""
    account_id = request.args.get("account_id")
    st = state()
    rows = [r for r in st.moderation_log if not account_id or r["account_id"] == account_id]
    states = {k: v for k, v in st.moderation.items() if not account_id or k == account_id}
    return jsonify({"moderation": rows, "state": states})


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


#: What a shitstorm says (German and English), on top of the ordinary complaints.
STORM_TEXTS = {
    "de": ["Nie wieder kaufe ich bei euch!", "Skandal, wie ihr mit euren Kunden umgeht.", "Boykott! Teilt das!",
           "Was für eine Frechheit. Ich bin fassungslos.", "Absolute Abzocke, schämt euch."],
    "en": ["Never buying from you again!", "Boycott this brand, share it!", "What a scandal, shame on you.",
           "Disgusting. Unfollowed."],
}


def inject_storm(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Post ``count`` comments over ``minutes`` from ``start`` (unix time, default now): "negative" is a
    shitstorm, "mixed" ordinary fans (a post's wave with ``wave`` set: most of it in the first hour).
    Comments timed in the future appear as the clock reaches them. Raises ValueError on bad input."""
    import math
    import random

    from agency.sandbox import content

    st = state()
    count, minutes = int(body.get("count", 80)), float(body.get("minutes", 60))
    if not 1 <= count <= 5000 or not 1 <= minutes <= 7 * 24 * 60:
        raise ValueError("count must be 1..5000 and minutes 1..10080")
    mood = body.get("mood", "negative")
    if mood not in ("negative", "mixed"):
        raise ValueError("mood must be negative or mixed")
    if "comment" not in FAN_KINDS[account.platform]:
        raise ValueError(f"{account.platform} has no comments")
    start = float(body["start"]) if body.get("start") not in (None, "") else st.now()
    rng = random.Random(str(body.get("seed", f"{account.account_id}-{start}-{count}")))
    wave = str(body.get("wave", "")).lower() in ("1", "true", "yes")
    times = []
    for _ in range(count):
        if wave:  # exponential decay: about 63 % in the first hour
            offset = min(-math.log(1 - rng.random() * (1 - math.exp(-minutes / 60))) * 60, minutes)
        else:
            offset = rng.random() * minutes
        times.append(start + offset * 60)
    with st.lock:
        for ts in sorted(times):
            lang = "de" if rng.random() < 0.6 else "en"
            if mood == "negative":
                text = rng.choice(STORM_TEXTS[lang] + content.TEXTS[lang]["complaint"])
            else:
                text, lang, _category = content.fan_text(rng)
            st.counter += 1
            index = rng.randrange(100_000)
            author = f"UCfan9{st.counter:05d}" if account.platform == "youtube_channel" else str(800_000_000 + index)
            st.add_record(account, kind="comment", text=text, author_id=author, author_name=content.person(index),
                          container=day_of(ts), ts=ts, updated_ts=ts, lang=lang)
    return {"account_id": account.account_id, "posted": count, "first": min(times), "last": max(times)}


@bp.post("/storm")
def storm() -> Response:
    """Inject a shitstorm (or a wave of ordinary comments): {account_id, count, minutes, mood?, start?, wave?}."""
    body = _body()
    account = _account(body.get("account_id"))
    if account is None:
        return bad("unknown account_id", 404)
    try:
        result = inject_storm(account, body)
    except (ValueError, TypeError) as exc:
        if request.is_json:
            return bad(str(exc))
        return redirect(url_for(".fan_page", error=str(exc)))  # type: ignore[return-value]
    if request.is_json:
        return jsonify(result), 201  # type: ignore[return-value]
    return redirect(url_for(".fan_page", posted=f"{result['posted']} storm comments"))  # type: ignore[return-value]


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
<h2>Inject a shitstorm</h2>
<form method="post" action="{{ url_for('.storm') }}">
<label>Account <select name="account_id">{% for a in accounts %}
<option value="{{ a.account_id }}">{{ a.name }} ({{ a.platform }})</option>{% endfor %}</select></label>
<label>Negative comments <input name="count" type="number" value="80" min="1" max="5000"></label>
<label>Over minutes <input name="minutes" type="number" value="20" min="1" max="10080"></label>
<button type="submit">Start the storm</button></form>
<h2>Moderation received</h2>
{% if moderation %}<table><tr><th>Account</th><th>Action</th><th>Item or person</th><th>Text</th></tr>
{% for m in moderation %}<tr><td>{{ m.account_id }}</td><td>{{ m.action }}</td><td>{{ m.target }}</td>
<td>{{ m.text or "" }}</td></tr>{% endfor %}</table>{% else %}<p>None yet.</p>{% endif %}
</body></html>"""


@bp.get("/")
@bp.get("/fan")
def fan_page() -> str:
    """The little HTML page where a person posts as a fan."""
    return render_template_string(PAGE, accounts=list(state().accounts.values()), platforms=PLATFORMS,
                                  posted=request.args.get("posted"), error=request.args.get("error"),
                                  moderation=list(reversed(state().moderation_log[-30:])))
