"""Queries compiled once give exactly what the querysets they stand for give."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment import access
from assessment.answers import AnswerChange
from assessment.models import Answer, Assessment, Company, Respondent, StoredAnswer
from assessment.prepared import PreparedQuery
from assessment.sessions import SessionStore
from assessment.workflows import save_answers, start_self_assessment, stored_answers
from tests.factories import answer_all, completed_assessment

FIELDS = ("id", "public_id", "company_id", "questionnaire_id", "mode", "status", "result")


@pytest.fixture
def answered(default_questionnaire):
    assessment, _token = start_self_assessment(
        company=Company(name="Bäckerei Ölmann", industry="craft", size_band="2-9"),
        questionnaire=default_questionnaire,
    )
    answer_all(assessment, level=0.5, notes={"web_editing": "Seite „neu“ <b>geplant</b>"})
    return assessment


def test_assessment_lookup_matches_the_queryset_with_its_relations(default_questionnaire):
    done = completed_assessment(default_questionnaire)  # has a stored result (JSON)
    expected = Assessment.objects.select_related("company", "questionnaire").get(pk=done.pk)
    with CaptureQueriesContext(connection) as queries:
        found = access._ASSESSMENT.first(done.public_id)
        company, questionnaire = found.company, found.questionnaire
    assert len(queries) == 1  # the relations came with it
    assert found is not expected
    assert [getattr(found, name) for name in FIELDS] == [getattr(expected, name) for name in FIELDS]
    assert found.result == expected.result and found.result["overall"] is not None
    assert found.completed_at == expected.completed_at
    assert (company.pk, company.name) == (expected.company.pk, "Blumen Müller & Töchter")
    assert questionnaire.content_hash == expected.questionnaire.content_hash
    assert found._state.adding is False and found._state.db == "default"
    # A second lookup with another value binds it, not the first one's.
    other = completed_assessment(default_questionnaire)
    assert access._ASSESSMENT.first(other.public_id).pk == other.pk
    assert access._ASSESSMENT.first(str(other.public_id)).pk == other.pk


def test_assessment_lookup_finds_nothing_for_an_unknown_id_and_refuses_a_malformed_one(db):
    assert access._ASSESSMENT.first(uuid.uuid4()) is None
    with pytest.raises(ValidationError):
        access._ASSESSMENT.first("not-a-uuid")


def test_stored_answers_match_the_queryset_values(answered):
    expected = {
        row[0]: StoredAnswer(*row)
        for row in Answer.objects.filter(
            assessment=answered, respondent__is_primary=True
        ).values_list(*StoredAnswer.COLUMNS)
    }
    with CaptureQueriesContext(connection) as queries:
        found = stored_answers(answered)
    assert len(queries) == 1
    assert found == expected
    assert len(found) == len(answered.questionnaire.content().questions)
    assert found["web_editing"].note == "Seite „neu“ <b>geplant</b>"
    assert all(isinstance(answer.options, list) for answer in found.values())
    assert all(isinstance(answer.not_applicable, bool) for answer in found.values())


def test_a_team_member_reads_only_their_own_answers(answered):
    member = Respondent.objects.create(assessment=answered, name="Azubi", is_primary=False)
    question = answered.questionnaire.content().questions["web_editing"]
    save_answers(
        assessment=answered,
        respondent=member,
        changes=[AnswerChange(question, (question.option_list[0].key,), False, "")],
    )
    own = stored_answers(answered, member)
    assert list(own) == ["web_editing"]
    assert own["web_editing"].options == [question.option_list[0].key]
    assert stored_answers(answered)["web_editing"].options != own["web_editing"].options
    # Another assessment's respondent id never reads this assessment's answers.
    other, _token = start_self_assessment(
        company=Company(industry="retail", size_band="1"), questionnaire=answered.questionnaire
    )
    assert stored_answers(other, member) == {}


def test_session_lookup_skips_expired_and_unknown_sessions(db):
    store = SessionStore()
    store["grants"] = ["a", "ä"]
    store.save()
    assert SessionStore(store.session_key).load() == {"grants": ["a", "ä"]}
    missing = SessionStore("x" * 32)
    assert missing.load() == {}
    assert missing.session_key is None
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert SessionStore(store.session_key).load() == {}


def test_a_sample_that_is_not_among_the_parameters_exactly_once_is_refused(db):
    twice = PreparedQuery(
        lambda pk: Assessment.objects.filter(pk=pk, company_id=pk),
        fields=[Assessment._meta.get_field("id")],
        samples=[41],
    )
    with pytest.raises(ImproperlyConfigured, match="appears 2 times"):
        twice.first(1)
    missing = PreparedQuery(
        lambda pk: Assessment.objects.filter(pk=1),
        fields=[Assessment._meta.get_field("id")],
        samples=[41],
    )
    with pytest.raises(ImproperlyConfigured, match="appears 0 times"):
        missing.first(1)
    with pytest.raises(ImproperlyConfigured, match="one sample per field"):
        PreparedQuery(lambda pk: Assessment.objects.all(), fields=[], samples=[1])


@pytest.mark.django_db(transaction=True)
def test_compiled_once_per_connection(answered, monkeypatch):
    query = PreparedQuery(
        lambda pk: Assessment.objects.filter(pk=pk),
        fields=[Assessment._meta.get_field("id")],
        samples=[987_654_321],
    )
    calls = []
    original = query.make
    monkeypatch.setattr(query, "make", lambda *values: calls.append(values) or original(*values))
    assert query.first(answered.pk).pk == answered.pk
    assert query.first(answered.pk + 1000) is None
    assert calls == [(987_654_321,)]
    # Another thread has its own connection and compiles for it.
    seen = []

    def other_thread():
        try:
            seen.append(query.first(answered.pk).pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen == [answered.pk]
    assert calls == [(987_654_321,), (987_654_321,)]


@pytest.mark.django_db(transaction=True)
def test_the_compiled_query_lives_and_goes_with_its_connection(answered):
    import gc
    import weakref

    query = PreparedQuery(
        lambda pk: Assessment.objects.filter(pk=pk),
        fields=[Assessment._meta.get_field("id")],
        samples=[987_654_321],
    )
    seen = []

    def other_thread():
        own = connections["default"]
        try:
            seen.append(query.first(answered.pk).pk)
            seen.append(query in own.prepared_queries)
            seen.append(weakref.ref(own))
        finally:
            connections.close_all()

    assert query.first(answered.pk).pk == answered.pk
    assert query in connection.prepared_queries
    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    del thread
    gc.collect()
    assert seen[:2] == [answered.pk, True]
    assert seen[2]() is None  # that thread's connection, and what it compiled, are gone
