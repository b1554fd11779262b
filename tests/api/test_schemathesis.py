"""Schemathesis against the API's own OpenAPI document: every operation with generated input
(valid and invalid), as the owner of real objects; no server error, every answer as documented.

A short run (MAX_EXAMPLES per operation) so that it stays near a minute on this machine.
"""

import pytest
import schemathesis
from bson import ObjectId
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from gallery.library import album_create
from processing.deep import background_remove_enqueue
from scraping.models import ScrapeSource
from scraping.services import run_enqueue

MAX_EXAMPLES = 6
# the document is read through the app itself (WSGI), as a client reads it; no database needed
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
# /api/health answers 503 by design while no worker runs (as here): tests/api/test_images.py
schema = schema.exclude(path="/api/health")
# Schema-valid input a service refuses on meaning, a 400 or 422 by design: addresses the SSRF
# guard refuses (0.0.0.0, private networks), files that are not images, a recipe's parameters, a box whose corners cross.
CHECKED_BY_MEANING = {
    ("POST", "/api/imports/sources"),
    ("POST", "/api/images"),  # any bytes fit the schema; the upload page's content checks refuse
    ("POST", "/api/images/{image_id}/versions"),
    ("POST", "/api/images/{image_id}/remove-background"),
    ("POST", "/api/images/{image_id}/hide-faces"),  # an image without faces refuses
    # a place's name the gazetteer does not know, a time taken in the future, half a position
    ("PATCH", "/api/images/{image_id}"),
    ("PATCH", "/api/albums/{album_id}"),  # a cover must be one of the album's images
    ("POST", "/api/library/folders"),  # staff only, a path under LIBRARY_ROOTS, a known user
}


@pytest.fixture
def real_ids(user, image, db) -> dict[str, str]:  # noqa: ANN001
    """Well-formed ids in generated paths are replaced by the owner's objects, so that the
    operations do their work instead of answering 404 every time."""
    version = background_remove_enqueue(image=image)
    source = ScrapeSource.objects.create(owner=user, url="http://127.0.0.1/")
    run = run_enqueue(source=source)
    return {
        "image_id": str(image.pk),
        "version_id": str(version.pk),
        "source_id": str(source.pk),
        "run_id": str(run.pk),
        "job_id": str(image.jobs.latest("queued_at").pk),
        "album_id": str(album_create(owner=user, name="Album").pk),
    }


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_gives_no_server_error_and_keeps_its_schema(case, token, real_ids) -> None:  # noqa: ANN001
    for name, value in (case.path_parameters or {}).items():
        if name in real_ids and ObjectId.is_valid(str(value)):
            case.path_parameters[name] = real_ids[name]
    excluded = [positive_data_acceptance] if (case.method, case.path) in CHECKED_BY_MEANING else []
    case.call_and_validate(headers=token, excluded_checks=excluded)
