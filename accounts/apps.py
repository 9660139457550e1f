"""Staff accounts: a second factor at every sign-in, lockouts, session limits, roles, and who may change whom."""

from django.apps import AppConfig, apps
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff accounts"
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"

    def ready(self):
        from . import middleware, otp_ids, otp_single_use, roles

        user_logged_in.connect(middleware.stamp_sign_in)
        otp_ids.accept_object_ids()
        otp_single_use.spend_codes_once()
        # After the credential models' permissions exist, which `migrate` creates for that app first.
        post_migrate.connect(roles.sync_roles_after_migrate, sender=apps.get_app_config("credentials"))
