"""``{% load tandem %}{% tandem_script %}`` — the overlay's script tag, pointed at this app's token
view; ``{% tandem_script page_key="shop.order:42" %}`` sets the room explicitly."""
from __future__ import annotations

from typing import Optional

from django import template
from django.urls import reverse
from django.utils.html import format_html

from .. import conf

register = template.Library()


def script_tag(page_key: Optional[str] = None) -> str:
    url = conf.required("TANDEM_URL").rstrip("/")
    room = format_html(' data-room="{}"', page_key) if page_key else ""
    return format_html('<script src="{}/tandem.js" data-server="{}" data-token-url="{}"{} defer></script>',
                       url, url, reverse("tandem:token"), room)


@register.simple_tag
def tandem_script(page_key: Optional[str] = None) -> str:
    return script_tag(page_key)
