"""The team of a check: everybody's own answers side by side with the final ones."""

from __future__ import annotations

from dataclasses import dataclass

from assessment.engine.consolidation import QuestionAgreement, team_agreement
from assessment.engine.scoring import AnswerInput
from assessment.models import Answer, Assessment, Respondent


@dataclass(frozen=True)
class TeamView:
    respondents: list[Respondent]  # team members, without the final answers
    answers: dict[int, dict[str, Answer]]  # respondent id -> question key -> answer
    agreement: dict[str, QuestionAgreement]

    @property
    def disagreements(self) -> list[QuestionAgreement]:
        return [item for item in self.agreement.values() if item.disagreement]


def team_view(assessment: Assessment) -> TeamView:
    """Two queries, however many people answered."""
    respondents = list(
        assessment.respondents.filter(is_primary=False).select_related("user").order_by("pk")
    )
    answers: dict[int, dict[str, Answer]] = {r.pk: {} for r in respondents}
    for answer in Answer.objects.filter(
        assessment=assessment, respondent__is_primary=False
    ).select_related("question"):
        answers.setdefault(answer.respondent_id, {})[answer.question.key] = answer
    spec = assessment.questionnaire.scoring_spec()
    inputs = {
        str(r.pk): {
            key: AnswerInput(tuple(a.options), a.not_applicable) for key, a in answers[r.pk].items()
        }
        for r in respondents
        if answers[r.pk]
    }
    agreement = team_agreement(spec.questions, inputs) if len(inputs) >= 2 else {}
    answering = [r for r in respondents if answers[r.pk]]
    return TeamView(
        respondents=answering if inputs else respondents, answers=answers, agreement=agreement
    )
