"""Identities are made from interactions by themselves: in bulk at ingest (one statement per page), lazily for
older authors, one per platform and author id (the same id on two channels of one platform is one person)."""

from __future__ import annotations

from sqlalchemy import func, select

from agency import db
from agency.inbox.models import Interaction
from agency.people import services
from agency.people.models import Person, PersonIdentity
from tests.conftest import make_channel
from tests.people.conftest import person_of


def _identities(workspace) -> dict[tuple[str, str], int]:
    return {(p, a): person for p, a, person in db.session.execute(
        select(PersonIdentity.platform, PersonIdentity.author_external_id, PersonIdentity.person_id)
        .where(PersonIdentity.workspace_id == workspace.id))}


def test_link_authors_makes_one_person_per_platform_author(world, said):
    fb1, fb2 = make_channel(world.ws_a, "facebook_page"), make_channel(world.ws_a, "facebook_page")
    ig = make_channel(world.ws_a, "instagram_business")
    items = [said(fb1, "111", "eins"), said(fb1, "111", "zwei"), said(fb2, "111", "andere Seite"),
             said(ig, "111", "Instagram"), said(fb1, "222", "jemand anders"),
             said(fb1, "333", "unsere Antwort", is_own=True), said(fb1, "", "ohne id")]
    made = services.link_authors(world.agency_a.id, world.ws_a.id, [i.id for i in items])
    found = _identities(world.ws_a)
    assert made == 3 and set(found) == {("facebook_page", "111"), ("instagram_business", "111"),
                                        ("facebook_page", "222")}
    assert len(set(found.values())) == 3  # Facebook and Instagram ids are never the same person by themselves
    assert services.link_authors(world.agency_a.id, world.ws_a.id, [i.id for i in items]) == 0
    # The same author id in another workspace is another person.
    other = make_channel(world.ws_a2, "facebook_page")
    said(other, "111", "hallo")
    services.link_authors(world.agency_a.id, world.ws_a2.id)
    assert person_of(world.ws_a2, "facebook_page", "111").id != found[("facebook_page", "111")]
    person = db.session.get(Person, found[("facebook_page", "111")])
    timeline, _next = services.timeline(person)
    assert [i.text for i in timeline] == ["andere Seite", "zwei", "eins"]  # both Facebook channels, newest first


def _run_link_jobs() -> int:
    """Run the link jobs the syncs queued (as a worker of the default queue would)."""
    from agency.people.jobs import link_page_authors
    from agency.queue import get_queue

    queue, ran = get_queue("default"), 0
    for queued in queue.jobs:
        if queued.func_name.endswith("link_page_authors"):
            link_page_authors.run_inline(*queued.args)
            queued.delete()
            ran += 1
    return ran


def test_ingest_queues_linking_of_new_authors(world, platform, connect, fan_comment):
    from agency.queue import get_queue

    get_queue("default").empty()
    channel = connect("facebook_page")
    assert _run_link_jobs() >= 1  # one job per stored page, queued after its commit
    authors = set(db.session.execute(select(Interaction.platform, Interaction.author_external_id).where(
        Interaction.channel_id == channel.id, Interaction.is_own.is_(False),
        Interaction.author_external_id.is_not(None))).all())
    assert authors and authors <= set(_identities(world.ws_a))  # no page was shown: the sync's jobs made them
    first = fan_comment(channel, "Ich schreibe zum ersten Mal", author_id="fan-777", author_name="Eva Erst")
    second = fan_comment(channel, "Und noch einmal", author_id="fan-777", author_name="Eva Erst")
    assert _run_link_jobs() == 2
    person = db.session.get(Person, _identities(world.ws_a)[("facebook_page", "fan-777")])
    assert person.display_name == "Eva Erst"
    assert person.interaction_count == 2 and person.last_seen_at == second.platform_created_at  # the list's figures
    timeline, _next = services.timeline(person)
    assert [i.id for i in timeline] == [second.id, first.id]
    assert db.session.scalar(select(func.count()).select_from(PersonIdentity).where(
        PersonIdentity.author_external_id == "fan-777")) == 1


def test_hourly_catch_up_links_authors_no_ingest_saw(world, said):
    from agency.people import jobs
    from agency.queue import get_queue

    said(make_channel(world.ws_a), "old-1", "vor dem Update gespeichert")
    get_queue("default").empty()
    assert jobs.link_all_authors.run_inline() >= 2  # ws_a and ws_a2 (and any other active workspace)
    queued = {j.id for j in get_queue("default").jobs}
    assert f"people-link-{world.ws_a.id}" in queued and f"people-link-{world.ws_a2.id}" in queued
    assert jobs.link_workspace_authors.run_inline(world.agency_a.id, world.ws_a.id) == 1
    assert ("facebook_page", "old-1") in _identities(world.ws_a)
    assert jobs.link_workspace_authors.run_inline(world.agency_a.id, world.ws_a.id) == 0
