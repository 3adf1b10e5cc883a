"""Record-changed from SQLAlchemy commits: after each flush the tracked objects' values are
captured (new, changed, deleted), and once the session commits they are handed to the
RecordPusher (its own thread: batched, retried). A rollback drops them. The commit never waits
for Tandem and never fails because of it."""
from __future__ import annotations

import datetime
import logging
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..client import FieldValue

log = logging.getLogger("tandem_integration")
Pending = List[Tuple[str, Dict[str, FieldValue]]]


def form_values(obj: Any) -> Dict[str, FieldValue]:
    """The row as FAB's edit form submits it: columns by name (foreign-key columns that back a
    relationship are the relationship's field instead), to-one relationships as the related
    primary key, to-many as a list of them, booleans as booleans, dates ISO."""
    mapper = inspect(obj).mapper
    values: Dict[str, FieldValue] = {}
    backing = {c.key for rel in mapper.relationships for c in rel.local_columns}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if column.primary_key or column.key in backing:
            continue
        values[attr.key] = _value(getattr(obj, attr.key))
    for rel in mapper.relationships:
        related = getattr(obj, rel.key)
        if rel.uselist:
            values[rel.key] = [_pk(r) for r in related or []]
        else:
            values[rel.key] = "" if related is None else _pk(related)
    return values


def _value(v: Any) -> FieldValue:
    if v is None:
        return ""
    if isinstance(v, bool):
        return v
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    return str(v)


def _pk(obj: Any) -> str:
    return pk_of(obj) or ""


def listen(keys_for: Callable[[Any], List[str]], push: Callable[[str, Dict[str, FieldValue]], None],
           session: Any = Session) -> None:
    """``keys_for(obj)``: the page keys an object's record appears under ([] = not tracked)."""

    def after_flush(s: Session, flush_context: Any) -> None:
        pending: Pending = s.info.setdefault("tandem", [])
        for obj, deleted in [*((o, False) for o in s.new), *((o, False) for o in s.dirty), *((o, True) for o in s.deleted)]:
            try:
                keys = keys_for(obj)
                if keys:
                    values = {} if deleted else form_values(obj)
                    pending += [(k, values) for k in keys]
            except Exception:  # never break the application's flush
                log.exception("tandem: could not read %r for a record push", obj)

    def after_commit(s: Session) -> None:
        for key, values in s.info.pop("tandem", []):
            try:
                push(key, values)
            except Exception:
                log.exception("tandem: could not queue the record push for %s", key)

    def after_rollback(s: Session) -> None:
        s.info.pop("tandem", None)

    event.listen(session, "after_flush", after_flush)
    event.listen(session, "after_commit", after_commit)
    event.listen(session, "after_soft_rollback", lambda s, previous: after_rollback(s))


def pk_of(obj: Any) -> Optional[str]:
    # From the attributes, not the identity: in after_flush a just-inserted row has its key but
    # is not in the identity map yet.
    ident = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(x) for x in ident) if ident and None not in ident else None
