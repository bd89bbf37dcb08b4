"""Cross-tenant harness resolvers for the API and token routes (objects of agency A, workspace ws_a).

The API answers 401 to a session cookie (bearer tokens only), so the session-based harness skips its
routes; tests/api/test_crosstenant_api.py runs the same check for every API route with agency B's and an
unassigned colleague's tokens. The webhook settings pages (``/settings/webhooks/<webhook_id>``, its delivery's
``redeliver``) are session pages: the common harness checks them with the ``webhook_id`` and ``delivery_id``
resolvers below (a workspace webhook of ws_a, which an unassigned community manager may not manage).
"""

from agency import db
from agency.api import tokens
from agency.api.framework import OPERATIONS
from tests.api.conftest import make_interaction


def _interaction_of_a(world):
    item = getattr(world, "_api_interaction", None)
    if item is None:
        item = world._api_interaction = make_interaction(world.ws_a)
    return item.id


def _entry_of_a(world):
    from tests.timetracking.crosstenant import _entry_of_a as entry

    return entry(world)


def _token_of_a(world):
    token = getattr(world, "_api_token", None)
    if token is None:
        token, _secret = tokens.create_token(world.cm_a, name="harness", scopes=["interactions:read"],
                                             expires_in_days=30)
        world._api_token = token
    return token.id


def _webhook_of_a(world):
    from agency.api.models import WebhookSubscription

    sub = getattr(world, "_api_webhook", None)
    if sub is None:
        sub = WebhookSubscription(agency_id=world.agency_a.id, workspace_id=world.ws_a.id,
                                  url="https://hooks.example.com/agency", events=["reply.sent"], secret="whsec_test")
        db.session.add(sub)
        db.session.flush()
        world._api_webhook = sub
    return sub.id


def _delivery_of_a(world):
    from agency.api.models import WebhookDelivery

    delivery = getattr(world, "_api_delivery", None)
    if delivery is None:
        delivery = WebhookDelivery(agency_id=world.agency_a.id, subscription_id=_webhook_of_a(world),
                                   event_id="evt_harness", event_type="reply.sent", payload={"id": "evt_harness"},
                                   state="failed")
        db.session.add(delivery)
        db.session.flush()
        world._api_delivery = delivery
    return delivery.id


def _report_of_a(world):
    from tests.reports.crosstenant import published_report

    return published_report(world).id


RESOLVERS = {
    "interaction_id": _interaction_of_a,
    "report_id": _report_of_a,
    "entry_id": _entry_of_a,
    "token_id": _token_of_a,
    "webhook_id": _webhook_of_a,
    "delivery_id": _delivery_of_a,
}

EXEMPT = {op.endpoint: "bearer-token API: tests/api/test_crosstenant_api.py checks it with tokens"
          for op in OPERATIONS}
