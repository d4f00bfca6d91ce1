"""Signals for apps downstream of the registry (reporting), which casework must not import."""
from django.dispatch import Signal

# Sent inside a merge or unmerge transaction with `person_ids`: before rows are moved from one person's
# record to another's, and after. Derived tables (reporting's first reach) drop and rebuild their rows.
person_records_moving = Signal()
person_records_moved = Signal()
