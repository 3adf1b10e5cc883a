"""Verifying Tandem's webhook deliveries (src/features/webhooks/sign.ts on the server): the
signature is ``sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}">`` with the endpoint's secret,
the timestamp must be near our clock, and an event id seen before is a replay."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, Mapping, Optional, Union

SIGNATURE_HEADER = "X-Tandem-Signature"
TIMESTAMP_HEADER = "X-Tandem-Timestamp"
EVENT_ID_HEADER = "X-Tandem-Event-Id"
EVENT_TYPE_HEADER = "X-Tandem-Event-Type"


class WebhookError(Exception):
    """A delivery that must not be acted on; ``reason`` is one of the subclasses' codes."""

    reason = "invalid"


class InvalidSignature(WebhookError):
    reason = "signature"


class StaleTimestamp(WebhookError):
    reason = "timestamp"


class ReplayedEvent(WebhookError):
    reason = "replay"


class MalformedEvent(WebhookError):
    reason = "malformed"


class SeenEvents:
    """Event ids seen in the last ``ttl`` seconds, in memory (one process). With several workers,
    pass ``WebhookVerifier(seen=...)`` a function over a shared store (Django's cache, Redis)
    that records an id and says whether it was already there."""

    def __init__(self, ttl: float, max_size: int = 100_000) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._ids: "OrderedDict[str, float]" = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, event_id: str, now: float) -> bool:
        with self._lock:
            while self._ids and (next(iter(self._ids.values())) < now - self.ttl or len(self._ids) >= self.max_size):
                self._ids.popitem(last=False)
            if event_id in self._ids:
                return True
            self._ids[event_id] = now
            return False

    def forget(self, event_id: str) -> None:
        """Lets a delivery whose handling failed be accepted again when Tandem retries it."""
        with self._lock:
            self._ids.pop(event_id, None)


class WebhookVerifier:
    def __init__(self, secret: str, *, tolerance: int = 300,
                 seen: Optional[Callable[[str, float], bool]] = None,
                 clock: Callable[[], float] = time.time) -> None:
        """``tolerance``: how far (seconds) a delivery's timestamp may be from now; Tandem's own
        check uses 300. Ids are remembered for twice that, longer than any timestamp passes."""
        if not secret:
            raise ValueError("WebhookVerifier needs the endpoint's signing secret")
        self.secret = secret.encode()
        self.tolerance = tolerance
        self.seen = seen or SeenEvents(ttl=2 * tolerance)
        self.clock = clock

    def verify(self, headers: Mapping[str, str], body: Union[bytes, str]) -> Dict[str, Any]:
        """The event (``{"id", "type", "data", ...}``) of a genuine, fresh, first delivery;
        raises a WebhookError otherwise. ``body`` must be the raw bytes as received."""
        raw = body.encode() if isinstance(body, str) else body
        h = {k.lower(): v for k, v in headers.items()}
        signature = h.get(SIGNATURE_HEADER.lower(), "")
        ts = h.get(TIMESTAMP_HEADER.lower(), "")
        if not ts.isdigit() or len(ts) > 12:
            raise StaleTimestamp("missing or malformed X-Tandem-Timestamp")
        expected = "sha256=" + hmac.new(self.secret, ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
        # Signature before the clock: an attacker learns nothing about our window from a forged body.
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise InvalidSignature("the signature does not match the body")
        now = self.clock()
        if abs(now - int(ts)) > self.tolerance:
            raise StaleTimestamp(f"timestamp is {int(now - int(ts))} s from our clock (tolerance {self.tolerance} s)")
        try:
            event = json.loads(raw)
        except ValueError:
            raise MalformedEvent("the body is not JSON") from None
        event_id = h.get(EVENT_ID_HEADER.lower()) or (event.get("id") if isinstance(event, dict) else None)
        if not isinstance(event, dict) or not event_id or str(event.get("id", event_id)) != str(event_id):
            raise MalformedEvent("the event has no id, or it differs from X-Tandem-Event-Id")
        if self.seen(str(event_id), now):
            raise ReplayedEvent(f"event {event_id} was delivered before")
        return event

    def forget(self, event_id: str) -> None:
        """Call when acting on a verified event failed: Tandem's retry of it is then no replay."""
        forget = getattr(self.seen, "forget", None)
        if forget:
            forget(event_id)
