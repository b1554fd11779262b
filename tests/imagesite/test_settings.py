"""Production mode refuses unsafe settings with a message that names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k3J9-vQ2mX7pL0zR5tY8wB1nC4hF6gD0sA2eU9iO3_pQ7rT-Zx8Wc5Vb2Nm"


def _start(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be set"),
        ({}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": GOOD_SECRET, "DJANGO_DEBUG": "true"}, "DJANGO_DEBUG must be off"),
        ({"DJANGO_SECRET_KEY": GOOD_SECRET}, "DJANGO_ALLOWED_HOSTS must list"),
        (
            {
                "DJANGO_SECRET_KEY": GOOD_SECRET,
                "DJANGO_ALLOWED_HOSTS": "x",
                "DJANGO_DEBUG": "maybe",
            },
            "DJANGO_DEBUG must be true or false",
        ),
    ],
)
def test_production_refuses_unsafe_settings(env: dict[str, str], message: str) -> None:
    result = _start(DJANGO_PRODUCTION="true", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_with_safe_settings_passes_the_deploy_check() -> None:
    result = _start(
        DJANGO_PRODUCTION="true",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="photos.example.org",
    )
    assert result.returncode == 0, result.stderr
