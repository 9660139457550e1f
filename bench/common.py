"""What the benchmarks share: a database server of their own, and timing."""

import os
import socket
import statistics
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database_server():
    """MONGODB_URI if set; else the embedded database in a process of its own.

    A separate process, so the server and the code measured do not share one interpreter.
    """
    if os.environ.get("MONGODB_URI"):
        yield os.environ["MONGODB_URI"]
        return
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "devdb", "--memory", "--port", str(port)],
        cwd=PROJECT_DIR,
        # A million credentials and their indexes, in memory: more than the embedded database's default cache.
        env={"DEVDB_CACHE_SIZE": "8G", **os.environ, "DEBUG": "true"},
        stdout=subprocess.PIPE,
        text=True,
    )
    server.stdout.readline()  # "listening on ..."
    try:
        yield f"mongodb://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait()


def setup_django(uri, database):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="credsite.settings",
        DEBUG="false",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        TRUSTED_PROXY_COUNT="0",
        SECURE_SSL_REDIRECT="false",
        CONSOLE_PUBLIC_URL="http://testserver",
        MONGODB_URI=uri,
        MONGODB_NAME=database,
        CREDENTIALS_ENCRYPTION_KEYS=os.environ.get("BENCH_KEYS", "4rA0qk8a3G2iVw1O9YFz5bB1U3c6kq9vHq0Zl8H5p2E="),
    )
    sys.path.insert(0, str(PROJECT_DIR))
    # Whitenoise looks for collected static files, which the benchmarks do not serve.
    warnings.filterwarnings("ignore", "No directory at")
    import django

    django.setup()


def timed(function, repeat=1):
    """(median seconds, last result) over `repeat` runs."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def report(rows):
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


def bench_credential_id(n):
    return f"00000000-0000-4000-8000-{n:012d}"


def seed_youtube(collection, count, tenants, document_fields):
    """Insert `count` YouTube credential documents as another service would write them.

    `document_fields(n)` gives the fields of document n beyond identity and tenant.
    """
    collection.delete_many({})
    batch = []
    for n in range(count):
        batch.append(
            {
                "credential_id": bench_credential_id(n),
                "name": f"Channel credential {n}",
                "platform": "youtube",
                "customer_id": f"cust-{n % tenants:04d}",
                **document_fields(n),
            }
        )
        if len(batch) == 10_000:
            collection.insert_many(batch)
            batch.clear()
    if batch:
        collection.insert_many(batch)
