from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from analytics.services import snapshot_compute, snapshots_compute_all


class Command(BaseCommand):
    help = "Compute analytics snapshots: every user's and the all-users view (what beat runs)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--user", metavar="EMAIL", help="only this user's snapshot")

    def handle(self, *args: Any, user: str | None = None, **options: Any) -> None:
        if user:
            owner = User.objects.filter(email=user).first()
            if owner is None:
                raise CommandError(f"no user with the email {user}")
            snapshot = snapshot_compute(owner=owner)
            self.stdout.write(self.style.SUCCESS(f"Computed in {snapshot.duration_ms} ms."))
            return
        count = snapshots_compute_all()
        self.stdout.write(self.style.SUCCESS(f"Computed {count} snapshot(s)."))
