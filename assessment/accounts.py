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
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest, HttpResponse

from assessment import mail, throttle
from assessment.models import User


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
        # Logging in takes no check along by itself: a check started without an account is
        # taken over only on its confirmation page (views.check.claim).
        return super().post_login(request, user, **kwargs)

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        # An inactive account answers like a wrong password: allauth would show a page
        # saying the account is inactive, which tells that the address has an account.
        user = super().authenticate(request, **credentials)
        if user is not None and not user.is_active:
            return None
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Built by allauth as always, then queued like every mail of the app (assessment.mail),
        # so a mail server that is down does not break sign-up or a password reset.
        mail_context = {
            "request": self.request,
            "email": email,
            "current_site": get_current_site(self.request),
            **context,
        }
        mail.send_message(self.render_mail(template_prefix, email, mail_context))

    def get_client_ip(self, request: HttpRequest) -> str:
        # The same address as login lockouts and link throttling (TRUSTED_PROXY_COUNT).
        return throttle.client_address(request) or super().get_client_ip(request)
