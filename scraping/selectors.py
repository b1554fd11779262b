"""Reads of a user's web-import sources and runs; every read is scoped to its owner."""

from bson import ObjectId
from django.db.models import QuerySet

from scraping.models import ScrapeItem, ScrapeRun, ScrapeSource

RECENT_RUNS = 20
ITEMS_SHOWN = 200  # per outcome, on a run's page


def source_list(*, owner_id: ObjectId) -> QuerySet[ScrapeSource]:
    return ScrapeSource.objects.filter(owner_id=owner_id).order_by("-created_at")


def source_get(*, owner_id: ObjectId, source_id: ObjectId) -> ScrapeSource | None:
    return ScrapeSource.objects.filter(owner_id=owner_id, pk=source_id).first()  # type: ignore[misc]


def source_runs(*, source: ScrapeSource) -> QuerySet[ScrapeRun]:
    return ScrapeRun.objects.filter(source=source).order_by("-queued_at")[:RECENT_RUNS]


def run_get(*, owner_id: ObjectId, run_id: ObjectId) -> ScrapeRun | None:
    return ScrapeRun.objects.filter(owner_id=owner_id, pk=run_id).first()  # type: ignore[misc]


def run_items(*, run: ScrapeRun, outcome: str) -> QuerySet[ScrapeItem]:
    """One outcome's images of a run (the index is run, outcome, created_at)."""
    return (
        ScrapeItem.objects.filter(run=run, outcome=outcome)
        .select_related("similar", "imported")
        .order_by("created_at")[:ITEMS_SHOWN]
    )


def item_get(*, owner_id: ObjectId, item_id: ObjectId) -> ScrapeItem | None:
    return ScrapeItem.objects.filter(owner_id=owner_id, pk=item_id).first()  # type: ignore[misc]
