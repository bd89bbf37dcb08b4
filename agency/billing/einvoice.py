"""The EN 16931 e-invoice (UN/CEFACT CII, Factur-X/ZUGFeRD profile EN 16931 "COMFORT") of an invoice.

Built with drafthorse, which validates the result against the Factur-X EN 16931 XSD before it returns it.
Every figure comes from the stored invoice (cents), so the XML and the PDF agree to the cent.
"""

from __future__ import annotations

from decimal import Decimal

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentTerms
from drafthorse.models.tradelines import LineItem

from agency.billing import money
from agency.billing.models import Invoice, InvoiceKind

GUIDELINE = "urn:cen.eu:en16931:2017"
SCHEMA = "FACTUR-X_EN16931"
REVERSE_CHARGE_NOTE_DE = "Steuerschuldnerschaft des Leistungsempfängers"
HOUR, PIECE = "HUR", "C62"


def vat_category(invoice: Invoice) -> str:
    """UNTDID 5305: S standard/reduced rate, AE reverse charge, Z zero rated."""
    if invoice.reverse_charge:
        return "AE"
    return "S" if invoice.vat_rate > 0 else "Z"


def percent(rate_basis_points: int) -> Decimal:
    return (Decimal(rate_basis_points) / Decimal(100)).quantize(Decimal("0.01"))


def _amount(cents: int) -> Decimal:
    return money.decimal_amount(cents)


def _party(party, details: dict, *, with_tax_number: bool) -> None:
    party.name = details.get("name") or "-"
    address = party.address
    if details.get("postcode"):
        address.postcode = details["postcode"]
    if details.get("street"):
        address.line_one = details["street"]
    if details.get("city"):
        address.city_name = details["city"]
    address.country_id = (details.get("country") or "DE").upper()
    if details.get("vat_id"):
        party.tax_registrations.add(TaxRegistration(id=("VA", details["vat_id"])))
    if with_tax_number and details.get("tax_number"):
        party.tax_registrations.add(TaxRegistration(id=("FC", details["tax_number"])))


def build_document(invoice: Invoice) -> Document:
    """The drafthorse document of a finalised invoice (BT numbers of EN 16931 in the comments)."""
    doc = Document()
    doc.context.guideline_parameter.id = GUIDELINE
    doc.header.id = invoice.number  # BT-1
    doc.header.type_code = "380"  # BT-3: commercial invoice; a cancellation is one with negated amounts
    doc.header.issue_date_time = invoice.issued_on  # BT-2
    if invoice.reverse_charge:
        note = IncludedNote()
        note.content.add(REVERSE_CHARGE_NOTE_DE)
        doc.header.notes.add(note)
    if invoice.seller.get("footer"):
        note = IncludedNote()
        note.content.add(invoice.seller["footer"])
        doc.header.notes.add(note)

    trade = doc.trade
    trade.agreement.buyer_reference = invoice.buyer.get("name") or "-"  # BT-10 (Leitweg-ID where given)
    _party(trade.agreement.seller, invoice.seller, with_tax_number=True)
    _party(trade.agreement.buyer, invoice.buyer, with_tax_number=False)
    trade.delivery.event.occurrence = invoice.period_end  # BT-72: the service was rendered by the period's end

    settlement = trade.settlement
    settlement.currency_code = invoice.currency  # BT-5
    settlement.payment_reference = invoice.number  # BT-83
    if invoice.seller.get("iban"):
        settlement.payment_means.type_code = "58"  # SEPA credit transfer
        settlement.payment_means.payee_account.iban = invoice.seller["iban"].replace(" ", "")
        if invoice.seller.get("bic"):
            settlement.payment_means.payee_institution.bic = invoice.seller["bic"]
    else:
        settlement.payment_means.type_code = "ZZZ"
    settlement.period.start = invoice.period_start  # BG-14
    settlement.period.end = invoice.period_end

    category = vat_category(invoice)
    for position, line in enumerate(invoice.lines, start=1):
        item = LineItem()
        item.document.line_id = str(position)
        item.product.name = line.description
        item.agreement.net.amount = _amount(line.unit_cents)  # BT-146, never negative (BR-27)
        if line.minutes is not None:
            item.delivery.billed_quantity = (money.hours(line.minutes), HOUR)
        else:
            item.delivery.billed_quantity = (Decimal(line.quantity).quantize(Decimal("0.0001")), PIECE)
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = category
        item.settlement.trade_tax.rate_applicable_percent = percent(invoice.vat_rate)
        item.settlement.monetary_summation.total_amount = _amount(line.net_cents)  # BT-131
        trade.items.add(item)

    totals = money.totals((line.net_cents, invoice.vat_rate) for line in invoice.lines)
    for rate, (base, vat) in totals.vat_by_rate.items():
        tax = ApplicableTradeTax()
        tax.calculated_amount = _amount(vat)
        tax.type_code = "VAT"
        if category == "AE":
            tax.exemption_reason = "Reverse charge / " + REVERSE_CHARGE_NOTE_DE
        tax.basis_amount = _amount(base)
        tax.category_code = category
        tax.rate_applicable_percent = percent(rate)
        settlement.trade_tax.add(tax)

    terms = PaymentTerms()
    terms.description = f"{invoice.number}: {_amount(invoice.gross_cents)} {invoice.currency}"
    if invoice.due_on:
        terms.due = invoice.due_on
    settlement.terms.add(terms)
    if invoice.kind == InvoiceKind.CANCELLATION and invoice.cancels_id:
        from agency import db

        original = db.session.get(Invoice, invoice.cancels_id)
        settlement.invoice_referenced_document.issuer_assigned_id = original.number  # BG-3
        settlement.invoice_referenced_document.issue_date_time = original.issued_on

    summation = settlement.monetary_summation
    summation.line_total = _amount(totals.net_cents)  # BT-106
    summation.charge_total = _amount(0)
    summation.allowance_total = _amount(0)
    summation.tax_basis_total = _amount(totals.net_cents)  # BT-109
    summation.tax_total = (_amount(totals.vat_cents), invoice.currency)  # BT-110
    summation.grand_total = _amount(totals.gross_cents)  # BT-112
    summation.due_amount = _amount(totals.gross_cents)  # BT-115
    return doc


def invoice_xml(invoice: Invoice) -> bytes:
    """The CII XML of a finalised invoice, validated against the EN 16931 XSD (raises when invalid)."""
    if invoice.number is None:
        raise ValueError("only a finalised invoice has an e-invoice")
    return build_document(invoice).serialize(schema=SCHEMA)
