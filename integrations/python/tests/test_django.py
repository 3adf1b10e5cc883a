"""The Django app on the repository's real Django 3.2 admin host (tests/hosts/django, which uses
this package for its order change forms) against a real Tandem: the token view, the tag on change
forms, claims mapped from model permissions, saves pushed to the people on the page (also from
another process, and while Tandem is down), and the webhook view."""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, Iterator

import pytest

from deliveries import post, recording, signed_at
from tandem_server import REPO, Tandem
from tandem_integration import TandemClient

HOST = REPO / "tests" / "hosts" / "django"
FIELDS = [{"name": "reference", "kind": "text", "value": "ORD-0002"}, {"name": "status", "kind": "select", "value": "new"}]


@pytest.fixture(scope="module")
def django_host(tandem: Tandem) -> Iterator[Dict[str, str]]:
    db = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False).name
    env = {"DJANGO_DB": db, "TANDEM_URL": tandem.url, "TANDEM_API_KEY": tandem.api_key,
           "DJANGO_SETTINGS_MODULE": "tandemhost.settings"}
    os.environ.update(env)
    sys.path.insert(0, str(HOST))
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.ALLOWED_HOSTS.append("testserver")  # django.test.Client's host
    call_command("migrate", verbosity=0)
    call_command("seed", stdout=open(os.devnull, "w"))
    yield env
    os.unlink(db)


def expertise_of(user: Any) -> list:
    return ["billing"] if user.groups.filter(name="Support").exists() else []


def client_as(user: str = "") -> Any:
    from django.contrib.auth.models import User
    from django.test import Client

    c = Client()
    if user:
        c.force_login(User.objects.get(username=user))
    return c


def claims(token: str) -> Dict[str, Any]:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})


def test_token_view_staff_get_a_token_others_a_401_json(django_host: Dict[str, str], tandem: Tandem) -> None:
    anon = client_as().get("/tandem/token")
    assert (anon.status_code, anon.json()) == (401, {"error": "not logged in as staff"})  # no redirect to the login page
    assert client_as("carol").get("/tandem/token").status_code == 401  # logged in, not staff
    alice = client_as("alice").get("/tandem/token")
    assert alice.status_code == 200 and alice["Cache-Control"].startswith("max-age=0")
    token = alice.json()["token"]
    me = TandemClient(tandem.url, "unused").request("GET", "/me", token=token)
    assert me == {"kind": "user", "tenantId": "shop", "id": str(claims(token)["sub"]), "name": "Alice Martin", "roles": []}
    assert claims(token)["perms"] == {"shop.order:*": ["read", "write", "comment"], "shop.customer:*": ["read"],
                                      "shop.warehouse:*": ["read"], "shop.tag:*": ["read"], "shop.channel:*": ["read"]}
    assert claims(client_as("erin").get("/tandem/token").json()["token"])["perms"] == {"shop.order:*": ["read"]}


def test_roles_from_groups_expertise_from_a_setting_and_the_comment_right(django_host: Dict[str, str]) -> None:
    from django.contrib.auth.models import Group, User
    from django.test import override_settings

    bob = User.objects.get(username="bob")
    bob.groups.add(Group.objects.get_or_create(name="Support")[0])
    with override_settings(TANDEM_ROLE_MAP={"Support": "helper"}, TANDEM_EXPERTISE="test_django.expertise_of",
                           TANDEM_COMMENT_PERMISSION="view"):
        c = claims(client_as("bob").get("/tandem/token").json()["token"])
    assert c["roles"] == ["Support", "helper"] and c["expertise"] == ["billing"]
    assert c["perms"]["shop.customer:*"] == ["read", "comment"]  # comment with view, as configured
    with override_settings(TANDEM_EXPERTISE=lambda user: ["billing", user.username]):
        assert claims(client_as("bob").get("/tandem/token").json()["token"])["expertise"] == ["billing", "bob"]
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    c = claims(client_as("root").get("/tandem/token").json()["token"])
    assert c["perms"] == {"*": ["read", "write", "comment"]} and c["roles"] == ["admin"]
    admin.delete()


def test_tandem_down_the_token_view_answers_502_json(django_host: Dict[str, str], tandem: Tandem) -> None:
    tandem.http.cut()
    try:
        r = client_as("alice").get("/tandem/token")
    finally:
        tandem.http.restore()
    assert r.status_code == 502 and r.json()["error"].startswith("Tandem did not issue a token")


def test_the_tag_is_on_change_forms_only_with_the_page_key_and_a_reader_joins_read_only(django_host: Dict[str, str], tandem: Tandem, listen) -> None:
    alice = client_as("alice")
    page = alice.get("/admin/shop/order/3/change/").content.decode()
    tag = f'<script src="{tandem.url}/tandem.js" data-server="{tandem.url}" data-token-url="/tandem/token" data-room="shop.order:3" defer></script>'
    assert page.count(tag) == 1 and page.index(tag) < page.index("</body>")
    assert "tandem.js" not in alice.get("/admin/shop/order/add/").content.decode()
    assert "tandem.js" not in alice.get("/admin/shop/order/").content.decode()

    erin = client_as("erin")
    assert 'data-room="shop.order:3"' in erin.get("/admin/shop/order/3/change/").content.decode()  # the view-only form
    room = listen(erin.get("/tandem/token").json()["token"], "shop.order:3", FIELDS)
    assert room.join["ok"] and room.join["permissions"] == ["read"]
    writer = listen(alice.get("/tandem/token").json()["token"], "shop.order:3", FIELDS)
    assert writer.join["permissions"] == ["read", "write", "comment"]


def test_a_save_in_another_process_reaches_the_page_as_record_changed(django_host: Dict[str, str], tandem: Tandem, listen) -> None:
    token = client_as("alice").get("/tandem/token").json()["token"]
    room = listen(token, "shop.order:2", FIELDS)
    script = ("from shop.models import Order, Tag\n"
              "o = Order.objects.get(pk=2); o.reference = 'ORD-SHELL'; o.status = 'paid'; o.save()\n"
              "o.tags.set(Tag.objects.filter(name__in=['gift', 'bulk']))\n")
    subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=HOST, env={**os.environ, **django_host},
                   check=True, timeout=60)  # exits right after saving: the pushes are flushed on exit
    seen: Dict[str, Any] = {}
    while seen.get("tags") != ["2", "3"]:  # the row's push and the tags' push, or both merged in one
        seen.update(room.next_change()["values"])
    assert seen["reference"] == "ORD-SHELL" and seen["status"] == "paid" and seen["customer"] == "1"


def test_tandem_down_the_save_succeeds_and_the_push_arrives_when_it_is_back(django_host: Dict[str, str], tandem: Tandem, listen) -> None:
    from shop.models import Order

    room = listen(client_as("alice").get("/tandem/token").json()["token"], "shop.order:4", FIELDS)
    tandem.http.cut()
    try:
        o = Order.objects.get(pk=4)
        o.notes = "Saved while Tandem was down"
        o.save()  # returns: nothing waits for Tandem
        assert Order.objects.get(pk=4).notes == "Saved while Tandem was down"
        time.sleep(1.5)
        assert room.changes.empty()
    finally:
        tandem.http.restore()
    assert room.next_change(timeout=40)["values"]["notes"] == "Saved while Tandem was down"


def test_webhook_view_emits_real_deliveries_and_refuses_tampered_old_and_replayed_ones(django_host: Dict[str, str], tandem: Tandem, serve) -> None:
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    from tandem_integration.django.signals import tandem_event

    received: "queue.Queue[Dict[str, Any]]" = queue.Queue()
    deliveries: "queue.Queue[Any]" = queue.Queue()

    def on_event(sender: Any, event: Dict[str, Any], event_type: str, **kw: Any) -> None:
        received.put(event)

    tandem_event.connect(on_event, weak=False)
    try:
        site = serve(recording(get_wsgi_application(), deliveries))
        TandemClient(tandem.url, tandem.api_key).register_webhook(f"{site.url}/tandem/webhook", ["record.changed"], secret=settings.TANDEM_WEBHOOK_SECRET)
        TandemClient(tandem.url, tandem.api_key).record_changed("shop.order:99", {"status": "shipped"})
        event = received.get(timeout=20)
        assert event["type"] == "record.changed" and event["pageKey"] == "shop.order:99"
        headers, body = deliveries.get(timeout=1)

        hook = f"{site.url}/tandem/webhook"
        assert post(hook, headers, body.replace(b"shipped", b"lost")) == 400
        assert post(hook, signed_at(headers, settings.TANDEM_WEBHOOK_SECRET, int(time.time()) - 3600, body), body) == 400
        assert post(hook, headers, body) == 200  # a replay is acknowledged …
        time.sleep(0.5)
        assert received.empty()  # … and not emitted again
    finally:
        tandem_event.disconnect(on_event)
