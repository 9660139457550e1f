"""Numbered migration scripts for the credential collections, applied once each.

A script `migrations_mongo/NNN_description.py` defines `up(db)` and `down(db, force=False)`,
where `db` is a pymongo Database. Applied scripts are recorded in a changelog collection
with their checksum; a lease lock keeps concurrent runs from applying one twice, and a
run checks that it still holds the lock before each script and each changelog entry, so
a run that stalled past its lease stops rather than repeat what another run has done.

Under the same lock, `repair` recreates the contract's indexes and validators where the
database drifted from them after the migrations ran (credentials.drift), and `adopt` records
as applied the migrations that migrate-mongo's changelog says the Node tool already ran.
"""

import hashlib
import importlib.util
import re
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from pymongo.collection import Collection

from .drift import RepairRefused, contract_drift, repair
from .lease import LeaseLock, LeaseLost
from .migrate_mongo import read_changelog
from .mongo import one_line

CHANGELOG_COLLECTION = "cred_migrations_changelog"
LOCK_COLLECTION = "cred_migrations_lock"
LOCK_NAME = "apply_cred_migrations"
SCRIPT_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.py$")


class MigrationError(Exception):
    """A migration problem the operator must act on; the message says what and where."""


def describe(exc):
    """`exc` in one line: a script's exception may carry newlines; errors and --list may not."""
    return one_line(exc if isinstance(exc, MigrationError) else f"{type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class MigrationScript:
    number: int
    name: str
    path: Path

    @cached_property
    def checksum(self):
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def load(self):
        spec = importlib.util.spec_from_file_location(f"migrations_mongo.m{self.name}", self.path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # a script's import can raise anything: report it, whatever it is
            raise MigrationError(f"cannot load {self.path.name}: {describe(exc)}") from exc
        for function in ("up", "down"):
            if not callable(getattr(module, function, None)):
                raise MigrationError(f"{self.path.name} defines no {function}(db) function")
        return module


def discover(directory):
    directory = Path(directory)
    if not directory.is_dir():
        raise MigrationError(f"migrations directory {directory} does not exist")
    scripts = {}
    for path in sorted(directory.glob("[0-9]*.py")):
        match = SCRIPT_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name} is not named NNN_description.py")
        number = int(match.group(1))
        if number in scripts:
            raise MigrationError(f"{path.name} and {scripts[number].path.name} share number {number:03d}")
        scripts[number] = MigrationScript(number, path.stem, path)
    return [scripts[n] for n in sorted(scripts)]


# The write methods of a pymongo Collection: a fenced script may call them only while its run
# still holds the lock.
COLLECTION_WRITES = frozenset(
    {
        "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
        "delete_many", "bulk_write", "find_one_and_update", "find_one_and_replace",
        "find_one_and_delete", "create_index", "create_indexes", "drop_index", "drop_indexes",
        "drop", "rename",
    }
)  # fmt: skip


class FencedDatabase:
    """The Database a script (or the repair) runs against while its run holds the lock:
    every write it sends first checks, by the lock's token, that the run still holds it.

    A run that stalls inside a script and resumes after another took over is stopped at
    the script's next write, not after the script has done its work a second time.
    `where` names the work in the message, e.g. the script's name.
    """

    def __init__(self, database, lock, where):
        self._database = database
        self._lock = lock
        self._where = where

    def _fence(self, what):
        self._lock.ensure_held(before=f"{what} in {self._where}")

    def command(self, command, *args, **kwargs):
        self._fence(f"sending {next(iter(command))}")
        return self._database.command(command, *args, **kwargs)

    def __getitem__(self, name):
        return FencedCollection(self._database[name], self._fence)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        attribute = getattr(self._database, name)  # `db.markers` is a collection, as in pymongo
        return FencedCollection(attribute, self._fence) if isinstance(attribute, Collection) else attribute


class FencedCollection:
    def __init__(self, collection, fence):
        self._collection = collection
        self._fence = fence

    def __getattr__(self, name):
        attribute = getattr(self._collection, name)
        if name not in COLLECTION_WRITES:
            return attribute

        def fenced_write(*args, **kwargs):
            self._fence(f"{name} on {self._collection.name}")
            return attribute(*args, **kwargs)

        return fenced_write


class RecordingDatabase:
    """A Database that reads for real but records write commands instead of sending them.

    It remembers the collections its recorded commands would create or drop, so that a
    later script in the same dry run plans against the database as it would then be.
    """

    def __init__(self, database):
        self._database = database
        self.commands = []
        self._created, self._dropped = set(), set()

    def command(self, command, *args, **kwargs):
        self.commands.append(command)
        if "create" in command:
            self._created.add(command["create"])
            self._dropped.discard(command["create"])
        elif "drop" in command:
            self._dropped.add(command["drop"])
            self._created.discard(command["drop"])
        return {"ok": 1.0}

    def list_collection_names(self, *args, **kwargs):
        names = set(self._database.list_collection_names(*args, **kwargs))
        return sorted((names | self._created) - self._dropped)

    def __getitem__(self, name):
        return self._database[name]

    def __getattr__(self, name):
        return getattr(self._database, name)


@dataclass(frozen=True)
class Status:
    script: MigrationScript | None
    record: dict | None

    @property
    def name(self):
        return self.script.name if self.script else self.record["_id"]

    @property
    def applied(self):
        return bool(self.record) and self.record.get("status") == "applied"

    @property
    def changed(self):
        return self.applied and self.script and self.record.get("checksum") != self.script.checksum


class Migrator:
    def __init__(self, database, directory, *, lease_seconds=60.0, echo=print):
        self.database = database
        self.directory = directory
        self.lease_seconds = lease_seconds
        self.echo = echo
        self.changelog = database[CHANGELOG_COLLECTION]

    @cached_property
    def scripts(self):
        return discover(self.directory)

    def script(self, number):
        for script in self.scripts:
            if script.number == number:
                return script
        raise MigrationError(f"no migration numbered {number:03d} in {self.directory}")

    def statuses(self):
        """Every known migration, scripts and changelog merged, in number order."""
        # Only our records: a migrate-mongo entry ({fileName, appliedAt}) could share the collection.
        records = {r["_id"]: r for r in self.changelog.find({"fileName": {"$exists": False}})}
        statuses = [Status(s, records.pop(s.name, None)) for s in self.scripts]
        statuses += [Status(None, r) for r in records.values()]
        return sorted(statuses, key=lambda s: s.name)

    def pending(self, target=None):
        applied = {s.name for s in self.statuses() if s.applied}
        return [s for s in self.scripts if s.name not in applied and (target is None or s.number <= target)]

    def _locked(self, work, lock_timeout):
        """`work(lock)` while holding the migration lock; `work` fences its steps with it."""
        lock = LeaseLock(self.database[LOCK_COLLECTION], LOCK_NAME, lease_seconds=self.lease_seconds)
        lock.acquire(timeout=lock_timeout)
        try:
            return work(lock)
        finally:
            lock.release()

    def apply(self, *, target=None, lock_timeout=60.0):
        """Apply pending migrations up to `target`; returns the names applied."""
        if target is not None:
            self.script(target)
        return self._locked(lambda lock: [self._apply_one(s, lock) for s in self.pending(target)], lock_timeout)

    def dry_run(self, *, target=None):
        """The commands each pending migration would send: [(script, [command, ...])]."""
        plans = []
        recorder = RecordingDatabase(self.database)
        for script in self.pending(target):
            recorder.commands = []
            try:
                script.load().up(recorder)
            except Exception as exc:
                raise MigrationError(f"{script.name} failed in the dry run: {describe(exc)}") from exc
            plans.append((script, recorder.commands))
        return plans

    def _record(self, lock, script, status, *, applied_at, duration_ms=0, error=None, **extra):
        """Write `script`'s changelog entry, if this run still holds the lock."""
        lock.ensure_held(before=f"recording {script.name} as {status}")
        self.changelog.replace_one(
            {"_id": script.name},
            {
                "number": script.number,
                "checksum": script.checksum,
                "applied_at": applied_at,
                "host": socket.gethostname(),
                "status": status,
                "error": error,
                "duration_ms": duration_ms,
                **extra,
            },
            upsert=True,
        )

    def _apply_one(self, script, lock):
        lock.ensure_held(before=f"running {script.name}")
        applied_at, started = datetime.now(UTC), time.monotonic()
        try:
            script.load().up(FencedDatabase(self.database, lock, script.name))
        except LeaseLost:
            raise  # nothing may be recorded: another run holds the lock now
        except Exception as exc:
            error = describe(exc)
            self._record(lock, script, "failed", applied_at=applied_at, duration_ms=self._ms(started), error=error)
            raise MigrationError(f"{script.name} failed: {error}") from exc
        duration_ms = self._ms(started)
        self._record(lock, script, "applied", applied_at=applied_at, duration_ms=duration_ms)
        self.echo(f"applied {script.name} ({duration_ms} ms)")
        return script.name

    @staticmethod
    def _ms(started):
        return round((time.monotonic() - started) * 1000)

    def rollback(self, count=1, *, force=False, lock_timeout=60.0):
        """Undo the last `count` applied migrations, newest first; returns their names."""

        def work(lock):
            applied = list(self.changelog.find({"status": "applied"}).sort([("applied_at", -1), ("number", -1)]))
            undone = []
            for record in applied[:count]:
                script = self.script(record["number"])
                lock.ensure_held(before=f"rolling back {script.name}")
                try:
                    script.load().down(FencedDatabase(self.database, lock, script.name), force=force)
                except LeaseLost:
                    raise
                except Exception as exc:
                    raise MigrationError(f"rolling back {script.name} failed: {exc}") from exc
                lock.ensure_held(before=f"removing {script.name} from the changelog")
                self.changelog.delete_one({"_id": script.name})
                self.echo(f"rolled back {script.name}")
                undone.append(script.name)
            return undone

        return self._locked(work, lock_timeout)

    def fake(self, number, *, lock_timeout=60.0):
        """Record a migration as applied without running it; refused if it is applied already."""
        script = self.script(number)

        def work(lock):
            record = self.changelog.find_one({"_id": script.name, "status": "applied"})
            if record:
                raise MigrationError(
                    f"{script.name} is applied already ({when(record)}); --fake records only a migration not applied, "
                    "and its record stays as it is"
                )
            self._record(lock, script, "applied", applied_at=datetime.now(UTC), faked=True)
            self.echo(f"recorded {script.name} as applied without running it")

        self._locked(work, lock_timeout)

    def repair(self, *, lock_timeout=60.0):
        """Recreate the contract's indexes and validators where they drifted, echoing per collection
        what was done; returns the names of the collections repaired. Never touches a document."""

        def work(lock):
            pending = self.pending()
            if pending:
                raise MigrationError(
                    f"{len(pending)} migration(s) pending, from {pending[0].name}: apply them first "
                    "(apply_cred_migrations); --repair mends what drifted after they ran"
                )
            database = FencedDatabase(self.database, lock, "the repair")
            repaired = []
            for drift in contract_drift(self.database):
                if not drift:
                    self.echo(f"{drift.collection}: nothing drifted")
                    continue
                done = []
                try:
                    done.extend(repair(database, drift))
                except LeaseLost:
                    raise
                except RepairRefused as exc:
                    raise MigrationError(f"cannot repair {drift.collection}: {exc}") from exc
                except Exception as exc:
                    so_far = f" after it {'; '.join(done)}" if done else ""
                    raise MigrationError(f"repairing {drift.collection} failed{so_far}: {describe(exc)}") from exc
                self.echo(f"{drift.collection}: {'; '.join(done)}")
                repaired.append(drift.collection)
            return repaired

        return self._locked(work, lock_timeout)

    def foreign_changelog(self, collection, *, required=True):
        """What migrate-mongo's changelog `collection` says it ran (migrate_mongo.ForeignChangelog).

        A collection that is missing, or holds none of migrate-mongo's entries, is a MigrationError
        when `required`, else None.
        """
        found = read_changelog(self.database, collection, [s.name for s in self.scripts])
        if found is None:
            if not required:
                return None
            raise MigrationError(
                f"the database {self.database.name} has no collection {collection}: "
                "name the collection migrate-mongo's configuration names (changelogCollectionName)"
            )
        if not found.entries:
            if not required:
                return None
            raise MigrationError(f"{collection} holds no entries of migrate-mongo's ({{fileName, appliedAt}})")
        return found

    def adopt(self, collection, *, lock_timeout=60.0):
        """Record as applied (as --fake does, keeping migrate-mongo's appliedAt) each of our
        migrations that migrate-mongo's changelog `collection` says it ran; returns their names."""
        foreign = self.foreign_changelog(collection)

        def work(lock):
            recorded = {s.name: s.record for s in self.statuses() if s.record}
            adopted = []
            for script in self.scripts:
                if script.name not in foreign.ran:
                    continue
                if script.name in recorded:
                    # A failed run's record stays for the operator to look at, never marked applied.
                    self.echo(f"skipped {script.name}: recorded here already as {recorded[script.name].get('status')}")
                    continue
                applied_at = foreign.ran[script.name]
                self._record(lock, script, "applied", applied_at=applied_at, faked=True, adopted_from=collection)
                self.echo(f"recorded {script.name} as applied {when({'applied_at': applied_at})}, as {collection} says")
                adopted.append(script.name)
            for file_name, why in foreign.ignored:
                self.echo(f"ignored {file_name}: {why}")
            return adopted

        return self._locked(work, lock_timeout)


def when(record):
    """When a changelog record says its migration was applied, as --list shows it."""
    applied_at = record.get("applied_at")
    return applied_at.strftime("%Y-%m-%d %H:%M:%S UTC") if applied_at else "at an unknown time"
