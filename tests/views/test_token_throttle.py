"""Secret links: repeated misses from one address are throttled, hits are not counted."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment.access import SESSION_LINKS
from assessment.models import Assessment, Company, Invitation, ResumeToken, TokenMiss
from assessment.workflows import start_self_assessment
from tests.factories import hold_link

ADDRESS_A = "203.0.113.10"
ADDRESS_B = "198.51.100.20"

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(small_questionnaire) -> tuple[Assessment, str]:
    company = Company(name="Blumen Müller", industry="retail", size_band="2-9")
    return start_self_assessment(company=company, questionnaire=small_questionnaire)


@pytest.fixture
def invitation_token(company, owner) -> str:
    _invitation, raw_token = Invitation.issue(
        company=company, email="neu@example.com", invited_by=owner
    )
    return raw_token


def off_by_one(raw_token: str) -> str:
    return raw_token[:-1] + ("A" if raw_token[-1] != "A" else "B")


def resume(client: Client, token: str):
    return client.get(reverse("resume", args=[token]))


def page_text(html: str) -> str:
    """The page without what differs by request anyway: the CSRF token and the address
    of the page itself, which the language switch returns to."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'name="next" type="hidden" value="[^"]*"', "", html)


def miss_times(client: Client, times: int) -> list[int]:
    return [resume(client, f"falsch-{n}").status_code for n in range(times)]


def test_every_kind_of_miss_gives_the_same_404_until_the_limit(started):
    assessment, raw_token = started
    revoked, revoked_token = ResumeToken.issue(assessment=assessment)
    revoked.revoke()
    reference = page_text(resume(Client(REMOTE_ADDR=ADDRESS_B), "falsch").content.decode())
    client = Client(REMOTE_ADDR=ADDRESS_A)
    misses = [off_by_one(raw_token), revoked_token, "falsch", raw_token[:-1], "x" * 201]
    misses += [f"geraten-{n}" for n in range(5)]
    for token in misses:
        response = resume(client, token)
        assert response.status_code == 404, token
        assert page_text(response.content.decode()) == reference
    assert TokenMiss.objects.filter(address=ADDRESS_A).count() == 10


def test_after_ten_misses_even_a_valid_link_gets_429(started):
    _assessment, raw_token = started
    client = Client(REMOTE_ADDR=ADDRESS_A)
    assert miss_times(client, 10) == [404] * 10
    response = resume(client, raw_token)
    assert response.status_code == 429
    assert 890 <= int(response["Retry-After"]) <= 900
    body = response.content.decode()
    assert "Zu viele Versuche" in body
    assert "Bitte versuchen Sie es in 15 Minuten noch einmal." in body
    assert SESSION_LINKS not in client.session
    # A throttled lookup is not looked up, so it counts as nothing.
    assert TokenMiss.objects.count() == 10


def test_the_throttle_holds_for_every_app_server(started):
    """Counters are in the database: a second client at the same address stands for a
    request that reached another app server."""
    _assessment, raw_token = started
    miss_times(Client(REMOTE_ADDR=ADDRESS_A), 10)
    assert resume(Client(REMOTE_ADDR=ADDRESS_A), raw_token).status_code == 429


def test_hits_do_not_count(started):
    _assessment, raw_token = started
    client = Client(REMOTE_ADDR=ADDRESS_A)
    assert miss_times(client, 9) == [404] * 9
    for _ in range(15):
        assert resume(client, raw_token).status_code == 302
    assert TokenMiss.objects.count() == 9


def test_misses_from_one_address_do_not_throttle_another(started):
    _assessment, raw_token = started
    miss_times(Client(REMOTE_ADDR=ADDRESS_A), 10)
    assert resume(Client(REMOTE_ADDR=ADDRESS_B), raw_token).status_code == 302


def test_lookups_work_again_once_the_misses_leave_the_window(started):
    _assessment, raw_token = started
    client = Client(REMOTE_ADDR=ADDRESS_A)
    miss_times(client, 10)
    TokenMiss.objects.update(missed_at=timezone.now() - datetime.timedelta(minutes=15, seconds=1))
    assert resume(client, raw_token).status_code == 302


def test_retry_after_counts_down_from_the_oldest_miss_in_the_window(started):
    _assessment, raw_token = started
    client = Client(REMOTE_ADDR=ADDRESS_A)
    miss_times(client, 10)
    TokenMiss.objects.update(missed_at=timezone.now() - datetime.timedelta(minutes=10))
    response = resume(client, raw_token)
    assert response.status_code == 429
    assert 290 <= int(response["Retry-After"]) <= 300
    assert "Bitte versuchen Sie es in 5 Minuten noch einmal." in response.content.decode()


def test_old_misses_are_deleted_when_a_new_one_is_counted(started):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    TokenMiss.objects.create(
        address=ADDRESS_B, missed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    miss_times(client, 1)
    assert list(TokenMiss.objects.values_list("address", flat=True)) == [ADDRESS_A]


def test_invitation_misses_count_and_then_block_valid_invitations(invitation_token):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    reference = page_text(client.get(reverse("invitation", args=["falsch"])).content.decode())
    for n in range(9):
        response = client.get(reverse("invitation", args=[off_by_one(invitation_token) + str(n)]))
        assert response.status_code == 404
        assert page_text(response.content.decode()) == reference
    response = client.get(reverse("invitation", args=[invitation_token]))
    assert response.status_code == 429
    assert response["Retry-After"]
    assert client.post(reverse("invitation", args=[invitation_token])).status_code == 429


def test_valid_invitation_is_not_counted(invitation_token):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    for _ in range(12):
        assert client.get(reverse("invitation", args=[invitation_token])).status_code == 200
    assert TokenMiss.objects.count() == 0


def test_resume_and_invitation_misses_share_one_count(started, invitation_token):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    miss_times(client, 5)
    for n in range(5):
        assert client.get(reverse("invitation", args=[f"falsch-{n}"])).status_code == 404
    assert client.get(reverse("invitation", args=[invitation_token])).status_code == 429
    assert resume(client, started[1]).status_code == 429


def test_a_wrong_token_in_the_email_form_counts_as_a_miss(started):
    assessment, raw_token = started
    client = Client(REMOTE_ADDR=ADDRESS_A)
    hold_link(client, assessment)
    url = reverse("resume_link_email", args=[assessment.public_id])
    for n in range(10):
        wrong = client.post(url, {"email": "a@example.com", "token": f"falsch-{n}"})
        assert wrong.status_code == 400
    assert TokenMiss.objects.filter(address=ADDRESS_A).count() == 10
    right = client.post(url, {"email": "a@example.com", "token": raw_token})
    assert right.status_code == 429


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(started, settings):
    _assessment, raw_token = started
    client = Client(REMOTE_ADDR=ADDRESS_A)
    for n in range(10):
        client.get(reverse("resume", args=["falsch"]), HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert set(TokenMiss.objects.values_list("address", flat=True)) == {ADDRESS_A}
    assert resume(client, raw_token).status_code == 429

    settings.TRUSTED_PROXY_COUNT = 1
    behind_proxy = Client(REMOTE_ADDR="127.0.0.1")
    response = behind_proxy.get(reverse("resume", args=[raw_token]), HTTP_X_FORWARDED_FOR=ADDRESS_B)
    assert response.status_code == 302
    blocked = behind_proxy.get(reverse("resume", args=[raw_token]), HTTP_X_FORWARDED_FOR=ADDRESS_A)
    assert blocked.status_code == 429


def test_limit_and_window_come_from_settings(started, settings):
    settings.TOKEN_MISS_LIMIT = 3
    settings.TOKEN_MISS_WINDOW = datetime.timedelta(minutes=2)
    _assessment, raw_token = started
    client = Client(REMOTE_ADDR=ADDRESS_A)
    assert miss_times(client, 3) == [404] * 3
    response = resume(client, raw_token)
    assert response.status_code == 429
    assert 110 <= int(response["Retry-After"]) <= 120
