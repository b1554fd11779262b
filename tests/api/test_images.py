"""Images through the API: upload, list with the gallery's filters and cursor, get, update,
files, delete; versions, deep learning, jobs, analytics, web import, health, docs."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as Picture

from analytics.services import snapshot_compute
from gallery.models import Face, Image
from gallery.services import image_update
from jobs.models import Job
from processing.models import Version
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db


def png(colour: tuple[int, int, int], name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Picture.new("RGB", (64, 48), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_upload_several_files_multipart_and_see_them_listed(client, token) -> None:
    files = [png((255, 0, 0), "red.png"), png((0, 0, 255), "blue.png")]
    files.append(SimpleUploadedFile("fake.jpg", b"not an image", content_type="image/jpeg"))
    response = client.post("/api/images", {"files": files}, headers=token)
    assert response.status_code == 201
    outcomes = [(r["name"], r["outcome"]) for r in response.json()["results"]]
    assert outcomes == [("red.png", "stored"), ("blue.png", "stored"), ("fake.jpg", "refused")]
    listed = client.get("/api/images", headers=token).json()
    assert {item["title"] for item in listed["items"]} == {"red", "blue"}
    assert listed["count"] == 2
    assert listed["items"][0]["status"] == "pending"
    again = client.post("/api/images", {"files": [png((255, 0, 0), "red.png")]}, headers=token)
    assert again.status_code == 200
    assert again.json()["results"][0]["outcome"] == "duplicate"


def test_an_upload_with_no_acceptable_file_is_a_400_naming_each(client, token) -> None:
    bad = SimpleUploadedFile("fake.png", b"\x89PNG nope", content_type="image/png")
    body = assert_problem(client.post("/api/images", {"files": [bad]}, headers=token), 400)
    assert body["errors"][0]["field"] == "files.fake.png"
    assert_problem(client.post("/api/images", {}, headers=token), 422)


def test_the_list_filters_sorts_and_pages_by_cursor(client, token, user) -> None:
    client.post(
        "/api/images",
        {"files": [png((i * 20, 0, 0), f"pic{i}.png") for i in range(5)]},
        headers=token,
    )
    harbour = Image.objects.get(owner=user, title="pic3")
    image_update(image=harbour, title="Harbour at dusk", description="", tags=["sea"])
    assert [i["id"] for i in client.get("/api/images?q=harb", headers=token).json()["items"]] == [
        str(harbour.pk)
    ]
    assert client.get("/api/images?tag=sea", headers=token).json()["count"] == 1
    first = client.get("/api/images?size=2&sort=uploaded_asc", headers=token).json()
    assert len(first["items"]) == 2
    assert first["next"]
    seen = [item["id"] for item in first["items"]]
    following = first["next"]
    while following:
        page = client.get(f"/api/images?size=2&sort=uploaded_asc&after={following}", headers=token)
        seen += [item["id"] for item in page.json()["items"]]
        following = page.json()["next"]
    assert len(seen) == len(set(seen)) == 5
    assert_problem(client.get("/api/images?after=garbage", headers=token), 422)
    assert_problem(client.get("/api/images?sort=sideways", headers=token), 422)
    assert client.get("/api/images?date_from=0001-01-01", headers=token).json()["count"] == 5
    assert_problem(client.get("/api/images?date_from=0", headers=token), 422)


def test_get_update_files_and_delete_one_image(client, token, image) -> None:
    url = f"/api/images/{image.pk}"
    body = client.get(url, headers=token).json()
    assert body["camera_make"].startswith("NIKON")
    assert body["latitude"]
    response = client.patch(
        url,
        {"title": "Harbour", "tags": ["Sea", "boats", "sea"]},
        content_type="application/json",
        headers=token,
    )
    assert response.json()["tags"] == ["boats", "sea"]
    assert response.json()["description"] == image.description
    for kind in ("original", "thumbnail", "preview"):
        file = client.get(body["files"][kind], headers=token)
        assert file.status_code == 200, kind
        assert b"".join(file.streaming_content)[:4] in (b"\xff\xd8\xff\xe1", b"RIFF"), kind
    assert_problem(client.get(f"{url}/files/exif", headers=token), 422)
    too_long = client.patch(
        url, {"title": "x" * 201}, content_type="application/json", headers=token
    )
    assert_problem(too_long, 422)
    assert client.delete(url, headers=token).status_code == 204
    assert_problem(client.get(url, headers=token), 404)
    assert not Image.objects.filter(pk=image.pk).exists()


def test_versions_from_a_recipe_made_current_and_deleted(client, token, image) -> None:
    url = f"/api/images/{image.pk}/versions"
    response = client.post(
        url,
        {"recipe": [{"op": "grayscale"}], "preset_name": ""},
        content_type="application/json",
        headers=token,
    )
    assert response.status_code == 202, response.content
    created = response.json()
    assert created["job"]["kind"] == "render"
    assert created["job"]["result"] == created["version"]["url"]
    bad = client.post(
        url, {"recipe": [{"op": "melt"}]}, content_type="application/json", headers=token
    )
    assert assert_problem(bad, 422)["errors"][0]["field"].startswith("recipe.0.op")
    wrong = {"recipe": [{"op": "rotate", "params": {"angle": "lots"}}]}
    assert (
        "rotate"
        in assert_problem(
            client.post(url, wrong, content_type="application/json", headers=token), 400
        )["detail"]
    )
    assert [v["id"] for v in client.get(url, headers=token).json()] == [created["version"]["id"]]
    version_url = created["version"]["url"]
    assert_problem(client.post(f"{version_url}/current", headers=token), 409)  # still pending
    Version.objects.filter(pk=created["version"]["id"]).update(status=Version.Status.READY)
    assert client.post(f"{version_url}/current", headers=token).json()["current"] is True
    assert (
        client.get(f"/api/images/{image.pk}", headers=token).json()["current_version_id"]
        == (created["version"]["id"])
    )
    assert client.post(f"/api/images/{image.pk}/original", headers=token).status_code == 200
    assert client.delete(version_url, headers=token).status_code == 204
    assert_problem(client.get(version_url, headers=token), 404)


def test_background_removal_and_stylise_return_their_jobs(client, token, image) -> None:
    url = f"/api/images/{image.pk}/remove-background"
    response = client.post(
        url, {"mode": "color", "color": "#00ff00"}, content_type="application/json", headers=token
    )
    assert response.status_code == 202, response.content
    job = response.json()["job"]
    assert (job["kind"], job["status"], job["done"]) == ("remove_background", "queued", False)
    assert job["progress"] is None  # not started
    polled = client.get(job["url"], headers=token).json()
    assert polled["result"] == response.json()["version"]["url"]
    bad = client.post(
        url,
        {"box": [0.5, 0, 0.2, 1]},
        content_type="application/json",
        headers=token,
    )
    assert [e["field"] for e in assert_problem(bad, 422)["errors"]] == ["box"]
    both = client.post(
        url,
        {"box": [0, 0, 1, 1], "point": [0.5, 0.5]},
        content_type="application/json",
        headers=token,
    )
    assert [e["field"] for e in assert_problem(both, 422)["errors"]] == ["point"]
    outside = client.post(
        url, {"point": [0.5, 1.5]}, content_type="application/json", headers=token
    )
    assert [e["field"] for e in assert_problem(outside, 422)["errors"]] == ["point"]
    portrait = client.post(
        url,
        {"mode": "portrait", "strength": 0.8, "point": [0.4, 0.6], "method": "salient"},
        content_type="application/json",
        headers=token,
    )
    assert portrait.status_code == 202, portrait.content
    options = Version.objects.get(pk=portrait.json()["version"]["id"]).options
    assert (options["mode"], options["strength"], options["point"], options["method"]) == (
        "portrait",
        0.8,
        [0.4, 0.6],
        "salient",
    )
    assert portrait.json()["version"]["label"] == "Portrait blur"
    green = client.post(url, {"color": "green-ish"}, content_type="application/json", headers=token)
    assert [e["field"] for e in assert_problem(green, 422)["errors"]] == ["color"]
    style = client.post(
        f"/api/images/{image.pk}/stylise",
        {"artwork": "nope"},
        content_type="application/json",
        headers=token,
    )
    assert style.status_code in (409, 422)  # no style model here, or no such artwork
    assert_problem(style, style.status_code)
    jobs = client.get(f"/api/jobs?image_id={image.pk}", headers=token).json()
    assert job["id"] in [j["id"] for j in jobs]


def test_recognise_again_says_when_the_model_is_missing(
    client, token, image, settings, tmp_path
) -> None:
    settings.MODEL_DIR = tmp_path
    body = assert_problem(client.post(f"/api/images/{image.pk}/recognise", headers=token), 409)
    assert "install" in body["detail"].lower() or "missing" in body["detail"].lower()
    assert client.get("/api/models", headers=token).json()["recognition"]


def test_a_pending_image_cannot_be_edited_yet(client, token, image) -> None:
    Image.objects.filter(pk=image.pk).update(status=Image.Status.PROCESSING)
    body = {"recipe": [{"op": "grayscale"}]}
    response = client.post(
        f"/api/images/{image.pk}/versions", body, content_type="application/json", headers=token
    )
    assert_problem(response, 409)


def test_analytics_latest_snapshot_and_recompute(client, token, user, image) -> None:
    assert client.get("/api/analytics", headers=token).json() == {"snapshot": None, "job": None}
    response = client.post("/api/analytics/recompute", headers=token)
    assert response.status_code == 202
    assert response.json()["kind"] == Job.Kind.SNAPSHOT
    snapshot_compute(owner=user)
    latest = client.get("/api/analytics", headers=token).json()
    assert latest["snapshot"]["figures"]
    chart = next(iter(latest["snapshot"]["charts"].values()))
    assert client.get(chart, headers=token)["Content-Type"].startswith("image/svg")


def test_web_import_sources_and_runs(client, token, settings) -> None:
    settings.SCRAPE_ALLOWED_HOSTS = ["127.0.0.1"]
    body = {"url": "http://127.0.0.1/photos/", "max_pages": 3}
    response = client.post(
        "/api/imports/sources", body, content_type="application/json", headers=token
    )
    assert response.status_code == 201, response.content
    source = response.json()
    assert [s["id"] for s in client.get("/api/imports/sources", headers=token).json()] == [
        source["id"]
    ]
    run = client.post(f"/api/imports/sources/{source['id']}/runs", headers=token)
    assert run.status_code == 202
    assert run.json()["job"]["result"] == run.json()["run"]["url"]
    assert client.get(run.json()["run"]["url"], headers=token).json()["run"]["status"] == "queued"
    assert (
        len(client.get(f"/api/imports/sources/{source['id']}", headers=token).json()["runs"]) == 1
    )
    refused = client.post(
        "/api/imports/sources",
        {"url": "http://10.1.2.3/"},
        content_type="application/json",
        headers=token,
    )
    assert "can't be imported" in assert_problem(refused, 400)["detail"]
    assert client.delete(f"/api/imports/sources/{source['id']}", headers=token).status_code == 204


def test_health_needs_no_token(client) -> None:
    response = client.get("/api/health")
    assert response.status_code in (200, 503)
    assert {"ok", "checks"} <= set(response.json())


def test_openapi_document_and_docs_from_local_static_files(client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/images/{image_id}"]["get"]
    assert "application/problem+json" in operation["responses"]["404"]["content"]
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()


def test_an_unknown_api_path_is_a_json_404(client) -> None:
    assert_problem(client.get("/api/nothing/here"), 404)


def test_hide_faces_returns_its_job_and_refuses_an_image_without_faces(
    client, token, image
) -> None:
    url = f"/api/images/{image.pk}/hide-faces"
    Image.objects.filter(pk=image.pk).update(face_count=0, faces=[])
    refused = assert_problem(
        client.post(url, {}, content_type="application/json", headers=token), 422
    )
    assert refused["errors"][0]["field"] == "faces"
    faces = [Face(score=0.9, box=[0.1, 0.1, 0.3, 0.4]), Face(score=0.8, box=[0.5, 0.1, 0.7, 0.4])]
    Image.objects.filter(pk=image.pk).update(face_count=2, faces=faces)
    shown = client.get(f"/api/images/{image.pk}", headers=token).json()
    assert shown["face_count"] == 2
    assert [face["box"] for face in shown["faces"]] == [[0.1, 0.1, 0.3, 0.4], [0.5, 0.1, 0.7, 0.4]]
    wrong = client.post(url, {"faces": [5]}, content_type="application/json", headers=token)
    assert assert_problem(wrong, 422)["errors"][0]["field"] == "faces"
    response = client.post(
        url, {"how": "pixelate", "faces": [1]}, content_type="application/json", headers=token
    )
    assert response.status_code == 202, response.content
    created = response.json()
    assert created["job"]["kind"] == "render"
    version = Version.objects.get(pk=created["version"]["id"])
    assert (version.kind, version.options) == (
        Version.Kind.FACES_HIDDEN,
        {"how": "pixelate", "faces": [1]},
    )
