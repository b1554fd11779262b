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


@app.task(name="imagesite.heartbeat", ignore_result=True, acks_late=False)
def heartbeat(queue: str) -> None:
    """Record that a pool process of this worker took a task from `queue` (imagesite/heartbeat.py)."""
    from django.db import connections

    from imagesite.heartbeat import heartbeat_record

    connection = connections["default"]
    connection.ensure_connection()
    worker = heartbeat.request.hostname or "unknown"
    database = connection.database  # type: ignore[attr-defined]  # django_mongodb_backend
    heartbeat_record(database=database, queue=queue, worker=worker)
