"""How a company compares with others of its industry and size in this installation.

Shown only when at least ten other companies are in the group, so that no single company's
result can be inferred. Peers are companies with a verified account or a consultant-led
latest check (access.verified_company_filter), each counted once with its latest completed
check: anonymous throw-away checks cannot fill the group and narrow down one company.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import FloatField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from assessment.access import verified_company_filter
from assessment.models import Assessment, Company

MINIMUM_PEERS = 10


@dataclass(frozen=True)
class PeerPosition:
    percentile: float  # share of peers with a lower index, ties counted half, in percent
    peers: int


def latest_overall_subquery(questionnaire_key: str):
    """The index of a company's latest completed check of one instrument."""
    return Subquery(
        Assessment.objects.filter(
            company=OuterRef("pk"),
            status=Assessment.Status.COMPLETED,
            questionnaire__key=questionnaire_key,
        )
        .order_by("-completed_at")
        .annotate(overall=Cast(KeyTextTransform("overall", "result"), FloatField()))
        .values("overall")[:1]
    )


def peer_position(
    company: Company, overall: float | None, questionnaire_key: str
) -> PeerPosition | None:
    """One query: the latest index of every other company in the same industry and size band,
    on the same instrument (a quick check's index is never compared with a full check's)."""
    if overall is None:
        return None
    others = [
        value
        for value in Company.objects.filter(
            verified_company_filter(), industry=company.industry, size_band=company.size_band
        )
        .exclude(pk=company.pk)
        .annotate(latest=latest_overall_subquery(questionnaire_key))
        .values_list("latest", flat=True)
        if value is not None
    ]
    if len(others) < MINIMUM_PEERS:
        return None
    lower = sum(1 for value in others if value < overall)
    equal = sum(1 for value in others if value == overall)
    return PeerPosition(percentile=100 * (lower + equal / 2) / len(others), peers=len(others))


def distribution(values: list[float | None], bounds: list[tuple[str, float, float]]) -> list[dict]:
    """How many indexes fall into each band; `bounds` are (name, lower, upper), the last
    band including its upper bound."""
    counted = [value for value in values if value is not None]
    rows = []
    for index, (name, lower, upper) in enumerate(bounds):
        last = index == len(bounds) - 1
        count = sum(1 for v in counted if lower <= v < upper or (last and v == upper))
        rows.append(
            {
                "name": name,
                "count": count,
                "share": 0 if not counted else round(100 * count / len(counted)),
            }
        )
    return rows
