import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from assessment.models import Action, Assessment, Membership, ReminderLog
from assessment.reminders import send_due_reminders
from tests.factories import completed_assessment

BASE = "https://check.example.de"


@pytest.fixture
def due_company(default_questionnaire, owner):
    assessment = completed_assessment(default_questionnaire)
    company = assessment.company
    Membership.objects.create(company=company, user=owner)
    seven_months_ago = timezone.now() - datetime.timedelta(days=213)
    Assessment.objects.filter(pk=assessment.pk).update(completed_at=seven_months_ago)
    return company


def test_due_reassessment_is_mailed_once_even_when_run_twice(due_company, owner):
    first = send_due_reminders(base_url=BASE, dry_run=False)
    second = send_due_reminders(base_url=BASE, dry_run=False)
    assert [r.kind for r in first] == ["reassessment"] and second == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert f"{BASE}/firmen/{due_company.pk}/" in mail.outbox[0].body
    assert ReminderLog.objects.filter(company=due_company).count() == 1


def test_nothing_is_sent_for_companies_not_yet_due(default_questionnaire, owner):
    assessment = completed_assessment(default_questionnaire)
    Membership.objects.create(company=assessment.company, user=owner)
    assert send_due_reminders(base_url=BASE, dry_run=False) == []
    assert not mail.outbox


def test_dry_run_sends_and_records_nothing(due_company):
    out = StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    assert "would send: reassessment" in out.getvalue()
    assert not mail.outbox
    assert not ReminderLog.objects.exists()


def test_overdue_steps_are_reminded_once_per_due_date(due_company):
    action = Action.objects.create(
        company=due_company,
        recommendation_key="r_sec_2fa",
        title="Zwei-Faktor einschalten",
        due_date=timezone.localdate() - datetime.timedelta(days=3),
    )
    send_due_reminders(base_url=BASE, dry_run=False)
    send_due_reminders(base_url=BASE, dry_run=False)
    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 2
    assert any("Zwei-Faktor einschalten" in subject for subject in subjects)
    # A new due date is a new reminder.
    action.due_date = timezone.localdate() - datetime.timedelta(days=1)
    action.save()
    send_due_reminders(base_url=BASE, dry_run=False)
    assert len(mail.outbox) == 3


def test_companies_without_members_get_nothing(default_questionnaire):
    assessment = completed_assessment(default_questionnaire)
    Assessment.objects.filter(pk=assessment.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=400)
    )
    assert send_due_reminders(base_url=BASE, dry_run=False) == []


def test_command_reports_what_it_sent(due_company):
    out = StringIO()
    call_command("send_reminders", "--base-url", BASE, stdout=out)
    assert "1 reminder(s) sent" in out.getvalue()
