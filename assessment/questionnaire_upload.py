"""Uploading a questionnaire file in the admin: read it, check it, preview it, publish it.

The preview shows every page as a respondent sees it, in German and in English, built by
the same markup code as the questionnaire pages. For that the file is stored inside a
savepoint under a throwaway key and rolled back: nothing of a preview stays in the database.
The checked text travels from the preview to the publish button signed, so what is published
is exactly what was previewed; publishing validates it again and keeps the versioning rules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from assessment.answers import MAX_NOTE_LENGTH, NOT_APPLICABLE
from assessment.models import Question, Questionnaire, QuestionnaireContent
from assessment.questionnaire_file import QuestionnaireFileError, store, version_problem

SIGNING_SALT = "assessment.questionnaire-upload"
PREVIEW_MAX_AGE = 24 * 60 * 60  # seconds a checked file may wait for "publish"


@dataclass(frozen=True)
class PreviewPage:
    number: int
    title: str
    description: str
    questions: SafeString


@dataclass(frozen=True)
class Preview:
    key: str
    version: int
    title: dict[str, str]
    pages: dict[str, list[PreviewPage]]  # per language
    replaces: bool  # an unused version of the same key and number is replaced


def read_upload(upload: UploadedFile) -> str:
    """The uploaded file's text, or QuestionnaireFileError with a message for the operator."""
    name = upload.name or "upload.yaml"
    if upload.size is not None and upload.size > settings.QUESTIONNAIRE_UPLOAD_LIMIT:
        raise QuestionnaireFileError(
            [
                gettext("%(name)s: Die Datei ist zu groß (höchstens %(kb)s KB).")
                % {"name": name, "kb": settings.QUESTIONNAIRE_UPLOAD_LIMIT // 1024}
            ]
        )
    try:
        return upload.read().decode("utf-8")
    except UnicodeDecodeError:
        raise QuestionnaireFileError(
            [gettext("%(name)s: Die Datei ist keine UTF-8-Textdatei.") % {"name": name}]
        ) from None


def sign(text: str, filename: str) -> str:
    return signing.dumps({"text": text, "name": filename}, salt=SIGNING_SALT, compress=True)


def unsign(token: str) -> tuple[str, str] | None:
    """The text and file name of a previewed upload; None if tampered with or too old."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return None
    return data["text"], str(data.get("name", "upload.yaml"))


def preview(content: dict, filename: str) -> Preview:
    """Every page of a checked questionnaire as a respondent sees it; stores nothing.

    Raises QuestionnaireFileError when the version is in use and the content differs.
    """
    problem = version_problem(content, filename)
    if problem:
        raise QuestionnaireFileError([problem])
    replaces = Questionnaire.objects.filter(key=content["key"], version=content["version"]).exists()
    with transaction.atomic():
        throwaway = {**content, "key": f"preview-{uuid.uuid4().hex}"}
        questionnaire = store(throwaway, digest="preview", source_file=filename)
        loaded = QuestionnaireContent.load(questionnaire)
        pages = {language: pages_in(loaded, language) for language in ("de", "en")}
        transaction.set_rollback(True)
    return Preview(
        key=content["key"],
        version=content["version"],
        title=content["title"],
        pages=pages,
        replaces=replaces,
    )


def pages_in(loaded: QuestionnaireContent, language: str) -> list[PreviewPage]:
    with translation.override(language):
        return [
            PreviewPage(
                number=number,
                title=dimension.title,
                description=dimension.description,
                questions=render_to_string(
                    "assessment/_preview_questions.html",
                    {
                        "items": [item(question, loaded) for question in dimension.question_list],
                        "not_applicable_value": NOT_APPLICABLE,
                        "max_note_length": MAX_NOTE_LENGTH,
                    },
                ),
            )
            for number, dimension in enumerate(loaded.dimensions, start=1)
        ]


def item(question: Question, loaded: QuestionnaireContent) -> dict:
    """A question as an empty page shows it (see page_form.page_context), every one shown."""
    parent = loaded.questions.get(question.condition_question_key)
    on_page = parent is not None and parent.dimension_id == question.dimension_id
    return {
        "question": question,
        "answer": None,
        "chosen": set(),
        "not_applicable": False,
        "unconfirmed": False,
        "note": "",
        "note_private": False,
        "seen": "",
        "input_type": "checkbox" if question.kind == Question.Kind.MULTIPLE else "radio",
        "condition_parent": parent if on_page else None,
        "condition_labels": [
            option.label
            for option in (parent.option_list if parent else [])
            if option.key in question.condition_any_of
        ],
        "hidden": False,
        "error": None,
    }
