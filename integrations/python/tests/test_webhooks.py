"""WebhookVerifier against real deliveries: Tandem posts to a real HTTP server; the genuine
delivery is accepted, a tampered body, an old timestamp and a replay are refused."""
from __future__ import annotations

import queue
import time

import pytest

from deliveries import Delivery, no_app, recording

from tandem_integration import (InvalidSignature, ReplayedEvent, StaleTimestamp, TandemClient,
                                WebhookVerifier)

def test_a_real_delivery_is_accepted_and_tampered_old_or_replayed_ones_are_not(client: TandemClient, serve) -> None:
    got: "queue.Queue[Delivery]" = queue.Queue()
    receiver = serve(recording(no_app, got))
    secret = "whsec-python-test-0123456789"
    client.register_webhook(f"{receiver.url}/hook", ["record.*"], secret=secret)
    client.record_changed("shop.order:hook", {"status": "paid"}, saved_by="erp")
    headers, body = got.get(timeout=20)

    event = WebhookVerifier(secret).verify(headers, body)
    assert event["type"] == "record.changed" and event["pageKey"] == "shop.order:hook"
    assert event["data"]["values"] == {"status": "paid"}

    with pytest.raises(InvalidSignature):
        WebhookVerifier(secret).verify(headers, body.replace(b'"paid"', b'"free"'))
    with pytest.raises(InvalidSignature):
        WebhookVerifier("another-secret-0123456789").verify(headers, body)
    later = time.time() + 301  # the same delivery presented five minutes late
    with pytest.raises(StaleTimestamp):
        WebhookVerifier(secret, clock=lambda: later).verify(headers, body)

    once = WebhookVerifier(secret)
    once.verify(headers, body)
    with pytest.raises(ReplayedEvent):
        once.verify(headers, body)
    once.forget(event["id"])  # handling failed: Tandem's retry is accepted again
    assert once.verify(headers, body)["id"] == event["id"]
