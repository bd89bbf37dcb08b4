"""The Meta webhook endpoint: the verification handshake and signed change notifications.

Payload content becomes interactions directly (no extra fetch), through the same
upsert as polling, so an item delivered by webhook and by a sync is stored once.
A repeated delivery of the same body is skipped by its digest (Meta retries).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from flask import Blueprint, abort, current_app, request

from agency import db
from agency.channels.connectors.meta_webhooks import parse_meta_webhook, verify_meta_signature
from agency.channels.models import Platform
from agency.channels.queries import channels_for_account
from agency.channels.services import request_sync
from agency.extensions import csrf, limiter
from agency.inbox.ingest import ingest_items
from agency.queue import get_redis

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
DELIVERY_TTL = 3 * 24 * 3600
MAX_BODY = 1024 * 1024


@bp.route("/meta", methods=["GET"])
@limiter.exempt
def meta_verify():
    """Meta's subscription handshake: echo hub.challenge when the verify token matches."""
    config = current_app.config["AGENCY"]
    token = request.args.get("hub.verify_token", "")
    if (request.args.get("hub.mode") != "subscribe" or not config.meta_verify_token
            or not hmac.compare_digest(token.encode(), config.meta_verify_token.encode())):
        abort(403)
    challenge = request.args.get("hub.challenge", "")
    if not challenge or len(challenge) > 200:
        abort(400)
    return current_app.response_class(challenge, mimetype="text/plain")


@bp.route("/meta", methods=["POST"])
@csrf.exempt
@limiter.exempt
def meta_receive():
    config = current_app.config["AGENCY"]
    body = request.get_data(cache=False)[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        abort(413)
    if not config.meta_app_secret or not verify_meta_signature(
            config.meta_app_secret, body, request.headers.get("X-Hub-Signature-256")):
        abort(403)
    try:
        payload = json.loads(body)
    except ValueError:
        abort(400)
    if not isinstance(payload, dict):
        abort(400)
    delivery_key = "agency:meta-delivery:" + hashlib.sha256(body).hexdigest()
    redis = get_redis()
    if redis.exists(delivery_key):
        return {"status": "duplicate"}
    stored = 0
    for account_id, item in parse_meta_webhook(payload):
        for channel in channels_for_account(_platforms_for(payload), account_id):
            with db.tenant(db.session(), channel.agency_id):
                if item.extra.get("needs_fetch"):
                    # Instagram mention notifications carry ids only: the sync fetches the full item now.
                    request_sync(None, channel)
                    continue
                stored += ingest_items(channel, [item]).inserted
    db.session.commit()
    redis.set(delivery_key, "1", ex=DELIVERY_TTL)  # only after the rows are committed
    return {"status": "ok", "stored": stored}


def _platforms_for(payload: dict) -> tuple[str, ...]:
    obj = payload.get("object")
    if obj == "page":
        return (Platform.FACEBOOK_PAGE,)
    if obj == "instagram":
        return (Platform.INSTAGRAM_BUSINESS,)
    log.info("ignoring Meta webhook for object %r", str(obj)[:40])
    return ()
