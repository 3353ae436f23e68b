"""A check's final answers as one column of the query that looks the check up for a
questionnaire page, so that the page reads its answers without a query of their own.

The column is a JSON array with one array per answer, its values in the order of
`StoredAnswer`; `parse_answers` turns it into what `workflows.stored_answers` returns for the
final answers. The SQL differs between the databases only in how it builds JSON.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Func, TextField
from django.db.models.sql.compiler import SQLCompiler

from assessment.models import (
    STORED_ANSWER_COLUMNS,
    Answer,
    Question,
    Respondent,
    StoredAnswer,
)

# One scalar subquery over the answers of the primary respondent of the check whose id is
# `%(expressions)s` (the looked-up row's column); `{rows}` is the database's JSON aggregate.
TEMPLATE = """(SELECT {rows}
 FROM {answers} column_answer
 JOIN {respondents} column_respondent ON column_respondent.id = column_answer.respondent_id
 JOIN {questions} column_question ON column_question.id = column_answer.question_id
 WHERE column_answer.assessment_id = %(expressions)s AND column_respondent.is_primary)"""


def answers_sql(*, array: str, aggregate: str, options: str) -> str:
    """The subquery with `aggregate` ("{}" where its argument goes) over one `array` per
    answer, of the values in `StoredAnswer`'s order; `options` is how the options column,
    which holds JSON, goes into the array as JSON rather than as text."""
    # Plain fields' columns bear their names.
    named = {"question__key": 'column_question."key"', "options": options}
    values = ", ".join(
        named.get(column, f"column_answer.{column}") for column in STORED_ANSWER_COLUMNS
    )
    return TEMPLATE.format(
        rows=aggregate.format(f"{array}({values})"),
        answers=Answer._meta.db_table,
        respondents=Respondent._meta.db_table,
        questions=Question._meta.db_table,
    )


POSTGRESQL_TEMPLATE = answers_sql(
    array="json_build_array",
    aggregate="CAST(COALESCE(json_agg({}), '[]') AS TEXT)",
    options="column_answer.options",
)
# SQLite's json_group_array gives "[]" for no rows; its options column is text.
SQLITE_TEMPLATE = answers_sql(
    array="json_array", aggregate="json_group_array({})", options="json(column_answer.options)"
)


class FinalAnswers(Func):
    """The column; the check's id is the expression it is given."""

    template = POSTGRESQL_TEMPLATE
    output_field = TextField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        return self.as_sql(compiler, connection, template=SQLITE_TEMPLATE, **extra_context)


def answers_column(check_id: str = "pk") -> FinalAnswers:
    """The final answers as a column of a query whose rows are checks (`check_id` the field
    holding the check's id: "pk" on checks, "assessment_id" on links)."""
    return FinalAnswers(F(check_id))


def parse_answers(value: str) -> dict[str, StoredAnswer]:
    """The column's value as the final answers keyed by question key. SQLite gives its
    true/false columns as 1/0, hence bool()."""
    return {
        key: StoredAnswer(key, options, bool(not_applicable), note, *map(bool, flags))
        for key, options, not_applicable, note, *flags in json.loads(value)
    }
