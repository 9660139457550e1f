"""Ready-made staff roles, so that a superuser grants a role instead of ticking permissions.

Kept in step with the platform registry by every `python manage.py migrate`: a new
platform's credentials join both roles, and a role's permissions are exactly these.
"""

from django.contrib.auth.models import Group, Permission

from credentials.platforms import REGISTRY

# Role name -> what it may do on every platform's credentials. Bulk actions need "change";
# history and CSV exports need "view".
ROLES = {
    "Credential support": ("view", "change"),
    "Credential auditor": ("view",),
}


def role_permissions(actions):
    codenames = [f"{action}_{p.model._meta.model_name}" for p in REGISTRY.values() for action in actions]
    return Permission.objects.filter(content_type__app_label="credentials", codename__in=codenames)


def sync_roles():
    for name, actions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(role_permissions(actions))


def sync_roles_after_migrate(sender, **kwargs):
    sync_roles()
