"""The list pages' filters and search, index-backed, on every collection.

The health filters "retrying" and "failing" (`refresh_failures`) and "expires" (`token_expiry`),
and the search box: `name` and each platform's identity fields (sparse: a collection without
the field indexes nothing). Only indexes are added (the services reading these collections see
no other change); `down` drops them. Documents are not touched.
"""

from credentials.collections import INDEXES, SEARCHED_FIELDS, index_name
from credentials.platforms import REGISTRY

LIST_PAGE_INDEXES = [
    ([("refresh_failures", 1)], {}),
    ([("token_expiry", 1)], {}),
    *(([(name, 1)], {"sparse": True}) for name in SEARCHED_FIELDS),
]


def existing_collections(db):
    names = db.list_collection_names()
    return [platform.collection for platform in REGISTRY.values() if platform.collection in names]


def up(db):
    assert all(index in INDEXES for index in LIST_PAGE_INDEXES)
    for collection in existing_collections(db):
        present = db[collection].index_information()
        missing = [
            {"key": dict(key), "name": index_name(key), **options}
            for key, options in LIST_PAGE_INDEXES
            if index_name(key) not in present
        ]
        if missing:
            db.command({"createIndexes": collection, "indexes": missing})


def down(db, force=False):
    for collection in existing_collections(db):
        present = db[collection].index_information()
        for key, _options in LIST_PAGE_INDEXES:
            if index_name(key) in present:
                db.command({"dropIndexes": collection, "index": index_name(key)})
