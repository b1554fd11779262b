"""Fill the gallery's terms, the taken order's key and the per-owner facet counts of the images
that exist (later changes keep them up to date: gallery.services.image_terms_refresh)."""

from collections import Counter
from typing import Any

from django.db import migrations
from django.utils import timezone
from pymongo import UpdateOne

from gallery.terms import document_terms, is_facet

FIELDS = ["title", "description", "tags", "detections", "camera_make", "camera_model", "format",
          "source", "hidden", "owner_id", "taken_at", "uploaded_at"]


def fill(apps: Any, schema_editor: Any) -> None:
    database = schema_editor.connection.database
    images, counts = database["gallery_image"], Counter[tuple[Any, str]]()
    oldest: dict[Any, dict[str, Any]] = {}
    newest: dict[Any, dict[str, Any]] = {}
    batch = []
    for document in images.find({}, dict.fromkeys(FIELDS, 1)):
        terms = document_terms(document, zone=timezone.get_default_timezone())
        if not document.get("hidden"):
            counts.update((document["owner_id"], term) for term in terms if is_facet(term))
        taken = document.get("taken_at") or document.get("uploaded_at")
        for name, value in (("uploaded_at", document.get("uploaded_at")), ("sort_taken_at", taken)):
            if value:
                low = oldest.setdefault(document["owner_id"], {})
                high = newest.setdefault(document["owner_id"], {})
                low[name], high[name] = min(low.get(name, value), value), max(high.get(name, value), value)
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
    rows = [row for row in rows if row["term"] != "*"]
    rows += [
        {"owner_id": owner, "term": "*", "count": counts[(owner, "*")], "oldest": low,
         "newest": newest[owner]}
        for owner, low in oldest.items()
    ]
    if rows:
        database["gallery_termcount"].insert_many(rows)


class Migration(migrations.Migration):
    dependencies = [("gallery", "0005_gallery_terms")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
