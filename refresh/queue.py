"""The due queue: each credential's `next_refresh_at`, claimed with a lease in the database server's clock.

A worker claims one due credential with one atomic update that sets its lease (holder and
until, `$$NOW` + lease), so that any number of workers on any number of hosts share the work
without a scheduler; a worker that dies stops holding it when the lease runs out.
"""

import os
import socket
import uuid

from django.db import connection
from django.utils import timezone
from pymongo import ReturnDocument

NOW = "$$NOW"


def collection_of(platform):
    """The platform's credential collection, through Django's connection (raw pymongo)."""
    return connection.database[platform.collection]


def worker_name():
    """Which worker holds a lease: host, process and a random part (two workers in one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_free():
    return {"$or": [{"refresh_lease_until": None}, {"$expr": {"$lt": ["$refresh_lease_until", NOW]}}]}


def take_lease(holder, lease_seconds):
    until = {"$add": [NOW, round(lease_seconds * 1000)]}
    return [{"$set": {"refresh_lease_holder": holder, "refresh_lease_until": until}}]


def claim_due(collection, holder, lease_seconds, *, now=None):
    """Take the most overdue credential of `collection` whose lease is free; its document, or None.

    Due is read against this host's clock (so the index on next_refresh_at serves it); the
    lease against the server's, the one clock every worker shares.
    """
    return collection.find_one_and_update(
        {"next_refresh_at": {"$lte": now or timezone.now()}, **lease_free()},
        take_lease(holder, lease_seconds),
        sort=[("next_refresh_at", 1)],
        return_document=ReturnDocument.AFTER,
    )


def claim(collection, credential_id, holder, lease_seconds):
    """Take one credential's lease whether or not it is due ("Refresh now"); its document, or None if held."""
    return collection.find_one_and_update(
        {"credential_id": credential_id, **lease_free()},
        take_lease(holder, lease_seconds),
        return_document=ReturnDocument.AFTER,
    )


def still_held(collection, credential_id, holder, lease_seconds):
    """Extend `holder`'s lease if it still holds it; False if it ran out (another may be at work)."""
    renewed = collection.update_one(
        {"credential_id": credential_id, **held_by(holder)}, take_lease(holder, lease_seconds)
    )
    return renewed.matched_count == 1


def held_by(holder):
    """The filter of a document whose lease `holder` still holds (not run out by the server's clock)."""
    return {"refresh_lease_holder": holder, "$expr": {"$gt": ["$refresh_lease_until", NOW]}}
