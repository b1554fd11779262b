from typing import Any

from django.core.management.base import BaseCommand

from jobs.services import jobs_sweep


class Command(BaseCommand):
    help = "Send again the jobs whose worker died or whose message was lost; fail hopeless ones."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(self.style.SUCCESS(f"Jobs sweep: {jobs_sweep()}."))
