"""Experts and escalations: asking from a thread pauses the SLA clock and e-mails a signed link; the
expert answers without an account; the answer is an internal note and the asker hears of it. Links:
valid, expired, tampered, reused after answering, another workspace's — and reminders."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from agency import db
from agency.accounts.notifications import Notification
from agency.community.models import Escalation
from agency.community.services import escalations
from agency.community.services import settings as settings_services
from agency.inbox.models import Interaction, Note
from agency.queue import get_queue
from tests.conftest import csrf_token, login, make_agency, make_workspace

QUESTION = "Enthält das Roggenbrot Nüsse? Eine Kundin mit Allergie fragt."
CUSTOMER = "Ist euer Roggenbrot nussfrei? Meine Tochter hat eine Allergie."


def _mails() -> list[tuple]:
    return [job.args for job in get_queue("mail").jobs]


def _link_from_mail(to: str) -> str:
    for recipient, _subject, body, *_rest in _mails():
        if recipient == to:
            return re.search(r"(/expert/\S+)", body).group(1)
    raise AssertionError(f"no mail to {to}: {_mails()}")


@pytest.fixture
def asked(app, client, world, channel_a, make_interaction, expert_a):
    """The community manager asks Dr. Weber from the thread (through the sidebar's form)."""
    interaction = make_interaction(world.ws_a, text=CUSTOMER, channel=channel_a, status="new",
                                   author_name="Erika Muster")
    from agency.sla.services import recompute_interactions

    recompute_interactions([interaction.id])
    interaction_id = interaction.id
    login(client, world.cm_a)
    response = client.post(f"/w/{world.ws_a.slug}/inbox/{interaction_id}/escalate",
                           data={"expert": str(expert_a.id), "question": QUESTION,
                                 "csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    escalation = db.session.scalars(select(Escalation).where(Escalation.interaction_id == interaction_id)).one()
    return {"interaction_id": interaction_id, "escalation_id": escalation.id,
            "link": _link_from_mail(expert_a.email)}


def test_escalating_pauses_the_sla_and_mails_a_link(app, world, asked, expert_a):
    interaction = db.session.get(Interaction, asked["interaction_id"])
    escalation = db.session.get(Escalation, asked["escalation_id"])
    assert escalation.status == "waiting" and escalation.paused_sla and escalation.asked_by_id == world.cm_a.id
    assert interaction.sla_pause_reason == "waiting_on_expert" and interaction.sla_paused_since is not None
    assert interaction.sla_due_at is None  # a frozen clock has no due time
    notes = [n.text for n in db.session.scalars(select(Note).where(Note.interaction_id == interaction.id))]
    assert any("Dr. Vera Weber" in n and QUESTION in n for n in notes)
    (_recipient, subject, body, _html) = next(m for m in _mails() if m[0] == expert_a.email)
    assert "Alpha Client" in subject and CUSTOMER in body and QUESTION in body
    assert asked["link"].startswith("/expert/")


def test_the_expert_answers_through_the_link(app, world, asked):
    anonymous = app.test_client()
    page = anonymous.get(asked["link"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and CUSTOMER in html and QUESTION in html and "Dr. Vera Weber" in html
    answer = "Nein, das Roggenbrot ist nussfrei; es wird aber in einer Backstube mit Nüssen gebacken."
    done = anonymous.post(asked["link"], data={"answer": answer, "csrf_token": csrf_token(anonymous, asked["link"])})
    # The expert works at the client: the page speaks the workspace's language (German here).
    assert done.status_code == 200 and "Vielen Dank, Dr. Vera Weber!" in done.get_data(as_text=True)
    db.session.expire_all()
    escalation = db.session.get(Escalation, asked["escalation_id"])
    interaction = db.session.get(Interaction, asked["interaction_id"])
    assert escalation.status == "answered" and escalation.answer == answer and escalation.answered_at is not None
    assert interaction.sla_paused_since is None and interaction.sla_due_at is not None  # the clock runs again
    notes = [n.text for n in db.session.scalars(select(Note).where(Note.interaction_id == interaction.id))]
    assert any(answer in n and "Dr. Vera Weber" in n for n in notes)
    told = db.session.scalars(select(Notification).where(Notification.kind == "community.expert_answered")).all()
    assert [n.user_id for n in told] == [world.cm_a.id]
    assert any(m[0] == world.cm_a.email and answer in m[2] for m in _mails())
    # The answer shows in the thread, and the experts page lists the response time.
    staff = app.test_client()
    login(staff, world.cm_a)
    thread = staff.get(f"/w/{world.ws_a.slug}/inbox/{interaction.id}").get_data(as_text=True)
    assert answer in thread
    experts = staff.get(f"/w/{world.ws_a.slug}/experts").get_data(as_text=True)
    assert "answered" in experts and "in business hours" in experts
    # Reused after answering: a clear page that reveals nothing.
    reused = anonymous.get(asked["link"])
    body = reused.get_data(as_text=True)
    assert reused.status_code == 410 and "has been answered" in body
    assert CUSTOMER not in body and QUESTION not in body and "Alpha Client" not in body
    again = anonymous.post(asked["link"], data={"answer": "Noch mal", "csrf_token": csrf_token(anonymous, "/login")})
    assert again.status_code == 410
    assert db.session.get(Escalation, asked["escalation_id"]).answer == answer


def _assert_reveals_nothing(response, status: int, text: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == status and text in body
    assert CUSTOMER not in body and QUESTION not in body and "Alpha Client" not in body and "Weber" not in body


def test_tampered_links(app, world, asked):
    anonymous = app.test_client()
    token = asked["link"].removeprefix("/expert/")
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    for bad in (flipped, token[:20], "x", token + "x", "a" * 900):
        _assert_reveals_nothing(anonymous.get(f"/expert/{bad}"), 404, "not valid")
    # Signed with the app's key but for another purpose (say, an invitation): not an answer link.
    other = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="accounts.invite").dumps(
        {"a": world.agency_a.id, "w": world.ws_a.id, "e": asked["escalation_id"], "n": "x"})
    _assert_reveals_nothing(anonymous.get(f"/expert/{other}"), 404, "not valid")


def test_expired_links(app, world, asked, monkeypatch):
    anonymous = app.test_client()
    escalation = db.session.get(Escalation, asked["escalation_id"])
    escalation.expires_at = db.utcnow() - timedelta(minutes=1)
    db.session.commit()
    _assert_reveals_nothing(anonymous.get(asked["link"]), 410, "expired")
    # A link older than the longest lifetime fails on its signature's age alone.
    escalation = db.session.get(Escalation, asked["escalation_id"])  # the request ended the old session
    escalation.expires_at = db.utcnow() + timedelta(days=365)
    db.session.commit()
    import itsdangerous.timed

    real = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - 90 * 86400)
    with app.test_request_context():
        old = escalations.link_token(escalation)
    monkeypatch.setattr(itsdangerous.timed.time, "time", real)
    _assert_reveals_nothing(anonymous.get(f"/expert/{old}"), 410, "expired")


def test_another_workspaces_or_agencys_link(app, world, asked, make_interaction, expert_a):
    """A correctly signed link opens only the escalation it names, in the agency it names."""
    anonymous = app.test_client()
    escalation = db.session.get(Escalation, asked["escalation_id"])
    escalation_id, nonce = escalation.id, escalation.nonce
    agency_a, ws_a, ws_a2 = world.agency_a.id, world.ws_a.id, world.ws_a2.id
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=escalations.LINK_SALT)
    other_ws = serializer.dumps({"a": agency_a, "w": ws_a2, "e": escalation_id, "n": nonce})
    _assert_reveals_nothing(anonymous.get(f"/expert/{other_ws}"), 404, "not valid")
    agency_c = make_agency("Gamma")
    ws_c = make_workspace(agency_c, "Gamma Kunde")
    db.session.commit()
    other_agency = serializer.dumps({"a": agency_c.id, "w": ws_c.id, "e": escalation_id, "n": nonce})
    _assert_reveals_nothing(anonymous.get(f"/expert/{other_agency}"), 404, "not valid")
    wrong_nonce = serializer.dumps({"a": agency_a, "w": ws_a, "e": escalation_id, "n": "0" * 32})
    _assert_reveals_nothing(anonymous.get(f"/expert/{wrong_nonce}"), 404, "not valid")
    assert anonymous.get(asked["link"]).status_code == 200  # the real link still works


def test_withdrawing_kills_the_link_and_restarts_the_clock(app, client, world, asked):
    response = client.post(f"/w/{world.ws_a.slug}/escalations/{asked['escalation_id']}/cancel",
                           data={"csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Escalation, asked["escalation_id"]).status == "cancelled"
    assert db.session.get(Interaction, asked["interaction_id"]).sla_paused_since is None
    assert app.test_client().get(asked["link"]).status_code == 410


def test_reminder_after_business_hours(app, world, asked, expert_a):
    escalation = db.session.get(Escalation, asked["escalation_id"])
    assert escalation.reminder_due_at > escalation.created_at
    get_queue("mail").empty()
    escalation.reminder_due_at = db.utcnow() - timedelta(minutes=1)
    db.session.commit()
    from agency.community.jobs import remind_experts

    assert remind_experts.run_inline() == 1
    assert remind_experts.run_inline() == 0  # once
    mails = [m for m in _mails() if m[0] == expert_a.email]
    assert len(mails) == 1 and "Erinnerung" in mails[0][1] and "/expert/" in mails[0][2]  # the workspace's German
    link = re.search(r"(/expert/\S+)", mails[0][2]).group(1)
    assert app.test_client().get(link).status_code == 200
    assert db.session.scalars(select(Notification).where(Notification.kind == "community.expert_waiting")).all()


def test_no_pause_when_the_workspace_says_so(app, world, channel_a, make_interaction, expert_a):
    settings_services.save_escalation_settings(world.owner_a, world.ws_a, pauses_sla=False, reminder_hours=2,
                                               link_days=3)
    interaction = make_interaction(world.ws_a, text="Frage", channel=channel_a)
    escalation = escalations.escalate(world.cm_a, world.ws_a, interaction, expert_a, "Weißt du das?")
    assert not escalation.paused_sla and interaction.sla_paused_since is None
    assert (escalation.expires_at - escalation.created_at).days in (2, 3)


def test_inactive_and_foreign_experts_cannot_be_asked(app, world, make_interaction, expert_a):
    from agency.community.models import Expert
    from agency.errors import ValidationError

    interaction = make_interaction(world.ws_a)
    other = Expert(agency_id=world.agency_a.id, workspace_id=world.ws_a2.id, name="Fremd", email="f@alpha.test")
    db.session.add(other)
    db.session.flush()
    with pytest.raises(ValidationError):
        escalations.escalate(world.cm_a, world.ws_a, interaction, other, "?")
    expert_a.is_active = False
    with pytest.raises(ValidationError):
        escalations.escalate(world.cm_a, world.ws_a, interaction, expert_a, "?")
