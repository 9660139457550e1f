"""Creating, adopting and dropping a platform's collection: what migration scripts call.

Every change goes out through `db.command(...)`, and every read through pymongo's read
helpers, so that `apply_cred_migrations --dry-run` can hand the scripts a database that
records the commands instead of sending them.
"""

from .platforms import REGISTRY, get_platform
from .schema import json_schema_for

# What the list pages' search box looks up besides credential_id and customer_id (credentials.list_search):
# the name, and every platform's identity fields, each sparse: a collection without the field indexes nothing.
SEARCHED_FIELDS = ("name", *sorted({name for platform in REGISTRY.values() for name in platform.identity_fields}))

# The list pages' sortable columns (credentials.list_order): MongoDB takes a sorted page from an index only when the
# index holds the whole sort, so each is indexed with the `_id` that Django breaks ties by.
SORTED_FIELDS = ("created_at", "name", "customer_id", "token_expiry", "last_used_at", "updated_at")

# The contract's indexes, as (key, options); names are MongoDB's defaults.
INDEXES = (
    ([("credential_id", 1)], {"unique": True}),
    ([("customer_id", 1)], {}),
    ([("is_active", 1)], {}),
    ([("created_at", -1)], {}),
    ([("customer_id", 1), ("is_active", 1)], {}),
    ([("next_refresh_at", 1)], {}),  # the refresher's due queue
    # Since 065, the list pages': the health filters "retrying", "failing" and "expires"...
    ([("refresh_failures", 1)], {}),
    ([("token_expiry", 1)], {}),
    # ...and the search box.
    *(([(name, 1)], {"sparse": True}) for name in SEARCHED_FIELDS),
    # Since 066, the list pages' orders, each walked in either direction.
    *(([(name, 1), ("_id", 1)], {}) for name in SORTED_FIELDS),
)


class MigrationRefused(Exception):
    """A migration step that would lose data without the operator's explicit say-so."""


def index_name(key):
    return "_".join(f"{field}_{direction}" for field, direction in key)


def expected_indexes():
    """{name: (key, unique)} for every contract index."""
    return {index_name(key): (key, bool(opts.get("unique"))) for key, opts in INDEXES}


def create_or_adopt(db, platform_key):
    """Create the platform's collection with validator and indexes, or adopt an existing one.

    An existing collection keeps every document: the validator is set with
    `validationLevel: "moderate"` so documents written before it stay updatable, and only
    missing indexes are added.
    """
    platform = get_platform(platform_key)
    name = platform.collection
    validator = json_schema_for(platform)
    exists = name in db.list_collection_names()
    if exists:
        db.command({"collMod": name, "validator": validator, "validationLevel": "moderate"})
    else:
        db.command({"create": name, "validator": validator, "validationLevel": "strict"})
    create_missing_indexes(db, name, INDEXES, db[name].index_information() if exists else {})


def create_missing_indexes(db, collection, indexes, present):
    """Create those of `indexes` ((key, options) of INDEXES) whose names are not among `present`."""
    missing = [
        {"key": dict(key), "name": index_name(key), **options}
        for key, options in indexes
        if index_name(key) not in present
    ]
    if missing:
        db.command({"createIndexes": collection, "indexes": missing})


def platform_collections(db):
    """The names of the platforms' collections that exist in `db`."""
    names = db.list_collection_names()
    return [platform.collection for platform in REGISTRY.values() if platform.collection in names]


def add_indexes(db, indexes):
    """Create those of `indexes` ((key, options) of INDEXES) that a platform's collection lacks; touch no document."""
    for collection in platform_collections(db):
        create_missing_indexes(db, collection, indexes, db[collection].index_information())


def drop_indexes(db, indexes):
    """Drop `indexes` ((key, options)) from every platform's collection holding them."""
    for collection in platform_collections(db):
        present = db[collection].index_information()
        for key, _options in indexes:
            if index_name(key) in present:
                db.command({"dropIndexes": collection, "index": index_name(key)})


def set_validator(db, platform_key, *, encrypted_secrets=True):
    """Replace the collection's validator with the one the registry generates now.

    `validationLevel: "moderate"`: documents that do not match yet (plain-text secrets
    awaiting `rotate_cred_keys`) stay updatable.
    """
    platform = get_platform(platform_key)
    db.command(
        {
            "collMod": platform.collection,
            "validator": json_schema_for(platform, encrypted_secrets=encrypted_secrets),
            "validationLevel": "moderate",
        }
    )


def drop_collection(db, platform_key, *, force=False):
    """Drop the platform's collection; refuse if it holds documents, unless forced."""
    name = get_platform(platform_key).collection
    if name not in db.list_collection_names():
        return
    count = db[name].estimated_document_count()
    if count and not force:
        raise MigrationRefused(f"refusing to drop {name}: it holds {count} document(s); pass --force to drop it anyway")
    db.command({"drop": name})
