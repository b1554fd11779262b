"""A real SecantusDB with a small library whose figures are worked out by hand in the tests.

Alice: 6 images over 2025-03-01..08, 9 jobs, 3 scrape runs of 2 sources.
Bob: 2 images, 1 job, 1 scrape run. One job has no owner (a sweep).
The analytics only read, so the documents are inserted once per session.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pymongo
import pytest
from bson import ObjectId
from pymongo.database import Database

from analytics.figures import Figures, compute_figures

ALICE = ObjectId("65f000000000000000000001")
BOB = ObjectId("65f000000000000000000002")
SOURCE_GALLERY = ObjectId("65f0000000000000000000a1")
SOURCE_PHOTOS = ObjectId("65f0000000000000000000a2")
SOURCE_BOB = ObjectId("65f0000000000000000000b1")


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def image(
    owner: ObjectId,
    fmt: str,
    width: int,
    height: int,
    size: int,
    uploaded: datetime,
    taken: datetime | None = None,
    camera: tuple[str, str] = ("", ""),
    labels: tuple[tuple[str, float], ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    return {
        "owner_id": owner,
        "format": fmt,
        "width": width,
        "height": height,
        "size_bytes": size,
        "uploaded_at": uploaded,
        "taken_at": taken,
        "camera_make": camera[0],
        "camera_model": camera[1],
        "source": "upload",
        "status": "ready",
        "hidden": False,
        "visibility": "library",
        "exif": {"Software": "test"},
        "detections": [
            {"label": label, "score": score, "box": [0.1, 0.1, 0.5, 0.5]} for label, score in labels
        ],
        **extra,
    }


def job(owner: ObjectId | None, kind: str, status: str, duration_ms: int | None) -> dict[str, Any]:
    return {
        "owner_id": owner,
        "image_id": None,
        "kind": kind,
        "status": status,
        "queued_at": at(1),
        "started_at": at(1) if duration_ms is not None else None,
        "finished_at": at(1) if duration_ms is not None else None,
        "duration_ms": duration_ms,
        "error": "boom" if status == "failed" else "",
    }


def run_doc(
    owner: ObjectId,
    source: ObjectId,
    status: str,
    pages: int,
    found: int,
    imported: int,
    skipped: int,
) -> dict[str, Any]:
    return {
        "owner_id": owner,
        "source_id": source,
        "status": status,
        "started_at": at(2),
        "finished_at": at(2, 13),
        "pages_visited": pages,
        "images_found": found,
        "images_imported": imported,
        "images_skipped": skipped,
    }


CANON = ("Canon", "EOS R5")
APPLE = ("Apple", "iPhone 15")

IMAGES = [
    image(
        ALICE,
        "JPEG",
        4000,
        3000,
        3_000_000,
        at(1, 10),
        at(1, 14, 30),
        CANON,
        (("person", 0.9), ("dog", 0.8)),
    ),
    image(
        ALICE, "JPEG", 4000, 3000, 2_000_000, at(1, 11), at(1, 14, 45), CANON, (("person", 0.7),)
    ),
    image(ALICE, "PNG", 800, 600, 500_000, at(3, 9), source="scrape"),
    image(
        ALICE,
        "WEBP",
        1920,
        1080,
        250_000,
        at(3, 20),
        at(2, 9, 10),
        APPLE,
        (("cat", 0.95), ("person", 0.6)),
    ),
    image(ALICE, "GIF", 400, 400, 1_000_000, at(8, 1), status="failed"),
    image(ALICE, "JPEG", 6000, 4000, 8_000_000, at(8, 2), at(7, 23, 59), APPLE, (("dog", 0.5),)),
    image(BOB, "BMP", 100, 100, 30_000, at(2, 5), at(2, 5), ("Nikon", "Z6"), (("person", 0.4),)),
    image(
        BOB,
        "HEIF",
        3000,
        4000,
        4_000_000,
        at(20, 8),
        at(20, 7, 5),
        APPLE,
        (("cat", 0.9), ("cat", 0.8)),
    ),
    # in the trash, and hidden by a moderator: no figure counts them
    image(BOB, "PNG", 800, 600, 900_000, at(3, 8), labels=(("dog", 0.9),), visibility="trash"),
    image(BOB, "PNG", 800, 600, 700_000, at(4, 8), hidden=True, visibility="hidden"),
]

JOBS = [
    *(job(ALICE, "ingest", "succeeded", ms) for ms in (100, 200, 300, 400)),
    job(ALICE, "ingest", "failed", 50),
    job(ALICE, "recognise", "succeeded", 1000),
    job(ALICE, "recognise", "succeeded", 3000),
    *(job(ALICE, "recognise", "failed", 20) for _ in range(2)),
    job(ALICE, "stylise", "queued", None),
    job(BOB, "ingest", "succeeded", 10_000),
    job(None, "sweep", "succeeded", 5),
]

SCRAPE_SOURCES = [
    {"_id": SOURCE_GALLERY, "owner_id": ALICE, "url": "https://example.org/gallery"},
    {"_id": SOURCE_PHOTOS, "owner_id": ALICE, "url": "https://photos.example.com/"},
    {"_id": SOURCE_BOB, "owner_id": BOB, "url": "https://bob.example.net/"},
]

SCRAPE_RUNS = [
    run_doc(ALICE, SOURCE_GALLERY, "succeeded", 2, 8, 5, 3),
    run_doc(ALICE, SOURCE_GALLERY, "failed", 1, 0, 0, 0),
    run_doc(ALICE, SOURCE_PHOTOS, "succeeded", 1, 2, 2, 0),
    run_doc(BOB, SOURCE_BOB, "succeeded", 3, 9, 7, 2),
]


@pytest.fixture(scope="session")
def analytics_client(mongodb_uri: str) -> Iterator[pymongo.MongoClient[dict[str, Any]]]:
    """The session's SecantusDB, in databases of the analytics tests' own (no Django needed)."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongodb_uri)
    yield client
    client.close()


@pytest.fixture(scope="session")
def library(analytics_client: pymongo.MongoClient[dict[str, Any]]) -> Database[Any]:
    db = analytics_client["analytics_library"]
    db["gallery_image"].insert_many([dict(document) for document in IMAGES])
    db["processing_job"].insert_many([dict(document) for document in JOBS])
    db["scraping_scrapesource"].insert_many([dict(document) for document in SCRAPE_SOURCES])
    db["scraping_scraperun"].insert_many([dict(document) for document in SCRAPE_RUNS])
    return db


@pytest.fixture(scope="session")
def empty_library(analytics_client: pymongo.MongoClient[dict[str, Any]]) -> Database[Any]:
    return analytics_client["analytics_empty"]


@pytest.fixture(scope="session")
def alice_figures(library: Database[Any]) -> Figures:
    return compute_figures(db=library, owner_id=ALICE)
