#!/usr/bin/env python3
"""The two commands of the README, on a fresh machine that has only Python 3.11+.

    python3 dev.py run     virtualenv, install, migrate, demo data, then web + Celery worker + beat
    python3 dev.py test    virtualenv, install (with the browser for the e2e tests), then pytest

Only the standard library is used here: this file runs before anything is installed.
"""
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VAR = ROOT / "var"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
CHROMIUM = Path("/usr/bin/chromium")


def log(message):
    print(f"[caminos] {message}", flush=True)


def ensure_virtualenv(requirements_file):
    """Create .venv and install the pinned requirements once per change of the requirement files."""
    if not PYTHON.exists():
        log("creating virtualenv in .venv")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    digest = hashlib.sha256()
    for name in ("requirements.txt", requirements_file):
        digest.update((ROOT / name).read_bytes())
    stamp = VENV / f".installed-{requirements_file}"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    log(f"installing {requirements_file}")
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements_file],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(digest.hexdigest())


def ensure_chromium():
    """The browser tests drive Debian's Chromium; Playwright cannot download its own here."""
    if CHROMIUM.exists():
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        sys.exit("The browser tests need Chromium at /usr/bin/chromium: run `apt-get install chromium` as root.")
    log("installing Debian's chromium for the browser tests")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True, env=env, stdout=subprocess.DEVNULL)


def answers(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def local_services_env():
    """Use the machine's PostgreSQL and Redis when they answer; settings fall back to embedded ones."""
    env = dict(os.environ)
    if "DATABASE_URL" not in env and answers("127.0.0.1", 5432):
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/caminos"
    if "CELERY_BROKER_URL" not in env and answers("127.0.0.1", 6379):
        env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
    return env


def manage(*args, env=None):
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, check=True, env=env)


def run():
    ensure_virtualenv("requirements.txt")
    env = dict(os.environ)
    env.setdefault("DJANGO_DEBUG", "1")
    if "DATABASE_URL" not in env:
        # Start the embedded server once here so that web, worker and beat share one URL.
        url = subprocess.run(
            [str(PYTHON), "-c", "from config.embedded import embedded_database_url; print(embedded_database_url())"],
            cwd=ROOT, check=True, capture_output=True, text=True, env=env,
        ).stdout.strip().splitlines()[-1]
        env["DATABASE_URL"] = url
        log(f"embedded PostgreSQL at {url}")
    manage("migrate", "--noinput", env=env)
    manage("seed_demo", env=env)
    VAR.mkdir(exist_ok=True)
    processes = [
        subprocess.Popen([str(PYTHON), "manage.py", "runserver", "127.0.0.1:8000", "--noreload"], cwd=ROOT, env=env),
        subprocess.Popen(
            [str(PYTHON), "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", "--concurrency=2"],
            cwd=ROOT, env=env,
        ),
        subprocess.Popen(
            [str(PYTHON), "-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
             "--schedule", str(VAR / "celerybeat-schedule")],
            cwd=ROOT, env=env,
        ),
    ]
    log("Caminos runs at http://127.0.0.1:8000/  (Ctrl+C stops web, worker and beat)")

    def stop(*_):
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(1)
        log("a process stopped; stopping the others")
    except KeyboardInterrupt:
        pass
    stop()


def test(pytest_args):
    ensure_virtualenv("requirements-dev.txt")
    ensure_chromium()
    env = local_services_env()
    result = subprocess.run([str(PYTHON), "-m", "pytest", *pytest_args], cwd=ROOT, env=env)
    sys.exit(result.returncode)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        sys.exit(__doc__)
    if sys.argv[1] == "run":
        run()
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
