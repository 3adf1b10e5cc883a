"""Record-changed from Django saves: for tracked models, post_save / post_delete / m2m_changed
queue a push once the transaction commits (values read then, so many-to-many fields the admin
saves after the row are included); the RecordPusher sends it on its own thread, batched and
retried. The save never waits for Tandem and never fails because of it."""
from __future__ import annotations

import datetime
import logging
import threading
from typing import Any, Dict, Optional, Set, Type

from django.contrib.admin.utils import quote
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from ..client import FieldValue
from . import conf

log = logging.getLogger("tandem_integration")
_tracked: Set[Type[models.Model]] = set()
_lock = threading.Lock()
_local = threading.local()


def page_key(obj: models.Model) -> str:
    """The key Tandem derives for the object's admin change form (/admin/shop/order/42/change/ →
    shop.order:42; the pk as the admin quotes it in the URL)."""
    return f"{obj._meta.app_label}.{obj._meta.model_name}:{quote(obj.pk)}"


def form_values(obj: models.Model) -> Dict[str, FieldValue]:
    """The record as the admin's change form submits it: field name → value (foreign keys and
    many-to-many as primary keys, dates ISO, datetimes split into the admin's _0 / _1 inputs)."""
    values: Dict[str, FieldValue] = {}
    for f in obj._meta.concrete_fields:
        if not f.editable or f.primary_key:
            continue
        v = getattr(obj, f.attname)
        if isinstance(f, models.BooleanField):
            values[f.name] = bool(v)
        elif isinstance(v, datetime.datetime):
            values[f"{f.name}_0"], values[f"{f.name}_1"] = v.date().isoformat(), v.time().replace(microsecond=0).isoformat()
        elif isinstance(v, (datetime.date, datetime.time)):
            values[f.name] = v.isoformat()
        else:
            values[f.name] = "" if v is None else str(v)
    if obj.pk is not None:
        for f in obj._meta.many_to_many:
            values[f.name] = [str(pk) for pk in getattr(obj, f.name).values_list("pk", flat=True)]
    return values


def saved_by(name: Optional[str]) -> Any:
    """``with saved_by("Alice"):`` names who saved for pushes queued inside (TandemModelAdmin
    does this around the admin's save)."""
    return _SavedBy(name)


class _SavedBy:
    def __init__(self, name: Optional[str]) -> None:
        self.name = name

    def __enter__(self) -> None:
        self.prior = getattr(_local, "saved_by", None)
        _local.saved_by = self.name

    def __exit__(self, *exc: Any) -> None:
        _local.saved_by = self.prior


def _queue(obj: models.Model, deleted: bool = False) -> None:
    if not conf.get("TANDEM_PUSH"):
        return
    key, who = page_key(obj), getattr(_local, "saved_by", None)

    def send() -> None:
        try:
            conf.pusher().push(key, {} if deleted else form_values(obj), who)
        except Exception:  # a save must never fail because of Tandem (bad settings included)
            log.exception("tandem: could not queue the record push for %s", key)

    transaction.on_commit(send)


def _on_save(sender: Any, instance: models.Model, raw: bool = False, **kw: Any) -> None:
    if not raw:  # loaddata: fixtures are not edits
        _queue(instance)


def _on_delete(sender: Any, instance: models.Model, **kw: Any) -> None:
    _queue(instance, deleted=True)


def _on_m2m(sender: Any, instance: Any, action: str, reverse: bool, **kw: Any) -> None:
    if action.startswith("post_") and not reverse and type(instance) in _tracked:
        _queue(instance)


def track(model: Type[models.Model]) -> None:
    """Pushes record-changed for every save and delete of ``model`` (idempotent)."""
    with _lock:
        if model in _tracked:
            return
        _tracked.add(model)
    uid = f"tandem:{model._meta.label_lower}"
    post_save.connect(_on_save, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(_on_delete, sender=model, dispatch_uid=uid, weak=False)
    for f in model._meta.many_to_many:
        m2m_changed.connect(_on_m2m, sender=f.remote_field.through, dispatch_uid=f"{uid}.{f.name}", weak=False)


def flush(timeout: float = 10.0) -> bool:
    """Waits for queued pushes (for scripts that exit right after saving, and for tests)."""
    return conf.pusher().flush(timeout)
