"""Who may do what: the one permission table, and every permission-scoped lookup.

`PERMISSIONS` maps each action to the roles allowed it; `URL_ACTIONS` maps every URL name of
the project to its action. Views ask `require_check()` / `require_company()`, the README
table is printed from here (`manage.py access_matrix`), and the URL walk test requests every
URL as every role against this table.

Roles are decided on every request from the database, never remembered:

- owner, member, consultant: a `Membership` of the company. A consultant in a company that
  has no owner (a client the consultant created) holds the owner's rights
  (`client_consultant`) until a person of the client accepts an owner invitation.
- respondent: this browser opened a team member's own link; the session keeps the link's id
  and the link is looked up (not revoked) on each request.
- link_holder: this browser opened a resume link (or started the check); likewise looked up.
- removed, outsider, anonymous: no relation; they get nothing.

Someone without any relation to a company or check gets 404, as if it did not exist. A
person with a relation who lacks the right for one action (a member opening the settings,
a team member asking for the results) gets 403.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest

from assessment.answer_column import answers_column, parse_answers
from assessment.models import (
    Action,
    Assessment,
    Company,
    Membership,
    Respondent,
    ResumeToken,
    StoredAnswer,
    User,
)
from assessment.reports.state import StoredState, state_column

OWNER = "owner"
CLIENT_CONSULTANT = "client_consultant"
CONSULTANT = "consultant"
MEMBER = "member"
RESPONDENT = "respondent"
LINK_HOLDER = "link_holder"
REMOVED = "removed"
OUTSIDER = "outsider"
ANONYMOUS = "anonymous"

ROLES: dict[str, str] = {
    OWNER: "Inhaber/in",
    CLIENT_CONSULTANT: "Berater/in, die den Kunden angelegt hat (bis zur Übergabe)",
    CONSULTANT: "eingeladene/r Berater/in",
    MEMBER: "Mitglied",
    RESPONDENT: "Team-Link (eigene Antworten)",
    LINK_HOLDER: "Fortsetzungs-Link ohne Konto",
    REMOVED: "entferntes Mitglied",
    OUTSIDER: "fremdes Konto",
    ANONYMOUS: "ohne Anmeldung, ohne Link",
}

PEOPLE_OF_THE_COMPANY = frozenset({OWNER, CLIENT_CONSULTANT, CONSULTANT, MEMBER})
OWNER_RIGHTS = frozenset({OWNER, CLIENT_CONSULTANT})
LOGGED_IN = frozenset({OWNER, CLIENT_CONSULTANT, CONSULTANT, MEMBER, REMOVED, OUTSIDER})
EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class Permission:
    description: str
    roles: frozenset[str]


PERMISSIONS: dict[str, Permission] = {
    "public": Permission(
        "öffentliche Seiten, Anmeldung, Einladungs- und Fortsetzungs-Links", EVERYONE
    ),
    "account_pages": Permission(
        "Anmeldung, Registrierung, Passwort, E-Mail, zweiter Faktor (django-allauth entscheidet, "
        "was angemeldet sein muss; nur das eigene Konto)",
        EVERYONE,
    ),
    "own_account": Permission(
        "eigene Kontoseite und Firmenliste, eigene Daten herunterladen, Konto löschen "
        "(nur eigene Daten)",
        LOGGED_IN,
    ),
    "consultant_account": Permission(
        "Portfolio, Profil, neue Kunden (freigegebene Berater/innen, nur eigene Kunden)",
        frozenset({CLIENT_CONSULTANT, CONSULTANT}),
    ),
    "answer": Permission(
        "Fragebogen öffnen und beantworten (Team-Link: nur die eigenen Antworten)",
        PEOPLE_OF_THE_COMPANY | {RESPONDENT, LINK_HOLDER},
    ),
    "submit_own_answers": Permission(
        "Begrüßung, eigene Antworten abgeben, Dank (nur Team-Link)", frozenset({RESPONDENT})
    ),
    "complete": Permission(
        "Check abschließen, nach dem Schnellcheck den ausführlichen Check beginnen",
        PEOPLE_OF_THE_COMPANY | {LINK_HOLDER},
    ),
    "view_results": Permission(
        "Ergebnis, Fahrplan, PDF, JSON und Antworten (CSV/XLSX) eines Checks",
        PEOPLE_OF_THE_COMPANY | {LINK_HOLDER},
    ),
    "manage_links": Permission(
        "Fortsetzungs-Links erzeugen, sperren, mailen", PEOPLE_OF_THE_COMPANY | {LINK_HOLDER}
    ),
    "claim_check": Permission(
        "Check ohne Konto ins eigene Konto übernehmen (mit Bestätigung)", frozenset({LINK_HOLDER})
    ),
    "run_workshop": Permission(
        "Team-Links (erstellen, neu ausstellen, senden, entfernen), Moderation, Abgleich der "
        "Team-Antworten (wählen, alle Vorschläge, rückgängig)",
        PEOPLE_OF_THE_COMPANY,
    ),
    "view_company": Permission(
        "Firmenseite, Verlauf, Vergleich, Schritte, Export", PEOPLE_OF_THE_COMPANY
    ),
    "work_on_company": Permission(
        "neuer Check, Schritte übernehmen und pflegen, Messwerte", PEOPLE_OF_THE_COMPANY
    ),
    "manage_company": Permission("Einstellungen, Einladungen, Mitglieder und Rollen", OWNER_RIGHTS),
    "own_company_data": Permission(
        "alle Daten des Unternehmens herunterladen, Unternehmen löschen", OWNER_RIGHTS
    ),
    "delete_check": Permission(
        "Check ohne Konto löschen (nur mit dem Fortsetzungs-Link, nicht mit einem Team-Link)",
        frozenset({LINK_HOLDER}),
    ),
}

URL_ACTIONS: dict[str, str] = {
    "home": "public",
    "health": "public",
    "imprint": "public",
    "privacy": "public",
    "set_language": "public",
    "profile": "public",
    "quick_profile": "public",
    "sample_report": "public",
    "resume": "public",
    "invitation": "public",
    "signup": "account_pages",
    "login": "account_pages",
    "logout": "account_pages",
    "password_reset": "account_pages",
    "consultant_signup": "public",
    "account": "own_account",
    "account_data": "own_account",
    "account_delete": "own_account",
    "account_change_password": "account_pages",
    "account_confirm_email": "account_pages",
    "account_confirm_login_code": "account_pages",
    "account_confirm_reauthentication_code": "account_pages",
    "account_email": "account_pages",
    "account_email_verification_sent": "account_pages",
    "account_inactive": "account_pages",
    "account_login": "account_pages",
    "account_logout": "account_pages",
    "account_reauthenticate": "account_pages",
    "account_request_reauthentication_code": "account_pages",
    "account_reset_password": "account_pages",
    "account_reset_password_done": "account_pages",
    "account_reset_password_from_key": "account_pages",
    "account_reset_password_from_key_done": "account_pages",
    "account_set_password": "account_pages",
    "account_signup": "account_pages",
    "mfa_activate_totp": "account_pages",
    "mfa_authenticate": "account_pages",
    "mfa_deactivate_totp": "account_pages",
    "mfa_download_recovery_codes": "account_pages",
    "mfa_generate_recovery_codes": "account_pages",
    "mfa_index": "account_pages",
    "mfa_reauthenticate": "account_pages",
    "mfa_view_recovery_codes": "account_pages",
    "companies": "own_account",
    "portfolio": "consultant_account",
    "portfolio_export": "consultant_account",
    "consultant_profile": "consultant_account",
    "new_client": "consultant_account",
    "check_page": "answer",
    "save_answer": "answer",
    "submit_answers": "submit_own_answers",
    "finish": "complete",
    "results": "view_results",
    "roadmap": "view_results",
    "start_full_check": "complete",
    "report_pdf": "view_results",
    "report_json": "view_results",
    "report_answers": "view_results",
    "resume_link_new": "manage_links",
    "resume_link_email": "manage_links",
    "claim": "claim_check",
    "team": "run_workshop",
    "facilitate": "run_workshop",
    "consolidation": "run_workshop",
    "apply_proposals": "run_workshop",
    "undo_proposals": "run_workshop",
    "consolidation_choose": "run_workshop",
    "team_reissue": "run_workshop",
    "team_send": "run_workshop",
    "team_remove": "run_workshop",
    "respondent_welcome": "submit_own_answers",
    "company": "view_company",
    "comparison": "view_company",
    "actions": "view_company",
    "company_export": "view_company",
    "new_assessment": "work_on_company",
    "adopt": "work_on_company",
    "update_action": "work_on_company",
    "add_measurement": "work_on_company",
    "company_settings": "manage_company",
    "invite": "manage_company",
    "remove_member": "manage_company",
    "member_role": "manage_company",
    "revoke_invitation": "manage_company",
    "company_data": "own_company_data",
    "company_delete": "own_company_data",
    "check_delete": "delete_check",
}


def allows(role: str | None, action: str) -> bool:
    return role is not None and role in PERMISSIONS[action].roles


def url_allows(role: str, url_name: str) -> bool:
    return allows(role, URL_ACTIONS[url_name])


# --- Roles, looked up on every request


def membership_role(membership: Membership | None, company_has_owner: bool) -> str | None:
    if membership is None:
        return None
    if membership.role == Membership.Role.OWNER:
        return OWNER
    if membership.role == Membership.Role.CONSULTANT:
        return CONSULTANT if company_has_owner else CLIENT_CONSULTANT
    return MEMBER


def company_role(request: HttpRequest, company: Company | int) -> str | None:
    """The logged-in person's role in the company, from the database, or None."""
    if not request.user.is_authenticated:
        return None
    company_id = company if isinstance(company, int) else company.pk
    memberships = {
        m.user_id: m for m in Membership.objects.filter(company_id=company_id).only("user", "role")
    }
    has_owner = any(m.role == Membership.Role.OWNER for m in memberships.values())
    return membership_role(memberships.get(request.user.pk), has_owner)


SESSION_LINKS = "assessment_links"
SESSION_RESPONDENTS = "respondent_links"
MAX_LINKS = 50


def grant(request: HttpRequest, token: ResumeToken) -> None:
    """This browser holds the link: it opens the check while the link is not blocked."""
    key = SESSION_RESPONDENTS if token.respondent_id is not None else SESSION_LINKS
    links = dict(request.session.get(key, {}))
    links.pop(str(token.assessment.public_id), None)
    links[str(token.assessment.public_id)] = token.pk
    request.session[key] = dict(list(links.items())[-MAX_LINKS:])


Rows = TypeVar("Rows", bound=QuerySet)


def shaped(rows: Rows, check: str = "", *, results: bool, answers: bool) -> Rows:
    """`rows` (checks, or links whose check is under `check`) as a page reads them, with what
    it needs of the check as columns that cost no query of their own. `results`: a page
    showing the cached results data, without the check's frozen result (some 15 KB of JSON
    the page never reads) and with its state as `check_state` (`reports.state`). `answers`:
    a questionnaire page, with the final answers as `check_answers` (`answer_column`)."""
    check_id = f"{check}_id" if check else "pk"
    if results:
        rows = rows.defer(f"{check}__result" if check else "result").annotate(
            check_state=state_column(check_id)
        )
    if answers:
        rows = rows.annotate(check_answers=answers_column(check_id))
    return rows


def held_token(
    request: HttpRequest,
    key: str,
    public_id: uuid.UUID | str,
    *,
    results: bool = False,
    answers: bool = False,
) -> ResumeToken | None:
    """The link this browser holds for the check, if it is still not blocked: one query,
    which brings the check along (`shaped` by `results` and `answers`)."""
    token_id = request.session.get(key, {}).get(str(public_id))
    if not isinstance(token_id, int):
        return None
    tokens = link_rows(respondents=key == SESSION_RESPONDENTS, results=results, answers=answers)
    try:
        # get(), not first(): one row by primary key needs no ORDER BY, and building the
        # query without it is measurably cheaper on every page of a check.
        return tokens.get(pk=token_id, assessment__public_id=public_id)
    except (ResumeToken.DoesNotExist, ValidationError):
        return None


# The lookups below start from querysets built once per process for each of their few
# shapes: a shape never changes, and building it anew took about a tenth of the lookup's
# time. Each lookup filters a copy (every QuerySet method returns a new one), so the shared
# queryset itself is never evaluated and holds no rows.


@cache
def link_rows(*, respondents: bool, results: bool, answers: bool) -> QuerySet[ResumeToken]:
    """Active links with their check, company and questionnaire; `respondents`: team
    members' links, with the team member (a company link has none)."""
    tokens = ResumeToken.objects.active().select_related(
        "assessment__company", "assessment__questionnaire"
    )
    if respondents:
        tokens = tokens.select_related("respondent")
    return shaped(tokens, "assessment", results=results, answers=answers)


@cache
def check_rows(*, results: bool, answers: bool) -> QuerySet[Assessment]:
    """Checks with their company and questionnaire."""
    assessments = Assessment.objects.select_related("company", "questionnaire")
    return shaped(assessments, results=results, answers=answers)


@dataclass(frozen=True)
class CheckAccess:
    assessment: Assessment
    role: str
    # The team member whose own answers this browser edits; None for the final answers.
    respondent: Respondent | None
    # The check's state (`reports.state`), read along for a results page.
    state: StoredState | None = None
    # The check's final answers as `workflows.stored_answers` gives them, read along for a
    # questionnaire page whose visitor edits the final answers; else None.
    answers: dict[str, StoredAnswer] | None = None


def find_assessment(
    public_id: uuid.UUID | str, *, results: bool = False, answers: bool = False
) -> Assessment | None:
    try:
        return check_rows(results=results, answers=answers).filter(public_id=public_id).first()
    except ValidationError:
        return None


def check_access(
    request: HttpRequest,
    public_id: uuid.UUID | str,
    *,
    results: bool = False,
    answers: bool = False,
) -> CheckAccess | None:
    """The check and this visitor's role in it, looked up now; None without any relation.

    A person of the company keeps their role; if this browser also opened a team link of
    the check, the pages edit that team member's own answers. The check is looked up
    `shaped` by `results` and `answers`: with `results` the access carries its state, with
    `answers` the final answers where the pages edit those.
    """
    respondent_token = held_token(request, SESSION_RESPONDENTS, public_id, results=results)
    respondent = respondent_token.respondent if respondent_token is not None else None
    link_token = None
    looked_up: ResumeToken | Assessment | None
    if respondent_token is not None:
        looked_up = respondent_token
        assessment: Assessment | None = respondent_token.assessment
    elif not request.user.is_authenticated:
        link_token = looked_up = held_token(
            request, SESSION_LINKS, public_id, results=results, answers=answers
        )
        assessment = link_token.assessment if link_token is not None else None
    else:
        assessment = looked_up = find_assessment(public_id, results=results, answers=answers)
    if assessment is None:
        return None
    role = company_role(request, assessment.company_id)
    if role is None and respondent is not None:
        role = RESPONDENT
    if role is None and link_token is None and request.user.is_authenticated:
        link_token = held_token(request, SESSION_LINKS, public_id)
    if role is None and link_token is not None:
        role = LINK_HOLDER
    if role is None:
        return None
    return CheckAccess(
        assessment=assessment,
        role=role,
        respondent=respondent,
        # The columns `shaped` put on the row that was looked up.
        state=StoredState.parse(vars(looked_up)["check_state"]) if results else None,
        # A team member's own answers are not read along: their link's row has no column.
        answers=(
            parse_answers(vars(looked_up)["check_answers"])
            if answers and respondent is None
            else None
        ),
    )


def require_check(
    request: HttpRequest,
    public_id: uuid.UUID | str,
    action: str,
    *,
    results: bool = False,
    answers: bool = False,
) -> CheckAccess:
    """The check and this visitor's role in it, if the table allows them `action` (`results`
    and `answers`: see `check_access`).

    No relation at all: 404. A relation without this right: 403.
    """
    found = check_access(request, public_id, results=results, answers=answers)
    if found is None:
        raise Http404("No such assessment")
    if not allows(found.role, action):
        raise PermissionDenied(action)
    return found


def assessment_for(request: HttpRequest, public_id: uuid.UUID | str, action: str) -> Assessment:
    return require_check(request, public_id, action).assessment


def can_open(request: HttpRequest, assessment: Assessment, action: str = "answer") -> bool:
    found = check_access(request, assessment.public_id)
    return found is not None and allows(found.role, action)


@dataclass(frozen=True)
class CompanyAccess:
    company: Company
    role: str


def require_company(request: HttpRequest, company_id: int, action: str) -> CompanyAccess:
    """A company of the logged-in person with `action` allowed; no membership is a 404."""
    company = Company.objects.filter(pk=company_id).first()
    role = company_role(request, company) if company is not None else None
    if company is None or role is None:
        raise Http404("No such company")
    if not allows(role, action):
        raise PermissionDenied(action)
    return CompanyAccess(company=company, role=role)


def company_for(request: HttpRequest, company_id: int, action: str) -> Company:
    return require_company(request, company_id, action).company


def companies_of(request: HttpRequest) -> QuerySet[Company]:
    if not request.user.is_authenticated:
        return Company.objects.none()
    return Company.objects.filter(memberships__user=request.user)


def action_for(company: Company, action_id: int) -> Action:
    action = Action.objects.filter(pk=action_id, company=company).first()
    if action is None:
        raise Http404("No such action")
    return action


def respondent_of(assessment: Assessment, respondent_id: int) -> Respondent:
    """A team member of this check (never the final answers' respondent); else 404."""
    respondent = (
        assessment.respondents.filter(pk=respondent_id, is_primary=False)
        .select_related("assessment__company")
        .first()
    )
    if respondent is None:
        raise Http404("No such team member")
    return respondent


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


# --- Addresses, invitations, removal


# allauth's model, found by label: this module works with allauth installed or not.
ALLAUTH_EMAIL_ADDRESS: str = "account.EmailAddress"


def has_verified_address(user: User, address: str) -> bool:
    """The account's own e-mail is `address` and, with allauth, that address is verified."""
    if not user.is_authenticated or user.email.casefold() != address.casefold():
        return False
    if not apps.is_installed("allauth.account"):
        return True
    email_address = apps.get_model(ALLAUTH_EMAIL_ADDRESS)
    return email_address.objects.filter(user=user, email__iexact=address, verified=True).exists()


# --- The table as text, for the README and `manage.py access_matrix`


def matrix_markdown() -> str:
    """The role matrix as a Markdown table: actions down, roles across, with their URLs."""
    roles = list(ROLES)
    header = "| Aktion | URL-Namen | " + " | ".join(roles) + " |"
    rule = "|" + "---|" * (len(roles) + 2)
    lines = [header, rule]
    for action, permission in PERMISSIONS.items():
        names = ", ".join(f"`{name}`" for name, a in URL_ACTIONS.items() if a == action)
        cells = ["ja" if role in permission.roles else "–" for role in roles]
        lines.append(f"| {permission.description} | {names} | " + " | ".join(cells) + " |")
    legend = [f"- `{key}`: {text}" for key, text in ROLES.items()]
    return "\n".join(lines) + "\n\n" + "\n".join(legend) + "\n"


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
