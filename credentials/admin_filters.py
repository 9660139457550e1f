"""List filters of the credential pages."""

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR
from django.utils import timezone

from .health import health_q
from .models import Health


class TenantFilter(admin.SimpleListFilter):
    """Exact tenant id in a text box: with thousands of tenants, no list of them all."""

    title = "tenant"
    parameter_name = "customer_id"
    template = "admin/credentials/text_filter.html"

    def __init__(self, request, params, model, model_admin):
        # The box submits a GET form of its own: carry the other filters and the search along.
        self.other_params = [
            (key, value)
            for key, values in request.GET.lists()
            if key not in (self.parameter_name, PAGE_VAR)
            for value in values
        ]
        super().__init__(request, params, model, model_admin)

    def has_output(self):
        return True

    def lookups(self, request, model_admin):
        return ()

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        return queryset.filter(customer_id=value) if value else queryset


class HealthFilter(admin.SimpleListFilter):
    """By health (credentials.health), each choice one query over the stored fields."""

    title = "health"
    parameter_name = "health"

    def __init__(self, request, params, model, model_admin):
        self.platform = model_admin.platform
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return Health.choices

    def queryset(self, request, queryset):
        if self.value() not in Health.values:
            return queryset
        return queryset.filter(health_q(self.platform, self.value(), timezone.now()))
