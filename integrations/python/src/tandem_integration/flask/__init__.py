"""Tandem for Flask and Flask-AppBuilder: ``Tandem(app, appbuilder=appbuilder, db=db)`` and
``class OrderModelView(CollaborativeModelViewMixin, ModelView)``."""
from .extension import Tandem, tandem_event
from .fab import CollaborativeModelViewMixin

__all__ = ["Tandem", "CollaborativeModelViewMixin", "tandem_event"]
