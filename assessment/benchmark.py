"""How a company compares with others of its industry and size in this installation.

Shown only when at least ten other companies are in the group, so that no single company's
result can be inferred. Peers are companies with a verified account or a consultant-led
latest check (access.verified_company_filter), each counted once with its latest completed
check: anonymous throw-away checks cannot fill the group and narrow down one company.

The group's indexes are kept in Django's cache for a minute (PEER_CACHE_SECONDS): building
their query took about a quarter of a results page's time, and a minute-old comparison is as
good as a fresh one. Finishing a check, or taking one into an account, forgets its group's
entry at once (`forget_peer_group`); other changes (an address verified, a profile edited)
show within the minute.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import FloatField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from assessment.access import verified_company_filter
from assessment.models import Assessment, Company

MINIMUM_PEERS = 10
PEER_CACHE_SECONDS = 60


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


def peer_group_key(*, questionnaire_key: str, industry: str, size_band: str) -> str:
    return f"peers:{questionnaire_key}:{industry}:{size_band}"


def peer_indexes(
    *,
    questionnaire_key: str,
    industry: str,
    size_band: str,
    cached: dict[int, float] | None = None,
) -> dict[int, float]:
    """The latest index of every peer company of one industry and size band on one
    instrument, by company id; from the cache when it holds the group. `cached` is the
    group's cache entry if the caller has read it with other entries (the results page)."""
    key = peer_group_key(
        questionnaire_key=questionnaire_key, industry=industry, size_band=size_band
    )
    indexes = cached if cached is not None else cache.get(key)
    if indexes is None:
        indexes = {
            company_id: latest
            for company_id, latest in Company.objects.filter(
                verified_company_filter(), industry=industry, size_band=size_band
            )
            .annotate(latest=latest_overall_subquery(questionnaire_key))
            .values_list("pk", "latest")
            if latest is not None
        }
        cache.set(key, indexes, PEER_CACHE_SECONDS)
    return indexes


def forget_peer_group(*, company: Company, questionnaire_key: str) -> None:
    """The company's group changed (a check finished, a check taken into an account)."""
    cache.delete(
        peer_group_key(
            questionnaire_key=questionnaire_key,
            industry=company.industry,
            size_band=company.size_band,
        )
    )


def peer_position(
    company: Company,
    overall: float | None,
    questionnaire_key: str,
    *,
    cached: dict[int, float] | None = None,
) -> PeerPosition | None:
    """Where the index lies among the latest indexes of every other company in the same
    industry and size band, on the same instrument (a quick check's index is never compared
    with a full check's). `cached`: the group's cache entry, if the caller has read it."""
    if overall is None:
        return None
    indexes = peer_indexes(
        questionnaire_key=questionnaire_key,
        industry=company.industry,
        size_band=company.size_band,
        cached=cached,
    )
    others = [value for company_id, value in indexes.items() if company_id != company.pk]
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
