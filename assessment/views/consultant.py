"""Consultants: sign-up awaiting approval, profile with logo, clients, portfolio, exports."""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.account.utils import complete_signup
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assessment import access
from assessment.auth import AuthenticatedRequest
from assessment.benchmark import distribution
from assessment.consultants import (
    SORTS,
    approved_profile,
    as_xlsx_sheets,
    create_client,
    history_table,
    history_tables,
    notify_managers_of_signup,
    portfolio,
    portfolio_table,
)
from assessment.forms import ClientForm, ConsultantProfileForm, ConsultantSignupForm
from assessment.models import Company, ConsultantProfile, Questionnaire, User
from assessment.views.common import XLSX, download, download_name, table_response

PAGE_SIZE = 25


@require_http_methods(["GET", "POST"])
def consultant_signup(request: HttpRequest) -> HttpResponse:
    """A consultant account, awaiting verification of its address and then approval.

    The answer is the same whether the address already has an account or not; its owner
    gets a mail saying so instead (as with allauth's own sign-up).
    """
    form = ConsultantSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = register_consultant(form)
        if user is None:
            # What allauth's sign-up does for a taken address: the same message and page
            # as for a new one, and a mail to the address's owner.
            email = form.cleaned_data["email"]
            adapter = get_account_adapter(request)
            adapter.send_account_already_exists_mail(email)
            adapter.add_message(
                request,
                messages.INFO,
                "account/messages/email_confirmation_sent.txt",
                {"email": email, "login": False, "signup": True},
            )
            return redirect("account_email_verification_sent")
        notify_managers_of_signup(
            profile=user.consultant_profile,
            review_url=request.build_absolute_uri(
                reverse(
                    "admin:assessment_consultantprofile_change", args=[user.consultant_profile.pk]
                )
            ),
        )
        # allauth's own end of a sign-up: the verification mail, and a login once the
        # address is confirmed in this browser.
        return complete_signup(
            request, user, settings.ACCOUNT_EMAIL_VERIFICATION, reverse("portfolio")
        )
    return render(
        request,
        "consultant/signup.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def register_consultant(form: ConsultantSignupForm) -> User | None:
    """The new account with its profile and unverified address; None if the address
    already has an account."""
    email = form.cleaned_data["email"]
    if User.objects.filter(email__iexact=email).exists():
        return None
    try:
        with transaction.atomic():
            user = form.save()
            ConsultantProfile.objects.create(
                user=user,
                name=form.cleaned_data["name"],
                firm=form.cleaned_data["firm"],
                contact_email=user.email,
            )
            EmailAddress.objects.create(user=user, email=user.email, primary=True)
    except IntegrityError:
        # The same address signed up at the same moment.
        return None
    return user


def waiting_or_profile(request: AuthenticatedRequest) -> ConsultantProfile | HttpResponse:
    profile = approved_profile(request.user)
    if profile is not None:
        return profile
    pending = ConsultantProfile.objects.filter(user=request.user).exists()
    return render(request, "consultant/waiting.html", {"pending": pending}, status=403)


@login_required
@require_GET
def portfolio_view(request: AuthenticatedRequest) -> HttpResponse:
    profile = waiting_or_profile(request)
    if isinstance(profile, HttpResponse):
        return profile
    filters = portfolio_filters(request)
    clients = portfolio(consultant=request.user, **filters)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("seite"))
    questionnaire = Questionnaire.objects.current()
    bands = (
        [(band.name, band.lower, band.upper) for band in questionnaire.content().bands]
        if questionnaire
        else []
    )
    spread = distribution(
        list(portfolio(consultant=request.user).values_list("last_overall", flat=True)),
        bands,
    )
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "consultant/portfolio.html",
        {
            "profile": profile,
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "industries": Company.Industry.choices,
            "sorts": [
                ("name", _("Name")),
                ("index", _("Index")),
                ("last", _("Letzter Check")),
                ("due", _("Nächster Check")),
            ],
            "today": timezone.localdate(),
            "distribution": spread,
            "level_names": {
                band.key: band.name
                for band in (questionnaire.content().bands if questionnaire else [])
            },
        },
    )


def portfolio_filters(request: HttpRequest) -> dict:
    sort = request.GET.get("sortierung", "name")
    return {
        # PostgreSQL compares no text with NUL characters in it; nobody searches for one.
        "search": request.GET.get("suche", "").replace("\x00", "").strip()[:100],
        "industry": request.GET.get("branche", ""),
        "due_only": request.GET.get("faellig") == "1",
        "overdue_only": request.GET.get("ueberfaellig") == "1",
        "sort": sort if sort in SORTS else "name",
    }


@login_required
@require_http_methods(["GET", "POST"])
def consultant_profile(request: AuthenticatedRequest) -> HttpResponse:
    profile = ConsultantProfile.objects.filter(user=request.user).first()
    if profile is None:
        return render(request, "consultant/waiting.html", {"pending": False}, status=403)
    form = ConsultantProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile = form.save(commit=False)
        if form.cleaned_data.get("remove_logo"):
            profile.logo_png = None
        elif form.cleaned_data.get("logo"):
            profile.logo_png = form.cleaned_data["logo"]
        profile.save()
        messages.success(request, _("Profil gespeichert."))
        return redirect("consultant_profile")
    return render(
        request,
        "consultant/profile.html",
        {"form": form, "profile": profile},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_client(request: AuthenticatedRequest) -> HttpResponse:
    profile = waiting_or_profile(request)
    if isinstance(profile, HttpResponse):
        return profile
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        company = create_client(consultant=request.user, company=form.save(commit=False))
        messages.success(request, _("%(company)s ist angelegt.") % {"company": str(company)})
        return redirect("company", company_id=company.pk)
    return render(
        request, "consultant/new_client.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_GET
def portfolio_export(request: AuthenticatedRequest, file_format: str) -> HttpResponse:
    profile = waiting_or_profile(request)
    if isinstance(profile, HttpResponse):
        return profile
    table = portfolio_table(portfolio(consultant=request.user, **portfolio_filters(request)))
    title = _("Portfolio")
    return table_response(table, title=title, name=f"Reifegrad_{title}", file_format=file_format)


@login_required
@require_GET
def company_export(request: HttpRequest, company_id: str, file_format: str) -> HttpResponse:
    """The company's history: in XLSX one worksheet per instrument, the full check first; in
    CSV (one table per file, as spreadsheets read it) the instrument `?fragebogen=<key>`,
    by default the full check (or, without any, the instrument of the latest check)."""
    company = access.company_for(request, int(company_id), "view_company")
    title = _("Verlauf")
    name = f"Reifegrad_{title}_{download_name(str(company))}"
    histories = history_tables(company)
    if file_format == "xlsx":
        sheets = [(history.title, history.table) for history in histories]
        response = HttpResponse(
            as_xlsx_sheets(sheets or [(title, history_table([]))], language=get_language()),
            content_type=XLSX,
        )
        return download(response, name=name, file_format=file_format)
    wanted = request.GET.get("fragebogen")
    if wanted is None:
        chosen = histories[0] if histories else None
    else:
        chosen = next((history for history in histories if history.key == wanted), None)
        if chosen is None:
            raise Http404
        if chosen is not histories[0]:
            name += f"_{download_name(chosen.title)}"
    table = chosen.table if chosen is not None else history_table([])
    return table_response(table, title=title, name=name, file_format=file_format)
