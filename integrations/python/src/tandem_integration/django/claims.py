"""Tandem claims from a Django user: ``perms`` from model permissions on the page keys of the
admin's change forms (``<app_label>.<model_name>:*``), ``roles`` from groups, ``expertise`` from
a setting."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Type

from django.db.models import Model

from . import conf

MAX_PATTERNS = 100  # Tandem's limits on a token
MAX_TAGS = 50


def admin_models() -> List[Type[Model]]:
    """Every model with a change form on any admin site, in a stable order."""
    from django.contrib.admin.sites import all_sites

    seen = {m for site in all_sites for m in site._registry}
    return sorted(seen, key=lambda m: m._meta.label_lower)


def page_pattern(model: Type[Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}:*"


def rights_for(user: Any, model: Type[Model]) -> List[str]:
    """view → read, change → read + write; comment as TANDEM_COMMENT_PERMISSION says."""
    app_label, name = model._meta.app_label, model._meta.model_name
    may_change = user.has_perm(f"{app_label}.change_{name}")
    may_view = may_change or user.has_perm(f"{app_label}.view_{name}")
    rule = conf.get("TANDEM_COMMENT_PERMISSION")
    if rule == "change":
        may_comment = may_change
    elif rule == "view":
        may_comment = may_view
    else:
        may_comment = may_view and user.has_perm(str(rule).format(app_label=app_label, model_name=name))
    return [r for r, ok in (("read", may_view), ("write", may_change), ("comment", may_comment)) if ok]


def perms_for(user: Any, models: Iterable[Type[Model]] = ()) -> Dict[str, List[str]]:
    if user.is_superuser:
        return {"*": ["read", "write", "comment"]}
    perms: Dict[str, List[str]] = {}
    for model in models or admin_models():
        rights = rights_for(user, model)
        if rights:
            perms[page_pattern(model)] = rights
        if len(perms) >= MAX_PATTERNS:
            break
    return perms


def roles_for(user: Any) -> List[str]:
    mapping = conf.get("TANDEM_ROLE_MAP") or {}
    roles: List[str] = []
    for group in user.groups.values_list("name", flat=True):
        extra = mapping.get(group, [])
        roles += [group, *([extra] if isinstance(extra, str) else extra)]
    if user.is_superuser:
        roles += list(conf.get("TANDEM_SUPERUSER_ROLES") or [])
    return list(dict.fromkeys(r[:64] for r in roles if r))[:MAX_TAGS]


def expertise_for(user: Any) -> List[str]:
    source = conf.callable_setting("TANDEM_EXPERTISE")
    tags = source(user) if callable(source) else (source or [])
    return list(dict.fromkeys(str(t)[:64] for t in tags if t))[:MAX_TAGS]


def claims_for(user: Any) -> Dict[str, Any]:
    return {
        "sub": str(user.pk),
        "name": (user.get_full_name() or user.get_username())[:200],
        "roles": roles_for(user),
        "expertise": expertise_for(user),
        "perms": perms_for(user),
    }
