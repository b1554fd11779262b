"""Fill the gallery's terms, the taken order's key and the per-owner facet counts of the images
that exist (later changes keep them up to date: gallery.services.image_terms_refresh)."""

from collections import Counter
from typing import Any

from django.db import migrations
from pymongo import UpdateOne

from gallery.terms import document_terms, is_facet

FIELDS = ["title", "description", "tags", "detections", "camera_make", "camera_model", "format",
          "source", "hidden", "owner_id", "taken_at", "uploaded_at"]


def fill(apps: Any, schema_editor: Any) -> None:
    database = schema_editor.connection.database
    images, counts = database["gallery_image"], Counter[tuple[Any, str]]()
    batch = []
    for document in images.find({}, dict.fromkeys(FIELDS, 1)):
        terms = document_terms(document)
        if not document.get("hidden"):
            counts.update((document["owner_id"], term) for term in terms if is_facet(term))
        taken = document.get("taken_at") or document.get("uploaded_at")
        batch.append(
            UpdateOne({"_id": document["_id"]}, {"$set": {"terms": terms, "sort_taken_at": taken}})
        )
        if len(batch) == 1000:
            images.bulk_write(batch, ordered=False)
            batch = []
    if batch:
        images.bulk_write(batch, ordered=False)
    database["gallery_termcount"].delete_many({})
    rows = [{"owner_id": owner, "term": term, "count": n} for (owner, term), n in counts.items()]
    if rows:
        database["gallery_termcount"].insert_many(rows)


class Migration(migrations.Migration):
    dependencies = [("gallery", "0005_gallery_terms")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
