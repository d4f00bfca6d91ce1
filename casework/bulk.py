"""Writing many new rows at once with COPY, for the import's merge: bulk_create's INSERT is built and
parsed row by row in Python and costs about three times as much at tens of thousands of rows."""
import uuid

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    AutoField, BigAutoField, BooleanField, CharField, Field, ForeignKey, IntegerField, SmallAutoField, TextField,
    UUIDField,
)

SERIAL = (AutoField, BigAutoField, SmallAutoField)
# Django's preparation returns a value of these types unchanged (PostgreSQL takes UUIDs as they are),
# as long as a subclass does not prepare values its own way.
_UNCHANGED = ((CharField, str), (TextField, str), (BooleanField, bool), (IntegerField, int), (UUIDField, uuid.UUID))


def _unchanged_type(field):
    """The exact type of value that `field` writes as it is, or None: preparing every value was a third
    of a merge's Python time, and most are strings, ids and flags that come out the same."""
    if type(field).pre_save is not Field.pre_save:
        return None
    target = field
    if field.is_relation:
        if type(field).get_db_prep_save is not ForeignKey.get_db_prep_save:
            return None
        target = field.target_field
    for kind, python_type in _UNCHANGED:
        if isinstance(target, kind):
            own = type(target)
            base = AutoField if isinstance(target, SERIAL) else kind
            same = own.get_prep_value is base.get_prep_value and own.get_db_prep_value is base.get_db_prep_value
            return python_type if same else None
    return None


def copy_insert(objects):
    """Insert unsaved model instances of one model by COPY. No signals and no returned ids: for rows
    whose primary key the model gives itself (UUIDs) or that nothing reads back (audit rows)."""
    if not objects:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the proxy's lookup per value was a tenth of the time
    model = type(objects[0])
    fields = [field for field in model._meta.concrete_fields
              if not field.generated and not isinstance(field, SERIAL)]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    plan = [(field, field.attname, _unchanged_type(field)) for field in fields]
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for instance in objects:
                row = []
                for field, attname, unchanged in plan:
                    if unchanged is None:
                        row.append(field.get_db_prep_save(field.pre_save(instance, add=True), connection))
                        continue
                    value = getattr(instance, attname)
                    row.append(value if value is None or type(value) is unchanged
                               else field.get_db_prep_save(value, connection))
                copy.write_row(row)
        for instance in objects:
            instance._state.adding = False
            instance._state.db = connection.alias
