"""Interactions as CSV and XLSX with the inbox's filters, for roles that may export; hostile text stays text."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from agency import db
from tests.api.conftest import make_interaction
from tests.conftest import login, make_channel


def test_csv_and_xlsx_follow_the_inbox_filters(app, world):
    channel = make_channel(world.ws_a)
    make_interaction(world.ws_a, channel, text="=HYPERLINK(\"http://evil\")", tags=["VIP"], minutes_ago=1)
    make_interaction(world.ws_a, channel, text="Nur offen", minutes_ago=2)
    make_interaction(world.ws_a, channel, text="Erledigt", status="closed", minutes_ago=3)
    make_interaction(world.ws_a2, text="Anderer Kunde")
    slug = world.ws_a.slug
    client = app.test_client()
    login(client, world.am_a)
    inbox = client.get(f"/w/{slug}/inbox/?tag=VIP").get_data(as_text=True)
    assert f"/w/{slug}/interactions/export.csv?tag=VIP" in inbox
    response = client.get(f"/w/{slug}/interactions/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0][0] == "Id" and len(table) == 3  # header + the two open ones (the inbox's default)
    assert table[1][5] == "'=HYPERLINK(\"http://evil\")"  # formula injection defused
    everything = list(csv.reader(io.StringIO(client.get(f"/w/{slug}/interactions/export.csv?status=all")
                                             .get_data(as_text=True))))
    assert sorted(r[5] for r in everything[1:]) == sorted(["'=HYPERLINK(\"http://evil\")", "Nur offen", "Erledigt"])
    tagged = client.get(f"/w/{slug}/interactions/export.xlsx?tag=vip")
    sheet = load_workbook(io.BytesIO(tagged.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][9] == "VIP"


def test_export_is_role_checked(app, world):
    slug = world.ws_a.slug
    db.session.commit()
    cm = app.test_client()
    login(cm, world.cm_a)
    assert cm.get(f"/w/{slug}/interactions/export.csv").status_code == 404
    assert f"/w/{slug}/interactions/export.csv" not in cm.get(f"/w/{slug}/inbox/").get_data(as_text=True)
    other = app.test_client()
    login(other, world.owner_b)
    assert other.get(f"/w/{slug}/interactions/export.xlsx").status_code == 404
