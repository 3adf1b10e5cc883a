"""The token endpoint the overlay calls, and the webhook endpoint Tandem posts to."""
from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..errors import TandemError
from ..webhooks import ReplayedEvent, WebhookError, WebhookVerifier
from . import conf
from .claims import claims_for
from .signals import tandem_event

log = logging.getLogger("tandem_integration")


@never_cache
def token(request: HttpRequest) -> JsonResponse:
    """200 ``{"token"}`` for the logged-in user; 401 JSON to anyone else — never the login page's
    redirect, which the overlay cannot read — and 502 JSON while Tandem does not answer (the
    overlay retries with backoff)."""
    user = request.user
    staff_only = conf.get("TANDEM_STAFF_ONLY")
    if not (user.is_authenticated and user.is_active and (user.is_staff or not staff_only)):
        return JsonResponse({"error": "not logged in as staff" if staff_only else "not logged in"}, status=401)
    try:
        minted = conf.client().mint_token(claims_for(user), conf.get("TANDEM_TOKEN_TTL"))
    except TandemError as e:
        log.warning("tandem: no token for user %s: %s", user.pk, e)
        return JsonResponse({"error": f"Tandem did not issue a token: {e.code}"}, status=502)
    return JsonResponse({"token": minted["token"]})


_verifier: Any = None


def verifier() -> WebhookVerifier:
    global _verifier
    secret = conf.required("TANDEM_WEBHOOK_SECRET")
    if _verifier is None or _verifier.secret != secret.encode():
        _verifier = WebhookVerifier(secret)
    return _verifier


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    """Verifies a delivery and sends ``tandem_event``. 400 for a bad signature, timestamp or body
    (Tandem logs it as failed); a replay is acknowledged (200) but not sent again."""
    v = verifier()
    try:
        event = v.verify(request.headers, request.body)
    except ReplayedEvent:
        return JsonResponse({"ok": True, "duplicate": True})
    except WebhookError as e:
        log.warning("tandem: webhook refused (%s): %s", e.reason, e)
        return JsonResponse({"error": e.reason}, status=400)
    try:
        tandem_event.send(sender=webhook, event=event, event_type=event.get("type"))
    except Exception:
        v.forget(str(event["id"]))
        log.exception("tandem: a tandem_event receiver failed for %s", event["id"])
        return JsonResponse({"error": "handler failed"}, status=500)
    return JsonResponse({"ok": True})
