"""The invoice PDF: every field §14 (4) UStG asks for, in the workspace's language, as PDF/A-3b with the
EN 16931 XML embedded as ``factur-x.xml`` (the Factur-X/ZUGFeRD convention) and described in XMP.

WeasyPrint fetches nothing: the template is self-contained and the fetcher allows only ``data:`` URLs.
"""

from __future__ import annotations

from datetime import UTC, date

from flask import render_template
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _

from agency import db
from agency.billing import money
from agency.billing.einvoice import invoice_xml, percent
from agency.billing.models import Invoice, InvoiceKind

FACTURX_NS = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
      "pdfaid": "http://www.aiim.org/pdfa/ns/id/", "dc": "http://purl.org/dc/elements/1.1/",
      "pdf": "http://ns.adobe.com/pdf/1.3/", "xmp": "http://ns.adobe.com/xap/1.0/",
      "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/", "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
      "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#", "fx": FACTURX_NS}
# The Factur-X properties and the PDF/A extension schema that declares them (Factur-X 1.0.7, the sample XMP).
FACTURX = {"DocumentType": ("INVOICE", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
           "DocumentFileName": ("factur-x.xml", "The name of the embedded XML document"),
           "Version": ("1.0", "The actual version of the standard applying to the embedded XML document"),
           "ConformanceLevel": ("EN 16931", "The conformance level of the embedded XML document")}


def xmp_rdf(*, title: str, author: str, producer: str, creator_tool: str, created: str, part: int = 3,
            conformance: str = "B") -> bytes:
    """The invoice's one ``rdf:RDF``: PDF/A-3b identification, dc/pdf/xmp properties (equal to the document
    information dictionary, as PDF/A asks), the Factur-X extension schema and the Factur-X properties.

    WeasyPrint writes its own ``rdf:RDF`` and appends extra XMP as a second one, which PDF/A validators
    reject; this replaces its block instead (``_facturx_metadata``).
    """
    from lxml.etree import Element, SubElement, tostring

    def q(name: str) -> str:
        prefix, local = name.split(":")
        return f"{{{NS[prefix]}}}{local}"

    rdf = Element(q("rdf:RDF"), nsmap={"rdf": NS["rdf"]})

    def description(*prefixes: str) -> Element:  # each schema's prefixes declared where it is used, as XMP does
        return SubElement(rdf, q("rdf:Description"), {q("rdf:about"): ""}, nsmap={p: NS[p] for p in prefixes})

    def text(parent: Element, name: str, value: str, attrib: dict | None = None) -> Element:
        element = SubElement(parent, q(name), attrib or {})
        element.text = value
        return element

    def alt(parent: Element, name: str, value: str) -> None:
        text(SubElement(SubElement(parent, q(name)), q("rdf:Alt")), "rdf:li", value,
             {"{http://www.w3.org/XML/1998/namespace}lang": "x-default"})

    pdfaid = description("pdfaid")
    text(pdfaid, "pdfaid:part", str(part))
    text(pdfaid, "pdfaid:conformance", conformance)
    dc = description("dc")
    alt(dc, "dc:title", title)
    if author:
        text(SubElement(SubElement(dc, q("dc:creator")), q("rdf:Seq")), "rdf:li", author)
    text(description("pdf"), "pdf:Producer", producer)
    tool = description("xmp")
    text(tool, "xmp:CreatorTool", creator_tool)
    text(tool, "xmp:CreateDate", created)
    text(tool, "xmp:ModifyDate", created)
    extension = description("pdfaExtension", "pdfaSchema", "pdfaProperty")
    schema = SubElement(SubElement(SubElement(extension, q("pdfaExtension:schemas")), q("rdf:Bag")), q("rdf:li"),
                        {q("rdf:parseType"): "Resource"})
    text(schema, "pdfaSchema:schema", "Factur-X PDFA Extension Schema")
    text(schema, "pdfaSchema:namespaceURI", FACTURX_NS)
    text(schema, "pdfaSchema:prefix", "fx")
    properties = SubElement(SubElement(schema, q("pdfaSchema:property")), q("rdf:Seq"))
    for name, (_value, meaning) in FACTURX.items():
        item = SubElement(properties, q("rdf:li"), {q("rdf:parseType"): "Resource"})
        text(item, "pdfaProperty:name", name)
        text(item, "pdfaProperty:valueType", "Text")
        text(item, "pdfaProperty:category", "external")
        text(item, "pdfaProperty:description", meaning)
    facturx = description("fx")
    for name, (value, _meaning) in FACTURX.items():
        text(facturx, f"fx:{name}", value)
    return tostring(rdf, encoding="utf-8")


def _facturx_metadata(metadata):
    """WeasyPrint's document metadata with its RDF generation replaced by ``xmp_rdf`` (one ``rdf:RDF``)."""
    from weasyprint import __version__
    from weasyprint.pdf.metadata import DocumentMetadata

    class FacturXMetadata(DocumentMetadata):
        def generate_rdf_metadata(self, variant, version, conformance):
            return xmp_rdf(title=self.title or "", author=", ".join(self.authors), producer=f"WeasyPrint {__version__}",
                           creator_tool=self.generator or "", created=self.created or "", part=version or 3,
                           conformance=conformance or "B")

    replaced = FacturXMetadata()
    replaced.__dict__.update(metadata.__dict__)
    return replaced


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
    options = {"pdf_variant": "pdf/a-3b", "attachments": [attachment], "uncompressed_pdf": False}
    document = HTML(string=html, url_fetcher=fetcher).render(**options)
    document.metadata = _facturx_metadata(document.metadata)
    # The information dictionary and the XMP say the same (PDF/A): issuer, tool, the moment of finalising.
    seller = (invoice.seller or {}).get("name") or ""
    document.metadata.authors = [seller] if seller else []
    document.metadata.generator = "Agency"
    moment = (invoice.finalised_at or db.utcnow()).astimezone(UTC).replace(microsecond=0)
    document.metadata.created = document.metadata.modified = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return document.write_pdf(**options)
