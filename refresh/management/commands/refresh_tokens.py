"""Run the refresh worker: until stopped (SIGTERM or Ctrl-C finish what is in flight), or one pass with --once."""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from credentials.mongo import connected_database
from refresh.worker import Worker


class Command(BaseCommand):
    help = "Renew the tokens of every due credential, as one of any number of workers coordinated through MongoDB."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass over what is due now, then exit (for cron)")
        parser.add_argument("--concurrency", type=int, default=4, help="refreshes in flight at once (default 4)")

    def handle(self, *args, once, concurrency, **options):
        if not 1 <= concurrency <= 256:
            raise CommandError(f"--concurrency takes 1 to 256, not {concurrency}")
        connected_database()  # a database that does not answer fails here, in one line
        worker = Worker(concurrency=concurrency, lease_seconds=settings.REFRESH_LEASE_SECONDS, once=once)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop())
        worker.run()
        if once:
            self.stdout.write(f"renewed {worker.renewed} credential(s)")
