"""Reads of a user's web-import sources and runs; every read is scoped to its owner."""

from bson import ObjectId
from django.db.models import QuerySet

from scraping.models import ScrapeRun, ScrapeSource

RECENT_RUNS = 20


def source_list(*, owner_id: ObjectId) -> QuerySet[ScrapeSource]:
    return ScrapeSource.objects.filter(owner_id=owner_id).order_by("-created_at")


def source_get(*, owner_id: ObjectId, source_id: ObjectId) -> ScrapeSource | None:
    return ScrapeSource.objects.filter(owner_id=owner_id, pk=source_id).first()  # type: ignore[misc]


def source_runs(*, source: ScrapeSource) -> QuerySet[ScrapeRun]:
    return ScrapeRun.objects.filter(source=source).order_by("-queued_at")[:RECENT_RUNS]


def run_get(*, owner_id: ObjectId, run_id: ObjectId) -> ScrapeRun | None:
    return ScrapeRun.objects.filter(owner_id=owner_id, pk=run_id).first()  # type: ignore[misc]
