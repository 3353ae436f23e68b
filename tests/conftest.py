from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from assessment.models import Membership, User

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONNAIRE = ROOT / "assessment" / "content" / "reifegrad-kmu.yaml"
QUICK_CHECK = ROOT / "assessment" / "content" / "reifegrad-schnellcheck.yaml"
SMALL_QUESTIONNAIRE = ROOT / "tests" / "data" / "small-questionnaire.yaml"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database gets the cache table as well: sessions are kept in it."""
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """MD5 instead of Argon2 at full cost (160 ms a login), except where a test says
    `@pytest.mark.real_password_hashing` because hashing is what it is about."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


IMMEDIATE_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "pdf"],
    }
}


@pytest.fixture(autouse=True)
def immediate_tasks(request, settings):
    """Tasks (mails, PDF renders) run inside the request that enqueues them, so a test sees
    their outcome at once; tests about the queue itself say `@pytest.mark.task_queue` and
    get the database queue, worked off by `run_worker` (tests/test_tasks.py)."""
    if request.node.get_closest_marker("task_queue") is None:
        settings.TASKS = IMMEDIATE_TASKS
    # `run_worker` called in the test process must not lower the priority of every later
    # test (tests/test_tasks.py proves the niceness in a process of its own).
    settings.TASK_WORKER_NICE = 0


@pytest.fixture(autouse=True)
def fresh_process_caches():
    """Test databases reuse primary keys after rollback and empty the shared cache (a table
    of the test database); start every test with clean per-process caches as well."""
    from assessment.models import questionnaire
    from assessment.reports.data import recent_results

    questionnaire._CONTENT_CACHE.clear()
    recent_results.clear()
    yield
    questionnaire._CONTENT_CACHE.clear()
    recent_results.clear()


def verified_user(email: str, password: str) -> User:
    """An account whose address is verified, as every account that can log in has."""
    user = User.objects.create_user(email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def owner(db) -> User:
    return verified_user("inhaberin@example.com", "x-Secret-123")


@pytest.fixture
def consultant(db) -> User:
    return verified_user("berater@example.com", "x-Secret-123")


@pytest.fixture
def outsider(db) -> User:
    return verified_user("fremd@example.com", "x-Secret-123")


@pytest.fixture
def default_questionnaire(db):
    from assessment.questionnaire_file import load_questionnaire_file

    return load_questionnaire_file(path=DEFAULT_QUESTIONNAIRE).questionnaire


@pytest.fixture
def quick_check(db):
    from assessment.questionnaire_file import load_questionnaire_file

    return load_questionnaire_file(path=QUICK_CHECK).questionnaire


@pytest.fixture
def small_questionnaire(db):
    from assessment.questionnaire_file import load_questionnaire_file

    return load_questionnaire_file(path=SMALL_QUESTIONNAIRE).questionnaire


@pytest.fixture
def company(owner):
    from assessment.models import Company

    company = Company.objects.create(
        name="Blumen Müller", industry="retail", size_band="2-9", region="Köln"
    )
    Membership.objects.create(company=company, user=owner, role=Membership.Role.OWNER)
    return company


def confirm_address_from_mail(client, message) -> object:
    """Open the verification link of a sent mail in `client` and confirm it, as a person
    does (allauth asks for a click on the page the link opens)."""
    import re
    from urllib.parse import urlsplit

    found = re.search(r"https?://[^\s]+/konto/confirm-email/[^\s]+/", message.body)
    assert found, message.body
    path = urlsplit(found.group(0)).path
    assert client.get(path).status_code == 200
    return client.post(path)
