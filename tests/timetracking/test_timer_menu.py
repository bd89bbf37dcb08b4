"""The header timer outside the time pages: the running timer and its stop button, but not the menu of every
workspace and activity, which comes from /time/timer/menu when opened."""

from agency import db
from agency.timetracking import services
from tests.conftest import login
from tests.timetracking.conftest import activity_of


def test_pages_outside_time_tracking_carry_no_timer_menu(client, world):
    login(client, world.cm_a)
    page = client.get("/").get_data(as_text=True)
    assert "data-timer-menu-url" in page and "data-timer-activity" not in page
    week = client.get("/time").get_data(as_text=True)
    assert "data-timer-activity" in week and "data-timer-menu-url" not in week


def test_the_menu_fragment_lists_my_workspaces_and_keeps_the_way_back(client, world):
    login(client, world.cm_a)
    response = client.get("/time/timer/menu?next=/inbox/%3Fstatus%3Dopen")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "data-timer-activity" in html and world.ws_a.name in html and world.ws_b.name not in html
    assert 'name="csrf_token"' in html and 'value="/inbox/?status=open"' in html
    offsite = client.get("/time/timer/menu?next=https://evil.example/").get_data(as_text=True)
    assert "evil.example" not in offsite


def test_a_running_timer_shows_with_its_stop_button_everywhere(client, world):
    services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a))
    db.session.commit()
    login(client, world.cm_a)
    page = client.get("/").get_data(as_text=True)
    assert "data-timer-stop" in page and world.ws_a.name in page


def test_people_who_do_not_track_time_get_no_menu(client, world):
    login(client, world.client_a)
    assert client.get("/time/timer/menu").status_code in (403, 404)
