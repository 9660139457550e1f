"""Print a new key for CREDENTIALS_ENCRYPTION_KEYS."""

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand

from credentials.secrets import key_id


class Command(BaseCommand):
    help = (
        "Print a new Fernet key. To rotate: put it first in CREDENTIALS_ENCRYPTION_KEYS, keep "
        "the old keys after it, run rotate_cred_keys, then remove the old keys."
    )
    requires_system_checks = []  # it must work before any key is configured

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print the key alone.")

    def handle(self, *args, quiet, **options):
        key = Fernet.generate_key().decode()
        self.stdout.write(key)
        if not quiet:
            self.stderr.write(
                f"Key id {key_id(key)}. Put it first in CREDENTIALS_ENCRYPTION_KEYS (comma-separated, "
                "old keys after it) and keep it secret."
            )
