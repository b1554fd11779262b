"""The Celery app: queues default, ml and scrape; configuration from Django's settings."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesite.settings")

app = Celery("imagesite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("default", "ml", "scrape")]
app.autodiscover_tasks()


@app.task(name="imagesite.ping")
def ping(value: str = "pong") -> str:
    """Answer with the value: the health check's proof that a worker is consuming."""
    return value
