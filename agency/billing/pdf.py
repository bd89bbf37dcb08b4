"""The invoice PDF: every field §14 (4) UStG asks for, in the workspace's language, as PDF/A-3b with the
EN 16931 XML embedded as ``factur-x.xml`` (the Factur-X/ZUGFeRD convention) and described in XMP.

WeasyPrint fetches nothing: the template is self-contained and the fetcher allows only ``data:`` URLs.
"""

from __future__ import annotations

import base64
from datetime import date

from flask import render_template
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _

from agency import db
from agency.billing import money
from agency.billing.einvoice import invoice_xml, percent
from agency.billing.models import Invoice, InvoiceKind

FACTURX_NS = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
XMP = f"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
      xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"
      rdf:about="">
    <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>{FACTURX_NS}</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>fx</pdfaSchema:prefix>
      <pdfaSchema:property><rdf:Seq>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>DocumentFileName</pdfaProperty:name>
          <pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category>
          <pdfaProperty:description>name of the embedded XML invoice file</pdfaProperty:description></rdf:li>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>DocumentType</pdfaProperty:name>
          <pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category>
          <pdfaProperty:description>INVOICE</pdfaProperty:description></rdf:li>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>Version</pdfaProperty:name>
          <pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category>
          <pdfaProperty:description>version of the Factur-X XML schema</pdfaProperty:description></rdf:li>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>ConformanceLevel</pdfaProperty:name>
          <pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category>
          <pdfaProperty:description>conformance level of the embedded XML invoice</pdfaProperty:description></rdf:li>
      </rdf:Seq></pdfaSchema:property>
    </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>
  <rdf:Description xmlns:fx="{FACTURX_NS}" rdf:about="">
    <fx:DocumentType>INVOICE</fx:DocumentType>
    <fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>
    <fx:Version>1.0</fx:Version>
    <fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>
  </rdf:Description>
</rdf:RDF>"""


def _labels() -> dict:
    return {
        "number": _("Invoice number"), "date": _("Invoice date"), "period": _("Service period"),
        "due": _("Due date"), "tax_number": _("Tax number"), "vat_id": _("VAT ID"),
        "buyer_vat_id": _("Your VAT ID"), "description": _("Service"), "quantity": _("Quantity"),
        "unit_price": _("Unit price"), "amount": _("Amount"), "net": _("Net amount"), "gross": _("Total"),
        "reverse_charge": _("Reverse charge: the recipient owes the VAT"), "pay_by": _("Please pay by"),
        "reference": _("reference"), "pay_online": _("Pay online"),
        "cancels": _("This cancellation invoice cancels invoice"),
        "einvoice": _("This PDF contains the e-invoice (EN 16931, factur-x.xml)."),
    }


def _quantity(line) -> str:
    if line.minutes is not None:
        return _("%(hours)s h", hours=format_decimal(money.hours(line.minutes), format="#,##0.00##"))
    return format_decimal(line.quantity)


def render_context(invoice: Invoice) -> dict:
    """What the PDF shows, formatted in the current locale (the caller picks the workspace's)."""
    fmt = lambda cents: money.format_money(cents, invoice.currency)  # noqa: E731
    totals = money.totals((line.net_cents, invoice.vat_rate) for line in invoice.lines)
    vat_rows = [{"label": _("VAT %(rate)s %% on %(base)s", rate=format_decimal(percent(rate)), base=fmt(base)),
                 "vat": fmt(vat)} for rate, (base, vat) in totals.vat_by_rate.items()]
    cancels = db.session.get(Invoice, invoice.cancels_id) if invoice.cancels_id else None
    return {
        "invoice": invoice, "seller": invoice.seller, "buyer": invoice.buyer, "labels": _labels(),
        "title": _("Cancellation invoice") if invoice.kind == InvoiceKind.CANCELLATION else _("Invoice"),
        "issued": format_date(invoice.issued_on, "medium"), "due": format_date(invoice.due_on, "medium")
        if invoice.due_on else "", "period": _period(invoice.period_start, invoice.period_end),
        "rows": [{"description": line.description, "quantity": _quantity(line), "unit": fmt(line.unit_cents),
                  "net": fmt(line.net_cents)} for line in invoice.lines],
        "net": fmt(totals.net_cents), "vat_rows": vat_rows, "gross": fmt(totals.gross_cents),
        "cancels": cancels, "cancels_date": format_date(cancels.issued_on, "medium") if cancels else "",
    }


def _period(first: date, last: date) -> str:
    return f"{format_date(first, 'medium')} – {format_date(last, 'medium')}"


def invoice_pdf(invoice: Invoice) -> bytes:
    """The PDF/A-3b invoice with its ``factur-x.xml``, rendered in the invoice's (the workspace's) language."""
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher

    xml = invoice_xml(invoice)
    fetcher = URLFetcher(allowed_protocols={"data"})
    with force_locale(invoice.locale or "de"):
        html = render_template("billing/invoice_pdf.html", **render_context(invoice))
    attachment = Attachment(string=xml, name="factur-x.xml", description="Factur-X/ZUGFeRD invoice (EN 16931)",
                            relationship="Alternative", url_fetcher=fetcher)
    xmp = "data:application/rdf+xml;base64," + base64.b64encode(XMP.encode()).decode()
    return HTML(string=html, url_fetcher=fetcher).write_pdf(
        pdf_variant="pdf/a-3b", attachments=[attachment], xmp_metadata=[xmp], uncompressed_pdf=False)
