"""A small typed REST client for Tandem's /api/v1, on the standard library (urllib): no dependency
to install next to Django or Flask, and the same code on Debian's Python 3.11 and current ones.

Retries: a 429 (after its Retry-After) and an unavailable Tandem (503, refused, reset, timed out)
are retried up to ``retries`` times with exponential backoff; every other error is raised at once
as the exception for its code (errors.py)."""
from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Union

from .errors import TandemError, TandemRateLimited, TandemUnavailable, error_for

FieldValue = Union[str, bool, int, float, List[str], None]
Json = Dict[str, Any]
RIGHTS = ("read", "write", "comment")


class TandemClient:
    def __init__(self, url: str, api_key: str, *, timeout: float = 5.0, retries: int = 3,
                 backoff: float = 0.25, max_retry_wait: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """``url`` is Tandem's base URL (``https://tandem.example.com``); ``api_key`` a key from
        ``tandem key create``. A Retry-After longer than ``max_retry_wait`` seconds is not waited
        for: the TandemRateLimited is raised with ``retry_after`` set, so a web request is never
        held for a minute."""
        if not url or not api_key:
            raise ValueError("TandemClient needs Tandem's URL and an API key")
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep

    # ---- transport ----

    def request(self, method: str, path: str, body: Optional[Mapping[str, Any]] = None,
                query: Optional[Mapping[str, Any]] = None, *, token: Optional[str] = None) -> Any:
        """One call to ``/api/v1{path}`` with retries; returns the decoded JSON (None for 204)."""
        q = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        url = f"{self.url}/api/v1{path}" + (f"?{urllib.parse.urlencode(q)}" if q else "")
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {token or self.api_key}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            try:
                return self._once(method, url, data, headers)
            except (TandemRateLimited, TandemUnavailable) as e:
                if attempt >= self.retries:
                    raise
                wait = e.retry_after if e.retry_after is not None else self.backoff * (2 ** attempt) * (1 + random.random() / 2)
                if wait > self.max_retry_wait:
                    raise
                attempt += 1
                self._sleep(wait)

    def _once(self, method: str, url: str, data: Optional[bytes], headers: Dict[str, str]) -> Any:
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                raw = r.read()
            try:
                return json.loads(raw) if raw else None
            except ValueError:  # a proxy's HTML page, not Tandem
                raise TandemError("bad_response", f"{url} did not answer with JSON", r.status) from None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                err = json.loads(raw).get("error") or {}
            except (ValueError, AttributeError):
                err = {}
            retry_after = _seconds(e.headers.get("Retry-After"))
            raise error_for(e.code, err.get("code"), err.get("message") or f"HTTP {e.code}", err.get("details"), retry_after) from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, TimeoutError) as e:
            reason = getattr(e, "reason", e)
            raise TandemUnavailable("unavailable", f"Tandem at {self.url} did not answer: {reason}") from None

    # ---- identity ----

    def mint_token(self, claims: Mapping[str, Any], ttl_seconds: Optional[int] = None) -> Json:
        """``POST /auth/token``: a user token for ``claims`` (sub, name, roles, expertise, perms).
        Returns ``{"token", "expiresAt"}``."""
        body = dict(claims)
        if ttl_seconds is not None:
            body["ttlSeconds"] = ttl_seconds
        return self.request("POST", "/auth/token", body)

    def me(self) -> Json:
        return self.request("GET", "/me")

    # ---- records and chat ----

    def record_changed(self, page_key: str, values: Mapping[str, FieldValue], saved_by: Optional[str] = None) -> Json:
        """The record behind ``page_key`` was saved outside the form: the people on that page see
        it and the shared form re-bases on ``values`` (field name → value as the form submits it)."""
        body: Json = {"pageKey": page_key, "values": dict(values)}
        if saved_by:
            body["savedBy"] = saved_by
        return self.request("POST", "/records/changed", body)

    def post_message(self, room: str, body: str, *, client_msg_id: Optional[str] = None,
                     thread_root_id: Optional[str] = None) -> Json:
        """A chat message in ``room`` (a room id or a page key) as the app. A client message id is
        generated when none is given, so a retried post is stored once."""
        payload: Json = {"body": body, "clientMsgId": client_msg_id or uuid.uuid4().hex}
        if thread_root_id:
            payload["threadRootId"] = thread_root_id
        return self.request("POST", f"/rooms/{_seg(room)}/messages", payload)

    def messages(self, room: str, *, limit: int = 50, before: Optional[int] = None) -> Json:
        return self.request("GET", f"/rooms/{_seg(room)}/messages", query={"limit": limit, "before": before})

    # ---- delegations ----

    def create_delegation(self, *, delegator_id: str, assignee_id: str, fields: Iterable[str],
                          page_key: Optional[str] = None, room_id: Optional[str] = None, **extra: Any) -> Json:
        """Delegates ``fields`` of a page to ``assignee_id`` on behalf of ``delegator_id``
        (``note``, ``dueAt`` … go in ``extra`` under their REST names)."""
        body: Json = {"delegatorId": delegator_id, "assigneeId": assignee_id, "fields": list(fields), **extra}
        body.update({k: v for k, v in (("pageKey", page_key), ("roomId", room_id)) if v})
        return self.request("POST", "/delegations", body)["delegation"]

    def delegations(self, user_id: str, *, role: Optional[str] = None, status: Optional[str] = None,
                    limit: Optional[int] = None) -> List[Json]:
        return self.request("GET", "/delegations", query={"userId": user_id, "role": role, "status": status, "limit": limit})["delegations"]

    def delegation(self, delegation_id: str) -> Json:
        return self.request("GET", f"/delegations/{_seg(delegation_id)}")["delegation"]

    def act_on_delegation(self, delegation_id: str, action: str, actor_id: str, *, note: Optional[str] = None,
                          values: Optional[Mapping[str, FieldValue]] = None) -> Json:
        """accept, decline, submit, approve, reject or cancel, as ``actor_id``."""
        body: Json = {"action": action, "actorId": actor_id}
        if note is not None:
            body["note"] = note
        if values is not None:
            body["values"] = dict(values)
        return self.request("POST", f"/delegations/{_seg(delegation_id)}/transitions", body)["delegation"]

    # ---- assistance ----

    def ask_for_help(self, *, requester_id: str, message: str, page_key: Optional[str] = None,
                     room_id: Optional[str] = None, **extra: Any) -> Json:
        body: Json = {"requesterId": requester_id, "message": message, **extra}
        body.update({k: v for k, v in (("pageKey", page_key), ("roomId", room_id)) if v})
        return self.request("POST", "/assistance", body)["request"]

    def help_requests(self, **filters: Any) -> List[Json]:
        """``GET /assistance`` with its filters under their REST names (status, requesterId, helperId…)."""
        return self.request("GET", "/assistance", query=filters)["requests"]

    def help_queue(self) -> List[Json]:
        return self.request("GET", "/assistance/queue")["queue"]

    def help_request(self, request_id: str) -> Json:
        return self.request("GET", f"/assistance/{_seg(request_id)}")["request"]

    def act_on_help_request(self, request_id: str, action: str, actor_id: str) -> Json:
        """accept, decline, resolve or cancel, as ``actor_id``."""
        return self.request("POST", f"/assistance/{_seg(request_id)}/transitions", {"action": action, "actorId": actor_id})["request"]

    # ---- notifications ----

    def notifications(self, user_id: str, *, unread_only: bool = False, limit: int = 50,
                      before_seq: Optional[int] = None) -> Json:
        """A user's inbox: ``{"items": [...], "unread": n}``, newest first."""
        return self.request("GET", f"/users/{_seg(user_id)}/notifications",
                            query={"unreadOnly": unread_only, "limit": limit, "beforeSeq": before_seq})

    def mark_notifications_read(self, user_id: str, ids: Optional[Iterable[str]] = None) -> Json:
        """Marks ``ids`` read, or all of the user's notifications when ``ids`` is None."""
        body: Json = {"all": True} if ids is None else {"ids": [str(i) for i in ids]}
        return self.request("POST", f"/users/{_seg(user_id)}/notifications/read", body)

    def notify(self, user_id: str, title: str, *, body: str = "", type: str = "record_changed",
               urgent: bool = False, link: Optional[Json] = None, data: Optional[Json] = None) -> Json:
        return self.request("POST", f"/users/{_seg(user_id)}/notifications",
                            {"title": title, "body": body, "type": type, "urgent": urgent, "link": link or {}, "data": data or {}})

    # ---- webhooks ----

    def register_webhook(self, url: str, event_types: Iterable[str], *, secret: Optional[str] = None,
                         description: Optional[str] = None) -> Json:
        """Registers an endpoint; the answer carries its signing ``secret`` (keep it for WebhookVerifier)."""
        body: Json = {"url": url, "eventTypes": list(event_types)}
        body.update({k: v for k, v in (("secret", secret), ("description", description)) if v})
        return self.request("POST", "/webhooks", body)

    def webhook_deliveries(self, endpoint_id: str, *, status: Optional[str] = None) -> List[Json]:
        return self.request("GET", f"/webhooks/{_seg(endpoint_id)}/deliveries", query={"status": status})["deliveries"]


def _seg(s: str) -> str:
    return urllib.parse.quote(str(s), safe="")


def _query_value(v: Any) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def _seconds(header: Optional[str]) -> Optional[float]:
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


__all__ = ["TandemClient", "TandemError", "FieldValue", "RIGHTS"]
