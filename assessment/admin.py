from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from assessment import questionnaire_upload
from assessment.consultants import send_approval_mail
from assessment.models import (
    Action,
    Answer,
    Assessment,
    Company,
    ConsultantProfile,
    Dimension,
    Invitation,
    LevelBand,
    Membership,
    Option,
    Question,
    QuestionGrid,
    Questionnaire,
    Recommendation,
    ReminderLog,
    User,
)
from assessment.questionnaire_file import (
    QuestionnaireFileError,
    QuestionnaireInUse,
    load_questionnaire_text,
    parse_text,
)


class ReadOnlyMixin:
    """Questionnaire content comes from YAML files (manage.py load_questionnaire), not the admin."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LevelBandInline(ReadOnlyMixin, admin.TabularInline):
    model = LevelBand
    fields = ["order", "key", "lower", "upper", "name_de", "name_en"]


class DimensionInline(ReadOnlyMixin, admin.TabularInline):
    model = Dimension
    fields = ["order", "key", "title_de", "title_en", "weight", "groups"]
    show_change_link = True


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["key", "version", "title_de", "loaded_at", "source_file", "whole_point_bands"]
    list_filter = ["key"]
    inlines = [LevelBandInline, DimensionInline]
    change_list_template = "admin/assessment/questionnaire/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),
            name="assessment_questionnaire_upload",
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a questionnaire file: every error with its line, a preview, then publish."""
        if not request.user.has_perm("assessment.add_questionnaire"):
            raise PermissionDenied
        errors: list[str] = []
        preview = None
        token = ""
        if request.method == "POST" and "publish" in request.POST:
            found = questionnaire_upload.unsign(request.POST.get("token", ""))
            if found is None:
                errors = [gettext("Die Vorschau ist abgelaufen. Bitte laden Sie die Datei neu.")]
            else:
                text, filename = found
                try:
                    outcome = load_questionnaire_text(text=text, filename=filename)
                except QuestionnaireFileError as error:
                    errors = error.errors
                except QuestionnaireInUse as error:
                    errors = [str(error)]
                else:
                    messages.success(
                        request,
                        gettext("%(questionnaire)s ist veröffentlicht.")
                        % {"questionnaire": outcome.questionnaire},
                    )
                    return redirect(
                        "admin:assessment_questionnaire_change", outcome.questionnaire.pk
                    )
        elif request.method == "POST":
            upload = request.FILES.get("file")
            if upload is None:
                errors = [gettext("Bitte wählen Sie eine Fragebogen-Datei (YAML) aus.")]
            else:
                filename = f"upload: {upload.name}"
                try:
                    text = questionnaire_upload.read_upload(upload)
                    preview = questionnaire_upload.preview(parse_text(text, filename), filename)
                except QuestionnaireFileError as error:
                    errors = error.errors
                else:
                    token = questionnaire_upload.sign(text, filename)
        context = {
            **self.admin_site.each_context(request),
            "errors": errors,
            "preview": preview,
            "token": token,
        }
        return render(
            request,
            "assessment/questionnaire_upload.html",
            context,
            status=400 if errors else 200,
        )


class OptionInline(ReadOnlyMixin, admin.TabularInline):
    model = Option
    fields = ["order", "key", "label_de", "label_en", "points", "exclusive"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "key",
        "dimension",
        "group",
        "grid",
        "kind",
        "weight",
        "allow_na",
        "empty_zero",
        "scored",
        "text_de",
    ]
    list_filter = ["questionnaire", "dimension__key", "kind", "allow_na"]
    search_fields = ["key", "text_de", "text_en"]
    list_select_related = ["dimension", "grid"]
    inlines = [OptionInline]


class GridRowInline(ReadOnlyMixin, admin.TabularInline):
    model = Question
    fields = ["order", "key", "kind", "text_de", "text_en"]
    show_change_link = True
    verbose_name = _("Zeile")
    verbose_name_plural = _("Zeilen")


@admin.register(QuestionGrid)
class QuestionGridAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["key", "dimension", "group", "weight", "allow_na", "text_de"]
    list_filter = ["questionnaire", "dimension__key"]
    search_fields = ["key", "text_de", "text_en"]
    list_select_related = ["dimension"]
    inlines = [GridRowInline]


class QuestionInline(ReadOnlyMixin, admin.TabularInline):
    model = Question
    fields = [
        "order",
        "key",
        "group",
        "grid",
        "kind",
        "weight",
        "allow_na",
        "empty_zero",
        "text_de",
    ]
    show_change_link = True


@admin.register(Dimension)
class DimensionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["key", "title_de", "questionnaire", "weight", "groups", "order"]
    list_filter = ["questionnaire"]
    inlines = [QuestionInline]


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "key",
        "title_de",
        "dimension",
        "effort_hours",
        "cost_once",
        "cost_monthly",
        "impact",
        "legal_kind",
        "legal_deadline",
        "legal_since",
        "existential",
    ]
    list_filter = ["questionnaire", "dimension__key", "impact", "legal_kind", "existential"]
    search_fields = ["key", "title_de", "title_en", "description_de"]
    list_select_related = ["dimension"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name"), {"fields": ("first_name", "last_name")}),
        (_("Rechte"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "industry", "size_band", "region", "created_at"]
    list_filter = ["industry", "size_band"]
    search_fields = ["name", "region"]
    inlines = [MembershipInline]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["company", "questionnaire", "mode", "status", "started_at", "completed_at"]
    list_filter = ["status", "mode", "questionnaire"]
    list_select_related = ["company", "questionnaire"]
    readonly_fields = ["result"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["assessment", "question", "options", "not_applicable", "updated_at"]
    list_select_related = ["assessment__company", "question"]
    raw_id_fields = ["assessment", "respondent", "question"]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["title", "company", "status", "owner", "due_date"]
    list_filter = ["status"]


@admin.register(ConsultantProfile)
class ConsultantProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "firm", "user", "approved", "created_at"]
    list_filter = ["approved"]
    search_fields = ["name", "firm", "user__email"]
    actions = ["approve"]

    @admin.action(description=_("Ausgewählte Beraterkonten freigeben"))
    def approve(self, request: HttpRequest, queryset: QuerySet[ConsultantProfile]) -> None:
        waiting = list(queryset.filter(approved=False).select_related("user"))
        ConsultantProfile.objects.filter(pk__in=[p.pk for p in waiting]).update(approved=True)
        for profile in waiting:
            tell_approved(request, profile)
        self.message_user(
            request,
            ngettext(
                "Ein Beraterkonto freigegeben; die Person hat eine E-Mail bekommen.",
                "%(count)s Beraterkonten freigegeben; jede Person hat eine E-Mail bekommen.",
                len(waiting),
            )
            % {"count": len(waiting)},
            messages.SUCCESS,
        )

    def save_model(
        self, request: HttpRequest, obj: ConsultantProfile, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if obj.approved and "approved" in form.changed_data:
            tell_approved(request, obj)
            self.message_user(
                request,
                _("%(name)s ist freigegeben und hat eine E-Mail bekommen.") % {"name": obj.name},
                messages.SUCCESS,
            )


def tell_approved(request: HttpRequest, profile: ConsultantProfile) -> None:
    send_approval_mail(
        profile=profile, portfolio_url=request.build_absolute_uri(reverse("portfolio"))
    )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "company", "role", "created_at", "accepted_at", "revoked_at"]
    readonly_fields = ["token_hash"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["company", "kind", "due_date", "recipients", "sent_at"]
    list_filter = ["kind"]
