"""gunicorn settings; every value can be overridden from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# A PDF holds its thread for most of a second; with a second thread per worker the short
# pages in between are not queued behind it. More threads cost CPU: they contend for the
# interpreter lock, and each page then needs more CPU time (bench/README.md).
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
errorlog = "-"
wsgi_app = "config.wsgi:application"
