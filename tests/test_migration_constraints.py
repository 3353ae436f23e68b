"""Migration 0009 cleans what races left behind before it adds the constraints."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from assessment.models import Action
from assessment.workflows import adopt_step

BEFORE = [("assessment", "0008_existing_accounts_verified")]
AFTER = [("assessment", "0009_concurrency_constraints_mail_log")]


@pytest.mark.django_db(transaction=True)
def test_duplicates_are_cleaned_before_the_constraints_are_added():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Company = apps.get_model("assessment", "Company")
    Action = apps.get_model("assessment", "Action")
    Assessment = apps.get_model("assessment", "Assessment")
    Questionnaire = apps.get_model("assessment", "Questionnaire")
    company = Company.objects.create(name="Doppelt", industry="retail", size_band="2-9")
    for _ in range(3):
        Action.objects.create(company=company, recommendation_key="backup", title="Backup")
    Action.objects.create(company=company, recommendation_key="backup", title="B", status="done")
    questionnaire = Questionnaire.objects.create(
        key="q", version=1, title_de="Q", title_en="Q", content_hash="x"
    )
    drafts = [
        Assessment.objects.create(company=company, questionnaire=questionnaire) for _ in range(3)
    ]
    Assessment.objects.create(company=company, questionnaire=questionnaire, mode="consultant")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Action = apps.get_model("assessment", "Action")
    Assessment = apps.get_model("assessment", "Assessment")
    statuses = sorted(Action.objects.values_list("status", flat=True))
    assert statuses == ["done", "dropped", "dropped", "planned"]
    assert Action.objects.filter(status="dropped", notes__contains="Doppelt").count() == 2
    remaining = Assessment.objects.filter(status="draft", mode="self")
    assert remaining.count() == 1
    assert remaining.get().pk in {draft.pk for draft in drafts}
    assert Assessment.objects.filter(mode="consultant").count() == 1


def test_reopening_a_step_that_is_open_again_says_so(client, owner, company):
    first = adopt_step(company=company, recommendation_key="backup", title="Backup")
    Action.objects.filter(pk=first.pk).update(status=Action.Status.DROPPED)
    second = adopt_step(company=company, recommendation_key="backup", title="Backup")
    assert second.pk != first.pk
    client.force_login(owner)
    response = client.post(
        reverse("update_action", args=[company.pk, first.pk]),
        {f"a{first.pk}-status": "planned", f"a{first.pk}-owner": "", f"a{first.pk}-notes": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert "schon offen auf Ihrer Liste" in response.content.decode()
    first.refresh_from_db()
    assert first.status == Action.Status.DROPPED
