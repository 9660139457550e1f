"""Grant a staff user tenants (customer ids), or revoke them."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tenancy.models import TenantAccess


class Command(BaseCommand):
    help = "Grant USERNAME the given tenants (customer ids); with --revoke, take them away."
    # Neither the encryption keys nor the credential collections bear on tenant grants.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("customer_ids", nargs="+", metavar="CUSTOMER_ID")
        parser.add_argument("--revoke", action="store_true", help="Remove these tenants instead.")

    def handle(self, *args, username, customer_ids, revoke, **options):
        users = get_user_model()
        try:
            user = users.objects.get(**{users.USERNAME_FIELD: username})
        except users.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None
        blank = [c for c in customer_ids if not c.strip()]
        if blank:
            raise CommandError("customer ids cannot be blank")
        access, _ = TenantAccess.objects.get_or_create(user=user)
        granted = set(access.customer_ids)
        given = {c.strip() for c in customer_ids}
        granted = granted - given if revoke else granted | given
        access.customer_ids = sorted(granted)
        access.save()
        if user.is_superuser:
            self.stderr.write(f"Note: {username} is a superuser and sees every tenant regardless.")
        if not user.is_staff:
            self.stderr.write(f"Note: {username} is not staff and cannot sign in to the console.")
        verb = "Revoked" if revoke else "Granted"
        self.stdout.write(
            f"{verb} {', '.join(sorted(given))}. {username} now has {len(granted)} tenant(s)"
            + (f": {', '.join(access.customer_ids)}" if len(granted) <= 20 else "")
        )
