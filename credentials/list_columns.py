"""The credential lists' columns beyond plain fields: health sortable in the database, the platform's own choices."""

from functools import cache

from django.db.models import BooleanField, Case, Expression, IntegerField, Value, When
from django.utils import timezone

from .health import verdict_steps


class MqlCondition(Expression):
    """A filter (a Q) as a When's condition, for conditions holding array lookups.

    django-mongodb-backend 5.2 compiles them to MQL, but Django first renders an ordering's SQL
    (to tell orderings apart), and the backend's ArrayContains has no as_sql: that pass gets a stand-in.
    """

    conditional = True

    def __init__(self, condition):
        super().__init__(output_field=BooleanField())
        self.condition = condition

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        resolved = self.copy()
        resolved.condition = self.condition.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return resolved

    def as_sql(self, compiler, connection):
        return f"MQL({self.condition!r})", []

    def as_mql(self, compiler, connection, as_expr=False):
        return self.condition.as_mql(compiler, connection, as_expr=as_expr)


def health_rank(platform, now):
    """A sort key agreeing with health_of: the position of its verdict among health_of's steps, the worst
    (no token) first and working last, so that the first click on the column brings up what needs a person."""
    steps = [condition for _health, condition in verdict_steps(platform, now)]
    return Case(
        *(When(MqlCondition(condition), then=Value(rank)) for rank, condition in enumerate(steps)),
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
