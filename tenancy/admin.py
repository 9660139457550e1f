"""Tenant grants, on each user's admin page: only superusers may change them."""

from django.contrib import admin

from .models import TenantAccess


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
    can_delete = False
    verbose_name_plural = "tenants granted"
