"""The production setup for real: gunicorn with whitenoise, DEBUG off, collected static files."""

import os
import subprocess
import sys
import urllib.request

from tests.live import ROOT, gunicorn


def test_gunicorn_serves_pages_static_files_and_health(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    static = {"STATIC_ROOT": str(tmp_path / "static"), "STATIC_MANIFEST": "1"}
    env = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "DATABASE_URL": database_url, **static}
    for command in (["migrate", "--noinput"], ["createcachetable"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
    with gunicorn(database_url, tmp_path / "gunicorn.log", **static) as server:
        with urllib.request.urlopen(server.base + "/health/", timeout=5) as response:
            assert response.status == 200
        with urllib.request.urlopen(server.base + "/", timeout=5) as response:
            page = response.read().decode()
        assert "Wie digital ist Ihr Unternehmen?" in page
        stylesheet = page.split('href="/static/css/app.', 1)[1].split('"', 1)[0]
        assert stylesheet.endswith(".css") and len(stylesheet) > len("css")  # hashed name
        with urllib.request.urlopen(server.base + "/static/css/app." + stylesheet) as css:
            assert css.status == 200
            assert "max-age" in css.headers.get("Cache-Control", "")
