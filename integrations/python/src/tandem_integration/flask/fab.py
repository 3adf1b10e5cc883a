"""Flask-AppBuilder: collaborative ModelViews. Written against FAB's documented API (ModelView's
``route_base``, ``class_permission_name``, ``method_permission_name``, ``edit_template`` /
``show_template``, ``render_template``, ``datamodel.obj``; ``appbuilder.baseviews``;
``appbuilder.sm.has_access(permission_name, view_name)``; users' ``roles``)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from flask import current_app, request

PERMISSION_PREFIX = "can_"  # flask_appbuilder.const.PERMISSION_PREFIX


class CollaborativeModelViewMixin:
    """Put it before ``ModelView``: the overlay's tag goes into the ``tail_js`` block of this
    view's edit and show pages (not list or add), and commits of its model push record-changed."""

    def render_template(self, template: str, **kwargs: Any) -> Any:
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
        pk = (request.view_args or {}).get("pk")
        if endpoint in ("edit", "show") and pk is not None and template in (getattr(self, "edit_template", None), getattr(self, "show_template", None)):
            ext = current_app.extensions["tandem"]
            kwargs.update(tandem_base_template=template, tandem_tag=ext.script_tag(f"{view_key(self)}:{pk}"))
            template = "tandem/record.html"
        return super().render_template(template, **kwargs)  # type: ignore[misc]


def view_key(view: Any) -> str:
    """The first part of the page key Tandem derives for the view's pages: /orderview/edit/42 →
    orderview (the last segment of ``route_base``, lower-cased)."""
    base = getattr(view, "route_base", None) or "/" + type(view).__name__.lower()
    return base.rstrip("/").rsplit("/", 1)[-1].lower()


def collaborative_views(appbuilder: Any) -> List[Any]:
    return [v for v in getattr(appbuilder, "baseviews", []) if isinstance(v, CollaborativeModelViewMixin)]


def permission(view: Any, method: str) -> str:
    names: Dict[str, str] = getattr(view, "method_permission_name", None) or {}
    return PERMISSION_PREFIX + names.get(method, method)


def rights_for(appbuilder: Any, view: Any, comment_with: str = "edit") -> List[str]:
    """can_edit → read + write, can_show → read (FAB's permission names for the view's methods,
    on its ``class_permission_name``); comment with ``comment_with``'s permission."""
    name = getattr(view, "class_permission_name", None) or type(view).__name__
    has = lambda method: bool(appbuilder.sm.has_access(permission(view, method), name))  # noqa: E731
    may_edit = has("edit")
    may_show = may_edit or has("show")
    may_comment = may_show and (may_edit if comment_with == "edit" else may_show if comment_with == "show" else has(comment_with))
    return [r for r, ok in (("read", may_show), ("write", may_edit), ("comment", may_comment)) if ok]


def perms_for(appbuilder: Any, comment_with: str = "edit") -> Dict[str, List[str]]:
    perms: Dict[str, List[str]] = {}
    for view in collaborative_views(appbuilder):
        rights = rights_for(appbuilder, view, comment_with)
        if rights:
            pattern = f"{view_key(view)}:*"
            perms[pattern] = sorted(set(perms.get(pattern, [])) | set(rights), key=["read", "write", "comment"].index)
    return dict(list(perms.items())[:100])


def model_of(view: Any) -> Optional[type]:
    datamodel = getattr(view, "datamodel", None)
    return getattr(datamodel, "obj", None)
