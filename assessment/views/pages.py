from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessment.models import Questionnaire


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
