"""Sessions in the database, as Django's `db` backend, with the lookup compiled once and an
idle timeout.

Every page reads the session; compiling its query cost more than running it (see
`assessment.prepared`). Stored sessions, expiry and clearing are Django's own.

A session nobody has used for SESSION_IDLE_TIMEOUT ends when it is next read: logged out,
grants gone, as after `flush()`. The time of the last use is kept in the session under
LAST_SEEN (written by `assessment.middleware.SessionIdleTimeout`). A request that never reads
the session – the health check, say – neither ends nor renews it.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from assessment.prepared import PreparedQuery

LAST_SEEN = "last_seen"

_SESSION = PreparedQuery(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now),
    fields=[Session._meta.get_field("session_key"), Session._meta.get_field("expire_date")],
    samples=["5eed" * 8, datetime(2000, 1, 2, 3, 4, 5, tzinfo=UTC)],
)


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict:
        data = super().load()
        last_seen = data.get(LAST_SEEN)
        idle = timezone.now().timestamp() - last_seen if isinstance(last_seen, int) else 0
        if idle > settings.SESSION_IDLE_TIMEOUT.total_seconds():
            self.delete()
            self._session_key = None  # a new key if anything is stored again
            return {}
        return data

    def _get_session_from_db(self):
        session = _SESSION.first(self.session_key, timezone.now())
        if session is None:
            self._session_key = None
        return session
