from io import StringIO

import pytest
from django.core.management import call_command

from assessment.models import User


@pytest.mark.django_db
@pytest.mark.real_password_hashing
def test_demo_user_is_created_once_and_printed():
    out = StringIO()
    call_command("create_demo_user", stdout=out)
    call_command("create_demo_user", stdout=out)
    assert User.objects.filter(email="demo@reifegrad.example").count() == 1
    user = User.objects.get(email="demo@reifegrad.example")
    assert user.check_password("reifegrad-demo")
    assert user.password.startswith("argon2")
    assert "Demo login: demo@reifegrad.example / reifegrad-demo" in out.getvalue()
