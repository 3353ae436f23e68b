"""Reminders: a reassessment is due, or an adopted step is overdue. Sent once per due date."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessment import mail
from assessment.history import reassessment_due
from assessment.models import Action, Assessment, Company, Membership, ReminderLog


@dataclass(frozen=True)
class Reminder:
    company: Company
    kind: str
    reference: str
    due_date: datetime.date
    recipients: tuple[str, ...]
    subject: str
    body: str


def due_reminders(*, today: datetime.date, base_url: str) -> list[Reminder]:
    """Everything that should be sent today and has not been sent for its due date."""
    companies = (
        Company.objects.filter(memberships__isnull=False)
        .distinct()
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.filter(status=Assessment.Status.COMPLETED).order_by(
                    "completed_at"
                ),
                to_attr="completed",
            ),
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("user"),
                to_attr="member_list",
            ),
            Prefetch(
                "actions",
                queryset=Action.objects.filter(
                    status__in=[Action.Status.PLANNED, Action.Status.DOING],
                    due_date__lt=today,
                ),
                to_attr="overdue",
            ),
            Prefetch("reminders", to_attr="sent"),
        )
    )
    reminders = []
    with translation.override(settings.LANGUAGE_CODE):
        for company in companies:
            recipients = tuple(
                sorted(m.user.email for m in company.member_list if m.user.is_active)
            )
            if not recipients:
                continue
            sent = {(r.kind, r.reference, r.due_date) for r in company.sent}
            link = f"{base_url.rstrip('/')}/firmen/{company.pk}/"
            last = company.completed[-1] if company.completed else None
            due = reassessment_due(company, last)
            if due is not None and due <= today and ("reassessment", "", due) not in sent:
                reminders.append(
                    Reminder(
                        company=company,
                        kind=ReminderLog.Kind.REASSESSMENT,
                        reference="",
                        due_date=due,
                        recipients=recipients,
                        subject=_("Zeit für den nächsten Reifegrad-Check: %(company)s")
                        % {"company": str(company)},
                        body=ngettext(
                            "Guten Tag,\n\nder letzte Check von „%(company)s“ ist einen Monat "
                            "her. Schauen Sie wieder hin: Was hat sich verbessert, was ist als "
                            "Nächstes dran? Die Antworten vom letzten Mal können Sie "
                            "übernehmen.\n\n%(link)s\n",
                            "Guten Tag,\n\nder letzte Check von „%(company)s“ ist %(months)s "
                            "Monate her. Schauen Sie wieder hin: Was hat sich verbessert, was ist "
                            "als Nächstes dran? Die Antworten vom letzten Mal können Sie "
                            "übernehmen.\n\n%(link)s\n",
                            company.reassessment_interval_months,
                        )
                        % {
                            "company": str(company),
                            "months": company.reassessment_interval_months,
                            "link": link,
                        },
                    )
                )
            for action in company.overdue:
                assert action.due_date is not None  # only actions with a due date are overdue
                key = ("action", str(action.pk), action.due_date)
                if key in sent:
                    continue
                reminders.append(
                    Reminder(
                        company=company,
                        kind=ReminderLog.Kind.ACTION,
                        reference=str(action.pk),
                        due_date=action.due_date,
                        recipients=recipients,
                        subject=_("Überfälliger Schritt: %(title)s") % {"title": action.title},
                        body=_(
                            "Guten Tag,\n\nder Schritt „%(title)s“ war bis %(date)s geplant. "
                            "Ist er erledigt? Dann tragen Sie ihn als erledigt ein und notieren "
                            "Sie den Messwert – sonst setzen Sie ein neues Datum.\n\n%(link)s\n"
                        )
                        % {
                            "title": action.title,
                            "date": date_format(action.due_date, "SHORT_DATE_FORMAT"),
                            "link": f"{link}schritte/#action-{action.pk}",
                        },
                    )
                )
    return reminders


def send_due_reminders(
    *, today: datetime.date | None = None, base_url: str, dry_run: bool
) -> list[Reminder]:
    """Send each due reminder once; the log row is written before the mail goes out.

    The unique log row makes two overlapping runs safe: the second cannot insert it and
    skips the mail. The mail is queued in the same transaction as the row (assessment.mail
    retries it until the mail server takes it), so a row never stands for a lost mail.
    """
    today = today or timezone.localdate()
    reminders = due_reminders(today=today, base_url=base_url)
    if dry_run:
        return reminders
    sent = []
    for reminder in reminders:
        try:
            with transaction.atomic():
                ReminderLog.objects.create(
                    company=reminder.company,
                    kind=reminder.kind,
                    reference=reminder.reference,
                    due_date=reminder.due_date,
                    recipients=len(reminder.recipients),
                )
                mail.send(
                    subject=reminder.subject,
                    body=reminder.body,
                    recipients=list(reminder.recipients),
                    about=[mail.about_company(reminder.company.pk)],
                )
        except IntegrityError:
            continue
        sent.append(reminder)
    return sent
