"""Grant a staff user tenants (customer ids), or revoke them."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from credentials.platforms import REGISTRY
from tenancy.models import TenantAccess
from tenancy.tenant_ids import tenant_id_error

LISTED_UP_TO = 20  # tenants named in the closing sentence; beyond, only counted


def without_credentials(customer_ids):
    """Those of `customer_ids` that no credential on any platform names yet (a typo, or a customer to come)."""
    named = set()
    for platform in REGISTRY.values():
        credentials = platform.model._default_manager.filter(customer_id__in=sorted(customer_ids))
        named.update(credentials.values_list("customer_id", flat=True).distinct())
    return sorted(set(customer_ids) - named)


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
        for customer_id in customer_ids:
            if error := tenant_id_error(customer_id.strip()):
                raise CommandError(f"{customer_id.strip()!r}: {error}")
        access, _ = TenantAccess.objects.get_or_create(user=user)
        before = set(access.customer_ids)
        given = {c.strip() for c in customer_ids}
        access.customer_ids = sorted(before - given if revoke else before | given)
        access.save()
        if user.is_superuser:
            self.stderr.write(f"Note: {username} is a superuser and sees every tenant regardless.")
        if not user.is_staff:
            self.stderr.write(f"Note: {username} is not staff and cannot sign in to the console.")
        if revoke and given - before:
            self.stderr.write(f"Note: {username} had no grant of {', '.join(sorted(given - before))} to revoke.")
        unknown = [] if revoke else without_credentials(given)
        if unknown:
            self.stderr.write(
                f"Warning: no credential has the tenant id{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} yet; "
                "granted all the same (check the spelling if it should have)."
            )
        verb = "Revoked" if revoke else "Granted"
        self.stdout.write(f"{verb} {', '.join(sorted(given))}. {self._now_has(username, access.customer_ids)}")

    @staticmethod
    def _now_has(username, tenants):
        if not tenants:
            return f"{username} now has no tenants granted."
        if len(tenants) > LISTED_UP_TO:
            return f"{username} now has {len(tenants)} tenants."
        return f"{username} now has {len(tenants)} tenant(s): {', '.join(tenants)}."
