from django.urls import path, re_path
from django.views.generic import RedirectView

from assessment.views import (
    accounts,
    check,
    company,
    consultant,
    downloads,
    health,
    pages,
    privacy,
    session,
)

urlpatterns = [
    path("", pages.home, name="home"),
    path("beispielbericht.pdf", pages.sample_report, name="sample_report"),
    path("health/", health.health, name="health"),
    path("impressum/", privacy.imprint, name="imprint"),
    path("datenschutz/", privacy.privacy_notice, name="privacy"),
    path("check/<uuid:public_id>/loeschen/", privacy.check_delete, name="check_delete"),
    path("firmen/<int:company_id>/daten.json", privacy.company_data, name="company_data"),
    path("firmen/<int:company_id>/loeschen/", privacy.company_delete, name="company_delete"),
    path("konto/daten.json", privacy.account_data, name="account_data"),
    path("konto/loeschen/", privacy.account_delete, name="account_delete"),
    path("check/", check.profile, name="profile"),
    path("schnellcheck/", check.quick_profile, name="quick_profile"),
    path("weiter/<str:token>/", check.resume, name="resume"),
    path("check/<uuid:public_id>/seite/<int:number>/", check.check_page, name="check_page"),
    path("check/<uuid:public_id>/antwort/", check.save_answer, name="save_answer"),
    path("check/<uuid:public_id>/abschluss/", check.finish, name="finish"),
    path("check/<uuid:public_id>/abgeben/", check.submit_answers, name="submit_answers"),
    path("check/<uuid:public_id>/uebernehmen/", check.claim, name="claim"),
    path("check/<uuid:public_id>/ergebnis/", check.results, name="results"),
    path("check/<uuid:public_id>/fahrplan/", check.roadmap, name="roadmap"),
    path("check/<uuid:public_id>/ausfuehrlich/", check.start_full_check, name="start_full_check"),
    path("check/<uuid:public_id>/bericht.pdf", downloads.report_pdf, name="report_pdf"),
    path("check/<uuid:public_id>/export.json", downloads.report_json, name="report_json"),
    path(
        "check/<uuid:public_id>/antworten.<slug:file_format>",
        downloads.report_answers,
        name="report_answers",
    ),
    path("check/<uuid:public_id>/team/", session.team, name="team"),
    path(
        "check/<uuid:public_id>/team/<int:respondent_id>/neuer-link/",
        session.team_reissue,
        name="team_reissue",
    ),
    path(
        "check/<uuid:public_id>/team/<int:respondent_id>/senden/",
        session.team_send,
        name="team_send",
    ),
    path(
        "check/<uuid:public_id>/team/<int:respondent_id>/entfernen/",
        session.team_remove,
        name="team_remove",
    ),
    path("check/<uuid:public_id>/willkommen/", session.welcome, name="respondent_welcome"),
    path("check/<uuid:public_id>/moderation/", session.facilitate, name="facilitate"),
    path("check/<uuid:public_id>/abgleich/", session.consolidation, name="consolidation"),
    path(
        "check/<uuid:public_id>/abgleich/uebernehmen/",
        session.apply_proposals,
        name="apply_proposals",
    ),
    path(
        "check/<uuid:public_id>/abgleich/waehlen/",
        session.consolidation_choose,
        name="consolidation_choose",
    ),
    path(
        "check/<uuid:public_id>/abgleich/rueckgaengig/",
        session.undo_proposals,
        name="undo_proposals",
    ),
    path("check/<uuid:public_id>/link/neu/", check.resume_link_new, name="resume_link_new"),
    path("check/<uuid:public_id>/link/mail/", check.resume_link_email, name="resume_link_email"),
    path("firmen/", company.companies, name="companies"),
    path("firmen/<int:company_id>/", company.company_detail, name="company"),
    path(
        "firmen/<int:company_id>/einstellungen/", company.company_settings, name="company_settings"
    ),
    path("firmen/<int:company_id>/neuer-check/", company.new_assessment, name="new_assessment"),
    path("firmen/<int:company_id>/vergleich/", company.comparison, name="comparison"),
    path("firmen/<int:company_id>/schritte/", company.action_board, name="actions"),
    path("firmen/<int:company_id>/schritte/uebernehmen/", company.adopt, name="adopt"),
    path(
        "firmen/<int:company_id>/schritte/<int:action_id>/",
        company.update_action,
        name="update_action",
    ),
    path(
        "firmen/<int:company_id>/schritte/<int:action_id>/messwert/",
        company.add_measurement,
        name="add_measurement",
    ),
    path("firmen/<int:company_id>/einladen/", company.invite, name="invite"),
    path(
        "firmen/<int:company_id>/mitglieder/<int:membership_id>/entfernen/",
        company.remove_member,
        name="remove_member",
    ),
    path(
        "firmen/<int:company_id>/mitglieder/<int:membership_id>/rolle/",
        company.member_role,
        name="member_role",
    ),
    path(
        "firmen/<int:company_id>/einladungen/<int:invitation_id>/zurueckziehen/",
        company.revoke_invitation,
        name="revoke_invitation",
    ),
    path("einladung/<str:token>/", company.invitation, name="invitation"),
    re_path(
        r"^firmen/(?P<company_id>[0-9]+)/verlauf\.(?P<file_format>csv|xlsx)$",
        consultant.company_export,
        name="company_export",
    ),
    path("berater/", consultant.portfolio_view, name="portfolio"),
    path("berater/registrieren/", consultant.consultant_signup, name="consultant_signup"),
    path("berater/profil/", consultant.consultant_profile, name="consultant_profile"),
    path("berater/kunden/neu/", consultant.new_client, name="new_client"),
    re_path(
        r"^berater/portfolio\.(?P<file_format>csv|xlsx)$",
        consultant.portfolio_export,
        name="portfolio_export",
    ),
    # Accounts are django-allauth's (config/urls.py, under /konto/); the German addresses
    # that links and bookmarks point to lead there, with their ?next=.
    path(
        "konto/registrieren/",
        RedirectView.as_view(pattern_name="account_signup", query_string=True),
        name="signup",
    ),
    path(
        "konto/anmelden/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="login",
    ),
    path(
        "konto/abmelden/",
        RedirectView.as_view(pattern_name="account_logout"),
        name="logout",
    ),
    path(
        "konto/passwort/",
        RedirectView.as_view(pattern_name="account_reset_password"),
        name="password_reset",
    ),
    path("konto/", accounts.account_overview, name="account"),
]
