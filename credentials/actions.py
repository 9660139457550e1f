"""Bulk actions of the credential pages.

Each changes the selection with one update per collection (never a save per object),
stamps `updated_by` / `updated_at`, writes a history entry per credential changed naming
the fields, and tells staff how many it changed and how many it skipped, and why.
"""

import codecs
import csv
import logging
import unicodedata
from collections import defaultdict
from functools import reduce
from operator import or_

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import model_ngettext
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import capfirst

from .health import NEEDS_A_PERSON, health_of, health_q
from .models import Health

audit_log = logging.getLogger("credentials.audit")
CONFIRMATION_LIST_LIMIT = 100
# A default credential in these cannot publish; one that merely expires on a date still can until then.
DOES_NOT_WORK = NEEDS_A_PERSON - {Health.EXPIRES}
WARNINGS_SHOWN = 10


def changed_fields_message(model, *names):
    """A history message in Django's own format, naming fields (never values)."""
    labels = [capfirst(model._meta.get_field(name).verbose_name) for name in names]
    return [{"changed": {"fields": [*labels, "Updated at", "Updated by"]}}]


def log_field_changes(request, credentials, model, *names):
    """One history entry per credential, naming the fields changed (never their values)."""
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=credentials,
        action_flag=CHANGE,
        change_message=changed_fields_message(model, *names),
    )


def posted_keys(opts, request):
    """The ids a bulk action posted, as keys of `opts`' model; one that cannot be a key is a 404, not a 500."""
    keys = []
    for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
        try:
            keys.append(opts.pk.to_python(value))
        except ValidationError:
            raise Http404(f"No {opts.verbose_name} has the id {value!r}.") from None
    return keys


def apply_update(modeladmin, request, queryset, **values):
    """One update for all of `queryset`, audit fields stamped and history written.

    As Django's own delete action does, the selection is read for the history entries and
    then changed with one update over the same filter.
    """
    selected = list(queryset.only("pk", "name", "credential_id"))
    if not selected:
        return 0
    stamp = {"updated_at": timezone.now(), "updated_by": request.user.get_username()}
    changed = queryset.update(**values, **stamp)
    log_field_changes(request, selected, queryset.model, *values)
    return changed


def bounded_selection(modeladmin, request, queryset, limit, refusal):
    """The selection as a list, or None (and `refusal` said) when it holds more than `limit`:
    for actions that call a platform or show a page per credential."""
    selected = list(queryset[: limit + 1])
    if len(selected) > limit:
        modeladmin.message_user(request, refusal, messages.ERROR)
        return None
    return selected


def report(modeladmin, request, verb, changed, skipped):
    """`skipped`: [(count, reason)]."""
    parts = [f"{verb} {changed} {model_ngettext(modeladmin.opts, changed)}"]
    parts += [f"skipped {count} {reason}" for count, reason in skipped if count]
    modeladmin.message_user(request, "; ".join(parts) + ".", messages.SUCCESS if changed else messages.WARNING)


@admin.action(description="Deactivate selected credentials", permissions=["change"])
def deactivate_selected(modeladmin, request, queryset):
    if request.POST.get("post") != "yes":
        select_across = request.POST.get("select_across", "0") == "1"
        shown = list(queryset.only("pk", "name", "customer_id", "is_active")[:CONFIRMATION_LIST_LIMIT])
        return TemplateResponse(
            request,
            "admin/credentials/deactivate_confirmation.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": "Are you sure?",
                "opts": modeladmin.opts,
                "credentials": shown,
                "count": queryset.count() if select_across else len(shown),
                # "All matching" posts back the filter (in the URL), not thousands of ids.
                "select_across": select_across,
                "action": "deactivate_selected",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
    total = queryset.count()
    changed = apply_update(modeladmin, request, queryset.filter(is_active=True), is_active=False)
    report(modeladmin, request, "Deactivated", changed, [(total - changed, "already inactive")])


@admin.action(description="Activate selected (as the tenant's default)", permissions=["change"])
def activate_selected(modeladmin, request, queryset):
    """Each selected credential becomes its tenant's default, the tenant's other active one deactivated.

    Two of the same tenant are refused, naming the tenant: which one publishes is for staff to say.
    One that does not work is activated all the same, with a warning naming why.
    """
    by_tenant = defaultdict(list)
    for credential in queryset.only("pk", "name", "credential_id", "customer_id", "is_active"):
        by_tenant[credential.customer_id].append(credential)
    if clashes := {tenant: found for tenant, found in by_tenant.items() if len(found) > 1}:
        named = "; ".join(
            f"tenant {tenant}: {', '.join(sorted(str(credential) for credential in found))}"
            for tenant, found in sorted(clashes.items())[:WARNINGS_SHOWN]
        ) + (f"; and {len(clashes) - WARNINGS_SHOWN} more tenants" if len(clashes) > WARNINGS_SHOWN else "")
        modeladmin.message_user(
            request,
            f"Nothing was activated: a tenant has one default credential per platform, so select one per tenant. "
            f"Selected more than one of {named}.",
            messages.ERROR,
        )
        return
    chosen = [found[0] for found in by_tenant.values()]
    to_activate = [c.pk for c in chosen if not c.is_active]
    manager = queryset.model._default_manager
    displaced = manager.filter(customer_id__in=list(by_tenant), is_active=True).exclude(pk__in=[c.pk for c in chosen])
    others = apply_update(modeladmin, request, displaced, is_active=False)
    changed = apply_update(modeladmin, request, manager.filter(pk__in=to_activate), is_active=True)
    report(modeladmin, request, "Activated", changed, [(len(chosen) - len(to_activate), "already active")])
    if others:
        modeladmin.message_user(request, f"Deactivated {others} other credential(s) of the same tenants.")
    warn_not_working(modeladmin, request, manager.filter(pk__in=to_activate))


def warn_not_working(modeladmin, request, activated):
    """A warning per credential just made a default that cannot publish (credentials.health), saying why."""
    platform, now = modeladmin.platform, timezone.now()
    broken = activated.filter(reduce(or_, (health_q(platform, health, now) for health in DOES_NOT_WORK)))
    found = list(broken.order_by("customer_id")[: WARNINGS_SHOWN + 1])
    for credential in found[:WARNINGS_SHOWN]:
        health, detail = health_of(platform, credential, now)
        modeladmin.message_user(
            request,
            f"{credential} is now tenant {credential.customer_id}'s default but does not work: "
            f"{health.label}{f' ({detail})' if detail else ''}. Publishing with it fails until it is put right.",
            messages.WARNING,
        )
    if len(found) > WARNINGS_SHOWN:
        modeladmin.message_user(request, "…and more that do not work: filter the list by health.", messages.WARNING)


@admin.action(description="Mark selected for re-authentication", permissions=["change"])
def mark_for_reauthentication(modeladmin, request, queryset):
    """Staff's verdict that a person must reconnect: the refresher leaves it alone until one does
    (a renewal would otherwise mark it authenticated again at its next due time)."""
    total = queryset.count()
    changed = apply_update(
        modeladmin,
        request,
        queryset.exclude(is_authenticated=False),
        is_authenticated=False,
        next_refresh_at=None,
        health=Health.NEEDS_RECONNECT,
        last_error_code="marked",
        last_error_reason=f"marked for re-authentication by {request.user.get_username()}",
    )
    report(modeladmin, request, "Marked for re-authentication", changed, [(total - changed, "already marked")])


# Spreadsheets run a cell as a formula when its first non-blank character is one of
# these, and some read the full-width forms (＝ ＋ － ＠) as them: NFKC folds those, and
# the small forms, into these. A leading tab or carriage return (OWASP) counts as well.
FORMULA_TRIGGERS = frozenset("=+-@")


def csv_safe(value):
    """The cell for `value`, made text (a leading ') when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    first = unicodedata.normalize("NFKC", text.lstrip()[:1])
    return "'" + text if text[:1] in ("\t", "\r") or first in FORMULA_TRIGGERS else text


@admin.action(description="Export selected to CSV (no secrets)", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    platform = modeladmin.platform
    plain_fields = [
        "credential_id", "name", "customer_id", "platform",
        *(f for f in platform.own_fields if f not in platform.secret_fields),
        "is_active", "is_authenticated", "token_expiry", "scopes", "last_used_at",
        "created_at", "created_by", "updated_at", "updated_by",
    ]  # fmt: skip
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{platform.key}_credentials.csv"'
    # Without the byte-order mark, spreadsheets read the file as their locale's code page
    # and garble every non-ASCII name.
    response.write(codecs.BOM_UTF8)
    writer = csv.writer(response)
    writer.writerow([*plain_fields, "health", *(f"{name}_set" for name in platform.secret_fields)])
    count, now = 0, timezone.now()
    for credential in queryset:
        values = [getattr(credential, name) for name in plain_fields]
        values = [";".join(v) if isinstance(v, list) else v for v in values]
        health, _detail = health_of(platform, credential, now)
        is_set = ["yes" if getattr(credential, name) is not None else "no" for name in platform.secret_fields]
        writer.writerow([*map(csv_safe, values), health.value, *is_set])
        count += 1
    audit_log.info("%s exported %d %s credential(s) to CSV", request.user.get_username(), count, platform.key)
    return response
