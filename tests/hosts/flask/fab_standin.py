"""The slice of Flask-AppBuilder's API the Tandem extension uses, for this test host only:
Flask-AppBuilder is not installable here (no PyPI, not in Debian 12). The names and shapes are
FAB's (AppBuilder.baseviews / add_view / base_template, the security manager's
has_access(permission_name, view_name) on the user's roles' (permission, view) pairs, ModelView's
route_base / class_permission_name / method_permission_name / edit_template / show_template /
render_template / datamodel.obj, /<view>/edit/<pk> and /show/<pk>, templates with FAB's blocks).
The team's acceptance run uses the real Flask-AppBuilder 5."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from flask import Blueprint, abort, redirect, render_template, request
from flask_login import current_user


class SecurityManager:
    def has_access(self, permission_name: str, view_name: str) -> bool:
        if not current_user.is_authenticated:
            return False
        return any((permission_name, view_name) in role.pairs() for role in current_user.roles)


class AppBuilder:
    base_template = "appbuilder/baselayout.html"

    def __init__(self, app: Any, session: Any) -> None:
        self.app = app
        self.session = session
        self.sm = SecurityManager()
        self.baseviews: List[Any] = []

    def add_view(self, view_class: type) -> Any:
        view = view_class()
        view.appbuilder = self
        self.baseviews.append(view)
        self.app.register_blueprint(view.create_blueprint())
        return view


class SQLAInterface:
    def __init__(self, obj: type) -> None:
        self.obj = obj


class ModelView:
    route_base: Optional[str] = None
    class_permission_name: Optional[str] = None
    method_permission_name: Dict[str, str] = {}
    datamodel: SQLAInterface
    edit_columns: List[str] = []
    list_template = "appbuilder/general/model/list.html"
    edit_template = "appbuilder/general/model/edit.html"
    show_template = "appbuilder/general/model/show.html"
    add_template = "appbuilder/general/model/add.html"

    def __init__(self) -> None:
        self.class_permission_name = self.class_permission_name or type(self).__name__
        if self.route_base is None:
            self.route_base = "/" + type(self).__name__.lower()

    def _allowed(self, method: str) -> None:
        name = "can_" + self.method_permission_name.get(method, method)
        if not self.appbuilder.sm.has_access(name, self.class_permission_name):
            abort(403)

    def render_template(self, template: str, **kwargs: Any) -> Any:
        return render_template(template, base_template=self.appbuilder.base_template, appbuilder=self.appbuilder, **kwargs)

    def create_blueprint(self) -> Blueprint:
        bp = Blueprint(type(self).__name__, __name__, url_prefix=self.route_base)
        bp.add_url_rule("/list/", "list", self.list)
        bp.add_url_rule("/add", "add", self.add)
        bp.add_url_rule("/show/<pk>", "show", self.show)
        bp.add_url_rule("/edit/<pk>", "edit", self.edit, methods=["GET", "POST"])
        return bp

    def _get(self, pk: str) -> Any:
        item = self.appbuilder.session.get(self.datamodel.obj, int(pk))
        if item is None:
            abort(404)
        return item

    def list(self) -> Any:
        self._allowed("list")
        return self.render_template(self.list_template, items=self.appbuilder.session.query(self.datamodel.obj).all())

    def add(self) -> Any:
        self._allowed("add")
        return self.render_template(self.add_template, columns=self.edit_columns)

    def show(self, pk: str) -> Any:
        self._allowed("show")
        return self.render_template(self.show_template, pk=pk, item=self._get(pk), columns=self.edit_columns)

    def edit(self, pk: str) -> Any:
        self._allowed("edit")
        item = self._get(pk)
        if request.method == "POST":
            for c in self.edit_columns:
                setattr(item, c, request.form.get(c, ""))
            self.appbuilder.session.commit()
            return redirect(f"{self.route_base}/list/")
        return self.render_template(self.edit_template, item=item, columns=self.edit_columns)
