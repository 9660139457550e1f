"""How a credential list page counts its rows without reading the whole collection.

Unfiltered, the count is the server's estimate (`estimated_document_count`: collection
metadata, no documents read), labelled "about N". Filtered, it is exact up to a bound and
"more than" the bound beyond: `COUNTED_UP_TO`, or ten pages past the page shown when that is
further, so every page stays reachable while a count never reads more matching documents
than the pages it lets staff reach.
"""

from django.contrib.admin.views.main import PAGE_VAR
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

COUNTED_UP_TO = 1000
PAGES_AHEAD = 10


class ListPaginator(Paginator):
    """A Paginator whose `count` is estimated or bounded as above; `count_label` says which."""

    def __init__(self, *args, page_number=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.bound = max(COUNTED_UP_TO, (page_number + PAGES_AHEAD) * self.per_page)

    @classmethod
    def for_request(cls, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        try:
            page_number = max(int(request.GET.get(PAGE_VAR, 1)), 1)
        except ValueError:
            page_number = 1  # Django's changelist refuses it on its own terms
        return cls(queryset, per_page, orphans, allow_empty_first_page, page_number=page_number)

    @cached_property
    def count(self):
        queryset = self.object_list
        if not queryset.query.has_filters():
            collection = connections[queryset.db].database[queryset.model._meta.db_table]
            estimate = collection.estimated_document_count()
            self.count_label = f"about {estimate:,}"
            return estimate
        counted = queryset.order_by()[: self.bound + 1].count()
        self.count_label = f"more than {self.bound:,}" if counted > self.bound else f"{counted:,}"
        return counted
