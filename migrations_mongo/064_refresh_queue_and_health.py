"""The refresher's fields: the due queue (`next_refresh_at`, indexed), its lease, and each credential's health.

Every collection's validator accepts the new fields (generated from the model, as ever);
credentials already holding tokens are scheduled from their `token_expiry` and their
platform's refresh policy, so the refresher picks them up. `down` drops the index and the
fields and restores the validator without them.
"""

from datetime import UTC, datetime
from types import SimpleNamespace

from credentials.collections import INDEXES, index_name, set_validator
from credentials.platforms import REGISTRY
from credentials.schema import json_schema_for

NEW_FIELDS = (
    "next_refresh_at",
    "refresh_lease_holder",
    "refresh_lease_until",
    "health",
    "last_refresh_attempt_at",
    "refresh_failures",
    "failing_since",
    "last_error_code",
    "last_error_reason",
    "reconnect_by",
)
QUEUE_INDEX = [("next_refresh_at", 1)]
BATCH = 500
# What scheduling reads of a document; secrets only for whether they are there.
READ = ("access_token", "refresh_token", "token_expiry", "refresh_token_expiry", "last_token_refresh", "auth_type")


def existing_platforms(db):
    names = db.list_collection_names()
    return [key for key, platform in REGISTRY.items() if platform.collection in names]


def aware(value):
    # pymongo hands back naive UTC datetimes; the registry compares them with an aware "now".
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


def schedule(platform, document, now):
    credential = SimpleNamespace(**{name: aware(document.get(name)) for name in READ})
    return platform.next_refresh_at(credential, now), platform.reconnect_by(credential, now)


def up(db):
    from django.utils import timezone

    assert (QUEUE_INDEX, {}) in INDEXES
    now = timezone.now()
    for key in existing_platforms(db):
        platform = REGISTRY[key]
        set_validator(db, key)
        db.command(
            {
                "createIndexes": platform.collection,
                "indexes": [{"key": dict(QUEUE_INDEX), "name": index_name(QUEUE_INDEX)}],
            }
        )
        updates = []
        for document in db[platform.collection].find({"access_token": {"$ne": None}}, dict.fromkeys(READ, 1)):
            next_refresh_at, reconnect_by = schedule(platform, document, now)
            # Only where nothing has scheduled it yet (the refresher may already be running).
            updates.append(
                {
                    "q": {"_id": document["_id"], "next_refresh_at": None},
                    "u": {"$set": {"next_refresh_at": next_refresh_at, "reconnect_by": reconnect_by}},
                }
            )
            if len(updates) == BATCH:
                db.command({"update": platform.collection, "updates": updates})
                updates = []
        if updates:
            db.command({"update": platform.collection, "updates": updates})


def down(db, force=False):
    for key in existing_platforms(db):
        platform = REGISTRY[key]
        db.command({"dropIndexes": platform.collection, "index": index_name(QUEUE_INDEX)})
        db.command(
            {
                "update": platform.collection,
                "updates": [{"q": {}, "u": {"$unset": {name: "" for name in NEW_FIELDS}}, "multi": True}],
            }
        )
        validator = json_schema_for(platform)
        for name in NEW_FIELDS:
            validator["$jsonSchema"]["properties"].pop(name, None)
        db.command({"collMod": platform.collection, "validator": validator, "validationLevel": "moderate"})
