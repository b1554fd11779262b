"""Web import: sources, runs, and bringing crawled images into the gallery."""

import json
import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from time import monotonic
from urllib.parse import unquote, urlsplit

from bson import ObjectId
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from gallery.imaging import ImageRejected, hamming, load_rgb, perceptual_hash
from gallery.models import Image
from gallery.services import image_create
from jobs.models import Job
from jobs.services import job_enqueue, job_progress
from scraping.config import CrawlConfig, CrawlEvent, CrawlSummary
from scraping.crawl import crawl_run
from scraping.models import ScrapeItem, ScrapeRun, ScrapeSource, ScrapeValidator
from scraping.similar import (
    NEAR_DUPLICATE_BITS,
    Signature,
    pixels_match,
    same_aspect,
    signature,
)
from scraping.ssrf import UrlRefused, allowlist_parse, host_resolve, url_check

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


FAILED_REASONS = frozenset(
    {"http error", "timeout", "dns error", "connection refused", "download failed", "stopped"}
)  # the download went wrong; the other reasons are decisions (too small, duplicate, ...)
MAX_ITEMS = 1000  # skipped and failed images listed per run; more are only counted
CANCEL_POLL_S = 1.0
STOP_REASONS = {
    "image limit reached": ScrapeRun.StopReason.IMAGE_LIMIT,
    "page limit": ScrapeRun.StopReason.PAGE_LIMIT,
    "run byte limit reached": ScrapeRun.StopReason.BYTE_LIMIT,
    "closespider_timeout": ScrapeRun.StopReason.TIMEOUT,
}


def image_title(*, title: str, url: str) -> str:
    """What to call an imported image: the page's words for it (alt text, title, caption),
    else its file name cleaned up ("IMG_2041-1024x768@2x.jpg" -> "IMG 2041"); "" when the
    name says nothing (a hash, a number)."""
    if title := " ".join(title.split()):
        return title[:200]
    stem = unquote(urlsplit(url).path.rsplit("/", 1)[-1]).rsplit(".", 1)[0]
    stem = _SIZE_SUFFIX.sub("", stem)
    words = " ".join(_SEPARATORS.sub(" ", stem).split())
    if not words or _MEANINGLESS.fullmatch(words.replace(" ", "")):
        return ""
    return words[:200]


_SIZE_SUFFIX = re.compile(
    r"(?:[-_@](?:\d+x\d+|\d+w|\d(?:\.\d)?x|thumb(?:nail)?|small|medium|large|scaled))+$", re.I
)
_SEPARATORS = re.compile(r"[-_+.~]+")
_MEANINGLESS = re.compile(r"\d+|[0-9a-f]{16,}", re.I)  # a number, or a hash-like hex string


def _file_name(url: str, image_format: str) -> str:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]).strip()
    return name[:255] or f"{urlsplit(url).hostname or 'image'}.{image_format.lower() or 'jpg'}"


class RunImporter:
    """Turns the crawler's events into gallery images, run counters and the run's list of
    skipped and failed images. Every image found ends counted once: imported, skipped or
    failed (those the crawl never reached, when it stopped early, as skipped)."""

    def __init__(self, run: ScrapeRun) -> None:
        self.run = run
        self.owner = run.owner
        self.skipped: dict[str, int] = dict(run.skipped_reasons or {})
        self.failed: dict[str, int] = dict(run.failed_reasons or {})
        self.pending: dict[str, CrawlEvent] = {}  # found, no outcome yet
        self.items = ScrapeItem.objects.filter(run=run).count()
        self.known: list[tuple[ObjectId, str, int, int]] = [
            (ObjectId(str(pk)), phash, width, height)
            for pk, phash, width, height in Image.objects.filter(owner=self.owner)
            .exclude(phash="")
            .values_list("pk", "phash", "width", "height")
        ]
        self.signatures: dict[ObjectId, Signature] = {}  # of images imported in this run
        self.cancel_checked = 0.0
        self.pages = run.pages_visited

    def __call__(self, event: CrawlEvent) -> None:
        if event.kind == "page":
            self._count(pages_visited=1)
            self.pages += 1
            job_progress(done=self.pages, total=self.run.source.max_pages)
        elif event.kind == "image_found":
            self.pending[event.url] = event
            self._count(images_found=1)
        elif event.kind == "image_skipped":
            self._outcome(event, reason=event.reason, detail=event.detail)
        elif event.kind == "image_saved":
            self._import(event)

    def cancelled(self) -> bool:
        """Whether the user asked to cancel the run (read at most once a second)."""
        if monotonic() - self.cancel_checked < CANCEL_POLL_S:
            return False
        self.cancel_checked = monotonic()
        return ScrapeRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists()

    def finish(self, *, stopped: str) -> None:
        """The images found and never reached: skipped, because the run stopped."""
        for event in list(self.pending.values()):
            self._outcome(event, reason="not fetched", detail=f"the run stopped: {stopped}")

    def _import(self, event: CrawlEvent) -> None:
        path = Path(event.path)
        with path.open("rb") as file:
            try:
                pixels = load_rgb(file=file, max_side=256)
                phash, mark = perceptual_hash(image=pixels), signature(pixels=pixels)
                shape = (int(pixels.shape[1]), int(pixels.shape[0]))
            except Exception:  # noqa: BLE001 - image_create below gives the reason
                phash, mark, shape = "", None, (0, 0)
            if mark is not None and (similar := self._similar(phash, mark, shape)) is not None:
                self._validators_keep(event)
                self._outcome(
                    event,
                    reason="near duplicate",
                    detail=f"looks the same as {similar.title or similar.original_name}",
                    similar=similar,
                )
                return
            file.seek(0)
            try:
                image, created = image_create(
                    owner=self.owner,
                    file=file,
                    name=_file_name(event.url, event.image_format),
                    title=image_title(title=event.title, url=event.url),
                    source=Image.Source.SCRAPE,
                    source_url=event.url[:2000],
                    source_page=event.page_url[:2000],
                    scrape_run_id=self.run.pk,
                    phash=phash,
                )
            except ValidationError as error:
                self._outcome(event, reason="refused", detail=" ".join(error.messages))
                return
        self._validators_keep(event)
        if not created:
            self._outcome(
                event,
                reason="duplicate",
                detail="the same file is already in your gallery",
                similar=image,
            )
            return
        if phash and mark is not None:
            self.known.append((image.pk, phash, image.width, image.height))
            self.signatures[image.pk] = mark
        self.pending.pop(event.url, None)
        self._count(images_imported=1)

    def _similar(self, phash: str, mark: Signature, shape: tuple[int, int]) -> Image | None:
        """The gallery image this picture really is: a close pHash, the same shape and the
        same pixels in small copies."""
        for pk, known, width, height in self.known:
            if hamming(phash, known) > NEAR_DUPLICATE_BITS or not same_aspect(
                shape, (width, height)
            ):
                continue
            image = Image.objects.filter(pk=pk, owner=self.owner).first()  # type: ignore[misc]
            if image is None:
                continue
            other = self.signatures.get(pk)
            if other is None:
                other = _stored_signature(image)
                if other is None:
                    continue
                self.signatures[pk] = other
            if pixels_match(mark, other):
                return image
        return None

    def _validators_keep(self, event: CrawlEvent) -> None:
        if not (event.etag or event.last_modified):
            return
        ScrapeValidator.objects.update_or_create(
            source_id=self.run.source_id,
            url=event.url[:2000],
            defaults={
                "etag": event.etag[:300],
                "last_modified": event.last_modified[:100],
                "sha256": event.sha256,
                "updated_at": timezone.now(),
            },
        )

    def _outcome(
        self, event: CrawlEvent, *, reason: str, detail: str, similar: Image | None = None
    ) -> None:
        """Count an image found as skipped or failed, and list it (unchanged ones are only
        counted: a re-run of a whole site would list every image)."""
        if self.pending.pop(event.url, None) is None:
            self._count(images_found=1)  # an outcome without its "found" event: still counted
        failed = reason in FAILED_REASONS or reason == "refused"
        key = reason.replace(".", "").replace("$", "") or "other"  # a MongoDB field name
        counts = self.failed if failed else self.skipped
        counts[key] = counts.get(key, 0) + 1
        if failed:
            update: dict[str, object] = {
                "images_failed": F("images_failed") + 1,
                "failed_reasons": self.failed,
            }
        else:
            update = {"images_skipped": F("images_skipped") + 1, "skipped_reasons": self.skipped}
            if reason == "unchanged":
                update["images_unchanged"] = F("images_unchanged") + 1
        ScrapeRun.objects.filter(pk=self.run.pk).update(**update)
        if reason == "unchanged" or self.items >= MAX_ITEMS:
            return
        self.items += 1
        if similar is not None and reason == "near duplicate":
            outcome = ScrapeItem.Outcome.NEAR_DUPLICATE
        else:
            outcome = ScrapeItem.Outcome.FAILED if failed else ScrapeItem.Outcome.SKIPPED
        ScrapeItem.objects.create(
            run=self.run,
            owner=self.owner,
            url=event.url[:2000],
            page_url=event.page_url[:2000],
            title=event.title[:200],
            outcome=outcome,
            reason=reason[:100],
            detail=detail[:500],
            similar=similar,
        )

    def _count(self, **increments: int) -> None:
        ScrapeRun.objects.filter(pk=self.run.pk).update(
            **{name: F(name) + value for name, value in increments.items()}
        )


def _stored_signature(image: Image) -> Signature | None:
    """The signature of a gallery image from its thumbnail (its original before ingest made
    one), decoded in the decode sandbox like any file."""
    field = image.thumbnail or image.original
    if not field:
        return None
    try:
        with field.open("rb") as file:
            return signature(pixels=load_rgb(file=file, max_side=256))
    except (OSError, ImageRejected, ValueError):
        return None


def _crawl_config(*, source: ScrapeSource, **overrides: object) -> CrawlConfig:
    values: dict[str, object] = {
        "start_url": source.url,
        "scope": "site" if source.scope == "site" else "page",
        "max_depth": source.max_depth,
        "max_pages": source.max_pages,
        "max_images": settings.SCRAPE_MAX_IMAGES,
        "min_width": source.min_width,
        "min_height": source.min_height,
        "allow": tuple(settings.SCRAPE_ALLOWED_HOSTS),
        "max_image_bytes": settings.UPLOAD_MAX_BYTES,
        "max_image_pixels": settings.UPLOAD_MAX_PIXELS,
        "delay_s": settings.SCRAPE_DELAY_S,
        **overrides,
    }
    return CrawlConfig(**values)  # type: ignore[arg-type]


def _validators_write(*, source: ScrapeSource, folder: Path) -> str:
    """The validators of this source's images still in the owner's gallery, as a file for the
    crawler (an image deleted since is fetched whole again)."""
    known = list(
        ScrapeValidator.objects.filter(source=source).values_list(
            "url", "etag", "last_modified", "sha256"
        )
    )
    if not known:
        return ""
    kept = set(
        Image.objects.filter(
            owner_id=source.owner_id, sha256__in=list({row[3] for row in known})
        ).values_list("sha256", flat=True)
    )
    data = {url: [etag, modified] for url, etag, modified, sha in known if sha in kept}
    path = folder / "validators.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _stop_reason(summary: CrawlSummary) -> str:
    if summary.cancelled:
        return ScrapeRun.StopReason.CANCELLED
    if summary.pages_visited == 0 and summary.errors and not summary.images_found:
        return ScrapeRun.StopReason.FAILED
    if summary.timed_out:
        return ScrapeRun.StopReason.TIMEOUT
    if summary.close_reason in STOP_REASONS:
        return STOP_REASONS[summary.close_reason]
    if not summary.close_reason and summary.errors:  # the crawler died before it reported
        return ScrapeRun.StopReason.FAILED
    return ScrapeRun.StopReason.FINISHED


def run_execute(*, run: ScrapeRun) -> ScrapeRun:
    """Crawl in a child process and import as images arrive. A run that already ended is left
    alone (a redelivered task); one cancelled before it started ends at once."""
    if run.ended:
        return run
    if run.cancel_requested:
        return _run_end(run=run, stop=ScrapeRun.StopReason.CANCELLED, error="")
    ScrapeRun.objects.filter(pk=run.pk).update(
        status=ScrapeRun.Status.RUNNING, started_at=timezone.now()
    )
    source = run.source
    importer = RunImporter(run)
    with tempfile.TemporaryDirectory(prefix="scrape-") as folder:
        config = _crawl_config(
            source=source, validators_file=_validators_write(source=source, folder=Path(folder))
        )
        summary = crawl_run(
            config=config,
            out_dir=Path(folder) / "images",
            on_event=importer,
            timeout_s=settings.SCRAPE_RUN_TIMEOUT_S,
            should_stop=importer.cancelled,
        )
        stop = _stop_reason(summary)
        importer.finish(stopped=ScrapeRun.StopReason(stop).label.removeprefix("Stopped: ").lower())
    run = _run_end(run=run, stop=stop, error="; ".join(summary.errors))
    _source_after_run(source=source, failed=stop == ScrapeRun.StopReason.FAILED, reason=run.error)
    return run


def _run_end(*, run: ScrapeRun, stop: str, error: str) -> ScrapeRun:
    run.refresh_from_db()
    run.stop_reason = stop
    run.status = {
        ScrapeRun.StopReason.FAILED: ScrapeRun.Status.FAILED,
        ScrapeRun.StopReason.CANCELLED: ScrapeRun.Status.CANCELLED,
    }.get(ScrapeRun.StopReason(stop), ScrapeRun.Status.SUCCEEDED)
    run.error = error[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "stop_reason", "error", "finished_at"])
    return run


def run_cancel(*, run: ScrapeRun) -> ScrapeRun:
    """Ask a run to stop: a queued one ends now, a running one within about a second."""
    if run.ended:
        return run
    ScrapeRun.objects.filter(pk=run.pk).update(cancel_requested=True)
    run.refresh_from_db()
    if run.status == ScrapeRun.Status.QUEUED:
        return _run_end(run=run, stop=ScrapeRun.StopReason.CANCELLED, error="")
    return run


def item_import_enqueue(*, item: ScrapeItem) -> ScrapeItem:
    """Import a near-duplicate anyway: fetched again (through the crawler and its guards)."""
    if item.outcome != ScrapeItem.Outcome.NEAR_DUPLICATE or item.import_state in ("queued", "done"):
        return item
    ScrapeItem.objects.filter(pk=item.pk).update(import_state="queued", import_error="")
    item.import_state = "queued"
    job_enqueue(
        task="scraping.tasks.scrape_item_import_task",
        kind=Job.Kind.SCRAPE,
        owner_id=item.owner_id,
        args=(str(item.pk),),
    )
    return item


def item_import(*, item: ScrapeItem) -> ScrapeItem:
    """Fetch one listed image again and import it, near-duplicate or not (an exact duplicate
    is still the image already there)."""
    if item.import_state == "done":
        return item
    source = item.run.source
    saved: list[CrawlEvent] = []
    problems: list[str] = []

    def collect(event: CrawlEvent) -> None:
        if event.kind == "image_saved":
            saved.append(event)
        elif event.kind in ("image_skipped", "error"):
            problems.append(event.detail or event.reason)

    with tempfile.TemporaryDirectory(prefix="scrape-item-") as folder:
        config = _crawl_config(
            source=source,
            start_url=item.url,
            scope="page",
            max_pages=1,
            max_images=1,
            min_width=0,
            min_height=0,
        )
        summary = crawl_run(
            config=config,
            out_dir=Path(folder),
            on_event=collect,
            timeout_s=min(120, settings.SCRAPE_RUN_TIMEOUT_S),
        )
        image, error = None, "; ".join(problems or summary.errors) or "the image was not found"
        if saved:
            event = saved[0]
            with Path(event.path).open("rb") as file:
                try:
                    image, _created = image_create(
                        owner=item.owner,
                        file=file,
                        name=_file_name(item.url, event.image_format),
                        title=image_title(title=item.title, url=item.url),
                        source=Image.Source.SCRAPE,
                        source_url=item.url,
                        source_page=item.page_url,
                        scrape_run_id=item.run_id,
                    )
                except ValidationError as refused:
                    error = " ".join(refused.messages)
    item.imported = image
    item.import_state = "done" if image else "failed"
    item.import_error = "" if image else error[:300]
    item.save(update_fields=["imported", "import_state", "import_error"])
    return item


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
