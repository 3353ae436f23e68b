"""Consultants: their clients, the portfolio in one query, exports, and their logo."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import Count, F, FloatField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import Combinable
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assessment.models import (
    Action,
    Assessment,
    Company,
    ConsultantProfile,
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
class Table:
    header: tuple[str, ...]
    rows: list[tuple[object, ...]]


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def portfolio_table(clients: QuerySet[PortfolioClient]) -> Table:
    return Table(
        header=(
            _("Unternehmen"),
            _("Branche"),
            _("Größe"),
            _("Region"),
            _("Letzter Check"),
            _("Index"),
            _("Stufe"),
            pgettext("export column", "Veränderung"),
            _("Nächster Check"),
            _("Offene Schritte"),
            _("Überfällige Schritte"),
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
                client.last_level or "",
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


def history_table(company: Company) -> Table:
    assessments = list(
        company.assessments.filter(status=Assessment.Status.COMPLETED)
        .select_related("questionnaire")
        .order_by("completed_at")
    )
    dimension_keys: list[str] = []
    for assessment in assessments:
        for dimension in (assessment.result or {}).get("dimensions", []):
            if dimension["key"] not in dimension_keys:
                dimension_keys.append(dimension["key"])
    rows = []
    for assessment in assessments:
        result = assessment.result or {}
        scores = {d["key"]: d["score"] for d in result.get("dimensions", [])}
        rows.append(
            (
                timezone.localtime(assessment.completed_at).date(),
                str(assessment.get_mode_display()),
                f"{assessment.questionnaire.key} v{assessment.questionnaire.version}",
                rounded(result.get("overall")),
                result.get("level") or "",
                *(rounded(scores.get(key)) for key in dimension_keys),
            )
        )
    return Table(
        header=(_("Datum"), _("Art"), _("Fragebogen"), _("Index"), _("Stufe"), *dimension_keys),
        rows=rows,
    )


def as_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([neutralise("" if value is None else value) for value in row])
    # A byte order mark, so that spreadsheet programs read the umlauts as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(table: Table, *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one worksheet
    sheet.title = title[:31]
    sheet.append(list(table.header))
    for row in table.rows:
        sheet.append([neutralise(value) for value in row])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
