from html import escape

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_says_what_the_app_is_without_a_questionnaire(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Wie digital ist Ihr Unternehmen?" in body
    assert "noch kein Fragebogen geladen" in body


def test_home_shows_the_loaded_questionnaire_in_german(client, default_questionnaire):
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert escape(default_questionnaire.title_de) in body
    for dimension in default_questionnaire.dimensions.all():
        assert escape(dimension.title_de) in body


def test_home_in_english(client, default_questionnaire):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in body
    assert "How digital is your company?" in body
    assert escape(default_questionnaire.title_en) in body


def test_home_queries_do_not_grow_with_questions(
    client, default_questionnaire, small_questionnaire, django_assert_max_num_queries
):
    client.get(reverse("home"))  # loads the questionnaire content once per process
    with django_assert_max_num_queries(2):
        client.get(reverse("home"))


@pytest.mark.django_db
def test_german_is_the_default_even_for_an_english_browser(client):
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="de">' in body


@pytest.mark.django_db
def test_the_language_switch_is_remembered(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en">' in body
