"""Invoices and reports through the API: lists with filters, one item, the files; billing's permission;
read-only scopes; another agency's or an invisible workspace's items answer 404; answers match the document."""

from __future__ import annotations

import hashlib

import schemathesis

from agency import db
from agency.api import tokens
from agency.api.framework import OPERATIONS, Error
from agency.api.openapi import openapi_path
from agency.billing import drafting, finalising
from agency.reports import services
from agency.reports.models import Report
from tests.api.conftest import Api, make_token
from tests.billing.conftest import MONTH, approved, set_up_billing
from tests.reports.conftest import seeded  # noqa: F401  (fixture)
from tests.reports.test_lifecycle import generated


def _invoices(world):
    set_up_billing(world)
    approved(world, 60)
    return finalising.finalise(world.am_a, drafting.draft_month(world.am_a, world.ws_a, MONTH)).id


def test_billing_and_reports_scopes_are_read_only():
    assert "billing:read" in tokens.SCOPES and "reports:read" in tokens.SCOPES
    assert "billing:write" not in tokens.SCOPES and "reports:write" not in tokens.SCOPES


def test_invoices_list_get_and_files(app, world):
    ws_id = world.ws_a.id
    final = _invoices(world)
    api = Api(app.test_client(), make_token(world.am_a, ["billing:read"]))
    db.session.commit()
    listed = api.get("/api/v1/invoices").json["items"]
    assert [(i["id"], i["number"], i["gross_cents"]) for i in listed] == [(final, "RE-00001", 11305)]
    assert api.get(f"/api/v1/invoices?workspace={ws_id}&state=final&period_from=2026-10"
                   "&period_to=2026-10").json["items"][0]["id"] == final
    assert api.get("/api/v1/invoices?state=draft").json["items"] == []
    assert api.get("/api/v1/invoices?period_from=2026-11").json["items"] == []
    bad = api.get("/api/v1/invoices?period_from=2026-13&state=bogus")
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"period_from", "state"}
    assert api.get("/api/v1/invoices?period_from=2026-11&period_to=2026-10").status_code == 422
    # Year 0 matched YYYY-MM but is no date (the fuzzer found a 500 here).
    for month in ("0000-01", "0999-12"):
        assert api.get(f"/api/v1/invoices?period_from={month}").status_code == 422, month
    one = api.get(f"/api/v1/invoices/{final}").json
    assert one["state"] == "final" and one["lines"] and sum(line["net_cents"] for line in one["lines"]) == 9500
    pdf = api.get(f"/api/v1/invoices/{final}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    xml = api.get(f"/api/v1/invoices/{final}/xml")
    assert xml.status_code == 200 and b"RE-00001" in xml.data
    assert api.get("/api/v1/interactions").status_code == 403  # the token has no other scope


def test_invoices_need_billing_permission_and_hide_drafts_files(app, world):
    final = _invoices(world)
    draft = drafting.draft_month(world.am_a, world.ws_a2, MONTH)
    draft = draft.id if draft is not None else None
    cm = Api(app.test_client(), make_token(world.cm_a, ["billing:read"]))
    owner = Api(app.test_client(), make_token(world.owner_a, ["billing:read"]))
    db.session.commit()
    assert cm.get("/api/v1/invoices").status_code == 403
    assert cm.get(f"/api/v1/invoices/{final}/pdf").status_code == 404  # hidden, as on the billing pages
    if draft is not None:
        assert owner.get(f"/api/v1/invoices/{draft}").json["state"] == "draft"
        assert owner.get(f"/api/v1/invoices/{draft}/pdf").status_code == 404


def test_another_agencys_invoices_and_reports_answer_404(app, world, seeded):  # noqa: F811
    ws_id = world.ws_a.id
    stranger = Api(app.test_client(), make_token(world.owner_b, ["billing:read", "reports:read"]))
    outsider = Api(app.test_client(), make_token(world.cm_unassigned, ["reports:read"]))
    final = _invoices(world)
    report = services.publish(generated(seeded.workspace, world.am_a), world.am_a).id
    db.session.commit()
    for path in (f"/invoices/{final}", f"/invoices/{final}/pdf", f"/invoices/{final}/xml",
                 f"/invoices?workspace={ws_id}", f"/reports/{report}", f"/reports/{report}/pdf",
                 f"/workspaces/{ws_id}/reports"):
        answer = stranger.get(f"/api/v1{path}")
        assert answer.status_code == 404 and answer.json["error"]["code"], path
    assert stranger.get("/api/v1/invoices").json["items"] == []
    for path in (f"/reports/{report}", f"/reports/{report}/pdf", f"/workspaces/{ws_id}/reports"):
        assert outsider.get(f"/api/v1{path}").status_code == 404, path


def test_reports_list_get_and_published_pdf(app, world, seeded):  # noqa: F811
    ws_id = world.ws_a.id
    report = generated(seeded.workspace, world.am_a).id
    api = Api(app.test_client(), make_token(world.cm_a, ["reports:read"]))
    db.session.commit()
    listed = api.get(f"/api/v1/workspaces/{ws_id}/reports").json["items"]
    assert [(r["id"], r["month"], r["status"], r["checksum"]) for r in listed] == [
        (report, "2026-10", "draft", None)]
    assert api.get(f"/api/v1/reports/{report}/pdf").status_code == 404  # a draft is not published
    with db.system_scope("test: ask for publication"):
        agency_id = db.session.get(Report, report).agency_id
        services.request_publication(db.session.get(Report, report), world.am_a)
        db.session.commit()
    assert api.get(f"/api/v1/reports/{report}").json["status"] == "publishing"  # the job has not run yet
    assert api.get(f"/api/v1/reports/{report}/pdf").status_code == 404
    from agency.reports import jobs

    assert jobs.publish_report.run_inline(agency_id, report) == "published"
    one = api.get(f"/api/v1/reports/{report}").json
    assert one["status"] == "published" and one["figures"] and len(one["checksum"]) == 64
    pdf = api.get(f"/api/v1/reports/{report}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert hashlib.sha256(pdf.data).hexdigest() == one["checksum"]
    assert api.get("/api/v1/invoices").status_code == 403  # no billing scope


def test_answers_match_the_document(app, world, seeded):  # noqa: F811
    ws_id = world.ws_a.id
    api = Api(app.test_client(), make_token(world.owner_a))
    final = _invoices(world)
    report = generated(seeded.workspace, world.am_a).id
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    calls = [("/api/v1/invoices", "/api/v1/invoices?state=final"),
             ("/api/v1/invoices/{invoice_id}", f"/api/v1/invoices/{final}"),
             ("/api/v1/invoices/{invoice_id}/pdf", f"/api/v1/invoices/{final}/pdf"),
             ("/api/v1/workspaces/{workspace_id}/reports", f"/api/v1/workspaces/{ws_id}/reports"),
             ("/api/v1/reports/{report_id}", f"/api/v1/reports/{report}"),
             ("/api/v1/reports/{report_id}/pdf", f"/api/v1/reports/{report}/pdf")]
    for template, url in calls:
        response = api.get(url)
        definition = schema[template]["GET"].definition.raw
        assert str(response.status_code) in definition["responses"], url
        declared = next(op for op in OPERATIONS if openapi_path(op.rule) in (template, template[len("/api/v1"):])
                        and op.method == "GET")
        if response.status_code >= 400:
            Error.model_validate(response.json)
        elif declared.response is not None:
            declared.response.model_validate(response.json)
        else:
            assert response.mimetype in definition["responses"][str(response.status_code)]["content"], url
