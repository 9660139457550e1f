"""The console: one admin page per platform, all from one base."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import Http404
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from connect.admin import CredentialConnectMixin
from customers.links import tenant_column
from refresh.admin import CredentialHealthMixin
from tenancy.scope import TenantScope

from .actions import (
    activate_selected,
    deactivate_selected,
    export_csv,
    log_field_changes,
    mark_for_reauthentication,
)
from .admin_filters import HealthFilter, TenantFilter
from .forms import CLEAR_SUFFIX, NEW_TENANT_FIELD, form_for
from .kept_secrets import TOKEN_FIELD
from .list_columns import own_choice_fields, sortable_health
from .list_counts import ListPaginator
from .list_order import IndexedOrderChangeList, indexed_columns
from .list_search import search_q, searched_fields
from .platforms import REGISTRY, SECRET_FIELD_NAMES

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")
# Kept by the publishing services as they use a credential: shown, never edited here.
SERVICE_COUNTS = ("upload_count", "last_upload_status", "post_count", "last_post_status")


class CredentialAdmin(CredentialHealthMixin, CredentialConnectMixin, admin.ModelAdmin):
    platform = None  # the registry entry, set for each platform below
    list_per_page = 50
    # A list page reads a page, never the whole collection: no "(N total)" beside a filtered count, no date
    # hierarchy (its dates are an aggregation over every credential), counts estimated or bounded
    # (credentials.list_counts), the newest first from the (created_at, _id) index (credentials.list_order).
    show_full_result_count = False
    paginator = ListPaginator
    ordering = ("-created_at",)
    actions = [
        "refresh_selected", "test_selected", "disconnect_selected", "create_reconnect_links",
        deactivate_selected, activate_selected, mark_for_reauthentication, export_csv,
    ]  # fmt: skip
    readonly_fields = (
        "credential_id", "platform", "token_expires", "missing_scopes", "connect_links", "last_used_at",
        *CredentialHealthMixin.health_fields, *AUDIT_FIELDS,
    )  # fmt: skip

    def get_list_display(self, request):
        return (
            "name", tenant_column, "account", *own_choice_fields(self.platform), "is_active", "is_authenticated",
            sortable_health(self), "missing_scopes_column", "token_expires", "last_used_at", "updated_at", "updated_by",
        )  # fmt: skip

    def get_sortable_by(self, request):
        # Only orders an index provides (credentials.list_order): any other sorts every credential to show 50.
        # Health is computed as of each request, so no index holds it: sorting by it reads what the list holds.
        return indexed_columns(self, self.get_list_display(request), always=[sortable_health(self)])

    def get_changelist(self, request, **kwargs):
        return IndexedOrderChangeList

    def action_checkbox(self, obj):
        # Django's own is a CheckboxInput rendered through the form templates, once a row: that took a third of
        # a list page's time. The same <input>, written directly.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )

    def get_list_filter(self, request):
        return (
            TenantFilter,
            "is_active",
            "is_authenticated",
            HealthFilter,
            # The platform's own choices; health has its filter above.
            *own_choice_fields(self.platform),
        )

    def get_search_fields(self, request):
        return ("credential_id", *searched_fields(self.platform))

    def get_search_results(self, request, queryset, search_term):
        found = search_q(self.platform, search_term)  # credentials.list_search: index-backed
        return (queryset if found is None else queryset.filter(found)), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return self.paginator.for_request(request, queryset, per_page, orphans, allow_empty_first_page)

    def service_counts(self):
        return [name for name in SERVICE_COUNTS if hasattr(self.platform.model, name)]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *self.service_counts())

    def get_fieldsets(self, request, obj=None):
        platform = self.platform

        def with_clear_boxes(names):
            # A stored secret is followed by its "clear" box (see credentials.forms); nothing stored, nothing to clear.
            return [
                (name, name + CLEAR_SUFFIX) if name in platform.secret_fields and getattr(obj, name, None) else name
                for name in names
            ]

        facts = platform.token_facts
        # The credential_id is made when the credential is saved: shown (to copy) once it exists.
        saved_ids = ["credential_id", "platform"] if obj is not None else []
        return [
            ("Identity", {"fields": ["name", "customer_id", NEW_TENANT_FIELD, TOKEN_FIELD, *saved_ids]}),
            *self.health_fieldset(obj),
            ("Platform account", {"fields": [*platform.identity_fields, *platform.account_fields]}),
            ("App credentials", {"fields": with_clear_boxes(platform.app_fields)}),
            (
                "Tokens",
                {
                    "fields": with_clear_boxes(
                        [
                            "access_token",
                            "refresh_token",
                            "token_expiry",
                            "token_expires",
                            "scopes",
                            "missing_scopes",
                            *platform.token_fields,
                        ]
                    ),  # fmt: skip
                    "description": (
                        f"{platform.label}: access tokens last {facts.access_token_life}; refresh tokens: "
                        f"{facts.refresh_token}. Scopes to post: {', '.join(facts.post_scopes)}."
                    ),
                },
            ),
            ("Status", {"fields": ["is_active", "is_authenticated", "last_used_at"]}),
            ("Audit", {"fields": list(AUDIT_FIELDS)}),
            ("Notes and counts", {"fields": ["notes", *self.service_counts()]}),
            *([("Connect links", {"fields": ["connect_links"]})] if obj is not None else []),
        ]

    @admin.display(description="account")
    def account(self, credential):
        for name in self.platform.identity_fields:
            if value := getattr(credential, name):
                return value
        return "—"

    @admin.display(description="token expires", ordering="token_expiry")
    def token_expires(self, credential):
        expiry = credential.token_expiry if credential else None
        if expiry is None:
            return "—"
        now = timezone.now()
        return f"in {timeuntil(expiry, now)}" if expiry > now else f"{timesince(expiry, now)} ago"

    # Tenant isolation: every page, action and export starts from this queryset.
    def get_queryset(self, request):
        return TenantScope.for_request(request).filter(super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        credential = super().get_object(request, object_id, from_field)
        if credential is None:
            raise Http404("No such credential among the tenants you are granted.")
        return credential

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.tenant_scope = TenantScope.for_request(request)
        form.kept_in = (request.session, request.user.pk)
        return form

    def save_model(self, request, obj, form, change):
        concrete = {field.name for field in obj._meta.concrete_fields}
        changed = [name for name in form.changed_data if name in concrete]
        if change and not changed:
            return  # nothing to write: updated_at and updated_by stay, and no history entry (log_change)
        username = request.user.get_username()
        if not change:
            obj.created_by = username
        obj.updated_by = username
        displaced = list(obj.active_siblings().only("pk", "name", "credential_id")) if obj.is_active else []
        if change:
            # Only what staff changed: the refresher may have renewed the tokens since the form was loaded.
            obj.save(update_fields=[*changed, "updated_by"])
        else:
            super().save_model(request, obj, form, change)
        form.forget_kept_secrets()  # written now
        if displaced:
            # Saving it as the tenant's default deactivated these: they get history entries too.
            log_field_changes(request, displaced, type(obj), "is_active")
            self.message_user(request, f"Deactivated {len(displaced)} other credential(s) of tenant {obj.customer_id}.")

    def construct_change_message(self, request, form, formsets, add=False):
        """Django's, but a secret says what became of it ("Access token (replaced)", "(cleared)"), never a value."""
        if add or not form.changed_data:
            return super().construct_change_message(request, form, formsets, add)
        fates = form.secret_changes
        labels = [
            f"{form.fields[name].label} ({fates[name]})" if name in fates else str(form.fields[name].label)
            for name in form.changed_data
        ]
        return [{"changed": {"fields": labels}}]

    def log_change(self, request, obj, message):
        if message:  # a save that changed nothing is no event
            return super().log_change(request, obj, message)
        request.saved_nothing = True  # and not "changed successfully" either (message_user)
        return None

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if level == messages.SUCCESS and getattr(request, "saved_nothing", False):
            # Django's response_change says every saved form "was changed successfully".
            message, level = "Nothing was changed, so nothing was saved.", messages.INFO
        return super().message_user(request, message, level, *args, **kwargs)

    @method_decorator(sensitive_post_parameters(*sorted(SECRET_FIELD_NAMES)))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)


for platform in REGISTRY.values():
    admin.site.register(
        platform.model,
        type(
            f"{platform.model.__name__}Admin",
            (CredentialAdmin,),
            {"platform": platform, "form": form_for(platform)},
        ),
    )
