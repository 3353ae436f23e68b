"""Small helpers that build real assessments through the app's own workflows."""

from assessment.answers import AnswerChange
from assessment.models import Answer, Assessment, Company, Questionnaire, Respondent
from assessment.workflows import finish_assessment, primary_respondent, save_answers
from assessment.workflows import start_self_assessment as start

# The profile form as a person fills it in.
PROFILE = {
    "industry": "retail",
    "size_band": "2-9",
    "name": "Blumen Müller",
    "region": "Köln",
    "monthly_budget_eur": "150",
    "monthly_hours": "10",
}


def answer_all(
    assessment: Assessment, *, level: float = 0.0, notes: dict[str, str] | None = None
) -> None:
    """Answer every question; `level` 0 picks the weakest option, 1 the strongest.

    Gate questions get their last option (selling goods, taking cash), so that every
    follow-up question is shown.
    """
    content = assessment.questionnaire.content()
    notes = notes or {}
    changes = []
    for question in content.questions.values():
        options = question.option_list
        if not question.scored:
            chosen = (options[-1].key,)
        elif question.kind == "multiple" and level >= 1:
            chosen = tuple(o.key for o in options if not o.exclusive)
        else:
            ranked = sorted(options, key=lambda option: option.points)
            chosen = (ranked[round(level * (len(ranked) - 1))].key,)
        changes.append(AnswerChange(question, chosen, False, notes.get(question.key, "")))
    save_answers(assessment=assessment, respondent=primary_respondent(assessment), changes=changes)


def completed_assessment(
    questionnaire: Questionnaire,
    *,
    company: Company | None = None,
    level: float = 0.3,
    notes: dict[str, str] | None = None,
) -> Assessment:
    company = company or Company(
        name="Blumen Müller & Töchter", industry="retail", size_band="2-9", region="Köln"
    )
    assessment, _token = start(company=company, questionnaire=questionnaire)
    answer_all(assessment, level=level, notes=notes)
    finish_assessment(assessment=assessment)
    return assessment


def hold_link(client, assessment: Assessment, respondent=None) -> str:
    """This test browser holds a new link to the assessment, as if it had opened it.

    Returns the link's secret."""
    from assessment.access import SESSION_LINKS, SESSION_RESPONDENTS
    from assessment.models import ResumeToken

    token, raw_token = ResumeToken.issue(assessment=assessment, respondent=respondent)
    key = SESSION_RESPONDENTS if respondent is not None else SESSION_LINKS
    session = client.session
    links = dict(session.get(key, {}))
    links[str(assessment.public_id)] = token.pk
    session[key] = links
    session.save()
    return raw_token


# In `answered_as`, the value that stands for "does not apply".
NA = "n/a"


def answered_as(
    questionnaire: Questionnaire, answers: dict, company: Company | None = None
) -> Assessment:
    """An assessment holding exactly these answers (question key -> option keys or NA),
    stored as they are, without the workflows' checks: for scoring tables."""
    company = company or Company.objects.create(industry="crafts", size_band="2-9")
    assessment = Assessment.objects.create(company=company, questionnaire=questionnaire)
    respondent = Respondent.objects.create(assessment=assessment, is_primary=True)
    questions = {q.key: q for q in questionnaire.questions.all()}
    for key, chosen in answers.items():
        Answer.objects.create(
            assessment=assessment,
            respondent=respondent,
            question=questions[key],
            options=[] if chosen == NA else list(chosen),
            not_applicable=chosen == NA,
        )
    return assessment
