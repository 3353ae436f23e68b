from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessment.views.check import current_questionnaire


def home(request: HttpRequest) -> HttpResponse:
    questionnaire = current_questionnaire()
    dimensions = questionnaire.content().dimensions if questionnaire is not None else []
    return render(
        request,
        "assessment/home.html",
        {"questionnaire": questionnaire, "dimensions": dimensions},
    )
