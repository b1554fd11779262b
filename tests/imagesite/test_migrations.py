"""The migrations describe the models exactly: a model change without its migration (an index
that a fresh database would lack) fails here."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_no_model_change_lacks_a_migration() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
