"""Make a connect link from a shell and print its URL, nothing else, on stdout."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connect.links import MAX_LINK_HOURS, LinkRefused, create_link
from credentials.platforms import REGISTRY, get_platform


class Command(BaseCommand):
    help = (
        "Make a link for tenant CUSTOMER_ID to connect a new PLATFORM account, or with --credential to reconnect "
        "that credential, and print its URL. It is shown this once: only its hash is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("platform", metavar="PLATFORM", help=f"one of {', '.join(REGISTRY)}")
        parser.add_argument("customer_id", metavar="CUSTOMER_ID", help="the tenant")
        parser.add_argument("--credential", metavar="CREDENTIAL_ID", help="the tenant's credential to reconnect")
        # Read as text so that a bad value fails in one line like every other refusal.
        parser.add_argument(
            "--expires-in",
            metavar="HOURS",
            help=f"how long the link works (default {settings.CONNECT_LINK_HOURS:g}, at most {MAX_LINK_HOURS})",
        )
        parser.add_argument(
            "--allow-other-account",
            action="store_true",
            help="with --credential: the customer may connect another account than the credential names",
        )

    def handle(self, *args, platform, customer_id, credential, expires_in, allow_other_account, **options):
        try:
            entry = get_platform(platform)
        except KeyError as exc:
            raise CommandError(exc.args[0]) from None
        customer_id = customer_id.strip()
        if not customer_id:
            raise CommandError("the customer id cannot be blank")
        if allow_other_account and not credential:
            raise CommandError("--allow-other-account goes with --credential")
        target = None
        if credential:
            target = entry.model.objects.filter(credential_id=credential, customer_id=customer_id).first()
            if target is None:
                raise CommandError(f"tenant {customer_id!r} has no {entry.label} credential {credential!r}")
        try:
            _link, url = create_link(
                platform=entry,
                customer_id=customer_id,
                credential=target,
                hours=self.hours(expires_in),
                allow_other_account=allow_other_account,
            )
        except LinkRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(url)

    @staticmethod
    def hours(text):
        if text is None:
            return None
        try:
            return float(text)
        except ValueError:
            raise CommandError(f"--expires-in takes a number of hours, not {text!r}") from None
