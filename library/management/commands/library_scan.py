from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from django.core.management.base import BaseCommand, CommandError, CommandParser

from library.models import LibraryFolder
from library.services import scan_start, scans_due_start


class Command(BaseCommand):
    help = (
        "Start a scan of every scheduled server folder that has none open (what beat runs), "
        "or of the folders named by id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder_ids", nargs="*", help="folder ids (default: all scheduled)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["folder_ids"]:
            scans = scans_due_start()
        else:
            try:
                ids = [ObjectId(value) for value in options["folder_ids"]]
            except InvalidId as error:
                raise CommandError(str(error)) from None
            scans = [
                scan_start(folder=folder) for folder in LibraryFolder.objects.filter(pk__in=ids)
            ]
        self.stdout.write(self.style.SUCCESS(f"Started or found {len(scans)} scan(s)."))
