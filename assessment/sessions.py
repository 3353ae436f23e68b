"""Sessions in the database, as Django's `db` backend, with the lookup compiled once.

Every page reads the session; compiling its query cost more than running it (see
`assessment.prepared`). Stored sessions, expiry and clearing are Django's own.
"""

from datetime import UTC, datetime

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from assessment.prepared import PreparedQuery

_SESSION = PreparedQuery(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now),
    fields=[Session._meta.get_field("session_key"), Session._meta.get_field("expire_date")],
    samples=["5eed" * 8, datetime(2000, 1, 2, 3, 4, 5, tzinfo=UTC)],
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        session = _SESSION.first(self.session_key, timezone.now())
        if session is None:
            self._session_key = None
        return session
