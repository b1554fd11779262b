"""Worker heartbeats: proof that a worker's pool takes work, not merely that its main process
answers ping. Beat queues the tiny `imagesite.heartbeat` task on every queue every HEARTBEAT_S
seconds; whichever pool process runs it records the time in one document per queue. /health/
and the launcher's supervisor read how old each is.

Plain pymongo, not a model: the launcher reads it without Django's app registry.
"""

from datetime import UTC, datetime

from pymongo.database import Database

COLLECTION = "imagesite_heartbeat"


def heartbeat_record(*, database: Database[dict[str, object]], queue: str, worker: str) -> None:
    database[COLLECTION].update_one(
        {"_id": queue},
        {"$set": {"at": datetime.now(UTC), "worker": worker}},
        upsert=True,
    )


def heartbeat_ages(
    *, database: Database[dict[str, object]], queues: list[str]
) -> dict[str, float | None]:
    """Seconds since each queue's last heartbeat; None where there was never one."""
    now = datetime.now(UTC)
    seen = {
        str(doc["_id"]): doc["at"]
        for doc in database[COLLECTION].find({"_id": {"$in": queues}}, {"at": 1})
    }
    ages: dict[str, float | None] = {}
    for queue in queues:
        at = seen.get(queue)
        if isinstance(at, datetime):
            ages[queue] = (now - at.replace(tzinfo=at.tzinfo or UTC)).total_seconds()
        else:
            ages[queue] = None
    return ages
