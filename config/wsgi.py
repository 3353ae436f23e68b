import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Serving the app without a configured SECRET_KEY (and DEBUG off) stops it at start.
os.environ.setdefault("REQUIRE_SECRET_KEY", "1")

application = get_wsgi_application()
