from typing import Any

from django.core.management.base import BaseCommand

from processing.deep import recognition_sweep


class Command(BaseCommand):
    help = "Queue object recognition for ready images that have none yet."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = recognition_sweep()
        self.stdout.write(self.style.SUCCESS(f"Queued recognition for {queued} image(s)."))
