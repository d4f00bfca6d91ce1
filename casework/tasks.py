"""Celery tasks of the registry; each can run twice safely."""
from celery import shared_task

from casework import duplicates


@shared_task
def scan_for_duplicates():
    """Beat, nightly: people changed since the last scan, checked against their organisation's registry."""
    return duplicates.scan_registry()
