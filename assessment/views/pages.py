from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from assessment.models import Questionnaire
from assessment.sample import NoQuestionnaire, sample_pdf


def home(request: HttpRequest) -> HttpResponse:
    questionnaire = Questionnaire.objects.current()
    dimensions = questionnaire.content().dimensions if questionnaire is not None else []
    return render(
        request,
        "assessment/home.html",
        {
            "questionnaire": questionnaire,
            "dimensions": dimensions,
            "quick_check": Questionnaire.objects.quick_check(),
        },
    )


@require_GET
def sample_report(request: HttpRequest) -> HttpResponse:
    """The sample report in the visitor's language, so they see what a check gives them."""
    language = (translation.get_language() or "de")[:2]
    try:
        content = sample_pdf(language=language)
    except NoQuestionnaire:
        raise Http404 from None
    response = HttpResponse(content, content_type="application/pdf")
    filename = (
        "Reifegrad_Beispielbericht.pdf" if language == "de" else "Reifegrad_sample_report.pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
