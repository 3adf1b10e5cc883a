"""The package's settings, read when used (so override_settings in tests works)."""
from __future__ import annotations

from typing import Any, Optional

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..client import TandemClient
from ..pusher import RecordPusher

DEFAULTS = {
    "TANDEM_STAFF_ONLY": True,  # the admin's own rule: only active staff get a token
    "TANDEM_COMMENT_PERMISSION": "change",  # "change", "view", or a codename format like "{app_label}.comment_{model_name}"
    "TANDEM_SUPERUSER_ROLES": ["admin"],  # Tandem's default fallback role for help requests
    "TANDEM_ROLE_MAP": {},  # group name → extra Tandem role(s), e.g. {"Support": "helper"}
    "TANDEM_EXPERTISE": None,  # a list, or a callable / dotted path: user → list of tags
    "TANDEM_TOKEN_TTL": None,  # seconds; None: the server's TOKEN_TTL_SECONDS
    "TANDEM_WEBHOOK_SECRET": None,
    "TANDEM_PUSH": True,  # False: no record-changed from saves (e.g. in your own tests)
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS.get(name))


def required(name: str) -> str:
    value = getattr(settings, name, None)
    if not value:
        raise ImproperlyConfigured(f"Tandem needs the {name} setting")
    return str(value)


def callable_setting(name: str) -> Optional[Any]:
    value = get(name)
    return import_string(value) if isinstance(value, str) else value


_client: Optional[TandemClient] = None
_pusher: Optional[RecordPusher] = None
_key: Any = None


def client() -> TandemClient:
    """One client per (URL, key), rebuilt when the settings change."""
    global _client, _pusher, _key
    key = (required("TANDEM_URL"), required("TANDEM_API_KEY"))
    if _client is None or key != _key:
        _client, _pusher, _key = TandemClient(*key), None, key
    return _client


def pusher() -> RecordPusher:
    global _pusher
    c = client()
    if _pusher is None:
        _pusher = RecordPusher(c)
    return _pusher
