"""Report (and with --delete remove) media files that no document refers to."""

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand

from gallery.sweeps import orphan_files_delete, orphan_files_find


class Command(BaseCommand):
    help = "List media files that no image, version or snapshot refers to; --delete removes them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--delete", action="store_true", help="remove them")
        parser.add_argument(
            "--min-age",
            type=int,
            default=10,
            metavar="MINUTES",
            help="ignore files younger than this (uploads in progress)",
        )

    def handle(self, *args: Any, delete: bool, min_age: int, **options: Any) -> None:
        orphans = orphan_files_find(grace=timedelta(minutes=min_age))
        for name in orphans:
            self.stdout.write(name)
        if delete:
            orphan_files_delete(names=orphans)
        verb = "Removed" if delete else "Found"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(orphans)} orphaned file(s)."))
