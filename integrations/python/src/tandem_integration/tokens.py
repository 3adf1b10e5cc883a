"""User tokens for tenants that sign HS256 themselves (``tandem tenant create`` printed the secret):
no call to Tandem per page view. PyJWT does the signing (Debian: python3-jwt); it is imported only
here, so the rest of the package works without it."""
from __future__ import annotations

import time
from typing import Any, Mapping, Optional


def sign_token(claims: Mapping[str, Any], *, tenant: str, secret: str, ttl_seconds: int = 3600,
               issuer: str = "tandem", audience: str = "tandem", now: Optional[float] = None) -> str:
    """A user token Tandem accepts for ``tenant``: ``claims`` (sub, name, roles, expertise, perms)
    plus iss/aud/iat/exp. ``secret`` is used as is (its UTF-8 bytes, never base64-decoded), and
    ``issuer``/``audience`` must equal the server's JWT_ISSUER/JWT_AUDIENCE."""
    import jwt  # PyJWT

    if not secret:
        raise ValueError("sign_token needs the tenant's HS256 secret")
    if "sub" not in claims or "name" not in claims:
        raise ValueError("a user token needs sub and name")
    issued = int(now if now is not None else time.time())
    payload = {**claims, "tenant": tenant, "iss": issuer, "aud": audience, "iat": issued, "exp": issued + ttl_seconds}
    token = jwt.encode(payload, secret, algorithm="HS256")
    return token if isinstance(token, str) else token.decode()  # PyJWT < 2 returned bytes
