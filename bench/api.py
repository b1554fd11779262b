"""The REST API against the gallery page, in the same run on the same library: list p95 through
GET /api/images (a personal access token) beside the gallery page's grid (the browser session,
htmx), for the same filters, at 10,000 images a user (--quick: 2,000; plus as many of another
user); upload throughput through POST /api/images (real corpus files, several a request); then
schemathesis against the app's own OpenAPI document, every operation with generated input
(valid and invalid), as the owner of real objects, counting the operations that fail a check.

    .venv/bin/python bench/api.py [--quick]

Everything runs in this process through Django's test client (the whole middleware stack, no
network), on a private SecantusDB with the library of bench/library_build.py (bench/gallery.py's).
The API's first page carries the count of matches; the page loads it with a second request, so
page_p95_ms times the grid and its count request together, the same answer (grid_p95_ms: the
grid alone; a cursor page has no count in either). The token's rate limit is lifted (API_RATE_PER_MINUTE) so that
the timing loop is not refused. Last line:
api: list_p95_ms=<worst kind> page_p95_ms=<worst kind> upload_images_per_s=<n>
schemathesis_errors=<n> ...
"""

import argparse
import logging
import os
import secrets
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

from _django import BASE_DIR, django_start, percentile, web_process_settle
from library_build import library_build

CORPUS = Path(os.environ.get("SHARED_DIR", BASE_DIR.parent / "shared")) / "corpus"
PAGE = 48
KINDS: dict[str, dict[str, str]] = {
    "default": {},
    "format": {"format": "PNG"},
    "label": {"label": "dog"},
    "tag": {"tag": "sea"},
    "one-word search": {"q": "harbour"},
    "two-word search": {"q": "harbour sunset"},
    "prefix search": {"q": "harb"},
    "taken-date sort": {"sort": "taken"},
    "date range": {"date_from": "2025-03-01", "date_to": "2025-04-15"},
    "oldest first": {"sort": "uploaded_asc"},
    "deep page 20": {},
}
DEEP = 20


def timed(call: Any, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")
    return times


def api_deep(client: Any, headers: dict[str, str], pages: int) -> dict[str, str]:
    """The query of page `pages`, following each page's `next` cursor."""
    params: dict[str, str] = {}
    for _ in range(pages - 1):
        params = {"after": client.get("/api/images", params, headers=headers).json()["next"]}
    return params


def page_deep(client: Any, pages: int) -> str:
    """The URL of the gallery page `pages`, following each page's "more" link."""
    url = "/gallery/"
    for _ in range(pages - 1):
        body = client.get(url, headers={"HX-Request": "true"}).content.decode()
        url = body.split('class="more" hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    return url


def lists_compare(
    owner: Any, headers: dict[str, str], repeats: int
) -> tuple[float, float, float, float]:
    """p95 of each kind through the API and through the page; returns the worst of each: the
    API's list, the page with its count (the same answer: the API's first page carries the
    count, the page loads it with a second request), the page's grid alone, and the largest
    ratio of one kind's API p95 to its page p95."""
    from django.test import Client

    api, page = Client(), Client()
    page.force_login(owner)
    deep_params, deep_url = api_deep(api, headers, DEEP), page_deep(page, DEEP)
    api_ids = [
        i["id"] for i in api.get("/api/images", deep_params, headers=headers).json()["items"]
    ]
    assert len(api_ids) == PAGE, "the API's deep page is short"
    assert api_ids[0] in page.get(deep_url, headers={"HX-Request": "true"}).content.decode(), (
        "the API's deep page is not the gallery's"
    )
    web_process_settle()
    print(
        f"{'kind':<16} {'API p50':>8} {'API p95':>8} {'page p50':>8} {'page p95':>8} "
        f"{'grid p95':>8} {'ratio':>6}   (page: grid + count; a deep page has no count)"
    )
    worst_api = worst_page = worst_grid = worst_ratio = 0.0
    for kind, query in KINDS.items():
        deep = kind.startswith("deep page")
        params = deep_params if deep else query
        api_call = partial(api.get, "/api/images", params, headers=headers)
        grid_call = partial(
            page.get, deep_url if deep else "/gallery/", {} if deep else query,
            headers={"HX-Request": "true"},
        )  # fmt: skip
        count_call = partial(page.get, "/gallery/count/", query)
        api_call(), grid_call(), count_call()  # warm
        ours, grids, pages = [], [], []
        for _ in range(repeats):  # interleaved: the machine's load falls on both alike
            ours += timed(api_call, 1)
            grid = timed(grid_call, 1)[0]
            grids.append(grid)
            pages.append(grid + (0.0 if deep else timed(count_call, 1)[0]))
        api_p95, page_p95, grid_p95 = (percentile(t, 0.95) for t in (ours, pages, grids))
        print(
            f"{kind:<16} {statistics.median(ours):>8.1f} {api_p95:>8.1f} "
            f"{statistics.median(pages):>8.1f} {page_p95:>8.1f} {grid_p95:>8.1f} "
            f"{api_p95 / page_p95:>6.2f}"
        )
        worst_api, worst_page = max(worst_api, api_p95), max(worst_page, page_p95)
        worst_grid = max(worst_grid, grid_p95)
        worst_ratio = max(worst_ratio, api_p95 / page_p95)
    return worst_api, worst_page, worst_grid, worst_ratio


def uploads_time(headers: dict[str, str], files: list[Path], per_request: int) -> float:
    """Images a second accepted by POST /api/images (stored, checked by content; processing
    goes on in the background), `per_request` files a request."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client()
    started = time.perf_counter()
    stored = 0
    for start in range(0, len(files), per_request):
        batch = [
            SimpleUploadedFile(path.name, path.read_bytes(), "image/jpeg")
            for path in files[start : start + per_request]
        ]
        response = client.post("/api/images", {"files": batch}, headers=headers)
        if response.status_code != 201:
            raise RuntimeError(f"upload: {response.status_code} {response.content[:300]!r}")
        stored += sum(r["outcome"] == "stored" for r in response.json()["results"])
    seconds = time.perf_counter() - started
    if stored != len(files):
        raise RuntimeError(f"{stored} of {len(files)} uploads stored")
    return stored / seconds


def schemathesis_run(owner: Any, headers: dict[str, str], examples: int) -> tuple[int, int]:
    """Every operation of /api/openapi.json with generated input, positive and negative, as
    the owner of real objects (the exclusions of tests/api/test_schemathesis.py). Returns
    (operations run, operations with a failed check)."""
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    from gallery.models import Image
    from processing.deep import background_remove_enqueue
    from scraping.models import ScrapeSource
    from scraping.services import run_enqueue
    from tests.api.test_schemathesis import CHECKED_BY_MEANING, schema

    image = Image.objects.filter(owner=owner, status="ready").order_by("-uploaded_at").first()
    assert image is not None
    version = background_remove_enqueue(image=image)
    source = ScrapeSource.objects.create(owner=owner, url="http://127.0.0.1/")
    real_ids = {
        "image_id": str(image.pk),
        "version_id": str(version.pk),
        "source_id": str(source.pk),
        "run_id": str(run_enqueue(source=source).pk),
        "job_id": str(image.jobs.latest("queued_at").pk),
    }
    assert isinstance(schema, schemathesis.schemas.BaseSchema)
    operations = failed = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        excluded = (
            [positive_data_acceptance]
            if (operation.method.upper(), operation.path) in CHECKED_BY_MEANING
            else []
        )
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            check = _checker(
                operation.as_strategy(generation_mode=mode), examples, real_ids, headers, excluded
            )
            try:
                check()
            except Exception as error:  # noqa: BLE001 - every failure is counted and shown
                failed += 1
                first = str(error).strip().splitlines()[:6]
                print(f"  FAILED {operation.method.upper()} {operation.path} ({mode.value}):")
                print("    " + "\n    ".join(first))
                break
    return operations, failed


def _checker(
    strategy: Any,
    examples: int,
    real_ids: dict[str, str],
    headers: dict[str, str],
    excluded: list[Any],
) -> Any:
    """A hypothesis test of one operation: each case on the owner's objects, validated."""
    from bson import ObjectId
    from hypothesis import HealthCheck, Phase, given, settings

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        for name, value in (case.path_parameters or {}).items():
            if name in real_ids and ObjectId.is_valid(str(value)):
                case.path_parameters[name] = real_ids[name]
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 images a user")
    parser.add_argument("--images", type=int, help="images a user instead (a trial run)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_DEBUG", "false")  # as in production; no query log
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("MONGODB_SOCKET_TIMEOUT_MS", "900000")  # bulk inserts on a busy host
    # a busy server that answers a heartbeat late must not be dropped mid-insert by the driver
    os.environ.setdefault("MONGODB_TIMEOUT_MS", "30000")
    os.environ.setdefault("API_RATE_PER_MINUTE", "1000000")
    django_start(name="api")
    logging.getLogger("django.request").setLevel(logging.ERROR)  # schemathesis' many 4xx
    from accounts.models import AccessToken, User
    from accounts.services import token_create

    count, repeats, uploads, examples = (2_000, 12, 12, 4) if args.quick else (10_000, 20, 40, 8)
    count = args.images or count
    started = time.perf_counter()
    owner = User.objects.create_user(username="owner", email="owner@example.com")
    other = User.objects.create_user(username="other", email="other@example.com")
    built = library_build(owners=[(owner, count), (other, count)], seed=1)
    print(f"{2 * count:,} images ({count:,} listed, {count:,} of another user) in {built:.1f} s")
    headers = {
        "Authorization": "Bearer "
        + token_create(owner=owner, name="bench", scope=AccessToken.Scope.READ_WRITE)[1]
    }
    list_p95, page_p95, grid_p95, kind_ratio = lists_compare(owner, headers, repeats)
    files = sorted((CORPUS / "coco128" / "images").rglob("*.jpg"))[:uploads]
    if len(files) < uploads:
        sys.exit(f"{CORPUS / 'coco128' / 'images'} holds {len(files)} images, not {uploads}")
    per_s = uploads_time(headers, files, per_request=4)
    print(f"uploads: {uploads} corpus images, 4 a request: {per_s:.1f} images/s")
    operations, failed = schemathesis_run(owner, headers, examples)
    print(f"schemathesis: {operations} operations, {examples} examples a mode, {failed} failed")
    print(f"bench took {time.perf_counter() - started:.0f} s")
    print(
        f"api: list_p95_ms={list_p95:.1f} page_p95_ms={page_p95:.1f} "
        f"upload_images_per_s={per_s:.1f} schemathesis_errors={failed} "
        f"ratio={list_p95 / page_p95:.2f} worst_kind_ratio={kind_ratio:.2f} "
        f"grid_p95_ms={grid_p95:.1f} images={count} operations={operations}"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
