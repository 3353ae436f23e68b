"""Consultants: their clients, the portfolio in one query, exports, and their logo."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, FloatField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import Combinable
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext as _

from assessment import mail
from assessment.history import main_instrument, of_instrument
from assessment.mail_limits import one_line
from assessment.models import (
    Action,
    Assessment,
    Company,
    ConsultantProfile,
    LevelBand,
    Membership,
    User,
)

LOGO_MAX_BYTES = 1_000_000
LOGO_MAX_SIDE = 4000
LOGO_BOX = (600, 240)


class PortfolioFigures(TypedDict):
    """What `portfolio` adds to each client."""

    last_overall: float | None
    previous_overall: float | None
    last_level: str | None
    last_completed_at: datetime.datetime | None
    open_actions: int
    overdue_actions: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations
    from openpyxl.worksheet.worksheet import Worksheet

    PortfolioClient = WithAnnotations[Company, PortfolioFigures]

SORTS: dict[str, tuple[str | Combinable, ...]] = {
    "name": ("name", "pk"),
    "index": (F("last_overall").desc(nulls_last=True), "name"),
    "last": (F("last_completed_at").desc(nulls_last=True), "name"),
    "due": (F("reassessment_due_on").asc(nulls_first=True), "name"),
}


class LogoRefused(ValueError):
    pass


def approved_profile(user: User) -> ConsultantProfile | None:
    if not user.is_authenticated:
        return None
    return ConsultantProfile.objects.filter(user=user, approved=True).first()


@transaction.atomic
def create_client(*, consultant: User, company: Company) -> Company:
    company.save()
    Membership.objects.create(company=company, user=consultant, role=Membership.Role.CONSULTANT)
    return company


def portfolio(
    *,
    consultant: User,
    search: str = "",
    industry: str = "",
    due_only: bool = False,
    overdue_only: bool = False,
    sort: str = "name",
    today: datetime.date | None = None,
) -> QuerySet[PortfolioClient]:
    """Every client with its last two indexes and action counts, in a fixed number of queries."""
    today = today or timezone.localdate()
    completed = Assessment.objects.filter(
        company=OuterRef("pk"), status=Assessment.Status.COMPLETED
    ).order_by("-completed_at")
    overall = completed.annotate(
        overall=Cast(KeyTextTransform("overall", "result"), FloatField())
    ).values("overall")
    # The trend compares the latest check with the one before it on the same instrument.
    same_instrument = (
        Assessment.objects.filter(
            company=OuterRef("pk"),
            status=Assessment.Status.COMPLETED,
            questionnaire__key=OuterRef("last_key"),
        )
        .order_by("-completed_at")
        .annotate(overall=Cast(KeyTextTransform("overall", "result"), FloatField()))
        .values("overall")
    )
    open_statuses = [Action.Status.PLANNED, Action.Status.DOING]
    clients = Company.objects.filter(
        memberships__user=consultant, memberships__role=Membership.Role.CONSULTANT
    ).annotate(
        last_overall=Subquery(overall[:1]),
        last_key=Subquery(completed.values("questionnaire__key")[:1]),
        previous_overall=Subquery(same_instrument[1:2]),
        last_level=Subquery(
            completed.annotate(level=KeyTextTransform("level", "result")).values("level")[:1]
        ),
        last_completed_at=Subquery(completed.values("completed_at")[:1]),
        open_actions=Count("actions", filter=Q(actions__status__in=open_statuses), distinct=True),
        overdue_actions=Count(
            "actions",
            filter=Q(actions__status__in=open_statuses, actions__due_date__lt=today),
            distinct=True,
        ),
    )
    if search:
        clients = clients.filter(Q(name__icontains=search) | Q(region__icontains=search))
    if industry in Company.Industry.values:
        clients = clients.filter(industry=industry)
    if due_only:
        clients = clients.filter(Q(reassessment_due_on__lte=today) | Q(reassessment_due_on=None))
    if overdue_only:
        clients = clients.filter(overdue_actions__gt=0)
    return clients.order_by(*SORTS.get(sort, SORTS["name"]))


# --- Exports: CSV and XLSX, with cells a spreadsheet would run as formulas neutralised.

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> object:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if (
        isinstance(value, str)
        and value
        and (value.startswith(FORMULA_STARTS) or ord(value[0]) < 32)
    ):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """A column of an export: its heading in the active language and what its cells hold.

    `kind` decides how a cell is written: "text", "date", "decimal" (one decimal place)
    or "integer".
    """

    label: str
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: list[tuple[object, ...]]

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(column.label for column in self.columns)


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def level_names() -> dict[str, str]:
    """Level keys of every stored questionnaire version to their names in the active language.

    A key keeps its name across versions; where two versions disagree the newer one wins.
    """
    names: dict[str, str] = {}
    for band in LevelBand.objects.order_by("questionnaire__version", "order"):
        names[band.key] = band.name
    return names


def portfolio_table(clients: QuerySet[PortfolioClient]) -> Table:
    names = level_names()
    return Table(
        columns=(
            Column(_("Unternehmen")),
            Column(_("Branche")),
            Column(_("Größe")),
            Column(_("Region")),
            Column(_("Letzter Check"), "date"),
            Column(_("Index"), "decimal"),
            Column(_("Stufe")),
            Column(pgettext("export column", "Veränderung"), "decimal"),
            Column(_("Nächster Check"), "date"),
            Column(_("Offene Schritte"), "integer"),
            Column(_("Überfällige Schritte"), "integer"),
        ),
        rows=[
            (
                str(client),
                str(client.get_industry_display()),
                str(client.get_size_band_display()),
                client.region,
                timezone.localtime(client.last_completed_at).date()
                if client.last_completed_at
                else None,
                rounded(client.last_overall),
                names.get(client.last_level, client.last_level) if client.last_level else "",
                None
                if client.last_overall is None or client.previous_overall is None
                else rounded(client.last_overall - client.previous_overall),
                client.reassessment_due_on,
                client.open_actions,
                client.overdue_actions,
            )
            for client in clients
        ],
    )


@dataclass(frozen=True)
class InstrumentHistory:
    """The completed checks of one instrument (questionnaire key) of a company."""

    key: str
    title: str
    table: Table


def history_tables(company: Company) -> list[InstrumentHistory]:
    """Every completed check of a company, one table per instrument, the full check first.

    Scores of different instruments mean different things and their dimensions differ, so
    each instrument gets its own table: one row per check, one column per dimension of that
    instrument. The main instrument (`history.main_instrument`: the full check if there is
    one) comes first, the others in the order of their first check.
    """
    assessments = list(
        company.assessments.filter(status=Assessment.Status.COMPLETED)
        .select_related("questionnaire")
        .order_by("completed_at")
    )
    keys = list(dict.fromkeys(assessment.questionnaire.key for assessment in assessments))
    main_key = main_instrument(assessments)
    if main_key is not None:
        keys.remove(main_key)
        keys.insert(0, main_key)
    histories = []
    for key in keys:
        checks = of_instrument(assessments, key)
        newest = max((check.questionnaire for check in checks), key=lambda q: q.version)
        histories.append(
            InstrumentHistory(key=key, title=newest.title, table=history_table(checks))
        )
    return histories


def history_table(assessments: list[Assessment]) -> Table:
    """Completed checks of one instrument, one row each, with one column per dimension.

    Dimensions are matched by their stable key across questionnaire versions and named by
    the title of the newest version that has them, in the active language.
    """
    dimension_keys: list[str] = []
    for assessment in assessments:
        for dimension in (assessment.result or {}).get("dimensions", []):
            if dimension["key"] not in dimension_keys:
                dimension_keys.append(dimension["key"])
    titles: dict[str, str] = {}
    band_names: dict[str, str] = {}
    for questionnaire in sorted(
        {assessment.questionnaire for assessment in assessments}, key=lambda q: q.version
    ):
        content = questionnaire.content()
        titles.update({dimension.key: dimension.title for dimension in content.dimensions})
        band_names.update({band.key: band.name for band in content.bands})
    rows = []
    for assessment in assessments:
        result = assessment.result or {}
        scores = {d["key"]: d["score"] for d in result.get("dimensions", [])}
        level = result.get("level") or ""
        rows.append(
            (
                timezone.localtime(assessment.completed_at).date(),
                str(assessment.get_mode_display()),
                _("%(title)s, Version %(version)s")
                % {
                    "title": assessment.questionnaire.title,
                    "version": assessment.questionnaire.version,
                },
                rounded(result.get("overall")),
                band_names.get(level, level),
                *(rounded(scores.get(key)) for key in dimension_keys),
            )
        )
    return Table(
        columns=(
            Column(_("Datum"), "date"),
            Column(_("Art")),
            Column(_("Fragebogen")),
            Column(_("Index"), "decimal"),
            Column(_("Stufe")),
            *(Column(titles.get(key, key), "decimal") for key in dimension_keys),
        ),
        rows=rows,
    )


@dataclass(frozen=True)
class CsvStyle:
    """How a spreadsheet program in that language reads a CSV file without asking."""

    delimiter: str
    decimal: str
    date_format: str


CSV_STYLES = {
    # German Excel splits at semicolons and reads "41,5" and "01.12.2026".
    "de": CsvStyle(delimiter=";", decimal=",", date_format="%d.%m.%Y"),
    # English Excel splits at commas and reads "41.5" and ISO dates in every region.
    "en": CsvStyle(delimiter=",", decimal=".", date_format="%Y-%m-%d"),
}


def csv_style(language: str | None) -> CsvStyle:
    return CSV_STYLES.get((language or "de")[:2], CSV_STYLES["de"])


def csv_cell(value: object, kind: str, style: CsvStyle) -> str:
    if value is None:
        return ""
    if kind == "decimal" and isinstance(value, int | float):
        return f"{value:.1f}".replace(".", style.decimal)
    if kind == "integer" and isinstance(value, int | float):
        return str(int(value))
    if kind == "date" and isinstance(value, datetime.date):
        return value.strftime(style.date_format)
    return str(neutralise(str(value)))


def as_csv(table: Table, *, language: str | None) -> bytes:
    """CSV in the active language's convention, UTF-8 with a byte order mark.

    The byte order mark makes Excel read the umlauts as UTF-8 instead of Windows-1252.
    """
    style = csv_style(language)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.delimiter)
    writer.writerow([neutralise(label) for label in table.header])
    for row in table.rows:
        writer.writerow(
            [
                csv_cell(value, column.kind, style)
                for value, column in zip(row, table.columns, strict=True)
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


XLSX_NUMBER_FORMATS = {"decimal": "0.0", "integer": "0"}
XLSX_DATE_FORMATS = {"de": "dd.mm.yyyy", "en": "d mmm yyyy"}
XLSX_MIN_WIDTH = 8
XLSX_DATE_WIDTH = len("01.12.2026")
XLSX_MAX_WIDTH = 50


# Excel refuses these in a worksheet's name, and names longer than 31 characters.
SHEET_TITLE_FORBIDDEN = str.maketrans({character: "-" for character in "[]:*?/\\"})
SHEET_TITLE_LENGTH = 31


def sheet_title(title: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts, different (ignoring case) from those in `taken`."""
    base = title.translate(SHEET_TITLE_FORBIDDEN).strip().strip("'") or "-"
    candidate = shortened(base, SHEET_TITLE_LENGTH)
    number = 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate = shortened(base, SHEET_TITLE_LENGTH - len(suffix)) + suffix
        number += 1
    taken.add(candidate.lower())
    return candidate


def shortened(text: str, length: int) -> str:
    """`text` cut to `length` characters, at a word where there is one, marked with "…"."""
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def as_xlsx(table: Table, *, title: str, language: str | None) -> bytes:
    """One worksheet: bold frozen header, numbers and dates as typed cells, fitted widths."""
    return as_xlsx_sheets([(title, table)], language=language)


def as_xlsx_sheets(sheets: list[tuple[str, Table]], *, language: str | None) -> bytes:
    """One worksheet per (title, table), each as `as_xlsx` makes it."""
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None  # a new workbook has one worksheet
    taken: set[str] = set()
    for number, (title, table) in enumerate(sheets):
        sheet = first if number == 0 else workbook.create_sheet()
        sheet.title = sheet_title(title, taken)
        fill_sheet(sheet, table, language=language)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill_sheet(sheet: Worksheet, table: Table, *, language: str | None) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.append([neutralise(label) for label in table.header])
    for row in table.rows:
        sheet.append([neutralise(value) for value in row])
    bold = Font(bold=True)
    date_format = XLSX_DATE_FORMATS.get((language or "de")[:2], XLSX_DATE_FORMATS["de"])
    for index, column in enumerate(table.columns, start=1):
        header_cell = sheet.cell(row=1, column=index)
        header_cell.font = bold
        header_cell.alignment = Alignment(wrap_text=True, vertical="top")
        number_format = (
            date_format if column.kind == "date" else XLSX_NUMBER_FORMATS.get(column.kind)
        )
        widths = [len(column.label)]
        for row_number, value in enumerate((row[index - 1] for row in table.rows), start=2):
            if number_format and value is not None:
                sheet.cell(row=row_number, column=index).number_format = number_format
            if isinstance(value, datetime.date):
                widths.append(XLSX_DATE_WIDTH)
            elif isinstance(value, float):
                widths.append(len(f"{value:.1f}"))
            elif value is not None:
                widths.append(len(str(value)))
        widest = max(widths)
        sheet.column_dimensions[get_column_letter(index)].width = min(
            XLSX_MAX_WIDTH, max(XLSX_MIN_WIDTH, widest + 2)
        )
    sheet.freeze_panes = "A2"
    if table.columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"


# --- The logo on the cover of a consultant's client reports.


def reencode_logo(data: bytes) -> bytes:
    """Accept a real PNG or JPEG within limits; return it re-encoded as a small PNG."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > LOGO_MAX_BYTES:
        raise LogoRefused("too large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("PNG", "JPEG"):
                raise LogoRefused("not PNG or JPEG")
            width, height = probe.size
            if not (16 <= width <= LOGO_MAX_SIDE and 16 <= height <= LOGO_MAX_SIDE):
                raise LogoRefused("bad size")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            converted = image.convert("RGBA")
            converted.thumbnail(LOGO_BOX)
            out = io.BytesIO()
            converted.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except LogoRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise LogoRefused("unreadable") from error


def consultant_for_report(company: Company) -> ConsultantProfile | None:
    """The approved consultant of a company, for the report cover."""
    return (
        ConsultantProfile.objects.filter(
            approved=True,
            user__memberships__company=company,
            user__memberships__role=Membership.Role.CONSULTANT,
        )
        .order_by("user__memberships__created_at")
        .first()
    )


def notify_managers_of_signup(*, profile: ConsultantProfile, review_url: str) -> None:
    """Tell the operators (settings.MANAGERS) that a consultant waits for approval."""
    if not settings.MANAGERS:
        return
    mail.send(
        recipients=[address for _name, address in settings.MANAGERS],
        subject=gettext("Neue Beraterin / neuer Berater wartet auf Freigabe: %(name)s")
        % {"name": one_line(profile.name)},
        body=gettext(
            "%(name)s (%(firm)s, %(email)s) hat sich als Beraterin oder Berater registriert "
            "und wartet auf die Freigabe:\n\n%(url)s\n"
        )
        % {
            "name": profile.name,
            "firm": profile.firm or "–",
            "email": profile.user.email,
            "url": review_url,
        },
    )


def send_approval_mail(*, profile: ConsultantProfile, portfolio_url: str) -> None:
    """Tell the consultant that their account is approved and where to start."""
    mail.send(
        subject=gettext("Ihr Beraterkonto bei Reifegrad ist freigegeben"),
        body=gettext(
            "Guten Tag %(name)s,\n\nIhr Beraterkonto ist freigegeben. Sie können jetzt Kunden "
            "anlegen, Checks mit ihnen durchführen und Berichte mit Ihrem Namen übergeben:"
            "\n\n%(url)s\n"
        )
        % {"name": one_line(profile.name), "url": portfolio_url},
        recipients=[profile.user.email],
    )
