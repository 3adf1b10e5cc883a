"""``class OrderAdmin(TandemModelAdmin, admin.ModelAdmin)``: the overlay on the model's change
forms (not on add forms or lists), its saves pushed as record-changed."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import records
from .templatetags.tandem import script_tag


class TandemModelAdmin:
    def __init__(self, model: Any, admin_site: Any) -> None:
        super().__init__(model, admin_site)  # type: ignore[call-arg]
        records.track(model)

    def render_change_form(self, request: HttpRequest, context: Any, add: bool = False, change: bool = False,
                           form_url: str = "", obj: Any = None) -> Any:
        response = super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)  # type: ignore[misc]
        if change and obj is not None and obj.pk is not None:
            # After rendering, so every template override of change_form.html gets it, unchanged.
            tag = script_tag(records.page_key(obj))
            response.add_post_render_callback(lambda r: _insert(r, tag))
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with records.saved_by(request.user.get_full_name() or request.user.get_username()):
            super().save_model(request, obj, form, change)  # type: ignore[misc]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with records.saved_by(request.user.get_full_name() or request.user.get_username()):
            super().save_related(request, form, formsets, change)  # type: ignore[misc]


def _insert(response: Any, tag: str) -> None:
    body = response.content.decode(response.charset)
    at = body.rfind("</body>")
    response.content = (body[:at] + tag + body[at:]) if at >= 0 else body + tag
