"""The overview page: every platform's credentials counted, and what needs attention."""

import itertools
from functools import reduce
from operator import and_, or_

from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from tenancy.scope import TenantScope

from .platforms import REGISTRY
from .token_status import TokenStatus, token_status_q

ATTENTION_LIMIT = 100  # per platform and reason: the page stays fast; the list pages have the rest


def platform_counts(queryset, platform, now):
    expired = token_status_q(TokenStatus.EXPIRED, platform.expiry_fields, now)
    expiring = token_status_q(TokenStatus.EXPIRING, platform.expiry_fields, now)
    return queryset.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(is_active=True)),
        authenticated=Count("pk", filter=Q(is_authenticated=True)),
        expired=Count("pk", filter=expired),
        expiring=Count("pk", filter=expiring),
        never_used=Count("pk", filter=Q(last_used_at__isnull=True)),
    )


def account_variants(platform):
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


def lacking_posting_scopes(queryset, platform):
    """Platform.missing_scopes as a query: granted scopes known (not empty) and lacking one posting needs."""
    queryset = queryset.filter(scopes__len__gt=0)
    if platform.oauth1:
        name, value = platform.oauth1.used_when
        queryset = queryset.exclude(**{name: value})  # OAuth 1.0a tokens have no scopes
    if platform.posting_scopes is None:
        return queryset.exclude(scopes__contains=list(platform.token_facts.post_scopes))
    lacking = [
        condition & ~Q(scopes__contains=list(platform.posting_scopes(example)))
        for condition, example in account_variants(platform)
    ]
    return queryset.filter(reduce(or_, lacking))


def needs_attention(queryset, platform, now):
    """Rows (platform, reason, name, tenant, change URL) for one platform, each reason bounded."""
    change_url = f"admin:credentials_{platform.model._meta.model_name}_change"
    bad_token = token_status_q(TokenStatus.EXPIRED, platform.expiry_fields, now) | token_status_q(
        TokenStatus.EXPIRING, platform.expiry_fields, now
    )
    reasons = [
        ("token expired or expiring on an active credential", queryset.filter(Q(is_active=True) & bad_token)),
        ("active but not authenticated", queryset.filter(is_active=True).exclude(is_authenticated=True)),
        ("granted scopes lack what posting needs", lacking_posting_scopes(queryset, platform)),
    ]
    crowded = (
        queryset.filter(is_active=True)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("customer_id", flat=True)[:ATTENTION_LIMIT]
    )
    if crowded := list(crowded):
        reasons.append(
            (
                "tenant has more than one active credential",
                queryset.filter(customer_id__in=crowded, is_active=True),
            )
        )
    rows = []
    for reason, matches in reasons:
        for credential in matches.only("pk", "name", "customer_id").order_by("customer_id")[:ATTENTION_LIMIT]:
            rows.append(
                {
                    "platform": platform.label,
                    "reason": reason,
                    "name": credential.name,
                    "customer_id": credential.customer_id,
                    "url": reverse(change_url, args=[credential.pk]),
                }
            )
    return rows


def overview_view(admin_site, request):
    scope = TenantScope.for_request(request)
    tenant = (request.GET.get("customer_id") or "").strip()
    now = timezone.now()
    platforms, attention = [], []
    for platform in REGISTRY.values():
        opts = platform.model._meta
        if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            continue
        queryset = scope.filter(platform.model._default_manager.all())
        if tenant:
            queryset = queryset.filter(customer_id=tenant)
        counts = platform_counts(queryset, platform, now)
        platforms.append(
            {
                "label": platform.label,
                "changelist": reverse(f"admin:credentials_{opts.model_name}_changelist"),
                **counts,
            }
        )
        attention += needs_attention(queryset, platform, now)
    context = {
        **admin_site.each_context(request),
        "title": "Credentials overview",
        "platforms": platforms,
        "attention": attention,
        "tenant": tenant,
        "attention_limit": ATTENTION_LIMIT,
    }
    return TemplateResponse(request, "admin/credentials/overview.html", context)
