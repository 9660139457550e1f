"""What a page read from MongoDB: the commands it sent (pymongo's command monitoring), and what they examined.

`READS` must be registered before the first MongoClient is made (it is, at import: test modules
are imported before any test opens the database). The benchmarks pass it to their client too.
"""

from contextlib import contextmanager

from pymongo import monitoring

EXPLAINED = ("find", "aggregate")
# Replaying a page's commands: the reads that can be sent again, and what a driver adds that is its own.
READS_SENT = ("find", "aggregate", "count", "distinct")
SESSION_FIELDS = ("$db", "lsid", "$clusterTime", "$readPreference")
# What a driver adds to a command that explain must not be given.
DRIVER_FIELDS = ("$db", "lsid", "$clusterTime", "$readPreference", "txnNumber", "cursor")


class CommandRecorder(monitoring.CommandListener):
    """Records the commands sent while `recording()` is open."""

    def __init__(self):
        self.reads = None

    def started(self, event):
        if self.reads is not None:
            self.reads.sent.append((event.database_name, dict(event.command)))

    def succeeded(self, event):
        if self.reads is not None:
            self.reads.database_ms += event.duration_micros / 1000

    def failed(self, event):
        self.succeeded(event)

    @contextmanager
    def recording(self):
        self.reads = PageReads()
        try:
            yield self.reads
        finally:
            self.reads = None


class PageReads:
    """The reads one page sent, and how long the page waited for the database's answers (all commands)."""

    def __init__(self):
        self.sent = []  # every command, reads or not
        self.database_ms = 0.0

    @property
    def commands(self):
        """The reads `explain` can measure (find and aggregate)."""
        return [(database, command) for database, command in self.sent if next(iter(command)) in EXPLAINED]

    def on(self, collection_suffix):
        return [
            (database, command)
            for database, command in self.commands
            if command[next(iter(command))].endswith(collection_suffix)
        ]

    def documents_examined(self, client, collection_suffix="_credentials"):
        """The documents the server read for the reads of the collections named so, by `explain`."""
        total = 0
        for database, command in self.on(collection_suffix):
            plain = {key: value for key, value in command.items() if key not in DRIVER_FIELDS}
            explained = client[database].command("explain", plain, verbosity="executionStats")
            total += explained["executionStats"]["totalDocsExamined"]
        return total

    def replayed(self, client):
        """A function sending the commands the page sent again, as raw pymongo (`client`): the least any page
        doing those reads can cost. Only a page of single-batch reads can be replayed so."""
        names = [next(iter(command)) for _database, command in self.sent]
        if unreplayable := [name for name in names if name not in READS_SENT]:
            raise ValueError(f"the page sent {unreplayable[0]}: only single-batch reads can be replayed")
        commands = [
            (database, {key: value for key, value in command.items() if key not in SESSION_FIELDS})
            for database, command in self.sent
        ]

        def replay():
            for database, command in commands:
                client[database].command(command)

        return replay


READS = CommandRecorder()
monitoring.register(READS)
