from django.urls import path

from assessment.views import pages

urlpatterns = [
    path("", pages.home, name="home"),
]
