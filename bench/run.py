"""`make bench`: the console's speed figures, on a database server of the benchmarks' own.

`bench/run.py refresh` (or `secrets`, `admin`, several) runs only those. A module that fails
is reported and the others still run; the exit status says so.
"""

import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_server, setup_django  # noqa: E402

BENCH_DATABASE = "credentials_bench"
MODULES = ("secrets", "admin", "refresh")


def main(names):
    unknown = [name for name in names if name not in MODULES]
    if unknown:
        sys.exit(f"unknown benchmark {unknown[0]!r}; they are: {', '.join(MODULES)}")
    failed = []
    with database_server() as uri:
        setup_django(uri, BENCH_DATABASE)
        from django.core.management import call_command
        from django.db import connection

        from bench import bench_admin, bench_refresh, bench_secrets

        modules = {"secrets": bench_secrets, "admin": bench_admin, "refresh": bench_refresh}
        database = connection.database
        database.client.drop_database(BENCH_DATABASE)
        try:
            call_command("migrate", verbosity=0)
            for name in names or MODULES:
                try:
                    modules[name].run(database)
                except Exception:
                    traceback.print_exc()
                    failed.append(name)
        finally:
            database.client.drop_database(BENCH_DATABASE)
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
