"""The staff side of connect links: their list, making them from the credential pages, revoking them.

Links have no permissions of their own: a user may see the links of a platform whose
credentials they may view, and make or revoke them where they may change those credentials,
always within the tenants they are granted.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import display_for_value, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from credentials.actions import bounded_selection, report
from credentials.admin_filters import TenantFilter
from credentials.platforms import REGISTRY
from customers.links import tenant_column
from tenancy.scope import TenantScope
from tenancy.tenant_ids import tenant_id_error

from .links import MAX_LINK_HOURS, LinkRefused, create_link, revoke_links
from .models import ConnectLink, LinkStatus

BULK_LINK_LIMIT = 100  # each URL is shown once, on one page: more would not be sent one by one anyway
CREDENTIAL_PAGE_LINKS = 20  # on a credential's page; the links list has the rest
STATUS_COLOURS = {
    LinkStatus.OPEN: "#1b7f3b",
    LinkStatus.USED: "#666666",
    LinkStatus.REVOKED: "#b3261e",
    LinkStatus.EXPIRED: "#b26a00",
}


def platforms_allowed(request, action):
    """The platform keys on whose credentials the user may `action` ("view" or "change").

    As in Django, changing implies viewing.
    """
    actions = ("view", "change") if action == "view" else (action,)
    return [
        key
        for key, platform in REGISTRY.items()
        if any(request.user.has_perm(f"credentials.{a}_{platform.model._meta.model_name}") for a in actions)
    ]


@admin.display(description="status")
def status_badge(link):
    status = link.status()
    return format_html(
        '<span class="link-status link-{}" style="color: {}; font-weight: bold">{}</span>',
        status.value,
        STATUS_COLOURS[status],
        status.label,
    )


def when(moment):
    return display_for_value(moment, "—")


def credentials_named(links, scope):
    """{(platform, credential_id): credential} for those `links` name, one query per platform."""
    wanted = defaultdict(set)
    for link in links:
        for credential_id in (link.credential_id, link.connected_credential_id):
            if credential_id:
                wanted[link.platform].add(credential_id)
    found = {}
    for key, ids in wanted.items():
        model = REGISTRY[key].model
        credentials = scope.filter(model._default_manager.filter(credential_id__in=sorted(ids)))
        for credential in credentials.only("pk", "name", "credential_id", "customer_id"):
            found[key, credential.credential_id] = credential
    return found


# List filters -----------------------------------------------------------------------------


class PlatformFilter(admin.SimpleListFilter):
    title = "platform"
    parameter_name = "platform"

    def lookups(self, request, model_admin):
        return [(key, REGISTRY[key].label) for key in platforms_allowed(request, "view")]

    def queryset(self, request, queryset):
        return queryset.filter(platform=self.value()) if self.value() else queryset


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return LinkStatus.choices

    def queryset(self, request, queryset):
        if self.value() not in LinkStatus.values:
            return queryset
        return queryset.filter(ConnectLink.status_q(self.value()))


class CredentialFilter(admin.SimpleListFilter):
    """`?credential_id=<uuid>`, where a credential's page sends staff: the links made for it or that made it."""

    title = "credential"
    parameter_name = "credential_id"

    def lookups(self, request, model_admin):
        # Only the one asked for: there is no list of every credential to offer.
        return [(self.value(), self.value())] if self.value() else []

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(Q(credential_id=value) | Q(connected_credential_id=value)) if value else queryset


# The links' own pages ---------------------------------------------------------------------


class ConnectLinkAdmin(admin.ModelAdmin):
    list_display = (
        "platform_label", tenant_column, "credential", status_badge, "created_by_name",
        "created_at", "expires_at", "connected_account",
    )  # fmt: skip
    list_filter = (PlatformFilter, StatusFilter, TenantFilter, CredentialFilter)
    list_per_page = 50
    show_full_result_count = False
    ordering = ("-created_at",)
    actions = ["revoke_selected"]
    readonly_fields = ("platform_label", "credential", status_badge)
    fieldsets = (
        (None, {"fields": ("platform_label", "customer_id", "credential", status_badge, "allow_other_account")}),
        ("Platform app", {"fields": ("protocol", "app_client_id", "scopes")}),
        ("Made", {"fields": ("created_by_name", "created_at", "expires_at")}),
        ("Ended", {"fields": ("spent_at", "connected_account", "revoked_at", "revoked_by")}),
    )

    @admin.display(description="platform", ordering="platform")
    def platform_label(self, link):
        return REGISTRY[link.platform].label

    @admin.display(description="credential")
    def credential(self, link):
        """The credential it reconnects, or the one it created; `_credentials` comes from the page's one lookup."""
        credential_id = link.credential_id or link.connected_credential_id
        if not credential_id:
            return "a new credential"
        found = getattr(link, "_credentials", {}).get((link.platform, credential_id))
        if found is None:
            return f"{credential_id} (not found)"
        url = reverse(f"admin:credentials_{found._meta.model_name}_change", args=[found.pk])
        made = "" if link.credential_id else " (made by this link)"
        return format_html('<a href="{}">{}</a>{}', url, found.name, made)

    # Permissions follow the credentials' (see the module's docstring).
    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        allowed = platforms_allowed(request, "view")
        return obj.platform in allowed if obj is not None else bool(allowed)

    def has_add_permission(self, request):
        return False  # links are made from the credential pages

    def has_change_permission(self, request, obj=None):
        return False  # a link's terms are fixed; revoking is the action

    def has_delete_permission(self, request, obj=None):
        return False  # the record of who sent what stays

    def has_revoke_permission(self, request):
        return bool(platforms_allowed(request, "change"))

    def get_queryset(self, request):
        queryset = super().get_queryset(request).filter(platform__in=platforms_allowed(request, "view"))
        return TenantScope.for_request(request).filter(queryset)

    def get_object(self, request, object_id, from_field=None):
        link = super().get_object(request, object_id, from_field)
        if link is None:
            raise Http404("No such connect link among the tenants you are granted.")
        link._credentials = credentials_named([link], TenantScope.for_request(request))
        return link

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        links = list(changelist.result_list)  # evaluated here once; the page reuses these objects
        named = credentials_named(links, TenantScope.for_request(request))
        for link in links:
            link._credentials = named
        return changelist

    @admin.action(description="Revoke selected links", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        total = queryset.count()
        changeable = queryset.filter(platform__in=platforms_allowed(request, "change"))
        permitted = changeable.count()
        revoked = revoke_links(changeable, request.user.get_username())
        skipped = [
            (permitted - revoked, "already used, revoked or expired"),
            (total - permitted, "of platforms whose credentials you may not change"),
        ]
        report(self, request, "Revoked", revoked, skipped)


admin.site.register(ConnectLink, ConnectLinkAdmin)


# What the credential pages get ------------------------------------------------------------


class ConnectLinkForm(forms.Form):
    """The terms of one link: for a new credential, the tenant; for a reconnect, whether another account may come."""

    hours = forms.FloatField(
        label="Expires in (hours)",
        help_text=f"More than 0, at most {MAX_LINK_HOURS} (30 days).",
    )

    def __init__(self, *args, credential, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.credential, self.scope = credential, scope
        self.fields["hours"].initial = f"{settings.CONNECT_LINK_HOURS:g}"
        if credential is not None:
            self.fields["allow_other_account"] = forms.BooleanField(
                required=False,
                label="Allow connecting a different account",
                help_text="Otherwise, once the credential names an account, the customer must approve with it.",
            )
        elif scope.all_tenants:
            self.fields["tenant"] = forms.CharField(label="Tenant (customer id)", max_length=100)
        else:
            self.fields["tenant"] = forms.ChoiceField(
                label="Tenant",
                choices=[("", "---------"), *((c, c) for c in sorted(scope.customer_ids))],
                error_messages={"invalid_choice": "You are not granted tenant “%(value)s”."},
            )
        self.order_fields(["tenant", "hours", "allow_other_account"])

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if not 0 < hours <= MAX_LINK_HOURS:
            raise forms.ValidationError(f"A link lasts more than 0 and at most {MAX_LINK_HOURS} hours.")
        return hours

    def clean_tenant(self):
        tenant = self.cleaned_data["tenant"]
        if error := tenant_id_error(tenant):
            raise forms.ValidationError(error)
        if not self.scope.allows(tenant):
            raise forms.ValidationError(f"You are not granted tenant “{tenant}”.")
        return tenant

    @property
    def customer_id(self):
        return self.credential.customer_id if self.credential is not None else self.cleaned_data["tenant"]


@dataclass
class MadeLink:
    """One line of the page that shows new links once: the URL, or why none was made."""

    credential: str
    customer_id: str
    url: str | None = None
    expires_at: datetime | None = None
    refused: str | None = None


class CredentialConnectMixin:
    """For every platform's credential admin (credentials.admin): the connect buttons, pages and action,
    the credential's links, and the posting scopes its grant lacks."""

    def _connect_url_name(self, which):
        return f"{self.opts.app_label}_{self.opts.model_name}_connect_{which}"

    def get_urls(self):
        view = self.admin_site.admin_view(self.connect_link_view)
        own = [
            path("connect-link/", view, name=self._connect_url_name("new")),
            path("<path:object_id>/connect-link/", view, name=self._connect_url_name("link")),
        ]
        return [*own, *super().get_urls()]

    # The buttons (credentials/templates/admin/credentials/*_object_tools.html).
    def changelist_view(self, request, extra_context=None):
        if self.has_change_permission(request):
            url = reverse(f"admin:{self._connect_url_name('new')}", current_app=self.admin_site.name)
            extra_context = {**(extra_context or {}), "connect_new_url": url}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self.has_change_permission(request):
            url = reverse(f"admin:{self._connect_url_name('link')}", args=[object_id], current_app=self.admin_site.name)
            extra_context = {**(extra_context or {}), "connect_link_url": url}
        return super().change_view(request, object_id, form_url, extra_context)

    def connect_link_view(self, request, object_id=None):
        """Make one link: a reconnect of `object_id`, or (without it) a new credential for a tenant chosen here."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        credential = self.get_object(request, unquote(object_id)) if object_id else None  # 404 outside the tenants
        form = ConnectLinkForm(
            request.POST if request.method == "POST" else None,
            credential=credential,
            scope=TenantScope.for_request(request),
        )
        if form.is_valid():
            try:
                link, url = create_link(
                    platform=self.platform,
                    customer_id=form.customer_id,
                    credential=credential,
                    created_by=request.user,
                    hours=form.cleaned_data["hours"],
                    allow_other_account=form.cleaned_data.get("allow_other_account", False),
                )
            except LinkRefused as exc:
                form.add_error(None, str(exc))
            else:
                made = MadeLink(self._link_target(credential), link.customer_id, url, link.expires_at)
                return self._links_made(request, [made], credential)
        title = f"Reconnect {credential}" if credential else f"Connect a new {self.platform.label} account"
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "platform": self.platform,
            "credential": credential,
            "form": form,
        }
        return TemplateResponse(request, "admin/connect/connect_link_form.html", context)

    @admin.action(description="Create reconnect links for selected credentials", permissions=["change"])
    def create_reconnect_links(self, request, queryset):
        refusal = f"Select at most {BULK_LINK_LIMIT} credentials to make reconnect links for; no link was made."
        credentials = bounded_selection(self, request, queryset, BULK_LINK_LIMIT, refusal)
        if credentials is None:
            return None
        made = []
        for credential in credentials:
            target = self._link_target(credential)
            try:
                link, url = create_link(
                    platform=self.platform,
                    customer_id=credential.customer_id,
                    credential=credential,
                    created_by=request.user,
                )
            except LinkRefused as exc:
                made.append(MadeLink(target, credential.customer_id, refused=str(exc)))
            else:
                made.append(MadeLink(target, credential.customer_id, url, link.expires_at))
        return self._links_made(request, made)

    def _link_target(self, credential):
        return str(credential) if credential is not None else f"a new {self.platform.label} credential"

    def _links_made(self, request, made, credential=None):
        """The only page that ever shows these URLs: only their hashes are kept."""
        context = {
            **self.admin_site.each_context(request),
            "title": "Connect link created" if len(made) == 1 and made[0].url else "Connect links",
            "opts": self.opts,
            "platform": self.platform,
            "credential": credential,
            "made": made,
            "created": sum(1 for m in made if m.url),
        }
        return TemplateResponse(request, "admin/connect/links_made.html", context)

    @admin.display(description="connect links")
    def connect_links(self, credential):
        if credential is None or credential.pk is None:
            return "—"
        credential_id = credential.credential_id
        links = list(
            ConnectLink.objects.filter(
                Q(credential_id=credential_id) | Q(connected_credential_id=credential_id),
                platform=self.platform.key,
                customer_id=credential.customer_id,
            )[:CREDENTIAL_PAGE_LINKS]
        )
        if not links:
            return "None yet."
        all_links = reverse("admin:connect_connectlink_changelist") + "?" + urlencode({"credential_id": credential_id})
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    status_badge(link),
                    link.created_by_name,
                    when(link.created_at),
                    when(link.expires_at),
                    link.connected_account or "—",
                )
                for link in links
            ),
        )
        return format_html(
            '<table class="connect-links"><thead><tr><th>Status</th><th>Created by</th><th>Created</th>'
            "<th>Expires</th><th>Connected account</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}">All connect links of this credential, and revoking them</a>{}</p>',
            rows,
            all_links,
            f" (the newest {CREDENTIAL_PAGE_LINKS} are shown here)" if len(links) == CREDENTIAL_PAGE_LINKS else "",
        )

    # Granted scopes lacking what posting needs (Platform.missing_scopes), from the row alone.
    @admin.display(description="missing scopes")
    def missing_scopes(self, credential):
        missing = self.platform.missing_scopes(credential) if credential is not None else []
        if not missing:
            return "—"
        return f"Missing to post: {', '.join(missing)} — reconnect with a link to grant it."

    @admin.display(description="missing scopes")
    def missing_scopes_column(self, credential):
        missing = self.platform.missing_scopes(credential)
        if not missing:
            return "—"
        return format_html('<span class="missing-scopes" style="color: #b3261e">{}</span>', ", ".join(missing))
