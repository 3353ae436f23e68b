"""Django's PostgreSQL backend, without a health check for a connection that just worked.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request on a
kept connection – a round trip to the server on every page. Here a connection on which a
query succeeded less than `HEALTH_CHECK_DELAY` seconds ago is used without that check, as
PgBouncer does with `server_check_delay`. A connection that broke within that time fails
its next query instead: that request gets the 503 page, and Django closes the connection
when the request ends, because a database error occurred on it.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_DELAY = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.worked_at = float("-inf")  # when a query last succeeded (monotonic clock)
        self.execute_wrappers.append(self._note_success)

    def _note_success(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        self.worked_at = time.monotonic()
        return result

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and time.monotonic() - self.worked_at < HEALTH_CHECK_DELAY
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close(self) -> None:
        super().close()
        self.worked_at = float("-inf")
