"""Every form of the reports answers garbage with a clear 4xx and writes nothing: NUL bytes, blank and huge
values, file parts where text is expected, impossible months and day counts."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from agency import db
from agency.reports import services
from agency.reports.models import Report, ShareLink, StoredFile
from tests.conftest import csrf_token, login
from tests.reports.crosstenant import published_report

HUGE = "x" * 200_000


def _file():
    return (io.BytesIO(b"file"), "x.txt")


def _counts():
    return tuple(db.session.scalar(select(func.count(model.id))) for model in (Report, ShareLink, StoredFile))


def _assert_rejected(client, cases, token_page):
    for endpoint, (url, payloads) in cases.items():
        for payload in payloads:
            data = {"csrf_token": csrf_token(client, token_page), **payload}
            response = client.post(url, data=data, content_type="multipart/form-data")
            assert 400 <= response.status_code < 500, (endpoint, list(payload), response.status_code)
            body = response.get_data(as_text=True)
            marks = ('class="error"', "alert-error", "Bad request", "form has expired", "flash-error")
            assert any(mark in body for mark in marks) or response.status_code != 400, (endpoint, list(payload))


def test_forms_reject_bad_input(app, world):
    from tests.reports.forms_registry import FORMS

    ws = world.ws_a
    published = published_report(world)
    draft = Report(agency_id=ws.agency_id, workspace_id=world.ws_a.id, month=published.month.replace(month=9),
                   status="draft", figures=published.figures, progress=100)
    db.session.add(draft)
    db.session.commit()
    page = f"/w/{ws.slug}/reports"
    cases = {
        "reports.generate": (f"{page}/generate", [
            {}, {"month": "2026-13"}, {"month": "2099-01"}, {"month": "\x00"}, {"month": HUGE}, {"month": "   "},
            {"month": _file()}, {"month": "1999-12"}]),
        "reports.commentary": (f"{page}/2026-09/commentary", [
            {"commentary": HUGE}, {"commentary": _file()}, {"next_steps": HUGE}]),
        "reports.publish": (f"{page}/2026-09/publish", [{}, {"confirm": ""}, {"confirm": _file()}]),
        "reports.share": (f"{page}/{published.month_key}/share", [
            {}, {"days": "0"}, {"days": "91"}, {"days": "x"}, {"days": HUGE}, {"days": "7", "label": HUGE},
            {"days": "7", "label": _file()}]),
        "reports.generate_all": ("/reports/generate-all", [{}, {"month": "nope"}, {"month": HUGE}]),
    }
    assert set(cases) | {"portal.share"} == set(FORMS)
    client = app.test_client()
    login(client, world.owner_a)
    before = _counts()
    _assert_rejected(client, cases, "/reports")
    # A published report refuses comments and a second publication with a message, not a 500.
    for url, data in ((f"{page}/{published.month_key}/commentary", {"commentary": "neu"}),
                      (f"{page}/{published.month_key}/publish", {"confirm": "y"})):
        response = client.post(url, data={"csrf_token": csrf_token(client, "/reports"), **data})
        assert response.status_code == 400 and "published" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _counts() == before
    assert db.session.get(Report, draft.id).commentary == ""


def test_client_share_rejects_bad_input(app, world):
    published = published_report(world)
    db.session.commit()
    client = app.test_client()
    login(client, world.client_a)
    before = _counts()
    url = f"/portal/reports/{published.month_key}/share"
    _assert_rejected(client, {"portal.share": (url, [{}, {"days": "-1"}, {"days": "1e9"}, {"days": HUGE},
                                                     {"days": "3", "label": HUGE}])}, "/portal/")
    assert _counts() == before


def test_actions_need_their_token(app, world):
    published = published_report(world)
    link, _token = services.create_share_link(published, world.am_a, days=3)
    db.session.commit()
    client = app.test_client()
    login(client, world.owner_a)
    page = f"/w/{world.ws_a.slug}/reports/{published.month_key}"
    assert client.post(f"{page}/regenerate", data={}).status_code == 400
    assert client.post(f"{page}/share/{link.id}/revoke", data={}).status_code == 400
    assert client.post(f"{page}/share/99999999999999999999/revoke",
                       data={"csrf_token": csrf_token(client, "/reports")}).status_code == 404
    regenerate = client.post(f"{page}/regenerate", data={"csrf_token": csrf_token(client, "/reports")})
    assert regenerate.status_code == 409  # published: refused with a message
    db.session.expire_all()
    assert db.session.get(ShareLink, link.id).revoked_at is None
    assert client.post(f"{page}/share/{link.id}/revoke",
                       data={"csrf_token": csrf_token(client, "/reports")}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ShareLink, link.id).revoked_at is not None
