"""The credential lists' orders: only those an index provides (066), the tiebreak in the sort's own direction."""

from django.contrib.admin.views.main import ChangeList
from django.db.models import OrderBy

from .collections import SORTED_FIELDS


def order_field(model_admin, column):
    """The stored field a list column sorts by (the field it shows, or its `admin_order_field`), or None."""
    if isinstance(column, str) and column in {field.name for field in model_admin.model._meta.fields}:
        return column
    shown = getattr(model_admin, column, None) if isinstance(column, str) else column
    return getattr(shown, "admin_order_field", None)


def indexed_columns(model_admin, list_display, always=()):
    """The columns of `list_display` whose order an index provides, and those in `always` (health: a
    computed order, asked for even so)."""
    return [column for column in list_display if column in always or order_field(model_admin, column) in SORTED_FIELDS]


def is_descending(part):
    return part.startswith("-") if isinstance(part, str) else isinstance(part, OrderBy) and part.descending


class IndexedOrderChangeList(ChangeList):
    """Django's change list, sorting by one column offered (`sortable_by`), then by `pk` the column's way.

    Django hides the sort links of the other columns, yet sorts by any column a typed `?o=` names, and by
    several columns at once, then the admin's default order, then "-pk": on a shared production database,
    a sort of every credential on demand, since no index holds such sorts. And a page sorted by (column
    ascending, _id descending) needs an index of those mixed directions, one of (column descending, _id
    descending) the other way; breaking ties the column's way lets one (column, _id) index serve both.
    """

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None  # Django's own skip for a column it cannot sort
        return super().get_ordering_field(field_name)

    def get_ordering(self, request, queryset):
        ordering = super().get_ordering(request, queryset.order_by())  # without the admin's default order
        default = list(self.model_admin.get_ordering(request))
        if ordering[0] in ("pk", "-pk"):  # no column asked for could be sorted by: the default order
            ordering = default or ["-pk"]
        first = ordering[0]
        if not isinstance(first, str):
            # A computed order (health): sorted in memory whatever follows, so the newest first within it.
            return [first, *default, "-pk"]
        return [first, "-pk" if is_descending(first) else "pk"]

    def get_ordering_field_columns(self):
        """The headers marked sorted: the one column the list is sorted by, not every one `?o=` names."""
        columns = super().get_ordering_field_columns()
        honoured = [
            index
            for index in columns
            if 0 <= index < len(self.list_display) and self.get_ordering_field(self.list_display[index])
        ]
        return {honoured[0]: columns[honoured[0]]} if honoured else {}
