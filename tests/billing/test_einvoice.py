"""The invoice of record as a document: §14 UStG fields in the PDF's text, PDF/A-3 with ``factur-x.xml``
whose figures equal the invoice's, and the XML valid against the EN 16931 CII schema."""

import io
import subprocess
from datetime import date
from decimal import Decimal

from lxml import etree
from pypdf import PdfReader

from agency.billing import drafting, finalising
from agency.billing.einvoice import invoice_xml
from agency.billing.pdf import invoice_pdf
from agency.billing.settings import save_workspace_billing
from tests.billing.conftest import MONTH, approved

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}


def finalised(w, **workspace):
    if workspace:
        save_workspace_billing(w.owner_a, w.ws_a, **workspace)
    approved(w, 20)
    approved(w, 135, day=date(2026, 10, 9))
    invoice = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    drafting.add_line(w.am_a, invoice, kind="manual", description="Redaktionsplan Q4", quantity=1, unit_cents=33333)
    drafting.add_line(w.am_a, invoice, kind="discount", description="Rabatt", quantity=1, unit_cents=1001)
    return finalising.finalise(w.am_a, invoice, on=date(2026, 11, 3))


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def embedded_xml(pdf: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    files = reader.attachments
    assert list(files) == ["factur-x.xml"]
    return files["factur-x.xml"][0]


def _amount(tree, path) -> Decimal:
    return Decimal(tree.xpath(path, namespaces=NS)[0].text)


def test_xml_figures_equal_the_invoice_and_validate(billing_world):
    invoice = finalised(billing_world)
    xml = invoice_xml(invoice)  # drafthorse validates against the Factur-X EN 16931 XSD
    tree = etree.fromstring(xml)
    summation = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    assert tree.xpath("//rsm:ExchangedDocument/ram:ID", namespaces=NS)[0].text == invoice.number
    assert _amount(tree, summation + "ram:LineTotalAmount") * 100 == invoice.net_cents
    assert _amount(tree, summation + "ram:TaxTotalAmount") * 100 == invoice.vat_cents
    assert _amount(tree, summation + "ram:GrandTotalAmount") * 100 == invoice.gross_cents
    line_totals = [Decimal(e.text) * 100 for e in tree.xpath(
        "//ram:SpecifiedLineTradeSettlement//ram:LineTotalAmount", namespaces=NS)]
    assert line_totals == [line.net_cents for line in invoice.lines]
    assert tree.xpath("//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']",
                      namespaces=NS)[0].text == "DE123456789"
    assert invoice.net_cents == 24542 + 33333 - 1001  # 155 minutes at 95 € = 245.4166… €


def test_pdf_is_pdfa3_with_the_same_xml_and_every_section_14_field(billing_world):
    invoice = finalised(billing_world)
    pdf = invoice_pdf(invoice)
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "pdfaid:part=\"3\"" in xmp or "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "fx:ConformanceLevel" in xmp and "EN 16931" in xmp
    assert embedded_xml(pdf) == invoice_xml(invoice)
    text = pdf_text(pdf)
    for field in ("Nordlicht Social GmbH", "Hafenstraße 12", "20457 Hamburg", "Alpha Client GmbH", "Marktplatz 1",
                  "80331 München", "27/123/45678", "DE123456789", invoice.number, "Redaktionsplan Q4", "Rabatt"):
        assert field in text, field
    # German (the workspace's language): dates, amounts with a decimal comma, the VAT rate, net, VAT, gross
    assert "03.11.2026" in text and "01.10.2026" in text and "31.10.2026" in text
    for cents in (invoice.net_cents, invoice.vat_cents, invoice.gross_cents, 24542, 9500, 33333, -1001):
        sign, cents = ("-" if cents < 0 else ""), abs(cents)
        euros = sign + f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"
        assert euros in text, euros
    assert "19" in text and "2,5833" in text  # 155 minutes at 95,00 €


def test_reverse_charge_states_both_vat_ids_and_the_note(billing_world):
    w = billing_world
    invoice = finalised(w, reverse_charge=True, client_vat_id="ATU12345678", client_country="AT")
    assert invoice.vat_cents == 0 and invoice.gross_cents == invoice.net_cents
    text = pdf_text(invoice_pdf(invoice))
    assert "Steuerschuldnerschaft des Leistungsempfängers" in text
    assert "ATU12345678" in text and "DE123456789" in text
    tree = etree.fromstring(invoice_xml(invoice))
    assert tree.xpath("//ram:ApplicableTradeTax/ram:CategoryCode", namespaces=NS)[0].text == "AE"
    assert tree.xpath("//ram:BuyerTradeParty//ram:ID[@schemeID='VA']", namespaces=NS)[0].text == "ATU12345678"


def test_cancellation_invoice_references_the_original(billing_world):
    w = billing_world
    invoice = finalised(w)
    storno = finalising.cancel(w.owner_a, invoice, on=date(2026, 11, 10))
    tree = etree.fromstring(invoice_xml(storno))
    assert tree.xpath("//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=NS)[0].text == invoice.number
    assert _amount(tree, "//ram:GrandTotalAmount") * 100 == -invoice.gross_cents
    assert invoice.number in pdf_text(invoice_pdf(storno))


XMP_NS = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
          "pdfaid": "http://www.aiim.org/pdfa/ns/id/", "dc": "http://purl.org/dc/elements/1.1/",
          "pdf": "http://ns.adobe.com/pdf/1.3/", "xmp": "http://ns.adobe.com/xap/1.0/",
          "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
          "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#", "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
          "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"}


def test_xmp_is_one_rdf_block_with_pdfa_dc_and_the_facturx_extension(billing_world):
    invoice = finalised(billing_world)
    reader = PdfReader(io.BytesIO(invoice_pdf(invoice)))
    packet = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    tree = etree.fromstring(packet)  # the xpacket processing instructions around it are fine for XML
    assert tree.tag == "{adobe:ns:meta/}xmpmeta"
    assert len(tree.xpath("//rdf:RDF", namespaces=XMP_NS)) == 1  # a second block fails veraPDF

    def values(path):
        return [e.text for e in tree.xpath(f"/x:xmpmeta/rdf:RDF/rdf:Description/{path}", namespaces=XMP_NS)]

    assert values("pdfaid:part") == ["3"] and values("pdfaid:conformance") == ["B"]
    info = reader.metadata
    assert values("dc:title/rdf:Alt/rdf:li") == [info.title] and invoice.number in info.title
    assert values("dc:creator/rdf:Seq/rdf:li") == [info.author] == ["Nordlicht Social GmbH"]
    assert values("pdf:Producer") == [info.producer]
    assert values("xmp:CreatorTool") == [info.creator]
    assert len(values("xmp:CreateDate")) == 1 and values("xmp:CreateDate")[0].startswith(
        invoice.finalised_at.strftime("%Y-%m-%d"))
    assert values("fx:DocumentType") == ["INVOICE"]
    assert values("fx:DocumentFileName") == ["factur-x.xml"]
    assert values("fx:Version") == ["1.0"]
    assert values("fx:ConformanceLevel") == ["EN 16931"]
    schema = tree.xpath("//pdfaExtension:schemas/rdf:Bag/rdf:li", namespaces=XMP_NS)
    assert len(schema) == 1
    assert schema[0].findtext("pdfaSchema:namespaceURI", namespaces=XMP_NS) == XMP_NS["fx"]
    assert schema[0].findtext("pdfaSchema:prefix", namespaces=XMP_NS) == "fx"
    declared = [li.findtext("pdfaProperty:name", namespaces=XMP_NS)
                for li in schema[0].xpath("pdfaSchema:property/rdf:Seq/rdf:li", namespaces=XMP_NS)]
    assert sorted(declared) == ["ConformanceLevel", "DocumentFileName", "DocumentType", "Version"]
    assert packet.count(b"<x:xmpmeta") == 1 and packet.count(b"rdf:RDF") == 2  # one open, one close tag
