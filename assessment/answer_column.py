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
# `%(expressions)s` (the looked-up row's column). `{answer}` is the per-answer JSON array,
# `{rows}` the aggregate of those; both are the database's own JSON functions.
TEMPLATE = """(SELECT {rows}
 FROM {answers} column_answer
 JOIN {respondents} column_respondent ON column_respondent.id = column_answer.respondent_id
 JOIN {questions} column_question ON column_question.id = column_answer.question_id
 WHERE column_answer.assessment_id = %(expressions)s AND column_respondent.is_primary)"""


def answer_values(json_column: str) -> str:
    """The SQL of an answer's values in `StoredAnswer`'s order; `json_column` wraps the
    options column, which holds JSON, so that the array embeds it as JSON and not as text."""
    values = []
    for column in STORED_ANSWER_COLUMNS:
        if column == "question__key":
            values.append('column_question."key"')
        elif column == "options":
            values.append(json_column.format("column_answer.options"))
        else:
            values.append(f"column_answer.{column}")  # plain fields: the column is the name
    return ", ".join(values)


def answers_sql(rows: str, json_column: str) -> str:
    return TEMPLATE.format(
        rows=rows.replace("{answer}", answer_values(json_column)),
        answers=Answer._meta.db_table,
        respondents=Respondent._meta.db_table,
        questions=Question._meta.db_table,
    )


POSTGRESQL_TEMPLATE = answers_sql(
    "CAST(COALESCE(json_agg(json_build_array({answer})), '[]') AS TEXT)", "{}"
)
# SQLite's json_group_array gives "[]" for no rows; the options are text there, json() makes
# them JSON.
SQLITE_TEMPLATE = answers_sql("json_group_array(json_array({answer}))", "json({})")


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
        key: StoredAnswer(
            key,
            options,
            bool(not_applicable),
            note,
            bool(note_private),
            bool(carried_over),
            bool(unconfirmed),
            bool(decided),
        )
        for (
            key,
            options,
            not_applicable,
            note,
            note_private,
            carried_over,
            unconfirmed,
            decided,
        ) in json.loads(value)
    }
