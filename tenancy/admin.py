"""Tenant grants, on each user's admin page: only superusers may change them."""

from django import forms
from django.contrib import admin

from .models import TenantAccess
from .tenant_ids import tenant_id_error


class TenantAccessForm(forms.ModelForm):
    class Meta:
        model = TenantAccess
        fields = ("customer_ids",)

    def clean_customer_ids(self):
        customer_ids = [customer_id.strip() for customer_id in self.cleaned_data["customer_ids"]]
        for customer_id in customer_ids:
            if error := tenant_id_error(customer_id):
                raise forms.ValidationError(f"“{customer_id}”: {error}")
        return customer_ids


class SuperuserOnly:
    """Only superusers grant tenants, so no staff user can widen their own reach."""

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class TenantAccessInline(SuperuserOnly, admin.StackedInline):
    model = TenantAccess
    form = TenantAccessForm
    can_delete = False
    verbose_name_plural = "tenants granted"
