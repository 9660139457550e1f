"""The overview page: every platform's credentials counted by health, and those that need a person."""

from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from refresh.admin import health_badge
from tenancy.scope import TenantScope

from .health import NEEDS_A_PERSON, count_by_health, health_of, health_q
from .models import Health
from .platforms import REGISTRY

ATTENTION_LIMIT = 100  # per platform and health: the page stays fast; the list pages have the rest
ATTENTION_ORDER = sorted(NEEDS_A_PERSON, key=list(Health).index)  # as the choices run: the worst first


def platform_counts(queryset, platform, now):
    """{"total", "active", and one count per Health value}."""
    return count_by_health(queryset, platform, now, active=Count("pk", filter=Q(is_active=True)))


def needs_attention(queryset, platform, now):
    """Rows (platform, health badge, name, tenant, change URL) of one platform's credentials needing a person.

    A credential without a token needs one only as its tenant's default (active): an inactive
    one is a placeholder, or was disconnected on purpose.
    """
    change_url = f"admin:credentials_{platform.model._meta.model_name}_change"
    rows = []
    for health in ATTENTION_ORDER:
        matches = queryset.filter(health_q(platform, health, now))
        if health == Health.NO_TOKEN:
            matches = matches.filter(is_active=True)
        for credential in matches.order_by("customer_id", "name")[:ATTENTION_LIMIT]:
            _health, detail = health_of(platform, credential, now)
            rows.append(
                {
                    "platform": platform.label,
                    "health": health_badge(health, detail),
                    "name": credential.name,
                    "customer_id": credential.customer_id,
                    "url": reverse(change_url, args=[credential.pk]),
                }
            )
    return rows


def filtered(changelist, **filters):
    """The list page showing what a count counts (the tenant, is_active and health list filters)."""
    return f"{changelist}?{urlencode(filters)}" if filters else changelist


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
        changelist = reverse(f"admin:credentials_{opts.model_name}_changelist")
        tenant_filter = {"customer_id": tenant} if tenant else {}
        platforms.append(
            {
                "label": platform.label,
                "changelist": filtered(changelist, **tenant_filter),
                "total": counts["total"],
                "active": (counts["active"], filtered(changelist, **tenant_filter, is_active__exact=1)),
                "by_health": [
                    (counts[health.value], filtered(changelist, **tenant_filter, health=health.value))
                    for health in Health
                ],
            }
        )
        attention += needs_attention(queryset, platform, now)
    context = {
        **admin_site.each_context(request),
        "title": "Credentials overview",
        "healths": list(Health),
        "platforms": platforms,
        "attention": attention,
        "tenant": tenant,
        "attention_limit": ATTENTION_LIMIT,
    }
    return TemplateResponse(request, "admin/credentials/overview.html", context)
