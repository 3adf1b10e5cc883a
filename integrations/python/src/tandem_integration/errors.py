"""Tandem's error codes (src/errors.ts on the server) as exceptions: catch the family you care
about (``except TandemUnavailable``) or read ``.code`` for the exact one."""
from __future__ import annotations

from typing import Any, Dict, Optional, Type


class TandemError(Exception):
    """An answer from Tandem that is not a success, or no answer at all (``code`` "unavailable")."""

    def __init__(self, code: str, message: str, status: Optional[int] = None, details: Any = None,
                 retry_after: Optional[float] = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        self.retry_after = retry_after


class TandemBadRequest(TandemError):
    """400: bad_request, validation_failed (``details`` lists every problem with its path)."""


class TandemUnauthorized(TandemError):
    """401: a missing, revoked or invalid API key or token."""


class TandemForbidden(TandemError):
    """403: forbidden, wrong_tenant, origin_not_allowed."""


class TandemNotFound(TandemError):
    """404."""


class TandemConflict(TandemError):
    """409: conflict, version_conflict, invalid_transition."""


class TandemPayloadTooLarge(TandemError):
    """413."""


class TandemRateLimited(TandemError):
    """429; ``retry_after`` is the server's Retry-After in seconds, when it sent one."""


class TandemUnavailable(TandemError):
    """503, or Tandem could not be reached at all (refused, timed out, reset)."""


class TandemServerError(TandemError):
    """500: a bug on the server; its details are never sent."""


_BY_CODE: Dict[str, Type[TandemError]] = {
    "bad_request": TandemBadRequest,
    "validation_failed": TandemBadRequest,
    "unauthorized": TandemUnauthorized,
    "token_missing": TandemUnauthorized,
    "token_invalid": TandemUnauthorized,
    "token_expired": TandemUnauthorized,
    "token_not_yet_valid": TandemUnauthorized,
    "token_issued_in_future": TandemUnauthorized,
    "token_algorithm": TandemUnauthorized,
    "token_signature": TandemUnauthorized,
    "token_claims": TandemUnauthorized,
    "unknown_tenant": TandemUnauthorized,
    "api_key_invalid": TandemUnauthorized,
    "api_key_revoked": TandemUnauthorized,
    "forbidden": TandemForbidden,
    "wrong_tenant": TandemForbidden,
    "origin_not_allowed": TandemForbidden,
    "not_found": TandemNotFound,
    "conflict": TandemConflict,
    "version_conflict": TandemConflict,
    "invalid_transition": TandemConflict,
    "payload_too_large": TandemPayloadTooLarge,
    "rate_limited": TandemRateLimited,
    "internal": TandemServerError,
    "unavailable": TandemUnavailable,
}
_BY_STATUS: Dict[int, Type[TandemError]] = {
    400: TandemBadRequest, 401: TandemUnauthorized, 403: TandemForbidden, 404: TandemNotFound,
    409: TandemConflict, 413: TandemPayloadTooLarge, 429: TandemRateLimited, 500: TandemServerError,
    502: TandemUnavailable, 503: TandemUnavailable, 504: TandemUnavailable,
}


def error_for(status: Optional[int], code: Optional[str], message: str, details: Any = None,
              retry_after: Optional[float] = None) -> TandemError:
    """The exception for an answer: by Tandem's code when it sent one, else by HTTP status
    (a proxy in front of Tandem answers 502 with no body)."""
    cls = _BY_CODE.get(code or "") or _BY_STATUS.get(status or 0, TandemError)
    return cls(code or f"http_{status}", message, status, details, retry_after)
