"""The e-invoice against the official EN 16931 business rules for CII (CEN/TC 434's schematron, as the XSLT
the European Commission's eInvoicing-EN16931 repository publishes, v1.3.16, shipped in tests/fixtures/en16931,
EUPL 1.2), run offline with Saxon (saxonche). The test fails — never skips — when the rules cannot run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

from agency.billing import drafting, finalising
from agency.billing.einvoice import invoice_xml
from agency.billing.settings import save_workspace_billing
from tests.billing.conftest import MONTH, approved

RULES = Path(__file__).resolve().parents[1] / "fixtures" / "en16931" / "EN16931-CII-validation.xslt"
SVRL = "http://purl.oclc.org/dsdl/svrl"
_compiled = {}


def validate(xml: bytes) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the EN 16931 rules for one CII document; raises when the rules did not run."""
    if "proc" not in _compiled:
        proc = PySaxonProcessor(license=False)
        executable = proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(RULES))
        _compiled.update(proc=proc, executable=executable)
    proc, executable = _compiled["proc"], _compiled["executable"]
    document = proc.parse_xml(xml_text=xml.decode("utf-8"))
    report = executable.transform_to_string(xdm_node=document)
    tree = etree.fromstring(report.encode("utf-8"))
    assert tree.tag == f"{{{SVRL}}}schematron-output", "the schematron did not produce a report"
    assert tree.findall(f"{{{SVRL}}}fired-rule"), "no rule fired: the rules did not run on the document"
    failed = tree.findall(f"{{{SVRL}}}failed-assert")
    messages = [f"{f.get('id')}: {''.join(f.itertext()).strip()[:200]}" for f in failed]
    errors = [m for f, m in zip(failed, messages, strict=True) if f.get("flag") != "warning"]
    warnings = [m for f, m in zip(failed, messages, strict=True) if f.get("flag") == "warning"]
    return errors, warnings


def _invoice(w, **workspace):
    if workspace:
        save_workspace_billing(w.owner_a, w.ws_a, **workspace)
    approved(w, 20)
    approved(w, 135, day=date(2026, 10, 9), user=w.am_a)
    invoice = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    drafting.add_line(w.am_a, invoice, kind="manual", description="Redaktionsplan", quantity=3, unit_cents=3333)
    drafting.add_line(w.am_a, invoice, kind="discount", description="Rabatt", quantity=1, unit_cents=1001)
    return finalising.finalise(w.am_a, invoice, on=date(2026, 11, 3))


def test_the_rules_catch_a_broken_invoice(billing_world):
    """Not vacuous: a wrong total breaks BR-CO-15 (gross = net + VAT)."""
    xml = invoice_xml(_invoice(billing_world))
    broken = xml.replace(b"<ram:GrandTotalAmount>", b"<ram:GrandTotalAmount>1", 1)
    errors, _warnings = validate(broken)
    assert any(e.startswith("BR-CO-15") for e in errors), errors


def test_standard_rate_invoice_passes_every_rule(billing_world):
    errors, _warnings = validate(invoice_xml(_invoice(billing_world)))
    assert errors == []


def test_reduced_rate_passes_every_rule(billing_world):
    errors, _warnings = validate(invoice_xml(_invoice(billing_world, vat_rate=700)))
    assert errors == []


def test_reverse_charge_passes_every_rule(billing_world):
    invoice = _invoice(billing_world, reverse_charge=True, client_vat_id="ATU12345678", client_country="AT")
    errors, _warnings = validate(invoice_xml(invoice))
    assert errors == []


def test_cancellation_passes_every_rule(billing_world):
    w = billing_world
    storno = finalising.cancel(w.owner_a, _invoice(w), on=date(2026, 11, 20))
    errors, _warnings = validate(invoice_xml(storno))
    assert errors == []


def test_no_warnings_on_a_standard_invoice(billing_world):
    _errors, warnings = validate(invoice_xml(_invoice(billing_world)))
    assert warnings == []
