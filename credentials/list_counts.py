"""How a credential list page counts its rows without reading the whole collection.

Unfiltered, the count is the server's estimate (`estimated_document_count`: collection
metadata, no documents read), labelled "about N". Filtered, it is exact up to
`COUNTED_UP_TO` and "more than" that beyond: a count never reads more than that many
matching documents, however large the collection.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

COUNTED_UP_TO = 1000


class ListPaginator(Paginator):
    """A Paginator whose `count` is estimated or bounded as above; `count_label` says which."""

    @cached_property
    def count(self):
        queryset = self.object_list
        if not queryset.query.has_filters():
            collection = connections[queryset.db].database[queryset.model._meta.db_table]
            estimate = collection.estimated_document_count()
            self.count_label = f"about {estimate:,}"
            return estimate
        counted = queryset.order_by()[: COUNTED_UP_TO + 1].count()
        self.count_label = f"more than {COUNTED_UP_TO:,}" if counted > COUNTED_UP_TO else f"{counted:,}"
        return counted
