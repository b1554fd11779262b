from typing import Any

from django.core.management.base import BaseCommand

from gallery.sweeps import ingest_sweep


class Command(BaseCommand):
    help = "Queue the ingest again for failed (with backoff), lost and outdated images."

    def handle(self, *args: Any, **options: Any) -> None:
        report = ingest_sweep()
        self.stdout.write(self.style.SUCCESS(f"Ingest sweep: {report}."))
