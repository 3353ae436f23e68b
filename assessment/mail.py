"""Every mail the app sends goes through here, as a background task.

A request only enqueues the mail (one row in the task queue); a worker sends it. An SMTP
server that is down or slow therefore never turns "send me my link" or a password reset
into an error page. The Tasks API has no retries of its own: a failed attempt enqueues the
next one itself with `run_after` (exponential backoff, settings MAIL_RETRY_*), and the last
attempt lets its error through, so it ends as a failed task in the admin's task list and
as an error line in the log. A mail may thus, rarely, arrive twice (sent, then the worker
died before noting it); it is never lost silently.

A mail about a company or one of its checks carries the company's mark in `about`
(`about_company`): deleting the company (or its check) removes its queued and finished
mails (assessment/privacy.py), which hold addresses and names.

No other module imports django.core.mail's sending functions (tests/test_mail.py checks).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


def send(
    *,
    subject: str,
    body: str,
    recipients: Sequence[str],
    from_email: str | None = None,
    html_body: str | None = None,
    about: Sequence[str] = (),
) -> None:
    """Queue one mail; returns at once and never raises because of the mail server."""
    enqueue_delivery(
        subject=str(subject),
        body=str(body),
        recipients=[str(address) for address in recipients],
        from_email=from_email,
        html_body=html_body,
        attempt=1,
        about=list(about),
    )


def about_company(company_id: int) -> str:
    """The mark of a mail about a company or its checks (invitations, links, reminders)."""
    return f"company:{company_id}"


def send_message(message: EmailMessage) -> None:
    """Queue a mail that a library built (django-allauth's adapter, the error mails)."""
    html_body = None
    body = message.body
    if message.content_subtype == "html":
        html_body = str(body)
    elif isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                html_body = str(content)
    send(
        subject=str(message.subject),
        body=str(body),
        recipients=[*message.to, *message.cc, *message.bcc],
        from_email=message.from_email,
        html_body=html_body,
    )


def enqueue_delivery(
    *,
    subject: str,
    body: str,
    recipients: list[str],
    from_email: str | None,
    html_body: str | None,
    attempt: int,
    delay: timedelta | None = None,
    about: list[str] | None = None,
) -> None:
    queued = deliver
    if delay is not None and queued.get_backend().supports_defer:
        queued = deliver.using(run_after=timezone.now() + delay)
    queued.enqueue(
        subject=subject,
        body=body,
        recipients=recipients,
        from_email=from_email,
        html_body=html_body,
        attempt=attempt,
        about=about or [],
    )


def retry_delay(attempt: int) -> timedelta:
    """Wait before attempt `attempt + 1`: MAIL_RETRY_BASE_SECONDS doubled each time."""
    return timedelta(seconds=settings.MAIL_RETRY_BASE_SECONDS * 2 ** (attempt - 1))


class MailNotDelivered(Exception):
    """The last attempt failed; the task ends failed and visible in the task list."""


@task(queue_name="default")
def deliver(
    *,
    subject: str,
    body: str,
    recipients: list[str],
    from_email: str | None,
    html_body: str | None,
    attempt: int,
    about: list[str] | None = None,
) -> int:
    # `about` is not sent; it lets a deletion find this mail (tasks queued before it existed
    # have none).
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email,
        to=recipients,
        connection=get_connection(),
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    try:
        return message.send()
    except Exception as error:
        if attempt >= settings.MAIL_RETRY_ATTEMPTS:
            logger.error(
                "Mail %r to %d recipient(s) not delivered after %d attempts: %s",
                subject,
                len(recipients),
                attempt,
                error,
            )
            raise MailNotDelivered(f"{attempt} attempts failed, the last: {error}") from error
        delay = retry_delay(attempt)
        logger.warning(
            "Mail %r, attempt %d failed (%s); next attempt in %d s",
            subject,
            attempt,
            error,
            delay.total_seconds(),
        )
        enqueue_delivery(
            subject=subject,
            body=body,
            recipients=recipients,
            from_email=from_email,
            html_body=html_body,
            attempt=attempt + 1,
            delay=delay,
            about=about,
        )
        return 0
