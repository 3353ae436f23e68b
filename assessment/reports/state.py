"""What a check's report depends on beyond the check's own row, read as one text value: the
counts and latest changes of its answers, team members, the company's actions and completed
checks, the newest version of its questionnaire and the number of the company's members.

The same SQL serves two ways: alone (`read_state`, one query) and as a column of the query
that looks the check up for a page (`state_column`), which then costs no query of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Expression, F, Func, TextField

from assessment.models import Action, Answer, Assessment, Membership, Questionnaire, Respondent

# Each part is a scalar subquery over the check's row (`state_check`), so that the whole is
# one value wherever it is put; `%(expressions)s` is the check's id: a parameter when read
# alone, the looked-up row's id column when read along. Counts and latest change times rather
# than the rows themselves, whatever the amount of data. Plain SQL that SQLite and PostgreSQL
# run alike; the table names come from the models, the only literal is a status of the code.
# Written as SQL because the same built with the ORM (eleven subqueries) took about 20 ms to
# build and compile on every results page, more than planning the roadmap.
TEMPLATE = """(SELECT
  (SELECT CAST(COUNT(*) AS TEXT) || '|' || COALESCE(CAST(MAX(updated_at) AS TEXT), '')
   FROM {answers} WHERE assessment_id = state_check.id)
  || '|' || (SELECT CAST(COUNT(*) AS TEXT) || '|' || COALESCE(CAST(MAX(id) AS TEXT), '')
   FROM {respondents} WHERE assessment_id = state_check.id)
  || '|' || (SELECT CAST(COUNT(*) AS TEXT) || '|' || COALESCE(CAST(MAX(updated_at) AS TEXT), '')
             || '|' || COALESCE(CAST(MAX(id) AS TEXT), '')
   FROM {actions} WHERE company_id = state_check.company_id)
  || '|' || (SELECT CAST(COUNT(*) AS TEXT) || '|' || COALESCE(CAST(MIN(completed_at) AS TEXT), '')
             || '|' || COALESCE(CAST(MAX(completed_at) AS TEXT), '')
             || '|' || COALESCE(CAST(MAX(id) AS TEXT), '')
   FROM {assessments} WHERE company_id = state_check.company_id AND status = '{completed}')
  || '|' || COALESCE((SELECT CAST(newest.id AS TEXT) FROM {questionnaires} newest
                      WHERE newest."key" = state_questionnaire."key"
                      ORDER BY newest.version DESC LIMIT 1), '')
  || '|' || (SELECT CAST(COUNT(*) AS TEXT) FROM {memberships}
             WHERE company_id = state_check.company_id)
 FROM {assessments} state_check
 JOIN {questionnaires} state_questionnaire
   ON state_questionnaire.id = state_check.questionnaire_id
 WHERE state_check.id = %(expressions)s)"""
STATE_TEMPLATE = TEMPLATE.format(
    answers=Answer._meta.db_table,
    respondents=Respondent._meta.db_table,
    actions=Action._meta.db_table,
    assessments=Assessment._meta.db_table,
    questionnaires=Questionnaire._meta.db_table,
    memberships=Membership._meta.db_table,
    completed=Assessment.Status.COMPLETED.value,
)
STATE_SQL = "SELECT " + STATE_TEMPLATE % {"expressions": "%s"}


@dataclass(frozen=True)
class StoredState:
    """The state's value taken apart: the parts of the revision (text, compared as they are),
    the id of the newest version of the check's questionnaire and the number of members."""

    parts: tuple[str, ...]
    newest_questionnaire: int | None
    member_count: int

    @classmethod
    def parse(cls, value: str) -> StoredState:
        *parts, newest, members = value.split("|")
        return cls(tuple(parts), int(newest) if newest else None, int(members))


def state_column(check_id: str = "pk") -> Expression:
    """The state as a column of a query whose rows are checks (`check_id` the field holding
    the check's id: "pk" on assessments, "assessment_id" on links)."""
    return Func(F(check_id), template=STATE_TEMPLATE, output_field=TextField())


def read_state(assessment_id: int) -> StoredState:
    """The state of one check, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL, [assessment_id])
        return StoredState.parse(cursor.fetchone()[0])
