"""Billing: rates, retainers and fixed fees, invoice drafts from approved time, invoices of record (German
§14 UStG PDF/A-3 with an embedded EN 16931 e-invoice), payment through Stripe and Stripe's webhooks."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
