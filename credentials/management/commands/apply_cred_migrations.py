"""Apply the numbered scripts of migrations_mongo/ that create the credential collections."""

import math

from bson import json_util
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from credentials.collections import MigrationRefused
from credentials.lease import LeaseLost, LockTimeout
from credentials.management.errors import one_line_errors
from credentials.migrator import MigrationError, Migrator
from credentials.mongo import connected_database


def migration_number(value):
    if not value.isdigit():
        raise ValueError(value)
    return int(value)


class Command(BaseCommand):
    help = "Apply pending credential-collection migrations (migrations_mongo/) in order."
    # The drift check would only repeat what this command is about to fix.
    requires_system_checks = []

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--list", action="store_true", help="Show every migration's status.")
        action.add_argument("--dry-run", action="store_true", help="Print the commands pending migrations would send.")
        action.add_argument(
            "--rollback",
            nargs="?",
            type=int,
            const=1,
            metavar="N",
            help="Undo the last N applied (default 1).",
        )
        action.add_argument(
            "--fake", type=migration_number, metavar="NNN", help="Record NNN as applied without running it."
        )
        parser.add_argument("--target", type=migration_number, metavar="NNN", help="Apply only up to NNN (inclusive).")
        parser.add_argument(
            "--force", action="store_true", help="With --rollback: drop collections that hold documents."
        )
        parser.add_argument(
            "--lock-timeout",
            type=float,
            default=60.0,
            metavar="SECONDS",
            help="How long to wait for another run's lock (default 60).",
        )

    def handle(self, *args, **options):
        self._check_options(options)
        lease = settings.CRED_MIGRATION_LEASE_SECONDS
        if not math.isfinite(lease) or lease <= 0:
            raise CommandError(f"CRED_MIGRATION_LEASE_SECONDS must be a positive number of seconds, not {lease}")
        with one_line_errors(MigrationError, MigrationRefused, LockTimeout, LeaseLost):
            database = connected_database()
            migrator = Migrator(
                database,
                settings.CRED_MIGRATIONS_DIR,
                lease_seconds=lease,
                echo=self.stdout.write,
            )
            self._run(migrator, options)

    @staticmethod
    def _check_options(options):
        """Refuse values and combinations that would otherwise be ignored or misread."""
        timeout = options["lock_timeout"]
        if not math.isfinite(timeout) or timeout < 0:
            raise CommandError(f"--lock-timeout takes a finite number of seconds, 0 or more, not {timeout}")
        if options["rollback"] is not None and options["rollback"] < 1:
            raise CommandError("--rollback takes a positive number of migrations")
        given = {
            "--list": options["list"],
            "--rollback": options["rollback"] is not None,
            "--fake": options["fake"] is not None,
        }
        other_action = next((flag for flag, was_given in given.items() if was_given), None)
        if options["target"] is not None and other_action:
            raise CommandError(f"--target applies to a run or a --dry-run, not to {other_action}")
        if options["force"] and options["rollback"] is None:
            raise CommandError("--force applies only to --rollback")

    def _run(self, migrator, options):
        if options["list"]:
            self._list(migrator)
        elif options["dry_run"]:
            self._dry_run(migrator, options["target"])
        elif options["rollback"] is not None:
            undone = migrator.rollback(
                options["rollback"], force=options["force"], lock_timeout=options["lock_timeout"]
            )
            if not undone:
                self.stdout.write("Nothing to roll back: no migration is applied.")
        elif options["fake"] is not None:
            migrator.fake(options["fake"], lock_timeout=options["lock_timeout"])
        else:
            applied = migrator.apply(target=options["target"], lock_timeout=options["lock_timeout"])
            if not applied:
                total = sum(1 for s in migrator.statuses() if s.applied)
                self.stdout.write(f"No pending migrations: {total} applied, nothing to do.")

    def _list(self, migrator):
        for status in migrator.statuses():
            record = status.record or {}
            when = record.get("applied_at")
            when_text = when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else ""
            if status.applied:
                state = f"applied  {when_text}"
                if record.get("faked"):
                    state += "  (faked)"
                if status.script is None:
                    state += "  SCRIPT MISSING"
                elif status.changed:
                    state += "  CHANGED since applied"
            elif record.get("status") == "failed":
                state = f"failed   {when_text}  {record.get('error')}"
            else:
                state = "pending"
            self.stdout.write(f"{status.name:<40} {state}")

    def _dry_run(self, migrator, target):
        plans = migrator.dry_run(target=target)
        if not plans:
            self.stdout.write("No pending migrations: nothing would be sent.")
        for script, commands in plans:
            self.stdout.write(f"{script.name}: {len(commands)} command(s)")
            for command in commands:
                self.stdout.write(f"  {json_util.dumps(command)}")
