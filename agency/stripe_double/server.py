"""The Stripe double's state and HTTP server (``agency stripe-double``)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

#: The tax id types the double knows, with the shape Stripe checks (a few of its ~100 types).
TAX_ID_TYPES = {"eu_vat": re.compile(r"(?:[A-Z]{2}|EL)[0-9A-Z+*]{2,12}"), "gb_vat": re.compile(r"GB[0-9]{9,12}"),
                "ch_vat": re.compile(r"CHE-?[0-9]{3}\.?[0-9]{3}\.?[0-9]{3} ?(?:MWST|TVA|IVA)")}
OBJECTS = json.loads((Path(__file__).parent / "objects.json").read_text(encoding="utf-8"))
_SEARCH = re.compile(r"^\s*metadata\['([A-Za-z0-9_\-]+)'\]\s*:\s*'([^']*)'\s*$")


class StripeError(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": type_, "message": message, "code": code,
                                                    "param": param}}


def decode_form(body: str) -> dict:
    """Stripe's form encoding: ``a[b][c]=1``, ``list[]=x``, ``list[0]=x`` → nested dicts and lists."""
    result: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        names = [p for p in re.split(r"\[|\]", key) if p != ""]
        if key.endswith("[]"):
            names.append("")
        target = result
        for index, name in enumerate(names):
            last = index == len(names) - 1
            if last:
                if name == "":
                    raise StripeError(400, "invalid_request_error", f"Invalid array parameter {key}")
                target[name] = value
            else:
                target = target.setdefault(name, {})
    return _lists(result)


def _lists(value):
    if isinstance(value, dict):
        if value and all(k.isdigit() for k in value):
            return [_lists(value[k]) for k in sorted(value, key=int)]
        return {k: _lists(v) for k, v in value.items()}
    return value


def _as_int(params: dict, name: str, default: int | None = None) -> int | None:
    if name not in params:
        return default
    try:
        return int(params[name])
    except (TypeError, ValueError):
        raise StripeError(400, "invalid_request_error", f"Invalid integer: {params[name]}", param=name) from None


def _bool(value) -> bool:
    return str(value).lower() == "true"


class StripeDouble:
    """In-memory Stripe: customers, invoices and invoice items, idempotency, events and their delivery."""

    def __init__(self, *, api_key_prefix: str = "sk_test_", webhook_url: str | None = None,
                 webhook_secret: str | None = None, public_base: str = "http://127.0.0.1"):
        self.lock = threading.RLock()
        self.api_key_prefix = api_key_prefix
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.public_base = public_base
        self.customers: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.items: dict[str, dict] = {}
        self.idempotency: dict[str, tuple[str, int, dict]] = {}
        self.events: list[dict] = []  # every event, in order of creation
        self.outbox: list[dict] = []  # events not yet delivered (held while ``hold_events``)
        self.requests: list[tuple[str, str]] = []  # (method, path) of each API request
        self.faults: list[dict] = []  # {"method", "path" (regex), "mode": "drop_after"|"error_before"}
        self.duplicate_events = False
        self.hold_events = False
        self.deliveries: list[tuple[str, int]] = []

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _id(prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(12)}"

    def reset(self) -> None:
        with self.lock:
            self.__init__(api_key_prefix=self.api_key_prefix, webhook_url=self.webhook_url,
                          webhook_secret=self.webhook_secret, public_base=self.public_base)

    def count(self, method: str, pattern: str) -> int:
        return sum(1 for m, p in self.requests if m == method and re.fullmatch(pattern, p))

    def _event(self, type_: str, obj: dict) -> None:
        event = copy.deepcopy(OBJECTS["event"])
        event.update(id=self._id("evt"), type=type_, created=int(time.time()), api_version="2025-01-27.acacia",
                     data={"object": copy.deepcopy(obj)}, request={"id": self._id("req"), "idempotency_key": None})
        self.events.append(event)
        self.outbox.append(event)
        if not self.hold_events:
            self.deliver()

    def sign(self, payload: bytes, *, timestamp: int | None = None) -> str:
        stamp = int(time.time()) if timestamp is None else timestamp
        digest = hmac.new((self.webhook_secret or "").encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
        return f"t={stamp},v1={digest.hexdigest()}"

    def take_outbox(self, *, reverse: bool = False) -> list[tuple[bytes, str]]:
        """The pending events as (payload, Stripe-Signature) pairs, emptied; duplicates and order as configured."""
        with self.lock:
            events, self.outbox = list(self.outbox), []
        if reverse:
            events.reverse()
        signed = []
        for event in events:
            payload = json.dumps(event).encode()
            signed.append((payload, self.sign(payload)))
            if self.duplicate_events:
                signed.append((payload, self.sign(payload)))
        return signed

    def deliver(self, *, reverse: bool = False) -> None:
        """POST the pending events to the webhook URL (in a thread: the API answer does not wait for it)."""
        if not self.webhook_url:
            return
        batch = self.take_outbox(reverse=reverse)
        if batch:
            threading.Thread(target=self._post_all, args=(batch,), daemon=True).start()

    def _post_all(self, batch: list[tuple[bytes, str]]) -> None:
        for payload, signature in batch:
            req = urllib.request.Request(self.webhook_url, data=payload, method="POST", headers={  # noqa: S310
                "Content-Type": "application/json; charset=utf-8", "Stripe-Signature": signature,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})
            try:
                with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - configured local URL
                    self.deliveries.append((self.webhook_url, response.status))
            except Exception as exc:
                self.deliveries.append((self.webhook_url, getattr(exc, "code", 0) or 0))

    # --- the API -------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: str, body: str, headers: dict) -> tuple[int, dict, dict]:
        """One API request: (status, JSON body, extra headers)."""
        auth = headers.get("authorization", "")
        key_given = auth[7:] if auth.startswith("Bearer ") else ""
        if auth.startswith("Basic "):  # curl -u sk_test_…: as in Stripe's documentation
            import base64

            try:
                key_given = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                key_given = ""
        if not key_given.startswith(self.api_key_prefix):
            return 401, {"error": {"type": "invalid_request_error", "message":
                                   "Invalid API Key provided: " + key_given[:8] + "****"}}, {}
        params = decode_form(body if method == "POST" else query)
        key = headers.get("idempotency-key")
        with self.lock:
            self.requests.append((method, path))
            if method == "POST" and key:
                fingerprint = hashlib.sha256(f"{method} {path} {body}".encode()).hexdigest()
                if key in self.idempotency:
                    seen, status, response = self.idempotency[key]
                    if seen != fingerprint:
                        return 400, {"error": {
                            "type": "idempotency_error", "message": (
                                "Keys for idempotent requests can only be used with the same parameters they were "
                                f"first used with. Try using a key other than '{key}' if you meant to execute a "
                                "different request.")}}, {}
                    return status, copy.deepcopy(response), {"Idempotent-Replayed": "true", "Idempotency-Key": key}
            try:
                status, response = self._route(method, path, params)
            except StripeError as error:
                status, response = error.status, error.body
            if method == "POST" and key and status < 500:
                self.idempotency[key] = (fingerprint, status, copy.deepcopy(response))
            return status, response, ({"Idempotency-Key": key} if key else {})

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = [p for p in path.split("/") if p]
        if parts[:1] != ["v1"]:
            raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")
        parts = parts[1:]
        match (method, parts):
            case ("POST", ["customers"]):
                return 200, self._create_customer(params)
            case ("GET", ["customers", cid]):
                return 200, self._get(self.customers, cid, "customer")
            case ("POST", ["customers", cid]):
                customer = self._get(self.customers, cid, "customer")
                self._apply_customer(customer, params)
                return 200, customer
            case ("GET", ["customers"]):
                return 200, self._list("/v1/customers", self.customers.values(), params)
            case ("GET", ["customers", cid, "tax_ids"]):
                customer = self._get(self.customers, cid, "customer")
                return 200, self._list(f"/v1/customers/{cid}/tax_ids", customer["tax_ids"]["data"], params)
            case ("POST", ["customers", cid, "tax_ids"]):
                return 200, self._add_tax_id(self._get(self.customers, cid, "customer"), params)
            case ("DELETE", ["customers", cid, "tax_ids", tid]):
                return 200, self._delete_tax_id(self._get(self.customers, cid, "customer"), tid)
            case ("POST", ["invoices"]):
                return 200, self._create_invoice(params)
            case ("GET", ["invoices", "search"]):
                return 200, self._search(params)
            case ("GET", ["invoices"]):
                found = [i for i in self.invoices.values() if not params.get("customer")
                         or i["customer"] == params["customer"]]
                return 200, self._list("/v1/invoices", found, params)
            case ("GET", ["invoices", iid]):
                return 200, self._get(self.invoices, iid, "invoice")
            case ("POST", ["invoices", iid]):
                return 200, self._update_invoice(self._get(self.invoices, iid, "invoice"), params)
            case ("POST", ["invoices", iid, "finalize"]):
                return 200, self._finalize(self._get(self.invoices, iid, "invoice"), params)
            case ("POST", ["invoices", iid, "send"]):
                return 200, self._send(self._get(self.invoices, iid, "invoice"))
            case ("POST", ["invoices", iid, "pay"]):
                return 200, self._pay(self._get(self.invoices, iid, "invoice"))
            case ("POST", ["invoices", iid, "void"]):
                return 200, self._end(self._get(self.invoices, iid, "invoice"), "void", "invoice.voided")
            case ("POST", ["invoices", iid, "mark_uncollectible"]):
                return 200, self._end(self._get(self.invoices, iid, "invoice"), "uncollectible",
                                      "invoice.marked_uncollectible")
            case ("GET", ["invoices", iid, "lines"]):
                invoice = self._get(self.invoices, iid, "invoice")
                return 200, invoice["lines"]
            case ("POST", ["invoiceitems"]):
                return 200, self._create_item(params)
            case ("GET", ["invoiceitems", iid]):
                return 200, self._get(self.items, iid, "invoiceitem")
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _get(self, store: dict, object_id: str, kind: str) -> dict:
        if object_id not in store:
            raise StripeError(404, "invalid_request_error", f"No such {kind}: '{object_id}'", "resource_missing",
                              "id")
        return store[object_id]

    @staticmethod
    def _list(url: str, objects, params: dict) -> dict:
        objects = sorted(objects, key=lambda o: (o["created"], o["id"]), reverse=True)
        limit = max(1, min(100, int(params.get("limit", 10) or 10)))
        return {"object": "list", "data": copy.deepcopy(objects[:limit]), "has_more": len(objects) > limit,
                "url": url}

    def _search(self, params: dict) -> dict:
        match = _SEARCH.match(params.get("query", ""))
        if not match:
            raise StripeError(400, "invalid_request_error", "The double supports metadata['key']:'value' queries.",
                              param="query")
        name, value = match.groups()
        found = [i for i in self.invoices.values() if i["metadata"].get(name) == value]
        return {"object": "search_result", "data": copy.deepcopy(found), "has_more": False, "next_page": None,
                "url": "/v1/invoices/search"}

    def _apply_customer(self, customer: dict, params: dict) -> None:
        for name in ("name", "email", "description", "phone"):
            if name in params:
                customer[name] = params[name] or None
        if "address" in params:
            customer["address"].update({k: v or None for k, v in params["address"].items()})
        if "preferred_locales" in params:
            customer["preferred_locales"] = list(params["preferred_locales"])
        if "metadata" in params:
            customer["metadata"].update(params["metadata"])
        settings = params.get("invoice_settings")
        if isinstance(settings, dict) and "default_payment_method" in settings:
            # Stripe's test payment methods: pm_card_visa pays, pm_card_chargeDeclined is declined.
            method = settings["default_payment_method"] or None
            if method is not None and not str(method).startswith("pm_"):
                raise StripeError(400, "invalid_request_error", f"No such PaymentMethod: '{method}'",
                                  "resource_missing", "invoice_settings[default_payment_method]")
            customer.setdefault("invoice_settings", {})["default_payment_method"] = method

    def _create_customer(self, params: dict) -> dict:
        customer = copy.deepcopy(OBJECTS["customer"])
        customer.update(id=self._id("cus"), created=int(time.time()), discount=None, email=None, name=None,
                        metadata={}, preferred_locales=[], currency=None, tax_ids={"object": "list", "data": []},
                        invoice_settings={"custom_fields": None, "default_payment_method": None, "footer": None,
                                          "rendering_options": None})
        self._apply_customer(customer, params)
        for tax in params.get("tax_id_data", []) or []:
            self._add_tax_id(customer, tax)
        self.customers[customer["id"]] = customer
        return customer

    def _add_tax_id(self, customer: dict, params: dict) -> dict:
        """``POST /v1/customers/{id}/tax_ids`` (and ``tax_id_data`` on create): type and value are required, an
        EU VAT id must look like one (Stripe answers ``tax_id_invalid`` otherwise)."""
        kind, value = params.get("type"), params.get("value")
        if not kind:
            raise StripeError(400, "invalid_request_error", "Missing required param: type.", param="type")
        if not value:
            raise StripeError(400, "invalid_request_error", "Missing required param: value.", param="value")
        if kind not in TAX_ID_TYPES:
            raise StripeError(400, "invalid_request_error", f"Invalid type: must be one of {', '.join(TAX_ID_TYPES)}",
                              param="type")
        if not TAX_ID_TYPES[kind].fullmatch(str(value)):
            raise StripeError(400, "invalid_request_error", f"Invalid value for {kind}.", "tax_id_invalid", "value")
        tax_id = copy.deepcopy(OBJECTS["tax_id"])
        tax_id.update(id=self._id("txi"), created=int(time.time()), customer=customer["id"], type=kind,
                      value=str(value), country=str(value)[:2] if kind == "eu_vat" else None,
                      owner={"customer": customer["id"], "type": "customer", "customer_account": None})
        customer["tax_ids"]["data"].append(tax_id)
        return tax_id

    def _delete_tax_id(self, customer: dict, tax_id: str) -> dict:
        found = [t for t in customer["tax_ids"]["data"] if t["id"] == tax_id]
        if not found:
            raise StripeError(404, "invalid_request_error", f"No such tax_id: '{tax_id}'", "resource_missing", "id")
        customer["tax_ids"]["data"].remove(found[0])
        return {"deleted": True, "id": tax_id, "object": "tax_id"}

    def _create_invoice(self, params: dict) -> dict:
        customer = self._get(self.customers, params.get("customer", ""), "customer") if params.get("customer") \
            else None
        if customer is None:
            raise StripeError(400, "invalid_request_error", "Missing required param: customer.", param="customer")
        method = params.get("collection_method", "charge_automatically")
        if method not in ("charge_automatically", "send_invoice"):
            raise StripeError(400, "invalid_request_error", "Invalid collection_method", param="collection_method")
        if method == "send_invoice" and "days_until_due" not in params and "due_date" not in params:
            raise StripeError(400, "invalid_request_error", "Missing required param: days_until_due.",
                              param="days_until_due")
        number = params.get("number") or None
        if number and any(i["number"] == number for i in self.invoices.values()):
            raise StripeError(400, "invalid_request_error", "Invoice number must be unique.", "invoice_duplicate",
                              "number")
        invoice = copy.deepcopy(OBJECTS["invoice"])
        now = int(time.time())
        invoice_id = self._id("in")
        invoice.update(
            id=invoice_id, object="invoice", created=now, customer=customer["id"], status="draft", number=number,
            currency=(params.get("currency") or "eur").lower(), collection_method=method,
            auto_advance=_bool(params.get("auto_advance", "false")), description=params.get("description"),
            footer=params.get("footer"), metadata=dict(params.get("metadata") or {}),
            days_until_due=_as_int(params, "days_until_due"), amount_due=0, amount_paid=0, amount_remaining=0,
            subtotal=0, total=0, hosted_invoice_url=None, invoice_pdf=None, customer_email=customer["email"],
            customer_name=customer["name"], due_date=None, last_finalization_error=None, attempted=False,
            status_transitions={"finalized_at": None, "paid_at": None, "voided_at": None,
                                "marked_uncollectible_at": None},
            lines={"object": "list", "data": [], "has_more": False, "url": f"/v1/invoices/{invoice_id}/lines"},
            pending_invoice_items_behavior=params.get("pending_invoice_items_behavior"))
        self.invoices[invoice["id"]] = invoice
        self._event("invoice.created", invoice)
        return invoice

    def _update_invoice(self, invoice: dict, params: dict) -> dict:
        if invoice["status"] != "draft":
            for name in ("number", "collection_method", "days_until_due", "currency"):
                if name in params:
                    raise StripeError(400, "invalid_request_error",
                                      f"You can only update {name} on a draft invoice.", "invoice_not_editable", name)
        if "number" in params:
            number = params["number"] or None
            if number and any(i["number"] == number and i["id"] != invoice["id"] for i in self.invoices.values()):
                raise StripeError(400, "invalid_request_error", "Invoice number must be unique.",
                                  "invoice_duplicate", "number")
            invoice["number"] = number
        for name in ("footer", "description"):
            if name in params:
                invoice[name] = params[name] or None
        if "metadata" in params:
            invoice["metadata"].update(params["metadata"])
        if "auto_advance" in params:
            invoice["auto_advance"] = _bool(params["auto_advance"])
        self._event("invoice.updated", invoice)
        return invoice

    def _create_item(self, params: dict) -> dict:
        customer = self._get(self.customers, params.get("customer", ""), "customer")
        amount = _as_int(params, "amount")
        if amount is None:
            raise StripeError(400, "invalid_request_error", "Missing required param: amount.", param="amount")
        item = copy.deepcopy(OBJECTS["invoiceitem"])
        item.update(id=self._id("ii"), customer=customer["id"], amount=amount, net_amount=amount,
                    currency=(params.get("currency") or "eur").lower(), description=params.get("description"),
                    metadata=dict(params.get("metadata") or {}), date=int(time.time()), invoice=None, quantity=1,
                    quantity_decimal="1", parent=None)
        if params.get("invoice"):
            invoice = self._get(self.invoices, params["invoice"], "invoice")
            if invoice["status"] != "draft":
                raise StripeError(400, "invalid_request_error", "You can only add items to a draft invoice.",
                                  "invoice_not_editable", "invoice")
            if invoice["customer"] != customer["id"]:
                raise StripeError(400, "invalid_request_error", "The invoice belongs to another customer.",
                                  param="invoice")
            item["invoice"] = invoice["id"]
            invoice["lines"]["data"].append({
                "object": "line_item", "id": self._id("il"), "amount": amount, "currency": item["currency"],
                "description": item["description"], "metadata": dict(item["metadata"]), "quantity": 1,
                "invoice": invoice["id"], "parent": {"type": "invoice_item_details",
                                                    "invoice_item_details": {"invoice_item": item["id"]}}})
            total = sum(line["amount"] for line in invoice["lines"]["data"])
            invoice.update(amount_due=total, amount_remaining=total, subtotal=total, total=total)
        self.items[item["id"]] = item
        return item

    def _finalize(self, invoice: dict, params: dict) -> dict:
        if invoice["status"] != "draft":
            raise StripeError(400, "invalid_request_error", "This invoice is already finalized.",
                              "invoice_not_editable")
        now = int(time.time())
        if not invoice["number"]:
            invoice["number"] = f"DBL-{len([i for i in self.invoices.values() if i['number']]) + 1:04d}"
        invoice["status"] = "open"
        invoice["status_transitions"]["finalized_at"] = now
        invoice["effective_at"] = now
        if invoice["collection_method"] == "send_invoice":
            invoice["due_date"] = now + 86400 * (invoice["days_until_due"] or 0)
        invoice["hosted_invoice_url"] = f"{self.public_base}/i/{invoice['id']}"
        invoice["invoice_pdf"] = f"{self.public_base}/i/{invoice['id']}/pdf"
        if "auto_advance" in params:
            invoice["auto_advance"] = _bool(params["auto_advance"])
        self._event("invoice.finalized", invoice)
        if invoice["amount_due"] == 0:
            self._mark_paid(invoice)
        return invoice

    def _send(self, invoice: dict) -> dict:
        if invoice["collection_method"] != "send_invoice":
            raise StripeError(400, "invalid_request_error", "Only send_invoice invoices can be sent.")
        if invoice["status"] != "open":
            raise StripeError(400, "invalid_request_error", "You can only send an open invoice.",
                              "invoice_not_editable")
        self._event("invoice.sent", invoice)
        return invoice

    def _mark_paid(self, invoice: dict) -> None:
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, paid=True)
        invoice["status_transitions"]["paid_at"] = int(time.time())
        self._event("invoice.paid", invoice)

    def _pay(self, invoice: dict) -> dict:
        if invoice["status"] not in ("open", "uncollectible"):
            raise StripeError(400, "invalid_request_error", "Invoice is already paid" if invoice["status"] == "paid"
                              else "This invoice cannot be paid.", "invoice_not_payable" if invoice["status"] != "paid"
                              else "invoice_already_paid")
        customer = self.customers.get(invoice["customer"], {})
        method = (customer.get("invoice_settings") or {}).get("default_payment_method")
        if invoice["collection_method"] == "charge_automatically":
            invoice["attempted"] = True
            invoice["attempt_count"] = invoice.get("attempt_count", 0) + 1
            if method is None:
                raise StripeError(400, "invalid_request_error", "The customer has no default payment method.",
                                  "invoice_no_payment_method_types")
            if method == "pm_card_chargeDeclined":
                self._event("invoice.payment_failed", invoice)
                raise StripeError(402, "card_error", "Your card was declined.", "card_declined")
        self._mark_paid(invoice)
        return invoice

    def _end(self, invoice: dict, status: str, event: str) -> dict:
        if invoice["status"] not in ("open", "uncollectible") or (status == "uncollectible"
                                                                   and invoice["status"] != "open"):
            raise StripeError(400, "invalid_request_error", f"You cannot mark a {invoice['status']} invoice {status}.")
        invoice["status"] = status
        invoice["status_transitions"]["voided_at" if status == "void" else "marked_uncollectible_at"] = \
            int(time.time())
        self._event(event, invoice)
        return invoice

    def fail_next(self, method: str, path_pattern: str, mode: str = "drop_after") -> None:
        """Make the next matching request fail: ``drop_after`` does the work and drops the connection (a timeout
        after Stripe accepted), ``error_before`` answers 500 without doing anything."""
        with self.lock:
            self.faults.append({"method": method, "path": path_pattern, "mode": mode})

    def _fault_for(self, method: str, path: str) -> str | None:
        with self.lock:
            for fault in self.faults:
                if fault["method"] == method and re.fullmatch(fault["path"], path):
                    self.faults.remove(fault)
                    return fault["mode"]
        return None

    # --- the hosted invoice page (demo) --------------------------------------------------------

    def hosted_page(self, invoice_id: str) -> str | None:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            return None
        from html import escape

        rows = "".join(f"<tr><td>{escape(str(line['description']))}</td><td>{line['amount'] / 100:.2f}</td></tr>"
                       for line in invoice["lines"]["data"])
        button = (f'<form method="post" action="/i/{escape(invoice_id)}/pay"><button>Pay '
                  f'{invoice["amount_due"] / 100:.2f} {invoice["currency"].upper()}</button></form>'
                  if invoice["status"] == "open" else f"<p>Status: {escape(invoice['status'])}</p>")
        return (f"<!doctype html><meta charset=utf-8><title>Invoice {escape(str(invoice['number']))}</title>"
                f"<h1>Invoice {escape(str(invoice['number']))}</h1><table>{rows}</table>{button}"
                "<p><small>Stripe test double</small></p>")


def make_handler(double: StripeDouble):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "StripeDouble/1.0"
        # Headers and body leave in one segment: no 40 ms delayed-ACK stall per kept-alive request.
        disable_nagle_algorithm = True
        wbufsize = 64 * 1024

        def log_message(self, format, *args):
            pass

        def _send_json(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", StripeDouble._id("req"))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            if url.path.startswith("/i/"):
                return self._hosted(method, url.path)
            if url.path.startswith("/_double/"):
                return self._control(method, url.path, body)
            fault = double._fault_for(method, url.path)
            if fault == "error_before":
                return self._send_json(500, {"error": {"type": "api_error", "message": "An unknown error occurred"}})
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                status, response, extra = double.handle(method, url.path, url.query, body, headers)
            except StripeError as error:
                status, response, extra = error.status, error.body, {}
            if fault == "drop_after":
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            return self._send_json(status, response, extra)

        def _hosted(self, method: str, path: str) -> None:
            parts = [p for p in path.split("/") if p]
            if method == "POST" and len(parts) == 3 and parts[2] == "pay":
                with double.lock:
                    invoice = double.invoices.get(parts[1])
                    if invoice and invoice["status"] == "open":
                        double._mark_paid(invoice)
                self.send_response(303)
                self.send_header("Location", f"/i/{parts[1]}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            page = double.hosted_page(parts[1]) if len(parts) >= 2 else None
            data = (page or "Not found").encode()
            self.send_response(200 if page else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _control(self, method: str, path: str, body: str) -> None:
            """Test and demo controls: faults, webhook delivery modes, state."""
            params = json.loads(body) if body else {}
            name = path[len("/_double/"):]
            if name == "config" and method == "POST":
                for key in ("webhook_url", "webhook_secret", "duplicate_events", "hold_events"):
                    if key in params:
                        setattr(double, key, params[key])
            elif name == "fail" and method == "POST":
                double.fail_next(params["method"], params["path"], params.get("mode", "drop_after"))
            elif name == "deliver" and method == "POST":
                double.deliver(reverse=bool(params.get("reverse")))
            elif name == "reset" and method == "POST":
                double.reset()
            elif name == "state" and method == "GET":
                return self._send_json(200, {"invoices": list(double.invoices.values()),
                                             "customers": list(double.customers.values()),
                                             "events": double.events, "requests": double.requests})
            else:
                return self._send_json(404, {"error": {"type": "invalid_request_error", "message": "unknown"}})
            return self._send_json(200, {"ok": True})

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

        def do_DELETE(self):
            self._serve("DELETE")

    return Handler


def serve(double: StripeDouble, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Start serving ``double`` in a background thread; returns the server (``server.server_port``)."""
    server = ThreadingHTTPServer((host, port), make_handler(double))
    server.daemon_threads = True
    if double.public_base == "http://127.0.0.1":
        double.public_base = f"http://{host}:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True, name="stripe-double").start()
    return server
