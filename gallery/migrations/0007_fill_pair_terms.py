"""Fill the terms again: they now carry the pair terms of multi-word search and `+` (counted
per owner) for images with too many words to pair (gallery.terms)."""

from importlib import import_module
from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    import_module("gallery.migrations.0006_fill_terms").fill(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("gallery", "0006_fill_terms")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
