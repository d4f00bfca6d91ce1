"""Creates that take the client's own id, so that a retried request never makes a second record."""
from django.db import IntegrityError


def create_once(create, existing):
    """(record, created). `existing()` finds the record the id already names (or refuses an id of
    someone else's record); `create()` writes it in a transaction of its own. A retry that raced the
    first request past the check gets the first one's record when its insert meets the same key."""
    found = existing()
    if found is not None:
        return found, False
    try:
        return create(), True
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found, False
