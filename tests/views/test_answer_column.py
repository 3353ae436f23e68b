"""The final answers read along with the check for a questionnaire page (`answer_column`):
the same as `stored_answers` reads on its own, for every kind of value, on each database."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from assessment.access import check_access, find_assessment
from assessment.answer_column import parse_answers
from assessment.models import Answer, Assessment, Company, Membership, Respondent
from assessment.workflows import start_self_assessment, stored_answers
from tests.factories import hold_link

# Notes a person may write: quotes and backslashes (JSON escapes), umlauts, symbols beyond
# the basic plane, line breaks and tabs, text that looks like JSON or SQL, and empty.
NOTES = [
    'Er sagte "ja" und \\ dann nein',
    "Größe: 5 m², Preis 12 € – „günstig“",
    "Kasse 🧾 mit TSE 😀",
    "erste Zeile\nzweite Zeile\r\n\tmit Tab",
    '["a", {"b": 1}] null true',
    "'; DROP TABLE assessment_answer; --",
    "",
]


@pytest.fixture
def check(default_questionnaire) -> Assessment:
    assessment, _token = start_self_assessment(
        company=Company(industry="retail", size_band="2-9"), questionnaire=default_questionnaire
    )
    return assessment


def store(assessment: Assessment, respondent: Respondent, count: int | None = None) -> None:
    """Answers in every shape a stored answer can have, each flag set on some and not on
    others; `count` limits how many questions are answered."""
    questions = list(assessment.questionnaire.content().questions.values())[:count]
    for index, question in enumerate(questions):
        options = [option.key for option in question.option_list]
        if index % 5 == 0:
            chosen: list[str] = []
        elif index % 5 == 1:
            chosen = options[:2] if question.kind == "multiple" else options[-1:]
        else:
            chosen = options[:1]
        Answer.objects.create(
            assessment=assessment,
            respondent=respondent,
            question_id=question.pk,
            options=chosen,
            not_applicable=index % 5 == 0 and index % 2 == 0,
            note=NOTES[index % len(NOTES)],
            note_private=index % 3 == 0,
            carried_over=index % 4 == 1,
            unconfirmed=index % 4 == 1 and index % 8 != 1,
            decided=index % 6 == 2,
        )


def read_along(assessment: Assessment):
    found = find_assessment(assessment.public_id, answers=True)
    return parse_answers(vars(found)["check_answers"])


def test_the_column_holds_the_final_answers_as_they_are_read_alone(check):
    store(check, check.respondents.get(is_primary=True))
    expected = stored_answers(check)
    assert len(expected) > 50
    # Every flag and note seen both ways, so that the comparison covers each value.
    for field in ("not_applicable", "note_private", "carried_over", "unconfirmed", "decided"):
        assert {getattr(answer, field) for answer in expected.values()} == {True, False}, field
    assert {answer.note for answer in expected.values()} == set(NOTES)
    got = read_along(check)
    assert got == expected
    # Types too: named tuples compare equal to 0/1 where True/False is meant.
    for key, answer in got.items():
        assert [type(value) for value in answer] == [type(v) for v in expected[key]], key


def test_team_members_answers_stay_out_of_the_final_answers(check):
    primary = check.respondents.get(is_primary=True)
    member = Respondent.objects.create(assessment=check, name="Verkauf")
    store(check, member)
    assert read_along(check) == {} == stored_answers(check)
    store(check, primary, count=3)
    assert read_along(check) == stored_answers(check)
    assert len(read_along(check)) == 3


def test_another_checks_answers_stay_out(check, default_questionnaire):
    other, _token = start_self_assessment(
        company=Company(industry="crafts", size_band="1"), questionnaire=default_questionnaire
    )
    store(other, other.respondents.get(is_primary=True))
    assert read_along(check) == {}


def visit(rf, client, user=None):
    """A request of this test browser (its session), as `user` or without an account."""
    request = rf.get("/")
    request.session = client.session
    request.user = user or AnonymousUser()
    return request


def test_a_link_holder_and_a_member_get_the_same_answers(client, check, owner, rf):
    store(check, check.respondents.get(is_primary=True))
    hold_link(client, check)
    Membership.objects.create(company=check.company, user=owner, role=Membership.Role.OWNER)
    for request in (visit(rf, client), visit(rf, client, owner)):
        found = check_access(request, check.public_id, answers=True)
        assert found is not None and found.answers == stored_answers(check)
        # Without asking, nothing is read along.
        plain = check_access(request, check.public_id)
        assert plain is not None and plain.answers is None


def test_a_team_member_edits_their_own_answers(client, check, rf):
    member = Respondent.objects.create(assessment=check, name="Verkauf")
    store(check, check.respondents.get(is_primary=True))
    store(check, member, count=2)
    hold_link(client, check, respondent=member)
    found = check_access(visit(rf, client), check.public_id, answers=True)
    assert found is not None and found.respondent == member
    assert found.answers is None  # the page reads the member's own answers instead


@pytest.mark.parametrize("visitor", ["link", "team member"])
def test_the_page_shows_the_answers_it_reads_along(
    client, check, visitor, django_assert_num_queries
):
    """Session, the check with its answers (a team member: session, link, own answers)."""
    question = check.questionnaire.content().dimensions[0].question_list[0]
    chosen = question.option_list[-1]
    member = Respondent.objects.create(assessment=check, name="Verkauf")
    respondent = member if visitor == "team member" else check.respondents.get(is_primary=True)
    Answer.objects.create(
        assessment=check,
        respondent=respondent,
        question_id=question.pk,
        options=[chosen.key],
        note="Notiz <b>fett</b>",
    )
    hold_link(client, check, respondent=member if visitor == "team member" else None)
    url = reverse("check_page", args=[check.public_id, 1])
    client.get(url)
    with django_assert_num_queries(2 if visitor == "link" else 3):
        body = client.get(url).content.decode()
    assert f'value="{chosen.key}" checked' in body
    assert "Notiz &lt;b&gt;fett&lt;/b&gt;" in body


def test_shared_lookups_find_each_check_in_turn(client, check, default_questionnaire):
    """`link_rows` and `check_rows` are shared by every lookup: each lookup reads its own
    check in turn, looked up directly and through a held link."""
    other, _token = start_self_assessment(
        company=Company(industry="crafts", size_band="1"), questionnaire=default_questionnaire
    )
    store(other, other.respondents.get(is_primary=True), count=4)
    for assessment in (check, other, check):
        assert find_assessment(assessment.public_id, answers=True) == assessment
        assert read_along(assessment) == stored_answers(assessment)
    hold_link(client, check)
    hold_link(client, other)
    for assessment in (check, other, check):
        response = client.get(reverse("check_page", args=[assessment.public_id, 1]))
        assert response.status_code == 200
        assert str(assessment.public_id) in response.content.decode()
