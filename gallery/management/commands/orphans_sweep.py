from typing import Any

from django.core.management.base import BaseCommand

from gallery.sweeps import orphans_sweep


class Command(BaseCommand):
    help = "Remove media files no document refers to and stale upload temporary files."

    def handle(self, *args: Any, **options: Any) -> None:
        orphans, temporary = orphans_sweep()
        self.stdout.write(
            self.style.SUCCESS(f"Removed {orphans} orphaned and {temporary} temporary file(s).")
        )
