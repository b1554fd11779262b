from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from gallery.library import trash_expire


class Command(BaseCommand):
    help = "Delete for good the images trashed more than TRASH_DAYS ago, with their files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="instead of TRASH_DAYS")

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.TRASH_DAYS if options["days"] is None else options["days"]
        count = trash_expire(days=days)
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {count} image(s) trashed more than {days} days ago.")
        )
