"""The core client against the real server: tokens, record changed, chat, work items, the inbox,
and how Tandem's errors arrive (typed exceptions, retries on 429 and 503)."""
from __future__ import annotations

import time

import jwt
import pytest

from tandem_server import Tandem
from tandem_integration import (TandemBadRequest, TandemClient, TandemNotFound, TandemRateLimited,
                                TandemUnauthorized, TandemUnavailable, sign_token)

ALICE = {"sub": "alice", "name": "Alice Martin", "roles": ["agent"], "perms": {"shop.order:*": ["read", "write", "comment"]}}


def test_mints_a_token_tandem_accepts(client: TandemClient, tandem: Tandem) -> None:
    minted = client.mint_token(ALICE, ttl_seconds=600)
    me = TandemClient(tandem.url, "unused").request("GET", "/me", token=minted["token"])
    assert me == {"kind": "user", "tenantId": "shop", "id": "alice", "name": "Alice Martin", "roles": ["agent"]}


def test_a_self_signed_hs256_token_is_accepted_and_a_wrong_secret_is_not(tandem: Tandem) -> None:
    anyone = TandemClient(tandem.url, "unused")
    token = sign_token(ALICE, tenant="shop", secret=tandem.jwt_secret, ttl_seconds=300)
    assert jwt.decode(token, tandem.jwt_secret, algorithms=["HS256"], audience="tandem")["tenant"] == "shop"
    assert anyone.request("GET", "/me", token=token)["id"] == "alice"
    forged = sign_token(ALICE, tenant="shop", secret="not-the-secret-0123456789", ttl_seconds=300)
    with pytest.raises(TandemUnauthorized) as e:
        anyone.request("GET", "/me", token=forged)
    assert e.value.code == "token_signature" and e.value.status == 401


def test_errors_arrive_as_typed_exceptions_with_tandems_code(client: TandemClient, tandem: Tandem) -> None:
    with pytest.raises(TandemUnauthorized) as bad_key:
        TandemClient(tandem.url, "tdm_not_a_key").me()
    assert bad_key.value.code == "api_key_invalid"
    with pytest.raises(TandemBadRequest) as invalid:
        client.mint_token({"sub": "x"})  # no name
    assert invalid.value.code == "validation_failed" and invalid.value.details
    with pytest.raises(TandemNotFound) as missing:
        client.notifications("nobody-ever")  # unknown users have an empty inbox, not a 404 …
        client.delegation("00000000-0000-4000-8000-000000000000")  # … a delegation that does not exist is
    assert missing.value.code == "not_found"


def test_record_changed_chat_work_items_and_the_inbox(client: TandemClient, listen, tandem: Tandem) -> None:
    bob = {"sub": "bob", "name": "Bob", "perms": {"shop.order:*": ["read", "write", "comment"]}}
    client.mint_token(bob)  # both users are in the directory from their first token
    token = client.mint_token(ALICE)["token"]
    room = listen(token, "shop.order:7", [{"name": "reference", "kind": "text", "value": "ORD-7"}])
    assert room.join["ok"] is True, room.join

    assert client.record_changed("shop.order:7", {"reference": "ORD-7b"}, saved_by="erp")["rebased"] == ["reference"]
    assert room.next_change()["values"] == {"reference": "ORD-7b"}

    sent = client.post_message("shop.order:7", "Invoice sent")
    assert sent["message"]["body"] == "Invoice sent" and sent["message"]["author"]["type"] == "app"
    assert client.messages("shop.order:7")["messages"][0]["id"] == sent["message"]["id"]

    d = client.create_delegation(delegator_id="alice", assignee_id="bob", fields=["reference"], page_key="shop.order:7", note="check it")
    assert [x["id"] for x in client.delegations("bob", role="received")] == [d["id"]]
    assert client.act_on_delegation(d["id"], "accept", "bob")["status"] == "accepted"
    inbox = client.notifications("bob")
    assert inbox["unread"] >= 1 and any(n["type"].startswith("delegation") for n in inbox["items"])
    assert client.mark_notifications_read("bob")["unread"] == 0

    help_ = client.ask_for_help(requester_id="alice", message="Which warehouse?", page_key="shop.order:7")
    assert client.help_request(help_["id"])["message"] == "Which warehouse?"
    assert client.act_on_help_request(help_["id"], "cancel", "alice")["status"] == "cancelled"


def test_unreachable_tandem_is_retried_then_raised_as_unavailable(tandem: Tandem) -> None:
    waits = []
    c = TandemClient(tandem.url, tandem.api_key, retries=2, backoff=0.01, sleep=waits.append)
    tandem.http.cut()
    try:
        with pytest.raises(TandemUnavailable) as e:
            c.me()
    finally:
        tandem.http.restore()
    assert e.value.code == "unavailable" and len(waits) == 2
    assert c.me()["kind"] == "app"


def test_503_while_the_database_is_stopped_is_retried_and_succeeds_once_it_is_back(tandem: Tandem) -> None:
    c = TandemClient(tandem.url, tandem.api_key, retries=0)
    tandem.db.cut()
    try:
        deadline = time.monotonic() + 20
        while True:  # the pool notices a dead connection on its next query
            try:
                c.record_changed("shop.order:503", {"reference": "x"})
            except TandemUnavailable as e:
                assert e.status == 503 and e.code == "unavailable"
                break
            assert time.monotonic() < deadline, "Tandem kept answering with its database stopped"
            time.sleep(0.2)
        # A client that retries waits the database out: restored after the first failed attempt.
        retrying = TandemClient(tandem.url, tandem.api_key, retries=8, backoff=0.2,
                                sleep=lambda s: (tandem.db.restore(), time.sleep(s)))
        assert retrying.record_changed("shop.order:503", {"reference": "y"})["roomId"] is None
    finally:
        tandem.db.restore()


@pytest.fixture(scope="module")
def limited() -> Tandem:
    t = Tandem(env={"RATE_LIMIT_PER_MINUTE": "3"})
    yield t
    t.stop()


def test_429_honours_retry_after_and_is_raised_when_longer_than_the_caller_waits(limited: Tandem) -> None:
    waits = []
    c = TandemClient(limited.url, limited.api_key, retries=2, max_retry_wait=120, sleep=waits.append)
    for _ in range(3):
        c.me()
    with pytest.raises(TandemRateLimited) as e:
        c.me()
    # The server said how long: each retry waited exactly that (the window is a minute here).
    assert e.value.status == 429 and e.value.code == "rate_limited"
    assert e.value.retry_after and 1 <= e.value.retry_after <= 60
    assert len(waits) == 2 and all(abs(w - e.value.retry_after) <= 1 for w in waits)
    impatient = TandemClient(limited.url, limited.api_key, retries=5, max_retry_wait=0.5, sleep=waits.append)
    with pytest.raises(TandemRateLimited):
        impatient.me()
    assert len(waits) == 2  # a minute is longer than it waits for: raised without sleeping
