"""The console's admin site: Django's, behind a second factor, with the console's own pages."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, register_converter, reverse

from accounts.views import account_view, must_enroll, recovery_codes_view, safe_next, start_enrollment
from customers.page import customer_view
from customers.search import customer_search_view

from .actions import posted_keys
from .overview import overview_view


class TenantIdConverter:
    """Any stored tenant id, newlines included (legacy documents may hold one): <path:> stops at them,
    and a page linking to such a tenant would fail to render."""

    regex = r"[\s\S]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TenantIdConverter, "tenant")


class ObjectIdSelection:
    """A bulk action posted with an id that cannot be one of this model's keys is a 404, not a 500."""

    def response_action(self, request, queryset):
        posted_keys(self.opts, request)
        return super().response_action(request, queryset)


def no_page_outside_the_console(request, content_type_id, object_id):
    """Django's "view on site" redirect. Nothing here has a page outside the console, so every
    id answers the same 404: malformed, missing, or another tenant's cannot be told apart."""
    raise Http404("No such page.")


class ConsoleAdminSite(admin.AdminSite):
    site_header = "Credentials console"
    site_title = "Credentials console"
    index_title = "Credentials of customers' accounts"
    index_template = "admin/credentials/index.html"
    site_url = None  # no public site: no "view site" link

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every page of the site, the third-party ones included, gets the id check above.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ObjectIdSelection):
            admin_class = type(admin_class.__name__, (ObjectIdSelection, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request):
        """Staff, and (unless development turned it off) verified by a second factor this session."""
        if not super().has_permission(request):
            return False
        return not settings.CONSOLE_REQUIRE_MFA or request.user.is_verified()

    def login(self, request, extra_context=None):
        # Signing in, second factor included, lives at /account/login/.
        next_url = safe_next(request) or reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return redirect(next_url)
        if request.user.is_staff and must_enroll(request.user):
            return start_enrollment(request, next_url)
        return redirect_to_login(next_url, settings.LOGIN_URL)

    def get_urls(self):
        def page(view):
            return self.admin_view(lambda request, **kwargs: view(self, request, **kwargs))

        own = [
            path("credentials/overview/", page(overview_view), name="credentials_overview"),
            path("credentials/customer/", page(customer_search_view), name="credentials_customer_search"),
            path("credentials/customer/<tenant:customer_id>/", page(customer_view), name="credentials_customer"),
            path("account/", page(account_view), name="account"),
            path("account/recovery-codes/", page(recovery_codes_view), name="account_recovery_codes"),
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                self.admin_view(no_page_outside_the_console),
                name="view_on_site",
            ),
        ]
        return [*own, *super().get_urls()]
