from typing import Any

from django.core.management.base import BaseCommand

from processing.versions import versions_sweep


class Command(BaseCommand):
    help = "Render again the versions whose output could not be stored (full or read-only disk)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(self.style.SUCCESS(f"Versions sweep: queued {versions_sweep()}."))
