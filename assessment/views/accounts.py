"""The account area and the login lockout page; sign-up, login and the rest are allauth's."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessment.accounts import has_totp, second_factor_required
from assessment.auth import AuthenticatedRequest
from assessment.views.common import too_many_attempts


@login_required
@require_GET
def account_overview(request: AuthenticatedRequest) -> HttpResponse:
    """Address, password and two-factor login in one place."""
    return render(
        request,
        "account/overview.html",
        {
            "addresses": EmailAddress.objects.filter(user=request.user),
            "has_totp": has_totp(request.user),
            "second_factor_required": second_factor_required(request.user),
        },
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes calls this for a locked e-mail and address pair.

    The page is the same whether the e-mail address has an account or not.
    """
    return too_many_attempts(request, retry_after=int(settings.AXES_COOLOFF_TIME.total_seconds()))
