"""Limits on the mails the app sends on somebody's request.

Resume links, invitations and team members' links go to an address somebody typed in, so
without a limit the app could be used to flood a stranger's inbox, or to send many mails
carrying a chosen company name. Each mail is counted per recipient address, per check and
per company within a window (settings MAIL_LIMIT_*); the counts live in the database, so
every worker and app server shares them.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import Assessment, Company, MailLog


class MailLimitReached(Exception):
    """Sending this mail would pass one of the limits; `message` says which, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def recipient_hash(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


@transaction.atomic
def reserve(
    *,
    kind: str,
    recipient: str,
    company: Company | None = None,
    assessment: Assessment | None = None,
) -> None:
    """Count one mail to `recipient`, or raise MailLimitReached and count nothing.

    Call it before sending. The company's row is locked while counting and writing (on
    SQLite the IMMEDIATE transaction does the same), so a burst of parallel requests
    cannot pass the company's and the check's limits.
    """
    now = timezone.now()
    since = now - settings.MAIL_LIMIT_WINDOW
    if company is not None:
        Company.objects.select_for_update().filter(pk=company.pk).values_list("pk").first()
    MailLog.objects.filter(sent_at__lte=since).delete()
    recent = MailLog.objects.filter(sent_at__gt=since)
    digest = recipient_hash(recipient)
    if recent.filter(recipient_hash=digest).count() >= settings.MAIL_LIMIT_PER_RECIPIENT:
        raise MailLimitReached(
            _(
                "An diese Adresse haben wir in letzter Zeit schon mehrere E-Mails geschickt. "
                "Bitte warten Sie eine Weile, bevor Sie es noch einmal versuchen."
            )
        )
    if (
        assessment is not None
        and recent.filter(assessment=assessment).count() >= settings.MAIL_LIMIT_PER_ASSESSMENT
    ):
        raise MailLimitReached(
            _(
                "Zu diesem Check wurden in letzter Zeit schon viele E-Mails verschickt. "
                "Bitte versuchen Sie es später noch einmal."
            )
        )
    if company is not None and recent.filter(company=company).count() >= (
        settings.MAIL_LIMIT_PER_COMPANY
    ):
        raise MailLimitReached(
            _(
                "Für dieses Unternehmen wurden in letzter Zeit schon viele E-Mails verschickt. "
                "Bitte versuchen Sie es später noch einmal."
            )
        )
    MailLog.objects.create(
        kind=kind, recipient_hash=digest, company=company, assessment=assessment, sent_at=now
    )


def one_line(text: str) -> str:
    """A mail subject on one line, whatever a stored name holds."""
    return " ".join(text.split())
