"""The Flask extension on a Flask + Flask-SQLAlchemy admin shaped like Flask-AppBuilder
(tests/hosts/flask: FAB's template blocks, view and permission names; FAB itself is not
installable here) against a real Tandem: the token route, the tag in tail_js on edit/show pages
of collaborative views only, claims from FAB permissions and roles, commits pushed to the page
(also while Tandem is down), and the webhook blueprint."""
from __future__ import annotations

import os
import queue
import sys
import time
from typing import Any, Dict, Iterator

import pytest

from deliveries import post, recording, signed_at
from tandem_server import REPO, Tandem
from tandem_integration import TandemClient

HOST = REPO / "tests" / "hosts" / "flask"
FIELDS = [{"name": "reference", "kind": "text", "value": "ORD-0001"}]


@pytest.fixture(scope="module")
def host(tandem: Tandem) -> Iterator[Any]:
    os.environ.update(TANDEM_URL=tandem.url, TANDEM_API_KEY=tandem.api_key)
    sys.path.insert(0, str(HOST))
    import app as flask_host

    app = flask_host.create_app()
    with app.app_context():
        flask_host.db.create_all()
        flask_host.seed()
    yield flask_host, app


def client_as(app: Any, user: str = "") -> Any:
    c = app.test_client()
    if user:
        assert c.get(f"/test-login/{user}").status_code == 200
    return c


def claims(token: str) -> Dict[str, Any]:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})


def test_token_route_anonymous_get_401_json_users_claims_from_fab_permissions(host: Any, tandem: Tandem) -> None:
    _, app = host
    anon = client_as(app).get("/tandem/token")
    assert (anon.status_code, anon.get_json()) == (401, {"error": "not logged in"})  # not FAB's login redirect
    alice = client_as(app, "alice").get("/tandem/token")
    assert alice.status_code == 200 and alice.headers["Cache-Control"] == "no-store"
    token = alice.get_json()["token"]
    assert TandemClient(tandem.url, "unused").request("GET", "/me", token=token)["name"] == "Alice Martin"
    c = claims(token)
    assert c["perms"] == {"ordermodelview:*": ["read", "write", "comment"]} and c["roles"] == ["Editor"]
    assert claims(client_as(app, "erin").get("/tandem/token").get_json()["token"])["perms"] == {"ordermodelview:*": ["read"]}
    assert claims(client_as(app, "nobody").get("/tandem/token").get_json()["token"])["perms"] == {}
    ada = claims(client_as(app, "ada").get("/tandem/token").get_json()["token"])
    assert ada["roles"] == ["Admin", "admin"]  # FAB's Admin is also Tandem's (case-sensitive) admin
    assert ada["perms"] == {"ordermodelview:*": ["read", "write", "comment"]}  # only collaborative views


def test_the_tag_is_in_tail_js_on_edit_and_show_of_collaborative_views_only(host: Any, tandem: Tandem) -> None:
    _, app = host
    ada = client_as(app, "ada")
    tag = f'<script src="{tandem.url}/tandem.js" data-server="{tandem.url}" data-token-url="/tandem/token" data-room="ordermodelview:2" defer></script>'
    for page in ("/ordermodelview/edit/2", "/ordermodelview/show/2"):
        html = ada.get(page).get_data(as_text=True)
        assert html.count(tag) == 1, page
        # In tail_js: after FAB's own scripts, before add_tail_js's and the end of the body.
        assert html.index("/static/appbuilder/js/ab.js") < html.index(tag) < html.index("ab_keep_tab.js") < html.index("</body>")
    for page in ("/ordermodelview/list/", "/ordermodelview/add", "/customermodelview/edit/1", "/customermodelview/show/1"):
        assert "tandem.js" not in ada.get(page).get_data(as_text=True), page


def test_a_reader_joins_read_only_and_an_editor_with_write(host: Any, listen) -> None:
    _, app = host
    reader = listen(client_as(app, "erin").get("/tandem/token").get_json()["token"], "ordermodelview:1", FIELDS)
    assert reader.join["ok"] and reader.join["permissions"] == ["read"]
    editor = listen(client_as(app, "alice").get("/tandem/token").get_json()["token"], "ordermodelview:1", FIELDS)
    assert editor.join["permissions"] == ["read", "write", "comment"]


def test_commits_reach_the_page_as_record_changed_and_rollbacks_do_not(host: Any, listen) -> None:
    flask_host, app = host
    room = listen(client_as(app, "alice").get("/tandem/token").get_json()["token"], "ordermodelview:3", FIELDS)
    # Through the edit form (a request) …
    r = client_as(app, "alice").post("/ordermodelview/edit/3", data={"reference": "ORD-FORM", "notes": "by form", "status": "paid"})
    assert r.status_code == 302
    change = room.next_change()
    assert change["values"] == {"reference": "ORD-FORM", "notes": "by form", "status": "paid", "urgent": False, "customer": "1"}
    assert change["savedBy"] == "Alice Martin"
    # … and from a script: a rolled-back change is never pushed, the committed one is.
    with app.app_context():
        order = flask_host.db.session.get(flask_host.Order, 3)
        order.reference = "ORD-ROLLED-BACK"
        flask_host.db.session.flush()
        flask_host.db.session.rollback()
        order = flask_host.db.session.get(flask_host.Order, 3)
        order.urgent = True
        flask_host.db.session.commit()
    change = room.next_change()
    assert change["values"]["urgent"] is True and change["values"]["reference"] == "ORD-FORM"
    assert change["savedBy"] is None


def test_tandem_down_the_commit_succeeds_and_the_push_arrives_when_it_is_back(host: Any, tandem: Tandem, listen) -> None:
    flask_host, app = host
    room = listen(client_as(app, "alice").get("/tandem/token").get_json()["token"], "ordermodelview:4", FIELDS)
    tandem.http.cut()
    try:
        with app.app_context():
            flask_host.db.session.get(flask_host.Order, 4).notes = "Committed while Tandem was down"
            flask_host.db.session.commit()
            assert flask_host.db.session.get(flask_host.Order, 4).notes == "Committed while Tandem was down"
        time.sleep(1.5)
        assert room.changes.empty()
    finally:
        tandem.http.restore()
    assert room.next_change(timeout=40)["values"]["notes"] == "Committed while Tandem was down"


def test_webhook_blueprint_emits_real_deliveries_and_refuses_tampered_old_and_replayed_ones(host: Any, tandem: Tandem, serve) -> None:
    from tandem_integration.flask import tandem_event

    _, app = host
    received: "queue.Queue[Dict[str, Any]]" = queue.Queue()
    deliveries: "queue.Queue[Any]" = queue.Queue()

    def on_event(sender: Any, event: Dict[str, Any], event_type: str) -> None:
        received.put(event)

    tandem_event.connect(on_event, app)
    try:
        site = serve(recording(app, deliveries))
        secret = app.config["TANDEM_WEBHOOK_SECRET"]
        tandem_client = TandemClient(tandem.url, tandem.api_key)
        tandem_client.register_webhook(f"{site.url}/tandem/webhook", ["chat.*"], secret=secret)
        tandem_client.post_message("ordermodelview:5", "Shipped today")
        event = received.get(timeout=20)
        assert event["type"].startswith("chat.") and event["pageKey"] == "ordermodelview:5"
        headers, body = deliveries.get(timeout=1)

        hook = f"{site.url}/tandem/webhook"
        assert post(hook, headers, body.replace(b"Shipped today", b"Lost in transit")) == 400
        assert post(hook, signed_at(headers, secret, int(time.time()) - 3600, body), body) == 400
        assert post(hook, headers, body) == 200
        time.sleep(0.5)
        assert received.empty()
    finally:
        tandem_event.disconnect(on_event, app)


def test_plain_flask_claims_loader_track_and_the_template_global(tandem: Tandem, listen) -> None:
    from flask import Flask, render_template_string
    from flask_login import LoginManager, UserMixin, login_user
    from flask_sqlalchemy import SQLAlchemy

    from tandem_integration.flask import Tandem as TandemExtension

    db = SQLAlchemy()

    class Ticket(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(100))

    class Person(UserMixin):
        id = "pat"

    app = Flask("plain")
    app.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite://", TANDEM_URL=tandem.url, TANDEM_API_KEY=tandem.api_key)
    db.init_app(app)
    LoginManager(app).user_loader(lambda uid: Person() if uid == "pat" else None)
    tandem_ext = TandemExtension(app, db=db)

    @tandem_ext.claims_loader
    def claims_of(user: Any) -> Dict[str, Any]:
        return {"sub": user.get_id(), "name": "Pat", "perms": {"tickets:*": ["read", "write"]}}

    tandem_ext.track(Ticket, "tickets")
    app.add_url_rule("/login", "login", lambda: (login_user(Person()), "ok")[1])
    app.add_url_rule("/tickets/<int:pk>", "ticket", lambda pk: render_template_string('{{ tandem_script("tickets:%s" % pk) }}', pk=pk))

    c = app.test_client()
    c.get("/login")
    assert 'data-room="tickets:1"' in c.get("/tickets/1").get_data(as_text=True)
    token = c.get("/tandem/token").get_json()["token"]
    assert claims(token)["perms"] == {"tickets:*": ["read", "write"]}
    room = listen(token, "tickets:1", [{"name": "title", "kind": "text", "value": ""}])
    with app.app_context():
        db.create_all()
        db.session.add(Ticket(id=1, title="Printer on fire"))
        db.session.commit()
    assert room.next_change()["values"] == {"title": "Printer on fire"}


def test_webhook_deliveries_pass_flask_wtf_csrf_protection_which_fab_apps_use(tandem: Tandem) -> None:
    import json

    from flask import Flask
    from flask_wtf.csrf import CSRFProtect

    from tandem_integration.flask import Tandem as TandemExtension

    app = Flask("with_csrf")
    app.config.update(SECRET_KEY="x", TANDEM_URL=tandem.url, TANDEM_API_KEY=tandem.api_key, TANDEM_WEBHOOK_SECRET="csrf-app-secret-0123456789")
    CSRFProtect(app)
    TandemExtension(app)
    app.add_url_rule("/form", "form", lambda: "saved", methods=["POST"])
    c = app.test_client()
    assert c.post("/form").status_code == 400  # CSRF protection is on …
    body = json.dumps({"id": "evt-csrf-1", "type": "chat.message.created", "data": {}}).encode()
    headers = signed_at({"X-Tandem-Event-Id": "evt-csrf-1"}, "csrf-app-secret-0123456789", int(time.time()), body)
    r = c.post("/tandem/webhook", data=body, headers={**headers, "Content-Type": "application/json"})
    assert (r.status_code, r.get_json()) == (200, {"ok": True})  # … and a signed delivery passes it
