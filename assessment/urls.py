from django.contrib.auth import views as auth_views
from django.urls import path

from assessment.views import accounts, check, downloads, pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("check/", check.profile, name="profile"),
    path("weiter/<str:token>/", check.resume, name="resume"),
    path("check/<uuid:public_id>/seite/<int:number>/", check.check_page, name="check_page"),
    path("check/<uuid:public_id>/antwort/", check.save_answer, name="save_answer"),
    path("check/<uuid:public_id>/abschluss/", check.finish, name="finish"),
    path("check/<uuid:public_id>/ergebnis/", check.results, name="results"),
    path("check/<uuid:public_id>/bericht.pdf", downloads.report_pdf, name="report_pdf"),
    path("check/<uuid:public_id>/export.json", downloads.report_json, name="report_json"),
    path("check/<uuid:public_id>/link/neu/", check.resume_link_new, name="resume_link_new"),
    path("check/<uuid:public_id>/link/mail/", check.resume_link_email, name="resume_link_email"),
    path("konto/registrieren/", accounts.signup, name="signup"),
    path("konto/anmelden/", accounts.LoginView.as_view(), name="login"),
    path("konto/abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "konto/passwort/",
        auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "konto/passwort/gesendet/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "konto/passwort/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "konto/passwort/fertig/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
