"""Fill the terms again: they now carry the month terms (`taken:2026-11`, `uploaded:2026-11`),
counted per owner, that the timeline's jump to a month reads (gallery.terms)."""

from importlib import import_module
from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    import_module("gallery.migrations.0006_fill_terms").fill(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("gallery", "0011_library_source_partial_upload")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
