"""Static files as whitenoise serves them in production, with each URL worked out once.

The manifest of hashed names is read when the process starts and does not change while it
runs, so neither does the URL of a file. Working it out took about 30 µs per `{% static %}`
tag, several times per page (bench/README.md).
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

MAX_REMEMBERED = 1000


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force or settings.DEBUG:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = super().url(name, force)
            if len(self._urls) >= MAX_REMEMBERED:
                self._urls.clear()
            self._urls[name] = url
        return url
