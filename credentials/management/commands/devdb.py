"""Run the embedded development database (SecantusDB) in the foreground."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the embedded development database on 127.0.0.1 until interrupted."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=27018, help="Port to listen on (default 27018).")
        parser.add_argument(
            "--data-dir", default=".devdb", help="Where data is kept across restarts (default ./.devdb)."
        )
        parser.add_argument("--memory", action="store_true", help="Keep data in memory only, gone when it stops.")

    def handle(self, *args, port, data_dir, memory, **options):
        from credsite.devdb import DevDatabaseError, start_server

        try:
            server = start_server(port=port, data_dir=":memory:" if memory else data_dir)
        except DevDatabaseError as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:  # WiredTiger refusing a locked or damaged data dir, say
            raise CommandError(f"cannot start the embedded database: {exc}") from exc
        where = "in memory" if memory else f"data in {data_dir}"
        self.stdout.write(f"Embedded MongoDB (SecantusDB) listening on {server.uri} ({where})", ending="\n")
        self.stdout.flush()
        stopped = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopped.set())
        stopped.wait()
        server.stop()
        self.stdout.write("Embedded database stopped.")
