"""Every permission-scoped lookup. Someone else's object is a 404, never a 403.

A person may open an assessment when they are a member of its company, or when this browser
session was granted it (by taking the check anonymously or by opening its resume link).
"""

from __future__ import annotations

import uuid

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest

from assessment.models import Assessment, Company, Membership, User

SESSION_GRANTS = "assessment_grants"
MAX_GRANTS = 50


def grant(request: HttpRequest, assessment: Assessment) -> None:
    """Let this browser session open the assessment (anonymous check, resume link)."""
    grants = [g for g in request.session.get(SESSION_GRANTS, []) if g != str(assessment.public_id)]
    grants.append(str(assessment.public_id))
    request.session[SESSION_GRANTS] = grants[-MAX_GRANTS:]


def granted_ids(request: HttpRequest) -> list[str]:
    return list(request.session.get(SESSION_GRANTS, []))


def assessment_for(request: HttpRequest, public_id: uuid.UUID | str) -> Assessment:
    assessment = (
        Assessment.objects.select_related("company", "questionnaire")
        .filter(public_id=public_id)
        .first()
    )
    if assessment is None or not can_open(request, assessment):
        raise Http404("No such assessment")
    return assessment


def can_open(request: HttpRequest, assessment: Assessment) -> bool:
    if str(assessment.public_id) in granted_ids(request):
        return True
    user = request.user
    return bool(
        user.is_authenticated
        and Membership.objects.filter(company_id=assessment.company_id, user=user).exists()
    )


def can_open_company(request: HttpRequest, company_id: int) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and Membership.objects.filter(company_id=company_id, user=user).exists()
    )


def companies_of(request: HttpRequest):
    if not request.user.is_authenticated:
        return Company.objects.none()
    return Company.objects.filter(memberships__user=request.user)


def company_for(request: HttpRequest, company_id: int) -> Company:
    """A company the logged-in person is a member of; anything else is a 404."""
    if not request.user.is_authenticated:
        raise Http404("No such company")
    company = Company.objects.filter(pk=company_id, memberships__user=request.user).first()
    if company is None:
        raise Http404("No such company")
    return company


def action_for(company: Company, action_id: int):
    from assessment.models import Action

    action = Action.objects.filter(pk=action_id, company=company).first()
    if action is None:
        raise Http404("No such action")
    return action


def assessment_of_company(company: Company, public_id: uuid.UUID | str | None) -> Assessment:
    if public_id is None:
        raise Http404("No such assessment")
    try:
        assessment = (
            company.assessments.select_related("questionnaire").filter(public_id=public_id).first()
        )
    except ValidationError:
        assessment = None
    if assessment is None:
        raise Http404("No such assessment")
    return assessment


SESSION_RESPONDENTS = "respondent_grants"


def grant_respondent(request: HttpRequest, respondent) -> None:
    """This browser answers as one team member (their own link), not in the final answers."""
    grants = dict(request.session.get(SESSION_RESPONDENTS, {}))
    grants[str(respondent.assessment.public_id)] = respondent.pk
    request.session[SESSION_RESPONDENTS] = grants


def respondent_for(request: HttpRequest, assessment: Assessment):
    """The team member whose own answers this browser edits, or None for the final answers."""
    from assessment.models import Respondent

    respondent_id = request.session.get(SESSION_RESPONDENTS, {}).get(str(assessment.public_id))
    if respondent_id is None:
        return None
    return Respondent.objects.filter(
        pk=respondent_id, assessment=assessment, is_primary=False
    ).first()


def assessment_for_member(request: HttpRequest, public_id: uuid.UUID | str) -> Assessment:
    """An assessment of a company the logged-in person belongs to (team and workshop pages)."""
    if not request.user.is_authenticated:
        raise Http404("No such assessment")
    assessment = (
        Assessment.objects.select_related("company", "questionnaire")
        .filter(public_id=public_id, company__memberships__user=request.user)
        .first()
    )
    if assessment is None:
        raise Http404("No such assessment")
    return assessment


# A setting-like name, not an import: the app runs with and without django-allauth.
ALLAUTH_EMAIL_ADDRESS: str = "account.EmailAddress"


def verified_users() -> QuerySet[User]:
    """Active accounts with a verified e-mail address.

    With django-allauth's account app installed, an address counts once allauth marks it
    verified; without it, every active account counts (there is no verification yet).
    """
    users = User.objects.filter(is_active=True)
    if not apps.is_installed("allauth.account"):
        return users
    email_address = apps.get_model(ALLAUTH_EMAIL_ADDRESS)
    return users.filter(Exists(email_address.objects.filter(user=OuterRef("pk"), verified=True)))


def verified_company_filter() -> Q:
    """Companies a person with a verified account belongs to (owner, member, consultant),
    or whose latest completed check was run in a consultant session.

    Only these count as peers in the benchmark: anonymous throw-away checks do not.
    """
    verified_member = Exists(
        Membership.objects.filter(company=OuterRef("pk"), user__in=verified_users())
    )
    consultant_session = Exists(
        Assessment.objects.filter(
            pk=Subquery(
                Assessment.objects.filter(
                    company=OuterRef(OuterRef("pk")), status=Assessment.Status.COMPLETED
                )
                .order_by("-completed_at")
                .values("pk")[:1]
            ),
            mode=Assessment.Mode.CONSULTANT,
        )
    )
    return Q(verified_member) | Q(consultant_session)


def has_verified_account(company: Company) -> bool:
    """Whether the company counts as a peer (see verified_company_filter)."""
    return Company.objects.filter(verified_company_filter(), pk=company.pk).exists()
