"""Web import: sources, runs, and bringing crawled images into the gallery."""

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from gallery.imaging import hamming, load_rgb, perceptual_hash
from gallery.models import Image
from gallery.services import image_create
from jobs.models import Job
from jobs.services import job_enqueue
from scraping.config import CrawlConfig, CrawlEvent
from scraping.crawl import crawl_run
from scraping.models import ScrapeRun, ScrapeSource
from scraping.ssrf import UrlRefused, allowlist_parse, host_resolve, url_check

NEAR_DUPLICATE_BITS = 6  # perceptual hashes this close are the same picture re-encoded or resized
PAUSE_AFTER_FAILURES = 3
INTERVALS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(weeks=1)}


def url_refusal(url: str) -> str | None:
    """Why the SSRF guard refuses this URL, or None (allowlist: SCRAPE_ALLOWED_HOSTS)."""
    try:
        url_check(
            url=url,
            allow=allowlist_parse(entries=settings.SCRAPE_ALLOWED_HOSTS),
            resolve=host_resolve,
        )
    except UrlRefused as error:
        return str(error)
    return None


def source_create(
    *,
    owner: User,
    url: str,
    scope: str,
    max_depth: int,
    max_pages: int,
    min_width: int,
    min_height: int,
    schedule: str,
) -> ScrapeSource:
    if reason := url_refusal(url):
        raise ValidationError(f"This address can't be imported: {reason}.", code="refused")
    source = ScrapeSource(
        owner=owner,
        url=url,
        scope=scope,
        max_depth=max_depth,
        max_pages=max_pages,
        min_width=min_width,
        min_height=min_height,
        schedule=schedule,
        next_run_at=timezone.now() if schedule else None,
    )
    source.full_clean()
    source.save()
    return source


def run_enqueue(*, source: ScrapeSource) -> ScrapeRun:
    run = ScrapeRun.objects.create(source=source, owner_id=source.owner_id)
    job_enqueue(
        task="scraping.tasks.scrape_run_task",
        kind=Job.Kind.SCRAPE,
        owner_id=source.owner_id,
        args=(str(run.pk),),
    )
    return run


def sources_due_enqueue(*, now: datetime | None = None) -> list[ScrapeRun]:
    """Start the runs of scheduled sources that are due. Each source is claimed by moving its
    next_run_at forward atomically, so two beats (or a beat and a command) never both run it."""
    now = now or timezone.now()
    runs = []
    due = ScrapeSource.objects.filter(paused=False, next_run_at__lte=now).exclude(schedule="")
    for source in due:
        claimed = ScrapeSource.objects.filter(pk=source.pk, next_run_at=source.next_run_at).update(
            next_run_at=_next_run(source.schedule, now=now)
        )
        if claimed:
            runs.append(run_enqueue(source=source))
    return runs


class RunImporter:
    """Turns the crawler's events into gallery images and run counters."""

    def __init__(self, run: ScrapeRun) -> None:
        self.run = run
        self.owner = run.owner
        self.reasons: dict[str, int] = {}
        self.hashes = list(
            Image.objects.filter(owner=self.owner).exclude(phash="").values_list("phash", flat=True)
        )

    def __call__(self, event: CrawlEvent) -> None:
        if event.kind == "page":
            self._count(pages_visited=1)
        elif event.kind == "image_found":
            self._count(images_found=1)
        elif event.kind == "image_skipped":
            self._skip(event.reason)
        elif event.kind == "image_saved":
            self._import(event)

    def _import(self, event: CrawlEvent) -> None:
        path = Path(event.path)
        with path.open("rb") as file:
            try:
                phash = perceptual_hash(image=load_rgb(file=file, max_side=256))
            except Exception:  # noqa: BLE001 - image_create below gives the reason
                phash = ""
            if phash and any(hamming(phash, known) <= NEAR_DUPLICATE_BITS for known in self.hashes):
                self._skip("duplicate")
                return
            file.seek(0)
            try:
                image, created = image_create(
                    owner=self.owner,
                    file=file,
                    name=path.name,
                    source=Image.Source.SCRAPE,
                    source_url=event.url[:2000],
                    source_page=event.page_url[:2000],
                    scrape_run_id=self.run.pk,
                    phash=phash,
                )
            except ValidationError as error:
                self._skip(f"refused: {' '.join(error.messages)}"[:100])
                return
        if not created:
            self._skip("duplicate")
            return
        if phash:
            self.hashes.append(phash)
        self._count(images_imported=1)

    def _skip(self, reason: str) -> None:
        key = reason.replace(".", "").replace("$", "") or "other"  # a MongoDB field name
        self.reasons[key] = self.reasons.get(key, 0) + 1
        ScrapeRun.objects.filter(pk=self.run.pk).update(
            images_skipped=F("images_skipped") + 1, skipped_reasons=self.reasons
        )

    def _count(self, **increments: int) -> None:
        ScrapeRun.objects.filter(pk=self.run.pk).update(
            **{name: F(name) + value for name, value in increments.items()}
        )


def run_execute(*, run: ScrapeRun) -> ScrapeRun:
    """Crawl in a child process and import as images arrive. A run that already finished is
    left alone (a redelivered task)."""
    if run.status in (ScrapeRun.Status.SUCCEEDED, ScrapeRun.Status.FAILED):
        return run
    ScrapeRun.objects.filter(pk=run.pk).update(
        status=ScrapeRun.Status.RUNNING, started_at=timezone.now()
    )
    source = run.source
    config = CrawlConfig(
        start_url=source.url,
        scope="site" if source.scope == "site" else "page",
        max_depth=source.max_depth,
        max_pages=source.max_pages,
        min_width=source.min_width,
        min_height=source.min_height,
        allow=tuple(settings.SCRAPE_ALLOWED_HOSTS),
        max_image_bytes=settings.UPLOAD_MAX_BYTES,
        max_image_pixels=settings.UPLOAD_MAX_PIXELS,
        delay_s=settings.SCRAPE_DELAY_S,
    )
    with tempfile.TemporaryDirectory(prefix="scrape-") as folder:
        summary = crawl_run(
            config=config,
            out_dir=Path(folder),
            on_event=RunImporter(run),
            timeout_s=settings.SCRAPE_RUN_TIMEOUT_S,
        )
    run.refresh_from_db()
    failed = summary.pages_visited == 0 and bool(summary.errors)
    run.status = ScrapeRun.Status.FAILED if failed else ScrapeRun.Status.SUCCEEDED
    run.error = "; ".join(summary.errors)[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    _source_after_run(source=source, failed=failed, reason=run.error)
    return run


def _source_after_run(*, source: ScrapeSource, failed: bool, reason: str) -> None:
    if not failed:
        ScrapeSource.objects.filter(pk=source.pk).update(consecutive_failures=0)
        return
    failures = source.consecutive_failures + 1
    paused = failures >= PAUSE_AFTER_FAILURES and bool(source.schedule)
    ScrapeSource.objects.filter(pk=source.pk).update(
        consecutive_failures=failures,
        paused=paused or source.paused,
        paused_reason=f"Paused after {failures} failed runs: {reason}"[:300] if paused else "",
    )


def source_resume(*, source: ScrapeSource) -> None:
    source.paused, source.paused_reason, source.consecutive_failures = False, "", 0
    source.next_run_at = _next_run(source.schedule)
    source.save(update_fields=["paused", "paused_reason", "consecutive_failures", "next_run_at"])


def _next_run(schedule: str, *, now: datetime | None = None) -> datetime | None:
    if schedule not in INTERVALS:
        return None
    return (now or timezone.now()) + INTERVALS[schedule]
