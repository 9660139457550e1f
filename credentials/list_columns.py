"""The credential lists' columns beyond plain fields: health sortable in the database, the platform's own choices."""

from functools import cache

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from .health import _steps
from .models import Health


def health_rank(platform, now):
    """A sort key agreeing with health_of: the position of its verdict among health_of's steps, the worst
    (no token) first and working last, so that the first click on the column brings up what needs a person.

    The missing-scope step is left out: django-mongodb-backend 5.2 cannot compile an array lookup inside an
    expression (ArrayContains has no as_sql), so such a credential sorts by the verdict after it.
    """
    steps = [condition for health, condition in _steps(platform, now) if health != Health.MISSING_SCOPE]
    return Case(
        *(When(condition, then=Value(rank)) for rank, condition in enumerate(steps)),
        default=Value(len(steps)),
        output_field=IntegerField(),
    )


class HealthColumn:
    """The health column (refresh.admin's), sortable by health_rank as of each request.

    One per admin (see sortable_health): the list page finds a column's sorting by the column itself.
    """

    __name__ = "health_column"
    short_description = "health"

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def __call__(self, credential):
        return self.model_admin.health_column(credential)

    @property
    def admin_order_field(self):
        return health_rank(self.model_admin.platform, timezone.now())


@cache
def sortable_health(model_admin):
    return HealthColumn(model_admin)


def own_choice_fields(platform):
    """The platform's own fields with choices (X's auth type, LinkedIn's post-as, account types)."""
    return tuple(name for name in platform.choice_fields if name in platform.own_fields)
