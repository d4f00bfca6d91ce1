"""Embedded defaults: a PostgreSQL server and a Celery broker that need nothing installed.

Used only when DATABASE_URL / CELERY_BROKER_URL are unset (a laptop, a demo, a fresh clone);
production points both at real servers.
"""
from pathlib import Path

VAR = Path(__file__).resolve().parent.parent / "var"


def embedded_database_url():
    """Start (or reuse) the pip-installed PostgreSQL whose data lives in var/pgdata."""
    import pgserver

    data_dir = VAR / "pgdata"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None keeps the server running for the other processes (worker, beat) and
    # keeps the data between runs.
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    server.psql("SELECT 1;")
    existing = server.psql("SELECT 1 FROM pg_database WHERE datname = 'caminos';")
    if "1 row" not in existing:
        server.psql("CREATE DATABASE caminos;")
    return f"postgresql://postgres@/caminos?host={data_dir}"


def filesystem_broker_options():
    """kombu's filesystem transport: a real broker (a worker and beat run against it) with no server."""
    folder = VAR / "celery-broker"
    processed = VAR / "celery-processed"
    # Without it kombu keeps its exchange tables in ./control, wherever the process was started.
    control = VAR / "celery-control"
    folder.mkdir(parents=True, exist_ok=True)
    processed.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(processed),
        "store_processed": False,
        "control_folder": str(control),
    }
