"""The production setup for real: gunicorn with whitenoise, DEBUG off, collected static files."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_pages_static_files_and_health(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "production-test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "STATIC_MANIFEST": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "SECURE_COOKIES": "0",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/health/", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        with urllib.request.urlopen(base + "/", timeout=5) as response:
            page = response.read().decode()
        assert "Wie digital ist Ihr Unternehmen?" in page
        stylesheet = page.split('href="/static/css/app.', 1)[1].split('"', 1)[0]
        assert stylesheet.endswith(".css") and len(stylesheet) > len("css")  # hashed name
        with urllib.request.urlopen(base + "/static/css/app." + stylesheet, timeout=5) as css:
            assert css.status == 200
            assert "max-age" in css.headers.get("Cache-Control", "")
    finally:
        server.terminate()
        server.wait(timeout=10)
