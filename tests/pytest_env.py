"""Loaded with -p before pytest-django imports the settings: marks the process as a test run."""
import os

os.environ.setdefault("CAMINOS_TESTING", "1")
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
