"""The list pages' orders, index-backed on MongoDB: newest first, and each sortable column.

Django orders a list page by its column and then by `_id`, to break ties; MongoDB takes a
page of that order from an index only when the index holds both (`created_at_-1` alone left
every list page sorting the whole collection in memory). One index per column, `(column, _id)`,
serves both directions (credentials.list_order sorts the tiebreak the column's way). Only
indexes are added; `down` drops them. Documents are not touched.
"""

from credentials.collections import INDEXES, add_indexes, drop_indexes

# What this migration adds, as it was written: the contract (INDEXES) may grow, this does not.
LIST_ORDER_INDEXES = [
    ([(name, 1), ("_id", 1)], {})
    for name in ("created_at", "name", "customer_id", "token_expiry", "last_used_at", "updated_at")
]


def up(db):
    assert all(index in INDEXES for index in LIST_ORDER_INDEXES)
    add_indexes(db, LIST_ORDER_INDEXES)


def down(db, force=False):
    drop_indexes(db, LIST_ORDER_INDEXES)
