"""Who may change which staff account: only superusers touch anything that grants access.

A staff user allowed to change users may edit names and e-mail addresses; passwords,
activity, usernames, staff and superuser flags, roles, permissions, tenant grants and
second factors are a superuser's alone. Everyone changes their own password on
/admin/password_change/, which asks for the old one.
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenancy.admin import SuperuserOnly, TenantAccessInline

from .middleware import end_sessions_of
from .recovery_codes import codes_left

User = get_user_model()
# What grants or takes away access: a superuser's to change, on anyone.
ACCESS_FIELDS = ("username", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")
SECOND_FACTOR_RESET_MESSAGE = "Reset second factor"


class SuperusersOnlyAdmin:
    """A page only superusers see at all, whatever permissions others are given."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.action(description="Reset the second factor of selected users", permissions=["reset_second_factor"])
def reset_second_factor(modeladmin, request, queryset):
    """Removes their authenticator and recovery codes and signs them out everywhere: their
    next sign-in, with the password, enrolls anew."""
    users = list(queryset)
    for user in users:
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        end_sessions_of(user)
    LogEntry.objects.log_actions(
        user_id=request.user.pk, queryset=users, action_flag=CHANGE, change_message=SECOND_FACTOR_RESET_MESSAGE
    )
    modeladmin.message_user(
        request,
        f"Reset the second factor of {len(users)} user(s): each enrolls a new authenticator at their next sign-in.",
        messages.SUCCESS,
    )


class ConsoleUserAdmin(UserAdmin):
    inlines = [TenantAccessInline]
    actions = [reset_second_factor]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, ("Second factor", {"fields": ["second_factor"]})]

    def get_readonly_fields(self, request, obj=None):
        readonly = (*super().get_readonly_fields(request, obj), "second_factor")
        return readonly if request.user.is_superuser else (*readonly, *ACCESS_FIELDS)

    @admin.display(description="second factor")
    def second_factor(self, user):
        enrolled = "authenticator app enrolled" if TOTPDevice.objects.filter(user=user).exists() else "none enrolled"
        return f"{enrolled}; {codes_left(user)} recovery code(s) left"

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_reset_second_factor_permission(self, request):
        return request.user.is_superuser

    def user_change_password(self, request, id, form_url=""):
        # Setting a password without the old one is taking over the account.
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


class ConsoleGroupAdmin(SuperuserOnly, GroupAdmin):
    """Roles: anyone with the permission may read them; only superusers change what they grant."""


def superusers_only(admin_class):
    return type(admin_class.__name__, (SuperusersOnlyAdmin, admin_class), {})


admin.site.unregister(User)
admin.site.register(User, ConsoleUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, ConsoleGroupAdmin)
# Lockouts: superusers see them and lift one by deleting its attempt.
for model, model_admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, superusers_only(model_admin))
# Devices hold their secret keys and would let whoever edits them plant one on any account;
# a superuser resets a user's second factor from the user's page instead.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
