"""The app's models, one module per concept, all importable from `assessment.models`."""

from assessment.models.accounts import (
    ConsultantProfile,
    User,
    UserManager,
)
from assessment.models.actions import (
    Action,
    Measurement,
    done_steps,
)
from assessment.models.assessment import (
    STORED_ANSWER_COLUMNS,
    Answer,
    Assessment,
    ProposalBatch,
    Respondent,
    ResumeToken,
    ResumeTokenQuerySet,
    StoredAnswer,
)
from assessment.models.common import (
    Translated,
)
from assessment.models.company import (
    Company,
    Invitation,
    Membership,
)
from assessment.models.questionnaire import (
    DEFAULT_QUESTIONNAIRE_KEY,
    KPI_UNIT_LABELS,
    QUICK_CHECK_KEY,
    ChosenOptions,
    Dimension,
    LevelBand,
    Option,
    Question,
    QuestionGrid,
    Questionnaire,
    QuestionnaireContent,
    QuestionnaireQuerySet,
    Recommendation,
)
from assessment.models.records import (
    MailLog,
    ReminderLog,
    RenderedReport,
    ReportRender,
    TokenMiss,
)

__all__ = [
    "DEFAULT_QUESTIONNAIRE_KEY",
    "KPI_UNIT_LABELS",
    "QUICK_CHECK_KEY",
    "STORED_ANSWER_COLUMNS",
    "Action",
    "Answer",
    "Assessment",
    "ChosenOptions",
    "Company",
    "ConsultantProfile",
    "Dimension",
    "Invitation",
    "LevelBand",
    "MailLog",
    "Measurement",
    "Membership",
    "Option",
    "ProposalBatch",
    "Question",
    "QuestionGrid",
    "Questionnaire",
    "QuestionnaireContent",
    "QuestionnaireQuerySet",
    "Recommendation",
    "ReminderLog",
    "RenderedReport",
    "ReportRender",
    "Respondent",
    "ResumeToken",
    "ResumeTokenQuerySet",
    "StoredAnswer",
    "TokenMiss",
    "Translated",
    "User",
    "UserManager",
    "done_steps",
]
