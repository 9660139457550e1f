"""Tenant grants, on each user's admin page: only superusers may change them."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

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


class ConsoleUserAdmin(UserAdmin):
    inlines = [TenantAccessInline]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return readonly
        # Nor can a staff user who may edit users make anyone (themselves) more powerful.
        return (*readonly, "is_superuser", "is_staff", "groups", "user_permissions")


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), ConsoleUserAdmin)
