from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessment.models import Questionnaire


def home(request: HttpRequest) -> HttpResponse:
    questionnaire = (
        Questionnaire.objects.filter(key="reifegrad-kmu").order_by("-version").first()
        or Questionnaire.objects.order_by("-loaded_at").first()
    )
    dimensions = []
    if questionnaire is not None:
        dimensions = list(questionnaire.dimensions.order_by("order").prefetch_related("questions"))
    return render(
        request,
        "assessment/home.html",
        {"questionnaire": questionnaire, "dimensions": dimensions},
    )
