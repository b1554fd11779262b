"""The Celery app, configured from Django's settings (CELERY_*). Queues: default, ml (networks)
and scrape (crawls); workers choose theirs with -Q, and Celery creates each as needed."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesite.settings")

app = Celery("imagesite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="imagesite.ping")
def ping(value: str = "pong") -> str:
    """Answer with the value: the health check's proof that a worker is consuming."""
    return value
