"""The list pages' orders, index-backed on MongoDB: newest first, and each sortable column.

Django orders a list page by its column and then by `_id`, to break ties; MongoDB takes a
page of that order from an index only when the index holds both (`created_at_-1` alone left
every list page sorting the whole collection in memory). One index per column, `(column, _id)`,
serves both directions (credentials.list_order sorts the tiebreak the column's way). Only
indexes are added; `down` drops them. Documents are not touched.
"""

from credentials.collections import SORT_INDEXES, add_indexes, drop_indexes


def up(db):
    add_indexes(db, SORT_INDEXES)


def down(db, force=False):
    drop_indexes(db, SORT_INDEXES)
