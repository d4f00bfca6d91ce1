import pathlib
import re

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
