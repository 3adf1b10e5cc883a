"""A Flask + Flask-SQLAlchemy admin shaped like a Flask-AppBuilder app (fab_standin.py), with the
Tandem extension as a FAB team adds it: ``Tandem(app, appbuilder=appbuilder, db=db)`` and
``CollaborativeModelViewMixin`` on one ModelView. The Python package's tests drive it."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask, abort
from flask_login import LoginManager, UserMixin, login_user
from flask_sqlalchemy import SQLAlchemy

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "integrations" / "python" / "src"))

from fab_standin import AppBuilder, ModelView, SQLAInterface  # noqa: E402
from tandem_integration.flask import CollaborativeModelViewMixin, Tandem  # noqa: E402

db = SQLAlchemy()

user_roles = db.Table("ab_user_role", db.Column("user_id", db.ForeignKey("ab_user.id")), db.Column("role_id", db.ForeignKey("ab_role.id")))


class Role(db.Model):
    __tablename__ = "ab_role"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), unique=True)
    permissions = db.Column(db.String(2000), default="")  # "can_edit on OrderModelView;can_show on …"

    def pairs(self):
        return {tuple(p.split(" on ")) for p in self.permissions.split(";") if p}


class User(UserMixin, db.Model):
    __tablename__ = "ab_user"
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), unique=True)
    first_name = db.Column(db.String(64), default="")
    last_name = db.Column(db.String(64), default="")
    active = db.Column(db.Boolean, default=True)
    roles = db.relationship(Role, secondary=user_roles)

    @property
    def is_active(self):
        return self.active


class Customer(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100))


class Order(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    reference = db.Column(db.String(100))
    notes = db.Column(db.Text, default="")
    status = db.Column(db.String(20), default="new")
    urgent = db.Column(db.Boolean, default=False)
    customer_id = db.Column(db.ForeignKey("customer.id"))
    customer = db.relationship(Customer)


class OrderModelView(CollaborativeModelViewMixin, ModelView):
    datamodel = SQLAInterface(Order)
    edit_columns = ["reference", "notes", "status"]


class CustomerModelView(ModelView):  # not collaborative: no tag, no pushes
    datamodel = SQLAInterface(Customer)
    edit_columns = ["name"]


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="test-host-only",
        SQLALCHEMY_DATABASE_URI=os.environ.get("FLASK_DB", "sqlite://"),
        TANDEM_URL=os.environ["TANDEM_URL"],
        TANDEM_API_KEY=os.environ["TANDEM_API_KEY"],
        TANDEM_WEBHOOK_SECRET=os.environ.get("TANDEM_WEBHOOK_SECRET", "flask-host-webhook-secret-0123"),
    )
    db.init_app(app)
    login = LoginManager(app)
    login.user_loader(lambda uid: db.session.get(User, int(uid)))
    with app.app_context():
        appbuilder = AppBuilder(app, db.session)
        appbuilder.add_view(OrderModelView)
        appbuilder.add_view(CustomerModelView)
    Tandem(app, appbuilder=appbuilder, db=db)

    @app.route("/test-login/<username>")
    def test_login(username):  # the tests' stand-in for FAB's login form
        user = User.query.filter_by(username=username).first() or abort(404)
        login_user(user)
        return "ok"

    app.add_url_rule("/favicon.ico", "favicon", lambda: ("", 204))  # no 404 in the browser console
    return app


def seed() -> None:
    admin = Role(name="Admin", permissions=";".join(f"can_{p} on {v}" for p in ("list", "show", "edit", "add") for v in ("OrderModelView", "CustomerModelView")))
    editor = Role(name="Editor", permissions="can_list on OrderModelView;can_show on OrderModelView;can_edit on OrderModelView")
    reader = Role(name="Reader", permissions="can_list on OrderModelView;can_show on OrderModelView")
    db.session.add_all([
        User(username="ada", first_name="Ada", last_name="Admin", roles=[admin]),
        User(username="alice", first_name="Alice", last_name="Martin", roles=[editor]),
        User(username="erin", first_name="Erin", last_name="Reader", roles=[reader]),
        User(username="nobody", first_name="No", last_name="Rights", roles=[]),
    ])
    acme = Customer(name="Acme Corp")
    db.session.add_all([Order(reference=f"ORD-{i:04d}", customer=acme) for i in range(1, 6)])
    db.session.commit()
