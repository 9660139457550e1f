"""Apply the numbered scripts of migrations_mongo/ that create the credential collections; repair drift;
adopt what migrate-mongo ran."""

import math

from bson import json_util
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from credentials.collections import MigrationRefused
from credentials.lease import LeaseLost, LockTimeout
from credentials.management.errors import one_line_errors
from credentials.migrate_mongo import DEFAULT_COLLECTION as MIGRATE_MONGO_CHANGELOG
from credentials.migrator import MigrationError, Migrator, when
from credentials.mongo import connected_database


def migration_number(value):
    if not value.isdigit():
        raise ValueError(value)
    return int(value)


class Command(BaseCommand):
    help = (
        "Apply pending credential-collection migrations (migrations_mongo/) in order; or list them, "
        "dry-run, roll back, fake one, repair drifted indexes and validators, or adopt migrate-mongo's changelog."
    )
    # The drift check would only repeat what this command is about to fix.
    requires_system_checks = []

    def add_arguments(self, parser):
        # One action at most; _check_options refuses a second in one line.
        parser.add_argument(
            "--list",
            nargs="?",
            const=True,
            metavar="MIGRATE_MONGO_CHANGELOG",
            help="Show every migration's status, and which of them migrate-mongo ran by its changelog "
            f"(the collection named, else {MIGRATE_MONGO_CHANGELOG!r} if the database has one).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the commands pending migrations would send.")
        parser.add_argument(
            "--rollback",
            nargs="?",
            type=int,
            const=1,
            metavar="N",
            help="Undo the last N applied (default 1).",
        )
        parser.add_argument(
            "--fake",
            type=migration_number,
            metavar="NNN",
            help="Record NNN, not applied yet, as applied without running it.",
        )
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Recreate the contract's indexes and validators where they drifted; touches no document.",
        )
        parser.add_argument(
            "--adopt-changelog",
            nargs="?",
            const=MIGRATE_MONGO_CHANGELOG,
            metavar="COLLECTION",
            help="Record as applied what migrate-mongo's changelog (default "
            f"{MIGRATE_MONGO_CHANGELOG!r}) says it ran, as --fake does, keeping its appliedAt.",
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
            "--list": options["list"] is not None,
            "--dry-run": options["dry_run"],
            "--rollback": options["rollback"] is not None,
            "--fake": options["fake"] is not None,
            "--repair": options["repair"],
            "--adopt-changelog": options["adopt_changelog"] is not None,
        }
        actions = [flag for flag, was_given in given.items() if was_given]
        if len(actions) > 1:
            raise CommandError(f"{actions[0]} and {actions[1]} cannot be combined: choose one")
        other_action = next((flag for flag in actions if flag != "--dry-run"), None)
        if options["target"] is not None and other_action:
            raise CommandError(f"--target applies to a run or a --dry-run, not to {other_action}")
        if options["force"] and options["rollback"] is None:
            raise CommandError("--force applies only to --rollback")

    def _run(self, migrator, options):
        if options["list"] is not None:
            self._list(migrator, options["list"])
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
        elif options["repair"]:
            repaired = migrator.repair(lock_timeout=options["lock_timeout"])
            self.stdout.write(
                f"Repaired {len(repaired)} collection(s); no document was touched."
                if repaired
                else "Nothing drifted: every collection has the contract's indexes and validator."
            )
        elif options["adopt_changelog"] is not None:
            adopted = migrator.adopt(options["adopt_changelog"], lock_timeout=options["lock_timeout"])
            self.stdout.write(
                f"Adopted {len(adopted)} migration(s) from {options['adopt_changelog']}; none of them was run."
            )
        else:
            applied = migrator.apply(target=options["target"], lock_timeout=options["lock_timeout"])
            if not applied:
                total = sum(1 for s in migrator.statuses() if s.applied)
                self.stdout.write(f"No pending migrations: {total} applied, nothing to do.")

    def _list(self, migrator, changelog):
        named = changelog is not True
        foreign = migrator.foreign_changelog(changelog if named else MIGRATE_MONGO_CHANGELOG, required=named)
        ran = foreign.ran if foreign else {}
        for status in migrator.statuses():
            record = status.record or {}
            if status.applied:
                state = f"applied  {when(record)}"
                if record.get("adopted_from"):
                    state += f"  (adopted from {record['adopted_from']})"
                elif record.get("faked"):
                    state += "  (faked)"
                if status.script is None:
                    state += "  SCRIPT MISSING"
                elif status.changed:
                    state += "  CHANGED since applied"
            elif record.get("status") == "failed":
                state = f"failed   {when(record)}  {record.get('error')}"
            else:
                state = "pending"
            if status.name in ran:
                state += f"  migrate-mongo ran it {when({'applied_at': ran[status.name]})}"
            self.stdout.write(f"{status.name:<40} {state}")
        if foreign:
            self._list_foreign(migrator, foreign)

    def _list_foreign(self, migrator, foreign):
        for file_name, why in foreign.ignored:
            self.stdout.write(f"{foreign.collection}: {file_name} ignored: {why}")
        applied = {s.name for s in migrator.statuses() if s.applied}
        to_adopt = [name for name in foreign.ran if name not in applied]
        if to_adopt:
            self.stdout.write(
                f"migrate-mongo's {foreign.collection} says it ran {len(to_adopt)} migration(s) not recorded here: "
                f"`apply_cred_migrations --adopt-changelog {foreign.collection}` records them as applied."
            )

    def _dry_run(self, migrator, target):
        plans = migrator.dry_run(target=target)
        if not plans:
            self.stdout.write("No pending migrations: nothing would be sent.")
        for script, commands in plans:
            self.stdout.write(f"{script.name}: {len(commands)} command(s)")
            for command in commands:
                self.stdout.write(f"  {json_util.dumps(command)}")
