"""The audit trail: one row for every change and every read of a person's record."""
import contextvars
import datetime
import decimal
import uuid

from django.db import models

from casework.models import AuditEvent

_request_context = contextvars.ContextVar("caminos_request_context", default={})


def bind_request(*, ip_address, request_id):
    return _request_context.set({"ip_address": ip_address, "request_id": request_id})


def unbind_request(token):
    _request_context.reset(token)


_UNSNAPPED = {"search_text", "created_at", "updated_at"}
_PLAIN = (str, int, bool, float, type(None))
_SNAPSHOT_PLANS = {}


def _snapshot_fields(model, fields):
    """(name, attname) of the fields a snapshot of the model keeps, worked out once per model: a merge
    snapshots every household and person it registers."""
    key = (model, fields)
    if key not in _SNAPSHOT_PLANS:
        _SNAPSHOT_PLANS[key] = [
            (field.name, field.attname) for field in model._meta.concrete_fields
            if (fields is None or field.name in fields)
            and not isinstance(field, models.GeneratedField) and field.name not in _UNSNAPPED]
    return _SNAPSHOT_PLANS[key]


def snapshot(instance, fields=None):
    """The field values of a record, as JSON-safe values, for before/after comparisons."""
    plan = _snapshot_fields(type(instance), None if fields is None else frozenset(fields))
    values = {}
    for name, attname in plan:
        value = getattr(instance, attname)
        values[name] = value if type(value) in _PLAIN else _json_safe(value)
    return values


def _json_safe(value):
    if isinstance(value, (datetime.date, datetime.datetime, uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def diff(before, after):
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def unsaved_event(*, actor, action, instance=None, object_type=None, object_id=None, changes=None):
    """An audit row not yet saved, for writing many at once with bulk_create."""
    context = _request_context.get()
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type or instance._meta.label_lower,
        object_id=str(object_id if object_id is not None else instance.pk),
        changes=changes or {},
        ip_address=context.get("ip_address"),
        request_id=context.get("request_id", ""),
    )


def record(**kwargs):
    event = unsaved_event(**kwargs)
    event.save(force_insert=True)
    return event


def record_created(actor, instance):
    return record(actor=actor, action=AuditEvent.Action.CREATE, instance=instance, changes={"after": snapshot(instance)})


def record_updated(actor, instance, before):
    changes = diff(before, snapshot(instance))
    if changes:
        record(actor=actor, action=AuditEvent.Action.UPDATE, instance=instance, changes=changes)
    return changes


def record_deleted(actor, instance, before):
    return record(actor=actor, action=AuditEvent.Action.DELETE, instance=instance, changes={"before": before})


def record_viewed(actor, instance):
    return record(actor=actor, action=AuditEvent.Action.VIEW, instance=instance)
