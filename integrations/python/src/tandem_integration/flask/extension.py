"""The Flask extension: the token route, the webhook route, the ``tandem_script()`` template
global, and record pushes from SQLAlchemy commits."""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional

from blinker import Namespace
from flask import Blueprint, Flask, current_app, jsonify, request
from markupsafe import Markup, escape

from ..client import TandemClient
from ..errors import TandemError
from ..pusher import RecordPusher
from ..webhooks import ReplayedEvent, WebhookError, WebhookVerifier
from . import fab, sqla

log = logging.getLogger("tandem_integration")

#: A verified webhook delivery; receivers get ``event`` and ``event_type``
#: (``@tandem_event.connect_via(app)``). A receiver that raises makes the answer 500: Tandem retries.
tandem_event = Namespace().signal("tandem-event")

DEFAULTS: Dict[str, Any] = {
    "TANDEM_URL_PREFIX": "/tandem",
    "TANDEM_ROLE_MAP": {"Admin": "admin"},  # FAB's admin role → Tandem's default fallback helper role
    "TANDEM_COMMENT_PERMISSION": "edit",  # "edit", "show", or another method's permission
    "TANDEM_EXPERTISE": None,  # a list, or a callable: user → list of tags
    "TANDEM_TOKEN_TTL": None,
    "TANDEM_WEBHOOK_SECRET": None,
    "TANDEM_PUSH": True,
}


class Tandem:
    def __init__(self, app: Optional[Flask] = None, appbuilder: Any = None, db: Any = None) -> None:
        self.appbuilder = appbuilder
        self._claims: Optional[Callable[[Any], Dict[str, Any]]] = None
        self._tracked: Dict[type, List[str]] = {}
        self._client: Optional[TandemClient] = None
        self._pusher: Optional[RecordPusher] = None
        self._verifier: Optional[WebhookVerifier] = None
        if app is not None:
            self.init_app(app, appbuilder, db)

    def init_app(self, app: Flask, appbuilder: Any = None, db: Any = None) -> None:
        """``db``: a Flask-SQLAlchemy instance (or any SQLAlchemy session / sessionmaker) whose
        commits of tracked models push record-changed."""
        self.appbuilder = appbuilder or self.appbuilder
        for k, v in DEFAULTS.items():
            app.config.setdefault(k, v)
        for k in ("TANDEM_URL", "TANDEM_API_KEY"):
            if not app.config.get(k):
                raise RuntimeError(f"Tandem needs the {k} setting")
        self.app = app
        app.extensions["tandem"] = self
        bp = Blueprint("tandem", __name__, template_folder="templates", url_prefix=app.config["TANDEM_URL_PREFIX"])
        bp.add_url_rule("/token", "token", self.token_view)
        bp.add_url_rule("/webhook", "webhook", self.webhook_view, methods=["POST"])
        app.register_blueprint(bp)
        # Tandem's deliveries carry a signature, not a CSRF token: exempt them from Flask-WTF's
        # CSRFProtect (which FAB apps use), as FAB does for its REST API.
        csrf = app.extensions.get("csrf")
        if csrf is not None:
            csrf.exempt(self.webhook_view)
        app.jinja_env.globals["tandem_script"] = self.script_tag
        if db is not None:
            sqla.listen(self.page_keys, self._push, getattr(db, "session", db))

    # ---- configuration hooks ----

    def claims_loader(self, f: Callable[[Any], Dict[str, Any]]) -> Callable[[Any], Dict[str, Any]]:
        """Decorator: your own claims for a user (plain Flask apps without Flask-AppBuilder)."""
        self._claims = f
        return f

    def track(self, model: type, view_key: str) -> None:
        """Pushes commits of ``model`` to the page ``<view_key>:<pk>`` (done for you for the
        models of collaborative ModelViews)."""
        keys = self._tracked.setdefault(model, [])
        if view_key not in keys:
            keys.append(view_key)

    # ---- the tag ----

    def script_tag(self, page_key: Optional[str] = None) -> Markup:
        url = escape(current_app.config["TANDEM_URL"].rstrip("/"))
        token_url = escape(current_app.config["TANDEM_URL_PREFIX"].rstrip("/") + "/token")
        room = Markup(' data-room="%s"') % page_key if page_key else ""
        return Markup(f'<script src="{url}/tandem.js" data-server="{url}" data-token-url="{token_url}"{room} defer></script>')

    # ---- claims and the token route ----

    def claims_for(self, user: Any) -> Dict[str, Any]:
        if self._claims:
            return self._claims(user)
        cfg = current_app.config
        mapping = cfg["TANDEM_ROLE_MAP"] or {}
        roles: List[str] = []
        for role in getattr(user, "roles", None) or []:
            name = getattr(role, "name", str(role))
            extra = mapping.get(name, [])
            roles += [name, *([extra] if isinstance(extra, str) else extra)]
        source = cfg["TANDEM_EXPERTISE"]
        expertise = source(user) if callable(source) else (source or [])
        full = f"{getattr(user, 'first_name', '') or ''} {getattr(user, 'last_name', '') or ''}".strip()
        return {
            "sub": str(user.get_id()),
            "name": (full or getattr(user, "username", None) or str(user.get_id()))[:200],
            "roles": list(dict.fromkeys(r[:64] for r in roles if r))[:50],
            "expertise": list(dict.fromkeys(str(t)[:64] for t in expertise if t))[:50],
            "perms": fab.perms_for(self.appbuilder, cfg["TANDEM_COMMENT_PERMISSION"]) if self.appbuilder else {},
        }

    def token_view(self) -> Any:
        """200 ``{"token"}``; 401 JSON to a visitor who is not logged in (never a redirect to the
        login page: FAB 5's ``login_required`` answers 500 there); 502 JSON while Tandem is down."""
        from flask_login import current_user

        if not (current_user and current_user.is_authenticated and getattr(current_user, "is_active", True)):
            return jsonify(error="not logged in"), 401
        try:
            minted = self.client().mint_token(self.claims_for(current_user), current_app.config["TANDEM_TOKEN_TTL"])
        except TandemError as e:
            log.warning("tandem: no token for user %s: %s", current_user.get_id(), e)
            return jsonify(error=f"Tandem did not issue a token: {e.code}"), 502
        response = jsonify(token=minted["token"])
        response.headers["Cache-Control"] = "no-store"
        return response

    # ---- webhooks ----

    def webhook_view(self) -> Any:
        """400 for a bad signature, timestamp or body; a replay is acknowledged (200) and not re-emitted."""
        secret = current_app.config.get("TANDEM_WEBHOOK_SECRET")
        if not secret:
            return jsonify(error="TANDEM_WEBHOOK_SECRET is not set"), 500
        if self._verifier is None or self._verifier.secret != secret.encode():
            self._verifier = WebhookVerifier(secret)
        try:
            event = self._verifier.verify(dict(request.headers), request.get_data())
        except ReplayedEvent:
            return jsonify(ok=True, duplicate=True)
        except WebhookError as e:
            log.warning("tandem: webhook refused (%s): %s", e.reason, e)
            return jsonify(error=e.reason), 400
        try:
            tandem_event.send(current_app._get_current_object(), event=event, event_type=event.get("type"))
        except Exception:
            self._verifier.forget(str(event["id"]))
            log.exception("tandem: a tandem_event receiver failed for %s", event["id"])
            return jsonify(error="handler failed"), 500
        return jsonify(ok=True)

    # ---- record pushes ----

    def client(self) -> TandemClient:
        if self._client is None:
            self._client = TandemClient(self.app.config["TANDEM_URL"], self.app.config["TANDEM_API_KEY"])
        return self._client

    def pusher(self) -> RecordPusher:
        if self._pusher is None:
            self._pusher = RecordPusher(self.client())
        return self._pusher

    def page_keys(self, obj: Any) -> List[str]:
        keys = list(self._tracked.get(type(obj), []))
        if self.appbuilder is not None:
            keys += [fab.view_key(v) for v in fab.collaborative_views(self.appbuilder) if fab.model_of(v) is type(obj)]
        pk = sqla.pk_of(obj)
        return [f"{k}:{pk}" for k in dict.fromkeys(keys)] if keys and pk else []

    def _push(self, page_key: str, values: Dict[str, Any]) -> None:
        if not self.app.config["TANDEM_PUSH"]:
            return
        self.pusher().push(page_key, values, _who())


def _who() -> Optional[str]:
    try:
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            full = f"{getattr(current_user, 'first_name', '') or ''} {getattr(current_user, 'last_name', '') or ''}".strip()
            return full or getattr(current_user, "username", None)
    except Exception:  # outside a request (a script, a worker): no one to name
        pass
    return None
