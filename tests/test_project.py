import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# <script src=...>, <link href=...>, <img src=...> and CSS url(...) pointing off the app.
EXTERNAL_ASSET = re.compile(r"""(?:<(?:script|link|img)\b[^>]*\b(?:src|href)=["']?|url\(["']?)(?:https?:)?//""",
                            re.IGNORECASE)


def test_ci_runs_exactly_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"^(python3 dev\.py test)\b", readme, re.MULTILINE).group(1)
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in lines


def test_no_asset_comes_from_a_cdn():
    # The tablets at a border point may have no internet beyond the app's own server.
    sources = [path for pattern in ("**/templates/**/*.html", "static/**/*.css", "*/static/**/*.css")
               for path in ROOT.glob(pattern) if ".venv" not in path.parts]
    assert sources
    offenders = [str(path.relative_to(ROOT)) for path in sources if EXTERNAL_ASSET.search(path.read_text())]
    assert offenders == []


def test_every_page_loads_its_assets_from_the_app(client, officer):
    client.force_login(officer)
    for url in ("/registry/", "/registry/new/"):
        page = client.get(url).content.decode()
        assets = re.findall(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']([^"']+)""", page)
        assert assets and all(asset.startswith("/static/") for asset in assets), assets


def test_without_a_broker_url_celery_uses_the_serverless_filesystem_broker(tmp_path):
    # In a fresh process, as `dev.py run` starts one: settings are read once, at import.
    script = (
        "import uuid, django; django.setup()\n"
        "from django.conf import settings\n"
        "from config.celery import app\n"
        "assert settings.CELERY_BROKER_URL == 'filesystem://', settings.CELERY_BROKER_URL\n"
        "name = f'caminos-test-{uuid.uuid4().hex}'\n"
        "with app.connection_for_write() as connection:\n"
        "    queue = connection.SimpleQueue(name)\n"
        "    queue.put({'ping': 1})\n"
        "    message = queue.get(timeout=5)\n"
        "    message.ack()\n"
        "    assert message.payload == {'ping': 1}\n"
        "    queue.close()\n"
        "print('ok')\n"
    )
    env = {name: value for name, value in os.environ.items() if name != "CELERY_BROKER_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]
    assert not (ROOT / "control").exists(), "the broker's tables belong under var/, not in the checkout"


def test_every_model_change_has_its_migration(db):
    from django.core.management import call_command

    # --check exits non-zero when a model differs from its migrations.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_bare_makemigrations_check_runs_without_a_secret_key_but_the_server_does_not():
    env = {key: value for key, value in os.environ.items()
           if key not in {"DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY_FILE", "DJANGO_DEBUG", "CAMINOS_TESTING"}}
    checked = subprocess.run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr[-2000:]
    refused = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode != 0 and "DJANGO_SECRET_KEY" in refused.stderr
