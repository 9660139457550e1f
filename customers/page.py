"""The customer page: one tenant's credentials on every platform the user may view, its connect links,
and bulk actions across the platforms, offboarding above all (deactivate them all, after confirming)."""

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from connect.models import ConnectLink
from credentials.actions import CONFIRMATION_LIST_LIMIT, posted_keys
from credentials.forms import tenant_is_known
from credentials.platforms import REGISTRY
from tenancy.scope import TenantScope

from .links import customer_url

PER_PLATFORM_LIMIT = CONFIRMATION_LIST_LIMIT  # a customer has a few per platform; the list page has the rest
LINKS_SHOWN = 20
# The platforms' bulk actions offered here: those that end on the page they were asked from.
# Deactivation asks first, on one confirmation page for every platform.
CUSTOMER_ACTIONS = (
    "deactivate_selected", "activate_selected", "mark_for_reauthentication", "refresh_selected", "test_selected",
)  # fmt: skip


def change_url(opts, credential):
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(credential.pk)])


def viewable_platforms(admin_site, request):
    """[(platform, its ModelAdmin)] for the platforms whose credentials the user may view."""
    pairs = [(platform, admin_site.get_model_admin(platform.model)) for platform in REGISTRY.values()]
    return [(platform, model_admin) for platform, model_admin in pairs if model_admin.has_view_permission(request)]


def offered_actions(request, platforms):
    """{action name: (description, [(platform, ModelAdmin, action function)])}, in CUSTOMER_ACTIONS' order,
    for the actions the user may run on at least one platform (Django checks each action's permissions)."""
    offered = {}
    for platform, model_admin in platforms:
        for name, (function, _name, description) in model_admin.get_actions(request).items():
            if name in CUSTOMER_ACTIONS:
                offered.setdefault(name, (description, []))[1].append((platform, model_admin, function))
    return {name: offered[name] for name in CUSTOMER_ACTIONS if name in offered}


def is_known(scope, customer_id):
    """A tenant is known once granted to someone, or named by a credential or a connect link."""
    if not scope.all_tenants:
        return True  # granted to this user
    return tenant_is_known(customer_id) or ConnectLink.objects.filter(customer_id=customer_id).exists()


def platform_section(request, customer_id, platform, model_admin, selectable):
    """The platform's part of the table, read with one query; its display columns come from its list page."""
    opts = platform.model._meta
    mine = model_admin.get_queryset(request).filter(customer_id=customer_id).order_by("-is_active", "name")
    found = list(mine[: PER_PLATFORM_LIMIT + 1])
    rows = [
        {
            "credential": credential,
            "url": change_url(opts, credential),
            "account": model_admin.account(credential),
            "health": model_admin.health_column(credential),
            "token_expires": model_admin.token_expires(credential),
        }
        for credential in found[:PER_PLATFORM_LIMIT]
    ]
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return {
        "platform": platform,
        "rows": rows,
        "more": len(found) > PER_PLATFORM_LIMIT,
        "changelist": f"{changelist}?{urlencode({'customer_id': customer_id})}",
        "selectable": selectable,
    }


def connect_links(request, customer_id, platforms):
    """The tenant's latest connect links on the platforms shown."""
    # Imported here: connect.admin registers with the admin site, which imports this module as it is made.
    from connect.admin import status_badge

    links = ConnectLink.objects.filter(customer_id=customer_id, platform__in=[p.key for p, _admin in platforms])
    return [
        {"link": link, "platform": REGISTRY[link.platform].label, "status": status_badge(link)}
        for link in links.order_by("-created_at")[:LINKS_SHOWN]
    ]


def customer_view(admin_site, request, customer_id):
    scope = TenantScope.for_request(request)
    if not scope.allows(customer_id):
        raise Http404("No such customer among the tenants you are granted.")
    platforms = viewable_platforms(admin_site, request)
    if not platforms:
        raise PermissionDenied
    actions = offered_actions(request, platforms)
    if request.method == "POST":
        return run_action(admin_site, request, customer_id, actions)
    changeable = {platform.key for _description, each in actions.values() for platform, _admin, _f in each}
    sections = [
        platform_section(request, customer_id, platform, model_admin, platform.key in changeable)
        for platform, model_admin in platforms
    ]
    credentials = [row["credential"] for section in sections for row in section["rows"]]
    tenant_filter = {"customer_id": customer_id}
    if not credentials and not is_known(scope, customer_id):
        raise Http404(f"No customer {customer_id!r}: no credential, connect link or grant names it.")
    context = {
        **admin_site.each_context(request),
        "title": f"Customer {customer_id}",
        "customer_id": customer_id,
        "sections": sections,
        "count": len(credentials),
        "active": sum(1 for credential in credentials if credential.is_active),
        "actions": [(name, description) for name, (description, _each) in actions.items()],
        "can_offboard": "deactivate_selected" in actions,
        "any_selectable": bool(changeable),
        "links": connect_links(request, customer_id, platforms),
        "links_changelist": reverse("admin:connect_connectlink_changelist") + "?" + urlencode(tenant_filter),
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/customers/customer.html", context)


# --- Bulk actions across platforms -------------------------------------------------------------


def run_action(admin_site, request, customer_id, actions):
    """Each platform's own action on its part of the selection; `select_across` means all of the customer's."""
    back = redirect(customer_url(customer_id))
    name = request.POST.get("action", "")
    if name not in actions:
        messages.warning(request, "No action selected.")
        return back
    select_across = request.POST.get("select_across") == "1"
    if not select_across and not request.POST.getlist(ACTION_CHECKBOX_NAME):
        messages.warning(request, "Select credentials to act on; nothing was changed.")
        return back
    description, each = actions[name]
    targets = []
    for platform, model_admin, function in each:
        queryset = model_admin.get_queryset(request).filter(customer_id=customer_id)
        if not select_across:
            queryset = queryset.filter(pk__in=posted_keys(model_admin.opts, request))
        if queryset.exists():
            targets.append((platform, model_admin, function, queryset))
    if not targets:
        messages.warning(request, f"{description}: none of the selected is yours to change; nothing was done.")
        return back
    if name == "deactivate_selected" and request.POST.get("post") != "yes":
        return deactivate_confirmation(admin_site, request, customer_id, targets, select_across)
    for _platform, model_admin, function, queryset in targets:
        function(model_admin, request, queryset)
    return back


def deactivate_confirmation(admin_site, request, customer_id, targets, select_across):
    """credentials.actions.deactivate_selected's confirmation page, listing credentials of every platform;
    it posts back here, and each platform's deactivate_selected then does the work."""
    shown, count = [], 0
    for platform, model_admin, _function, queryset in targets:
        opts = model_admin.opts
        found = list(queryset.only("pk", "name", "customer_id", "is_active")[:CONFIRMATION_LIST_LIMIT])
        for credential in found:
            credential.change_url = change_url(opts, credential)
            credential.platform_label = platform.label
        shown += found
        count += queryset.count() if len(found) == CONFIRMATION_LIST_LIMIT else len(found)
    context = {
        **admin_site.each_context(request),
        "title": "Are you sure?",
        "customer_id": customer_id,
        "customer_url": customer_url(customer_id),
        "credentials": shown,
        "count": count,
        "select_across": select_across,
        "action": "deactivate_selected",
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/customers/deactivate_confirmation.html", context)
