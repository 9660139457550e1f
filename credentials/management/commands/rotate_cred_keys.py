"""Re-encrypt every credential secret as enc:v2 under the first key of CREDENTIALS_ENCRYPTION_KEYS."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from credentials.management.errors import one_line_errors
from credentials.mongo import connected_database
from credentials.platforms import REGISTRY
from credentials.rotation import rotate_collection
from credentials.secrets import keyring


class Command(BaseCommand):
    help = (
        "Re-encrypt all secrets of the seven collections as enc:v2 under the current (first) key, "
        "upgrading enc:v1 values and encrypting plain text found. Idempotent; run it again to "
        "resume after an interruption."
    )

    # It checks the keys itself and fails in one line; the drift check has no bearing on it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")
        parser.add_argument("--batch-size", type=int, default=500, help="Documents per bulk write (default 500).")

    def handle(self, *args, dry_run, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        with one_line_errors(ImproperlyConfigured):
            current = keyring().current_id
            database = connected_database()
            self.stdout.write(
                f"Dry run: counting what re-encrypting under key {current} would change; nothing is written."
                if dry_run
                else f"Re-encrypting under key {current}"
            )
            for platform in REGISTRY.values():
                report = rotate_collection(
                    database[platform.collection],
                    platform.secret_fields,
                    batch_size=batch_size,
                    dry_run=dry_run,
                    progress=None if dry_run else self._progress,  # a dry run names each collection once
                )
                for credential_id, name, why in report.undecryptable:
                    self.stdout.write(f"  {platform.collection} {credential_id} {name}: {why} (left as it is)")
                self.stdout.write(report.summary())

    def _progress(self, report):
        if report.documents:
            self.stdout.write(f"  {report.collection}: {report.documents} documents read")
            self.stdout.flush()
