"""A crawl of every page, as an outside tester does it: over HTTP against a running server, committed data.

- As each role of agency A, every page reachable by links answers without an error.
- As agency B's owner, every URL found in A's crawl answers 404 when it names A's objects, and no page
  B can open shows A's workspace names or its fans' texts.
- Every form found in A's crawl, submitted as rendered twice at the same moment (a double click), never
  answers 5xx.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from agency import db
from tests.conftest import TEST_PASSWORD

MAX_PAGES = 400
SKIP_PREFIXES = ("/static/", "/logout", "/webhooks/", "/healthz", "/branding.css")
SECRET = f"GEHEIMNIS-{os.getpid()}"


class _Page(HTMLParser):
    """Links and POST forms of one page, with the values a browser would send unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "a" and attr.get("href"):
            self.links.append(attr["href"])
        elif tag == "form" and (attr.get("method") or "get").lower() == "post":
            self._form = {"action": attr.get("action") or "", "fields": [], "enctype": attr.get("enctype")}
        elif self._form is None:
            return
        elif tag == "input" and attr.get("name"):
            kind = (attr.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            if kind in ("submit", "button", "file", "image"):
                return
            self._form["fields"].append((attr["name"], attr.get("value") or ""))
        elif tag == "button" and attr.get("name") and attr.get("value") is not None:
            self._form["fields"].append((attr["name"], attr["value"]))
        elif tag == "select" and attr.get("name"):
            self._select, self._select_value = attr["name"], None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in attr:
                self._select_value = attr.get("value", "")
        elif tag == "textarea" and attr.get("name"):
            self._textarea = attr["name"]
            self._form["fields"].append((attr["name"], ""))

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            name, value = self._form["fields"][-1]
            self._form["fields"][-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            self._form["fields"].append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


@pytest.fixture(scope="module")
def server(_app):
    httpd = make_server("127.0.0.1", 0, _app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture
def crawl_world(_app):
    from agency.accounts.models import Agency
    from agency.inbox.models import Interaction, Note
    from tests.conftest import make_agency, make_user, make_workspace

    with _app.app_context(), db.system_scope("test: committed fixtures"):
        a, b = make_agency("Crawl Agentur A"), make_agency("Crawl Agency B")
        ws1, ws2 = make_workspace(a, "Bäckerei Kruste"), make_workspace(a, "Zahnarzt Lächeln")
        ws_b = make_workspace(b, "Beta Kunde")
        users = {
            "owner": make_user(a, "owner"), "account_manager": make_user(a, "account_manager", workspaces=[ws1]),
            "community_manager": make_user(a, "community_manager", workspaces=[ws1]),
            "client": make_user(a, "client", workspaces=[ws1]), "b_owner": make_user(b, "owner"),
        }
        for n, ws in enumerate((ws1, ws2, ws_b)):
            for k in range(3):
                # One author per workspace writes with a bidi override (as if stored around ingest's cleaning).
                author = f"Fan {n}{k}" if k else f"Fan \u202e{n}{k}gnp.exe"
                row = Interaction(agency_id=ws.agency_id, workspace_id=ws.id, platform="facebook_page",
                                  external_id=f"crawl-{ws.id}-{k}", kind="comment", author_name=author,
                                  text=f"{SECRET} {ws.name} Frage {k}?", platform_created_at=db.utcnow())
                db.session.add(row)
                db.session.flush()
                db.session.add(Note(agency_id=ws.agency_id, workspace_id=ws.id, interaction_id=row.id,
                                    author_id=users["owner"].id if ws.agency_id == a.id else users["b_owner"].id,
                                    text="interne Notiz"))
        db.session.commit()
        info = {"a": a.id, "b": b.id, "emails": {k: u.email for k, u in users.items()},
                "a_names": [ws1.name, ws2.name], "a_slugs": [ws1.slug, ws2.slug], "b_slug": ws_b.slug}
    db.session.remove()
    yield info
    with _app.app_context(), db.system_scope("test: remove committed fixtures"):
        for agency_id in (info["a"], info["b"]):
            db.session.delete(db.session.get(Agency, agency_id))
        db.session.commit()
    db.session.remove()


def _login(base: str, email: str) -> requests.Session:
    http = requests.Session()
    http.headers["Accept-Language"] = "en"
    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
    answer = http.post(f"{base}/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token},
                       allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:300]
    return http


def crawl(http: requests.Session, base: str) -> tuple[dict[str, int], dict[str, str], list[dict]]:
    """Every same-site page reachable from ``/`` (GET); its status, body and POST forms."""
    seen: dict[str, int] = {}
    bodies: dict[str, str] = {}
    forms: dict[tuple, dict] = {}
    queue = ["/"]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = http.get(base + path, timeout=60, allow_redirects=True)
        seen[path] = response.status_code
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        bodies[path] = response.text
        parser = _Page()
        parser.feed(response.text)
        for href in parser.links:
            target = urlsplit(urljoin(base + path, href))
            if target.netloc != urlsplit(base).netloc:
                continue
            full = target.path + (f"?{target.query}" if target.query else "")
            if full not in seen and full not in queue and not full.startswith(SKIP_PREFIXES):
                queue.append(full)
        for form in parser.forms:
            action = urlsplit(urljoin(base + path, form["action"] or path)).path
            key = (action, tuple(sorted(name for name, _v in form["fields"])))
            forms.setdefault(key, {**form, "action": action, "page": path})
    return seen, bodies, list(forms.values())


@pytest.mark.parametrize("role", ["owner", "account_manager", "community_manager", "client"])
def test_every_page_of_every_role_answers(server, crawl_world, role):
    http = _login(server, crawl_world["emails"][role])
    seen, bodies, _forms = crawl(http, server)
    assert len(seen) >= (3 if role == "client" else 10)
    broken = {path: status for path, status in seen.items() if status >= 400}
    assert broken == {}
    spoofable = [path for path, body in bodies.items() if "\u202e" in body or "\u202d" in body]
    assert spoofable == []  # no page prints a bidi override, whatever a row holds


def test_another_agency_sees_nothing_of_a_crawl(server, crawl_world):
    owner_a = _login(server, crawl_world["emails"]["owner"])
    seen_a, _bodies, _forms = crawl(owner_a, server)
    owner_b = _login(server, crawl_world["emails"]["b_owner"])
    leaks = []
    own_ids = re.compile(r"/(\d+)(?:/|$|\?)")
    for path in seen_a:
        response = owner_b.get(server + path, timeout=60)
        names_a = any(slug in path for slug in crawl_world["a_slugs"]) or (
            path.startswith("/users/") and own_ids.search(path))
        if names_a and response.status_code != 404:
            leaks.append(f"{path} -> {response.status_code}")
        text = response.text
        for marker in [*crawl_world["a_names"], f"{SECRET} Bäckerei", f"{SECRET} Zahnarzt"]:
            if marker in text:
                leaks.append(f"{path} shows {marker!r}")
    # Not vacuous: B sees its own data on the same pages.
    _seen_b, bodies_b, _forms = crawl(owner_b, server)
    assert any(f"{SECRET} Beta Kunde" in body for body in bodies_b.values())
    assert leaks == []


def test_every_form_survives_a_double_submit(server, crawl_world):
    http = _login(server, crawl_world["emails"]["owner"])
    _seen, _bodies, forms = crawl(http, server)
    assert len(forms) >= 10
    errors = []
    for form in sorted(forms, key=lambda f: f["action"].startswith("/logout")):
        if form["action"].startswith(SKIP_PREFIXES):
            continue
        # A fresh page gives a valid CSRF token for this session.
        fields = list(form["fields"])

        def submit(_n, fields=fields, form=form, http=http):
            return http.post(server + form["action"], data=fields, timeout=60, allow_redirects=False)

        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(submit, range(2)))
        for answer in answers:
            if answer.status_code >= 500:
                errors.append(f"{form['action']} (from {form['page']}) -> {answer.status_code}")
        if http.get(f"{server}/profile", timeout=30, allow_redirects=False).status_code != 200:
            http = _login(server, crawl_world["emails"]["owner"])  # a form ended the session
    assert errors == []
