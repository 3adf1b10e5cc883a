"""Tandem for Python hosts: a REST client, webhook verification, HS256 token signing, and the
Django app (``tandem_integration.django``) and Flask / Flask-AppBuilder extension
(``tandem_integration.flask``) built on them."""
from .client import TandemClient
from .errors import (TandemBadRequest, TandemConflict, TandemError, TandemForbidden, TandemNotFound,
                     TandemPayloadTooLarge, TandemRateLimited, TandemServerError, TandemUnauthorized,
                     TandemUnavailable)
from .pusher import RecordPusher
from .tokens import sign_token
from .webhooks import (InvalidSignature, MalformedEvent, ReplayedEvent, StaleTimestamp, WebhookError,
                       WebhookVerifier)

__version__ = "0.1.0"
__all__ = [
    "TandemClient", "RecordPusher", "sign_token", "WebhookVerifier",
    "TandemError", "TandemBadRequest", "TandemUnauthorized", "TandemForbidden", "TandemNotFound",
    "TandemConflict", "TandemPayloadTooLarge", "TandemRateLimited", "TandemUnavailable", "TandemServerError",
    "WebhookError", "InvalidSignature", "StaleTimestamp", "ReplayedEvent", "MalformedEvent",
]
