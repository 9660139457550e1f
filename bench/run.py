"""`make bench`: the console's speed figures, on a database server of the benchmarks' own."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_server, setup_django  # noqa: E402

BENCH_DATABASE = "credentials_bench"


def main():
    with database_server() as uri:
        setup_django(uri, BENCH_DATABASE)
        from django.core.management import call_command
        from django.db import connection

        from bench import bench_admin, bench_secrets

        database = connection.database
        database.client.drop_database(BENCH_DATABASE)
        try:
            call_command("migrate", verbosity=0)
            bench_secrets.run(database)
            bench_admin.run(database)
        finally:
            database.client.drop_database(BENCH_DATABASE)


if __name__ == "__main__":
    main()
