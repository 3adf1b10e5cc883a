"""Webhook test helpers: record what Tandem delivered to a WSGI app, and send it again as is,
tampered, or re-signed with an old timestamp."""
from __future__ import annotations

import hashlib
import hmac
import io
import queue
import urllib.error
import urllib.request
from typing import Any, Dict, Tuple

Delivery = Tuple[Dict[str, str], bytes]


def recording(app: Any, into: "queue.Queue[Delivery]") -> Any:
    """``app`` as a WSGI app that first puts each request's headers and raw body in ``into``."""
    def wrapper(environ: Dict[str, Any], start_response: Any) -> Any:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        into.put(({k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}, body))
        environ["wsgi.input"] = io.BytesIO(body)
        return app(environ, start_response)
    return wrapper


def post(url: str, headers: Dict[str, str], body: bytes) -> int:
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def signed_at(headers: Dict[str, str], secret: str, timestamp: int, body: bytes) -> Dict[str, str]:
    """The headers of a genuine signature for ``body`` at ``timestamp`` (an old one, say)."""
    signature = "sha256=" + hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return {**headers, "X-Tandem-Timestamp": str(timestamp), "X-Tandem-Signature": signature}


def no_app(environ: Dict[str, Any], start_response: Any) -> Any:
    start_response("204 No Content", [])
    return [b""]
