"""Accounts through django-allauth: what Reifegrad adds to its sign-up and login.

allauth does sign-up, e-mail verification, login, password reset, rate limits and
two-factor login; this adapter adds the app's own steps: an anonymously started check goes
into the account once its owner is logged in (which, with mandatory verification, means
the address is verified), and the client address is the one the rest of the app uses.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from assessment import access, throttle
from assessment.models import User
from assessment.workflows import claim_assessments


def claim_session_checks(request: HttpRequest, user: User) -> None:
    """Take the checks this browser's session holds into the account just logged in."""
    grants = access.granted_ids(request)
    if grants:
        claimed = claim_assessments(user=user, public_ids=grants)
        if claimed:
            messages.success(request, _("Ihr Check ist jetzt in Ihrem Konto gespeichert."))


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def second_factor_required(user: User) -> bool:
    """The operator requires two-factor login for approved consultants (settings)."""
    if not settings.REQUIRE_2FA_FOR_CONSULTANTS:
        return False
    profile = getattr(user, "consultant_profile", None)
    return profile is not None and profile.approved


class AccountAdapter(DefaultAccountAdapter):
    def post_login(
        self,
        request: HttpRequest,
        user: AbstractBaseUser,
        **kwargs: Any,
    ) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        if isinstance(user, User):
            claim_session_checks(request, user)
        return response

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        # An inactive account answers like a wrong password: allauth would show a page
        # saying the account is inactive, which tells that the address has an account.
        user = super().authenticate(request, **credentials)
        if user is not None and not user.is_active:
            return None
        return user

    def get_client_ip(self, request: HttpRequest) -> str:
        # The same address as login lockouts and link throttling (TRUSTED_PROXY_COUNT).
        return throttle.client_address(request) or super().get_client_ip(request)
