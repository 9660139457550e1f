"""A credential's health: what staff see, and whether it needs a person; `health_q` finds it in the database."""

import itertools
from datetime import timedelta
from functools import reduce
from operator import and_, or_

from django.conf import settings
from django.db.models import Count, Q

from .models import Health

# A refresh this late is overdue (no worker running, or all failing to claim it).
OVERDUE_AFTER = timedelta(minutes=15)
# EXPIRES is shown only once the reconnect date is near (the platform's warn_ahead).
NEEDS_A_PERSON = frozenset(
    {Health.NEEDS_RECONNECT, Health.FAILING, Health.MISSING_SCOPE, Health.EXPIRES, Health.NO_TOKEN}
)


def health_of(platform, credential, now):
    """(Health, a short detail for staff).

    A credential that is not authenticated needs a reconnect whatever its dates say: the
    publishing services do not use it. The refresher's verdict on a dead token is read from
    `health` only while that holds, so a renewal or test that works clears it.
    """
    if credential.access_token is None:
        return Health.NO_TOKEN, ""
    if not credential.is_authenticated:
        reason = credential.last_error_reason if credential.health == Health.NEEDS_RECONNECT else None
        return Health.NEEDS_RECONNECT, reason or "marked not authenticated"
    reconnect_by = platform.reconnect_by(credential, now)
    if reconnect_by is not None and reconnect_by <= now:
        return Health.NEEDS_RECONNECT, f"expired on {reconnect_by:%Y-%m-%d %H:%M} UTC"
    if (credential.refresh_failures or 0) > 0:
        why = credential.last_error_reason or credential.last_error_code
        detail = f"{credential.refresh_failures} failure(s): {why}"
        if credential.failing_since and credential.failing_since <= now - failing_after():
            return Health.FAILING, detail
        return Health.RETRYING, detail
    if missing := platform.missing_scopes(credential):
        return Health.MISSING_SCOPE, ", ".join(missing)
    if reconnect_by is not None and reconnect_by <= now + platform.refresh.warn_ahead:
        return Health.EXPIRES, f"reconnect needed by {reconnect_by:%Y-%m-%d}"
    if credential.next_refresh_at is not None and credential.next_refresh_at <= now - OVERDUE_AFTER:
        return Health.REFRESH_DUE, f"due since {credential.next_refresh_at:%Y-%m-%d %H:%M} UTC"
    return Health.WORKING, ""


def failing_after():
    return timedelta(hours=settings.REFRESH_FAILING_AFTER_HOURS)


# --- The same verdicts as queries: health_of's steps, in its order, over the stored fields -------


def verdict_steps(platform, now):
    """[(Health, condition)] as health_of tries them: a credential has the first whose condition holds.

    A step no credential of the platform can reach (EXPIRES where nothing expires) is left out.
    """
    expired = _reconnect_by_before(platform, now, now)
    steps = [
        (Health.NO_TOKEN, Q(access_token__isnull=True)),
        (Health.NEEDS_RECONNECT, ~Q(is_authenticated=True) | expired if expired else ~Q(is_authenticated=True)),
        (Health.FAILING, Q(refresh_failures__gt=0, failing_since__lte=now - failing_after())),
        (Health.RETRYING, Q(refresh_failures__gt=0)),
        (Health.MISSING_SCOPE, missing_scopes_q(platform)),
        (Health.EXPIRES, _reconnect_by_before(platform, now + platform.refresh.warn_ahead, now)),
        (Health.REFRESH_DUE, Q(next_refresh_at__lte=now - OVERDUE_AFTER)),
    ]
    return [(health, condition) for health, condition in steps if condition is not None]


def health_q(platform, health, now):
    """The filter selecting the credentials of `platform` whose `health_of(...)[0]` is `health` at `now`."""
    earlier = Q()
    for step, condition in verdict_steps(platform, now):
        if step == health:
            return condition & ~earlier if earlier else condition
        earlier |= condition
    if health == Health.WORKING:
        return ~earlier
    if health in Health.values:
        return Q(pk__in=[])  # a step the platform cannot reach: nothing has it
    raise ValueError(f"no such health: {health!r}")


# Counted in one aggregate; the later ones read the granted scopes, and django-mongodb-backend
# 5.2 cannot compile an array lookup inside an aggregate's filter (ArrayContains has no as_sql).
COUNTED_TOGETHER = (Health.NO_TOKEN, Health.NEEDS_RECONNECT, Health.FAILING, Health.RETRYING)


def count_by_health(queryset, platform, now, **also):
    """{Health value: how many of `queryset` have it}, with the aggregates `also` names: four queries."""
    together = {health.value: Count("pk", filter=health_q(platform, health, now)) for health in COUNTED_TOGETHER}
    counts = queryset.aggregate(total=Count("pk"), **together, **also)
    for health in (Health.MISSING_SCOPE, Health.EXPIRES, Health.REFRESH_DUE):
        counts[health.value] = queryset.filter(health_q(platform, health, now)).count()
    counts[Health.WORKING.value] = counts["total"] - sum(
        counts[health.value] for health in Health if health != Health.WORKING
    )
    return counts


def _has_field(platform, name):
    return any(field.name == name for field in platform.model._meta.concrete_fields)


def _uses_oauth1_q(platform):
    """Platform.uses_oauth1 as a query, or None for a platform without OAuth 1.0a."""
    if platform.oauth1 is None:
        return None
    name, value = platform.oauth1.used_when
    return Q(**{name: value})


def _renewable_q(platform, now):
    """Platform.renewable (of a credential holding a token) as a query: None where it never is, and an
    empty Q() where it always is."""
    method = platform.refresh.method
    if method is None:
        return None
    renewable = Q()
    if (oauth1 := _uses_oauth1_q(platform)) is not None:
        renewable &= ~oauth1
    if method == "refresh_token":
        renewable &= Q(refresh_token__isnull=False)
        if _has_field(platform, "refresh_token_expiry"):
            renewable &= Q(refresh_token_expiry__isnull=True) | Q(refresh_token_expiry__gt=now)
    return renewable


def _reconnect_by_before(platform, moment, now):
    """Platform.reconnect_by(credential, now) is a date no later than `moment` (a credential holding a
    token), as a query; None where no credential of the platform has such a date."""
    access_expires = Q(token_expiry__lte=moment)
    refresh_expires = Q(refresh_token_expiry__lte=moment) if _has_field(platform, "refresh_token_expiry") else None
    renewable = _renewable_q(platform, now)
    if renewable is None:
        return access_expires
    if not renewable:  # always renewable: only its refresh token's expiry counts
        return refresh_expires
    before = ~renewable & access_expires
    return before | (renewable & refresh_expires) if refresh_expires is not None else before


def _account_variants(platform):
    """(filter, example credential) for each combination of values of the platform's account fields
    with choices, a value outside them (null) included.

    A platform's `posting_scopes` reads whom the credential posts as (LinkedIn's `post_as`),
    which these fields say; asking it of one example per variant turns it into a query.
    """
    model = platform.model
    options = []
    for name in platform.account_fields:
        values = [value for value, _label in model._meta.get_field(name).choices or ()]
        if values:
            options.append([(Q(**{name: v}), name, v) for v in values] + [(~Q(**{f"{name}__in": values}), name, None)])
    for combination in itertools.product(*options):
        condition = reduce(and_, (q for q, _name, _value in combination), Q())
        yield condition, model(**{name: value for _q, name, value in combination})


def missing_scopes_q(platform):
    """Platform.missing_scopes as a query: granted scopes known (not empty) and lacking one posting needs."""
    known = Q(scopes__len__gt=0)
    if (oauth1 := _uses_oauth1_q(platform)) is not None:
        known &= ~oauth1  # OAuth 1.0a tokens have no scopes
    if platform.posting_scopes is None:
        return known & ~Q(scopes__contains=list(platform.token_facts.post_scopes))
    lacking = [
        condition & ~Q(scopes__contains=list(platform.posting_scopes(example)))
        for condition, example in _account_variants(platform)
    ]
    return known & reduce(or_, lacking)
