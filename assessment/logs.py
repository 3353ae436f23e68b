"""Logs and error reports an operator can read, without the personal data in them.

- Every request gets an id (RequestLog middleware): it is on every log line written while
  the request runs and in the X-Request-ID response header, so a person's report ("it
  failed at 10:42, the page said ...") leads to the lines.
- LOG_FORMAT=json writes one JSON object per line (JsonFormatter) for a log collector.
- Mails about 500s to ADMINS go through the task queue like every other mail.
- Sentry events (SENTRY_DSN) lose cookies, request bodies, headers, addresses and secret
  links before they leave (scrub_sentry_event).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any, cast

from django.utils.log import AdminEmailHandler
from sentry_sdk.types import Event, Hint

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

UUID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Secret links (resume, invitation, password reset) carry a long random segment.
SECRET_SEGMENT_LENGTH = 20


def scrub_path(path: str) -> str:
    """The path with every secret-looking segment replaced: logs never hold a usable link."""
    segments = path.split("/")
    return "/".join(
        "[secret]"
        if len(segment) >= SECRET_SEGMENT_LENGTH and not UUID_PATTERN.match(segment)
        else segment
        for segment in segments
    )


def scrub_text(text: str) -> str:
    return EMAIL_PATTERN.sub("[address]", text)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or "-") on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


# Attributes every LogRecord has; anything else was passed in `extra` and is logged too.
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class QueuedAdminEmailHandler(AdminEmailHandler):
    """Django's mail to ADMINS on errors, queued as a task instead of sent in the request."""

    def send_mail(self, subject: Any, message: Any, *args: Any, **kwargs: Any) -> None:
        from django.conf import settings

        from assessment import mail

        if not settings.ADMINS:
            return
        try:
            mail.send(
                subject=f"{settings.EMAIL_SUBJECT_PREFIX}{subject}",
                body=str(message),
                recipients=[address for _name, address in settings.ADMINS],
                from_email=settings.SERVER_EMAIL,
                html_body=kwargs.get("html_message"),
            )
        except Exception:
            # The database may be what failed; the error is in the log in any case.
            logging.getLogger(__name__).warning("Could not queue the error mail to ADMINS")


SAFE_HEADERS = {"user-agent", "accept-language", "content-type", "content-length", "referer"}


def scrub_sentry_event(sentry_event: Event, hint: Hint) -> Event:
    """Drop what could identify a person or open a check before an event leaves the server."""
    event = cast(dict[str, Any], sentry_event)
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        request.pop("query_string", None)
        request.pop("env", None)
        if isinstance(request.get("url"), str):
            request["url"] = scrub_path(request["url"])
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: (scrub_path(value) if name.lower() == "referer" else value)
                for name, value in headers.items()
                if name.lower() in SAFE_HEADERS
            }
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    if isinstance(event.get("transaction"), str):
        event["transaction"] = scrub_path(event["transaction"])
    for value in (event.get("exception") or {}).get("values", []) or []:
        if isinstance(value.get("value"), str):
            value["value"] = scrub_text(value["value"])
        for frame in (value.get("stacktrace") or {}).get("frames", []) or []:
            # Local variables hold form data, addresses and tokens.
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        for key in ("message", "formatted"):
            if isinstance(logentry.get(key), str):
                logentry[key] = scrub_text(logentry[key])
        logentry.pop("params", None)
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        for crumb in breadcrumbs.get("values", []) or []:
            if isinstance(crumb.get("message"), str):
                crumb["message"] = scrub_text(crumb["message"])
            crumb.pop("data", None)
    return sentry_event
