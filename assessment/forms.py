from __future__ import annotations

import secrets
import unicodedata
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth import password_validation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from assessment.answers import MAX_NOTE_LENGTH
from assessment.models import (
    Action,
    Company,
    ConsultantProfile,
    Measurement,
    Questionnaire,
    User,
)

# Invisible characters that change how the text around them is shown or joined:
# bidirectional embeddings, overrides and isolates, zero-width space, word joiner, BOM.
INVISIBLE = frozenset(
    "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def clean_name_text(value: str) -> str:
    """A name as it is stored: NFC, no control characters (a line break or tab becomes a
    space, NUL, escape and the like are removed), no bidirectional overrides or zero-width
    spaces, whitespace collapsed to single spaces, no space at the ends.

    Names end up in mail subjects, PDF covers, file names and CSV cells, where a newline
    breaks a header and an override turns text around on screen; every form that saves a
    name cleans it here (through NameField).
    """
    kept = []
    for char in unicodedata.normalize("NFC", value):
        if char.isspace() or unicodedata.category(char) in {"Zl", "Zp"}:
            kept.append(" ")
        elif unicodedata.category(char) != "Cc" and char not in INVISIBLE:
            kept.append(char)
    return " ".join("".join(kept).split())


class NameField(forms.CharField):
    """A one-line text such as a name, firm, region or role, cleaned by clean_name_text."""

    def to_python(self, value: Any) -> str:
        return clean_name_text(super().to_python(value) or "")


PROFILE_FACT_FIELDS = ["turnover_band", "kleinunternehmer", "customers", "staff_personal_data"]
PROFILE_FACT_LABELS = {
    "turnover_band": _(
        "Jahresumsatz 2026 (netto): Er entscheidet, ob Sie ab 2027 oder erst ab 2028 "
        "E-Rechnungen ausstellen müssen"
    ),
    "kleinunternehmer": _("Nutzen Sie die Kleinunternehmerregelung (§ 19 UStG)?"),
    "customers": _("An wen verkaufen Sie?"),
    "staff_personal_data": _(
        "Wie viele Personen arbeiten ständig mit personenbezogenen Daten am Computer "
        "(Kundendaten, Personaldaten)?"
    ),
}
PROFILE_FACT_HELP = {
    "turnover_band": _("Solange 2026 nicht abgeschlossen ist, genügt eine Schätzung."),
    "customers": _("Mehrere Antworten möglich. Leer lassen, wenn Sie es nicht sagen möchten."),
    "staff_personal_data": _(
        "Ab 20 Personen brauchen Sie einen Datenschutzbeauftragten (§ 38 BDSG). Ohne Angabe "
        "rechnen wir bei weniger als 10 Beschäftigten mit weniger als 20."
    ),
}


class ProfileFactsMixin(forms.BaseForm):
    """The profile facts the legal layer needs; each may stay unstated ("weiß nicht")."""

    def setup_profile_facts(self) -> None:
        for name in ("turnover_band", "kleinunternehmer", "staff_personal_data"):
            self.fields[name].required = False

    def clean_turnover_band(self) -> str:
        return self.cleaned_data.get("turnover_band") or Company.TurnoverBand.UNKNOWN

    def clean_kleinunternehmer(self) -> str:
        return self.cleaned_data.get("kleinunternehmer") or Company.YesNoUnknown.UNKNOWN

    def clean_staff_personal_data(self) -> str:
        return self.cleaned_data.get("staff_personal_data") or Company.StaffBand.UNKNOWN

    def clean_customers(self) -> list[str]:
        chosen = set(self.cleaned_data.get("customers") or [])
        return [value for value in Company.Customer.values if value in chosen]


def customers_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=PROFILE_FACT_LABELS["customers"],
        help_text=PROFILE_FACT_HELP["customers"],
        choices=Company.Customer.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class ProfileForm(ProfileFactsMixin, forms.ModelForm):
    monthly_budget_eur = forms.IntegerField(
        label=_("Was können Sie pro Monat für digitale Schritte ausgeben? (EUR)"),
        min_value=0,
        max_value=100_000,
        initial=100,
        help_text=_("Ein grober Betrag genügt; der Fahrplan plant die Schritte danach."),
    )
    monthly_hours = forms.IntegerField(
        label=_("Wie viele Stunden pro Monat können Sie oder Ihr Team dafür einsetzen?"),
        min_value=0,
        max_value=1000,
        initial=8,
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
    )
    customers = customers_field()
    # One value per form shown: the same form sent twice starts one check, not two.
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    class Meta:
        model = Company
        fields = [
            "industry",
            "size_band",
            "name",
            "region",
            *PROFILE_FACT_FIELDS,
            "monthly_budget_eur",
            "monthly_hours",
        ]
        labels = {
            "industry": _("Branche"),
            "size_band": _("Wie viele Menschen arbeiten im Betrieb?"),
            "name": _("Name des Unternehmens (freiwillig)"),
            "region": _("Ort oder Region (freiwillig)"),
            **PROFILE_FACT_LABELS,
        }
        help_texts = PROFILE_FACT_HELP
        field_classes = {"name": NameField, "region": NameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        please_choose = ("", _("Bitte wählen"))
        cast(forms.ChoiceField, self.fields["industry"]).choices = [
            please_choose,
            *Company.Industry.choices,
        ]
        cast(forms.ChoiceField, self.fields["size_band"]).choices = [
            please_choose,
            *Company.SizeBand.choices,
        ]
        cast(forms.CharField, self.fields["name"]).max_length = 200
        cast(forms.CharField, self.fields["region"]).max_length = 100
        self.fields["submission"].initial = secrets.token_urlsafe(16)
        self.setup_profile_facts()
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(
                Div(Field("industry"), css_class="col-md-6"),
                Div(Field("size_band"), css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div(Field("name"), css_class="col-md-6"),
                Div(Field("region"), css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div(Field("turnover_band"), css_class="col-md-6"),
                Div(Field("kleinunternehmer"), css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div(Field("customers"), css_class="col-md-6"),
                Div(Field("staff_personal_data"), css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div(Field("monthly_budget_eur"), css_class="col-md-6"),
                Div(Field("monthly_hours"), css_class="col-md-6"),
                css_class="row",
            ),
            Field("submission"),
            Submit("submit", _("Weiter zu den Fragen"), css_class="btn-brand btn-lg"),
        )


class SignupForm(forms.ModelForm):
    password1 = forms.CharField(
        label=_("Passwort"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Passwort wiederholen"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = ["email"]
        labels = {"email": _("E-Mail-Adresse")}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Konto anlegen"), css_class="btn-brand"))

    def validate_unique(self) -> None:
        # Whether the address has an account is never said on the page (enumeration-safe
        # sign-up): the view mails the existing account's owner instead.
        pass

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Die beiden Passwörter stimmen nicht überein."))
        elif first:
            self.instance.email = cleaned.get("email", "")
            try:
                password_validation.validate_password(first, self.instance)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


class ResumeEmailForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"), max_length=254)
    token = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ReassessmentForm(forms.Form):
    start = forms.ChoiceField(
        choices=[
            ("carry", _("Antworten vom letzten Check übernehmen und prüfen")),
            ("fresh", _("Ganz neu beginnen")),
        ],
        widget=forms.RadioSelect,
        initial="carry",
        label=_("Wie möchten Sie beginnen?"),
    )

    def __init__(self, *args: Any, choose_questionnaire: bool = False, **kwargs: Any) -> None:
        """With `choose_questionnaire` (a consultant starting a client's check), the newest
        version of every published questionnaire is offered, the full check first and chosen."""
        super().__init__(*args, **kwargs)
        self.offered: dict[str, Questionnaire] = {}
        if choose_questionnaire:
            offered = Questionnaire.objects.newest_versions()
            self.offered = {str(q.pk): q for q in offered}
            self.fields["questionnaire"] = forms.ChoiceField(
                choices=[(str(q.pk), f"{q.title} (v{q.version})") for q in offered],
                initial=str(offered[0].pk) if offered else None,
                required=False,  # none chosen: the full check, as for everybody else
                label=_("Fragebogen"),
                error_messages={
                    "invalid_choice": _("Dieser Fragebogen ist nicht veröffentlicht."),
                },
            )

    def clean_questionnaire(self) -> Questionnaire | None:
        chosen = self.cleaned_data.get("questionnaire")
        return self.offered[chosen] if chosen else None


class CompanySettingsForm(ProfileFactsMixin, forms.ModelForm):
    reassessment_interval_months = forms.IntegerField(
        label=_("Neuer Check alle … Monate"), min_value=1, max_value=36
    )
    monthly_budget_eur = forms.IntegerField(
        label=_("Budget pro Monat (EUR)"), min_value=0, max_value=100_000
    )
    monthly_hours = forms.IntegerField(
        label=_("Zeit pro Monat (Stunden)"), min_value=0, max_value=1000
    )
    customers = customers_field()

    class Meta:
        model = Company
        fields = [
            "name",
            "region",
            *PROFILE_FACT_FIELDS,
            "monthly_budget_eur",
            "monthly_hours",
            "reassessment_interval_months",
        ]
        labels = {"name": _("Name"), "region": _("Region"), **PROFILE_FACT_LABELS}
        help_texts = PROFILE_FACT_HELP
        field_classes = {"name": NameField, "region": NameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_profile_facts()
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Speichern"), css_class="btn-brand"))


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["status", "owner", "due_date", "kpi_baseline", "notes"]
        field_classes = {"owner": NameField}
        labels = {
            "status": _("Status"),
            "owner": _("Wer kümmert sich?"),
            "due_date": _("Bis wann?"),
            "kpi_baseline": _("Ausgangswert der Messgröße"),
            "notes": _("Notizen"),
        }
        widgets = {
            # Browsers' date inputs read and write ISO dates only.
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2, "maxlength": MAX_NOTE_LENGTH}),
        }

    def __init__(self, *args: Any, recommendation: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.CharField, self.fields["owner"]).max_length = 200
        if recommendation is not None:
            self.fields["kpi_baseline"].label = _("Ausgangswert: %(measure)s") % {
                "measure": kpi_label(recommendation)
            }
        # A whole number shows as one ("0", not "0.0").
        baseline = self.initial.get("kpi_baseline")
        if isinstance(baseline, float) and baseline.is_integer():
            self.initial["kpi_baseline"] = int(baseline)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_notes(self) -> str:
        notes = self.cleaned_data["notes"]
        if len(notes) > MAX_NOTE_LENGTH:
            raise forms.ValidationError(_("Höchstens %(max)s Zeichen.") % {"max": MAX_NOTE_LENGTH})
        return notes


def kpi_label(recommendation: Any) -> str:
    """The step's measure and its unit, e.g. "Anfragen über die Website (Anzahl)"."""
    return f"{recommendation.kpi_metric} ({recommendation.kpi_unit_label})"


class MeasurementForm(forms.ModelForm):
    class Meta:
        model = Measurement
        fields = ["measured_on", "value", "note"]
        labels = {"measured_on": _("Datum"), "value": _("Wert"), "note": _("Bemerkung")}
        widgets = {"measured_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, recommendation: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if recommendation is not None:
            self.fields["value"].label = _("Messwert: %(measure)s") % {
                "measure": kpi_label(recommendation)
            }
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_value(self) -> float:
        value = self.cleaned_data["value"]
        if value != value or abs(value) > 1e12:  # NaN or absurd
            raise forms.ValidationError(_("Bitte eine Zahl eingeben."))
        return value


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Rolle"), choices=[("member", _("Mitglied")), ("owner", _("Inhaber/in"))]
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"), max_length=254)
    role = forms.ChoiceField(
        label=_("Als"),
        choices=[
            ("member", _("Mitglied")),
            ("owner", _("Inhaber/in")),
            ("consultant", _("Berater/in")),
        ],
        initial="member",
        required=False,
    )

    def clean_role(self) -> str:
        return self.cleaned_data.get("role") or "member"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Einladen"), css_class="btn-brand"))


class ConsultantSignupForm(SignupForm):
    name = NameField(label=_("Ihr Name"), max_length=200)
    firm = NameField(label=_("Firma"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.inputs = []
        self.helper.add_input(
            Submit("submit", _("Als Berater/in registrieren"), css_class="btn-brand")
        )


class ConsultantProfileForm(forms.ModelForm):
    logo = forms.FileField(
        label=_("Logo (PNG oder JPEG, höchstens 1 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Logo entfernen"), required=False)
    website = forms.URLField(label=_("Webseite"), required=False, assume_scheme="https")

    class Meta:
        model = ConsultantProfile
        fields = ["name", "firm", "contact_email", "phone", "website"]
        field_classes = {"name": NameField, "firm": NameField, "phone": NameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Speichern"), css_class="btn-brand"))

    def clean_logo(self) -> bytes | None:
        from assessment.consultants import LOGO_MAX_BYTES, LogoRefused, reencode_logo

        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("Das Logo ist größer als 1 MB."))
        try:
            return reencode_logo(upload.read(LOGO_MAX_BYTES + 1))
        except LogoRefused:
            raise forms.ValidationError(
                _(
                    "Bitte laden Sie ein echtes PNG- oder JPEG-Bild hoch "
                    "(16 bis 4000 Pixel je Seite)."
                )
            ) from None


CLIENT_LABELS = {
    "size_band": _("Wie viele Menschen arbeiten beim Kunden?"),
    "region": _("Ort oder Region des Kunden (freiwillig)"),
    "turnover_band": _(
        "Jahresumsatz 2026 des Kunden (netto): Er entscheidet, ob der Kunde ab 2027 oder erst "
        "ab 2028 E-Rechnungen ausstellen muss"
    ),
    "kleinunternehmer": _("Nutzt der Kunde die Kleinunternehmerregelung (§ 19 UStG)?"),
    "customers": _("An wen verkauft der Kunde?"),
    "staff_personal_data": _(
        "Wie viele Personen arbeiten beim Kunden ständig mit personenbezogenen Daten am "
        "Computer (Kundendaten, Personaldaten)?"
    ),
    "monthly_budget_eur": _("Was kann der Kunde pro Monat für digitale Schritte ausgeben? (EUR)"),
    "monthly_hours": _(
        "Wie viele Stunden pro Monat kann der Kunde oder sein Team dafür einsetzen?"
    ),
}
CLIENT_HELP = {
    "customers": _("Mehrere Antworten möglich. Leer lassen, wenn der Kunde es nicht sagen möchte."),
    "staff_personal_data": _(
        "Ab 20 Personen braucht der Kunde einen Datenschutzbeauftragten (§ 38 BDSG). Ohne "
        "Angabe rechnen wir bei weniger als 10 Beschäftigten mit weniger als 20."
    ),
    "monthly_budget_eur": _("Ein grober Betrag genügt; der Fahrplan plant die Schritte danach."),
}


class ClientForm(ProfileForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["name"].label = _("Name des Unternehmens")
        # The consultant fills this in about their client: the questions speak of the client.
        for name, label in CLIENT_LABELS.items():
            self.fields[name].label = label
        for name, help_text in CLIENT_HELP.items():
            self.fields[name].help_text = help_text
        self.helper.inputs = []
        self.helper.layout.fields.pop()
        self.helper.add_input(Submit("submit", _("Kunden anlegen"), css_class="btn-brand"))
