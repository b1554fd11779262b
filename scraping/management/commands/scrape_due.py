from typing import Any

from django.core.management.base import BaseCommand

from scraping.services import sources_due_enqueue


class Command(BaseCommand):
    help = "Queue the imports of scheduled web sources that are due (what beat runs)."

    def handle(self, *args: Any, **options: Any) -> None:
        runs = sources_due_enqueue()
        self.stdout.write(self.style.SUCCESS(f"Queued {len(runs)} import run(s)."))
