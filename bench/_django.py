"""Benchmarks that need the whole application: an embedded SecantusDB in a temporary folder,
Django configured against it, migrations applied. Import this before anything from Django."""

import atexit
import gc
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from imagesite.embedded_db import embedded_db_start, embedded_db_wait, free_port  # noqa: E402


def django_start(*, name: str) -> Path:
    """Start a private database, point Django at it, migrate; returns the temporary folder."""
    root = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    port = free_port()
    database = embedded_db_start(port=port, storage=root / "db")
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"

    def stop() -> None:
        database.terminate()
        try:
            database.wait(timeout=30)
        except subprocess.TimeoutExpired:  # busy with a long write: it must not outlive us
            database.kill()
            database.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    embedded_db_wait(uri=uri, process=database)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "imagesite.settings",
            "MONGODB_URI": uri,
            "MONGODB_NAME": "bench",
            "VAR_DIR": str(root),
            "MEDIA_ROOT": str(root / "media"),
            "MODEL_DIR": str(root / "models"),
            "REDIS_URL": "",
            "CACHE_URL": "",
            "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return root


def web_process_settle() -> None:
    """What a web process does once started (imagesite/wsgi.py): what exists now stays out of
    full collections, the bench's own objects too, which a web process would not hold."""
    gc.collect()
    gc.freeze()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]
